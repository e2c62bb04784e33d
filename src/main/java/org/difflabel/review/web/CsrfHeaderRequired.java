package org.difflabel.review.web;

import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.Map;
import java.util.Set;

/**
 * Quarkus' CSRF filter checks a token that a request carries (form field or {@code X-CSRF-TOKEN}
 * header) against the CSRF cookie, but lets a JSON or body-less request without any token through.
 * The review API changes state on such requests, so here a missing header is a refusal; the
 * Quarkus filter still checks the header's value.
 */
public class CsrfHeaderRequired {
    static final String HEADER = "X-CSRF-TOKEN";
    private static final Set<String> SAFE = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

    @ServerRequestFilter
    public Response requireToken(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (SAFE.contains(request.getMethod()) || !path.startsWith("/review/")) {
            return null;
        }
        MediaType type = request.getMediaType();
        boolean form = type != null && (type.isCompatible(MediaType.APPLICATION_FORM_URLENCODED_TYPE)
                || type.isCompatible(MediaType.MULTIPART_FORM_DATA_TYPE));
        if (form || request.getHeaderString(HEADER) != null) {
            return null; // checked by Quarkus' CSRF filter
        }
        return Response.status(Response.Status.FORBIDDEN).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", "missing CSRF token (header " + HEADER + ")")).build();
    }
}
