package org.difflabel.review.web;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.TrustedAuthenticationRequest;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.difflabel.review.ReviewService;

/**
 * The identity of a form-login session on later requests: the session cookie (encrypted by
 * Quarkus) names the user; their roles come from the users file now, so a removed user loses access.
 */
@ApplicationScoped
public class ReviewerSessionIdentityProvider implements IdentityProvider<TrustedAuthenticationRequest> {
    @Inject
    ReviewService review;

    @Override
    public Class<TrustedAuthenticationRequest> getRequestType() {
        return TrustedAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(TrustedAuthenticationRequest request, AuthenticationRequestContext context) {
        return Uni.createFrom().item(() -> review.accounts().find(request.getPrincipal())
                .map(ReviewerIdentityProvider::identity)
                .orElseThrow(AuthenticationFailedException::new));
    }
}
