package org.difflabel.review.web;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.UsernamePasswordAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.difflabel.review.ReviewService;

/** The form login's check of a user name and password against {@link org.difflabel.review.ReviewerAccounts}. */
@ApplicationScoped
public class ReviewerIdentityProvider implements IdentityProvider<UsernamePasswordAuthenticationRequest> {
    @Inject
    ReviewService review;

    @Override
    public Class<UsernamePasswordAuthenticationRequest> getRequestType() {
        return UsernamePasswordAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(UsernamePasswordAuthenticationRequest request,
                                              AuthenticationRequestContext context) {
        // PBKDF2 takes a while by design: off the event loop
        return context.runBlocking(() -> review.accounts()
                .verify(request.getUsername(), request.getPassword().getPassword())
                .map(ReviewerIdentityProvider::identity)
                .orElseThrow(AuthenticationFailedException::new));
    }

    /** The identity of a user of the users file: their name and roles. */
    static SecurityIdentity identity(org.difflabel.review.ReviewerAccounts.Account a) {
        return QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal(a.name())).addRoles(a.roles()).build();
    }
}
