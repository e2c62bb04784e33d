package org.difflabel.review.web;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.difflabel.review.DecisionsNotSavedException;
import org.difflabel.review.InvalidDecisionException;
import org.difflabel.review.QueueUnavailableException;
import org.difflabel.review.TaskHeldException;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.Map;

/** The review API's errors as JSON {@code {"error": ...}} the page shows as they are. */
public class ReviewExceptionMappers {
    @ServerExceptionMapper
    public Response notSaved(DecisionsNotSavedException e) {
        // the page keeps the decisions and retries; the message says why (no task content in it)
        return error(Response.Status.SERVICE_UNAVAILABLE, e.getMessage() + " — your decisions are kept and will be retried");
    }

    @ServerExceptionMapper
    public Response unavailable(QueueUnavailableException e) {
        return error(Response.Status.SERVICE_UNAVAILABLE, e.getMessage());
    }

    @ServerExceptionMapper
    public Response invalid(InvalidDecisionException e) {
        return error(Response.Status.BAD_REQUEST, e.getMessage());
    }

    @ServerExceptionMapper
    public Response held(TaskHeldException e) {
        return error(Response.Status.CONFLICT, e.getMessage());
    }

    private static Response error(Response.Status status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("error", message)).build();
    }
}
