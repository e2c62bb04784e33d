package org.difflabel.review.web;

import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import org.difflabel.config.LabelerConfig;
import org.difflabel.contracts.ReviewTask;
import org.difflabel.review.QueueFilter;
import org.difflabel.review.ReviewActivity;
import org.difflabel.review.ReviewQueue;
import org.difflabel.review.ReviewService;
import org.difflabel.review.ReviewerAccounts;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.TreeSet;

/** The review UI's pages, rendered on the server (Qute); the task page's script talks to {@link ReviewApi}. */
@Path("/review")
@Produces(MediaType.TEXT_HTML)
public class ReviewPages {
    @Inject
    ReviewService review;

    @Inject
    LabelerConfig config;

    @Inject
    SecurityIdentity identity;

    @Inject
    @Location("review/task.html")
    Template task;

    @Inject
    @Location("review/bulk.html")
    Template bulk;

    @Inject
    @Location("review/activity.html")
    Template activity;

    @Inject
    @Location("review/login.html")
    Template login;

    /** The values of the filter form: what is selected and what can be. */
    public record FilterForm(String model, String label, String age, List<String> models, List<String> labels,
                             List<String> ages) {
    }

    @GET
    @RolesAllowed(ReviewerAccounts.REVIEWER_ROLE)
    public TemplateInstance taskPage(@QueryParam("model") String model, @QueryParam("label") String label,
                                     @QueryParam("age") String age) {
        ReviewQueue q = queue();
        Filters.of(model, label, age);
        return task.data("user", identity.getPrincipal().getName())
                .data("filter", form(q, model, label, age))
                .data("undoWindowMs", config.review().undoWindow().toMillis())
                .data("leaseMinutes", config.review().lease().toMinutes());
    }

    @GET
    @Path("/bulk")
    @RolesAllowed(ReviewerAccounts.REVIEWER_ROLE)
    public TemplateInstance bulkPage(@QueryParam("model") String model, @QueryParam("label") String label,
                                     @QueryParam("age") String age) {
        ReviewQueue q = queue();
        QueueFilter filter = Filters.of(model, label, age);
        String me = identity.getPrincipal().getName();
        List<TaskView> tasks = q.batch(me, filter, config.review().bulkPageSize()).stream()
                .map(h -> TaskView.of(h.task(), h.since())).toList();
        return bulk.data("user", me)
                .data("filter", form(q, model, label, age))
                .data("tasks", tasks)
                .data("depth", q.depth(filter));
    }

    @GET
    @Path("/activity")
    @RolesAllowed(ReviewerAccounts.REVIEWER_ROLE)
    public TemplateInstance activityPage() {
        ReviewQueue q = queue();
        return activity.data("user", identity.getPrincipal().getName())
                .data("a", ReviewActivity.of(q.pending(), q.decisions(), Instant.now()));
    }

    @GET
    @Path("/login")
    @PermitAll
    public TemplateInstance loginPage(@QueryParam("error") String error) {
        if (!review.running()) {
            throw new NotFoundException();
        }
        return login.data("error", error != null);
    }

    /** Ends the form login's session (its cookie); an OIDC session ends at the identity provider. */
    @POST
    @Path("/logout")
    @RolesAllowed(ReviewerAccounts.REVIEWER_ROLE)
    public Response logout() {
        NewCookie gone = new NewCookie.Builder(SESSION_COOKIE).path("/").maxAge(0).httpOnly(true).value("").build();
        return Response.seeOther(URI.create("/review/login")).cookie(gone).build();
    }

    static final String SESSION_COOKIE = "difflabel-review";

    private ReviewQueue queue() {
        if (!review.running()) {
            throw new NotFoundException();
        }
        if (!review.ready()) {
            // the stores are being rebuilt from Kafka (a start or a rebalance): say so, and come back by itself
            throw new WebApplicationException(Response.status(Response.Status.SERVICE_UNAVAILABLE)
                    .type(MediaType.TEXT_HTML)
                    .header("Retry-After", "3")
                    .entity("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"3\">"
                            + "<title>Loading</title></head><body><p>The review queue is loading from Kafka;"
                            + " this page reloads by itself.</p></body></html>")
                    .build());
        }
        return review.queue();
    }

    private static FilterForm form(ReviewQueue q, String model, String label, String age) {
        TreeSet<String> models = new TreeSet<>();
        TreeSet<String> labels = new TreeSet<>();
        for (ReviewTask t : q.pending()) {
            models.add(t.getModelId() + ":" + t.getModelVersion());
            labels.add(t.getTopLabel());
        }
        return new FilterForm(model == null ? "" : model, label == null ? "" : label, age == null ? "" : age,
                List.copyOf(models), List.copyOf(labels), List.copyOf(Filters.AGES.keySet()));
    }
}
