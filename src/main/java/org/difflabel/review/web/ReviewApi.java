package org.difflabel.review.web;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.difflabel.contracts.RejectionReason;
import org.difflabel.contracts.ReviewSource;
import org.difflabel.images.ImageFetchException;
import org.difflabel.images.ImageStoreUnavailableException;
import org.difflabel.review.Decision;
import org.difflabel.review.InputImages;
import org.difflabel.review.QueueFilter;
import org.difflabel.review.ReviewQueue;
import org.difflabel.review.ReviewService;
import org.difflabel.review.ReviewerAccounts;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The review page's JSON API. The reviewer is always the logged-in user; no request field names
 * one. State-changing calls need the CSRF token (header {@code X-CSRF-TOKEN}).
 */
@Path("/review/api")
@RolesAllowed(ReviewerAccounts.REVIEWER_ROLE)
public class ReviewApi {
    private static final Set<String> IMAGE_TYPES = Set.of("image/png", "image/jpeg");

    @Inject
    ReviewService review;

    @Inject
    SecurityIdentity identity;

    /** The next task and the counters the page shows. */
    public record Next(TaskView task, int depth, int mine) {
    }

    /** One decision as the page sends it: a label (chosen or typed) or a rejection, and the time spent. */
    public record DecisionRequest(String eventId, String label, String rejection, Long timeSpentMs) {
    }

    public record DecisionsRequest(List<DecisionRequest> decisions) {
    }

    @GET
    @Path("/next")
    @Produces(MediaType.APPLICATION_JSON)
    public Next next(@QueryParam("model") String model, @QueryParam("label") String label,
                     @QueryParam("age") String age, @QueryParam("exclude") String exclude) {
        ReviewQueue q = queue();
        QueueFilter filter = Filters.of(model, label, age);
        Set<String> excluded = exclude == null || exclude.isBlank() ? Set.of()
                : Arrays.stream(exclude.split(",")).map(String::strip).collect(Collectors.toSet());
        String me = reviewer();
        TaskView task = q.next(me, filter, excluded).map(h -> TaskView.of(h.task(), h.since())).orElse(null);
        return new Next(task, q.depth(filter), q.decisionsBy(me));
    }

    @POST
    @Path("/decisions")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public ReviewService.Saved decide(DecisionsRequest body) {
        if (body == null || body.decisions() == null || body.decisions().isEmpty()) {
            throw new BadRequestException("no decisions in the request");
        }
        List<Decision> decisions = body.decisions().stream().map(ReviewApi::decision).toList();
        queue();
        return review.save(reviewer(), decisions, ReviewSource.REVIEW_UI);
    }

    @POST
    @Path("/tasks/{eventId}/skip")
    public Response skip(@PathParam("eventId") String eventId) {
        queue().skip(reviewer(), eventId);
        return Response.noContent().build();
    }

    @GET
    @Path("/tasks/{eventId}/image")
    public Response image(@PathParam("eventId") String eventId) {
        var task = queue().visibleTo(reviewer(), eventId).orElseThrow(NotFoundException::new);
        InputImages.Image image;
        try {
            image = review.images().of(task).orElseThrow(() ->
                    new NotFoundException("the image of this task is no longer on its input topic"));
        } catch (ImageFetchException e) {
            // the code only: the reference itself stays on the server
            return Response.status(Response.Status.NOT_FOUND).entity("the image of this task is refused: " + e.code())
                    .type(MediaType.TEXT_PLAIN).header("Cache-Control", "no-store").build();
        } catch (ImageStoreUnavailableException e) {
            return Response.status(Response.Status.SERVICE_UNAVAILABLE).entity("the image store cannot be reached")
                    .type(MediaType.TEXT_PLAIN).header("Cache-Control", "no-store").build();
        }
        // only image types the page expects; anything else is offered as a download, never rendered
        String type = IMAGE_TYPES.contains(image.contentType()) ? image.contentType() : MediaType.APPLICATION_OCTET_STREAM;
        return Response.ok(image.bytes(), type)
                .header("Cache-Control", "private, no-store")
                .header("X-Content-Type-Options", "nosniff")
                .build();
    }

    static String imageUrl(String eventId) {
        return "/review/api/tasks/" + URLEncoder.encode(eventId, StandardCharsets.UTF_8).replace("+", "%20") + "/image";
    }

    private static Decision decision(DecisionRequest d) {
        if (d == null) {
            throw new BadRequestException("a decision is empty");
        }
        RejectionReason reason = null;
        if (d.rejection() != null) {
            try {
                reason = RejectionReason.valueOf(d.rejection());
            } catch (IllegalArgumentException e) {
                throw new BadRequestException("unknown rejection '" + d.rejection() + "' (NONE_OF_THESE, UNUSABLE_IMAGE)");
            }
        }
        return new Decision(d.eventId(), d.label(), reason, d.timeSpentMs());
    }

    private ReviewQueue queue() {
        if (!review.running()) {
            throw new NotFoundException();
        }
        return review.queue();
    }

    private String reviewer() {
        return identity.getPrincipal().getName();
    }
}
