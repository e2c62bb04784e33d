package org.difflabel.review;

import org.difflabel.testsupport.AppProcess;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The README's first command, as a user runs it: the packaged app on its embedded defaults prints
 * the review UI's address and a demo user, and its demo feed gives the review queue work (blended,
 * ambiguous digits), which the demo user can open.
 */
class EmbeddedDemoReviewIT {
    private static final Pattern BANNER = Pattern.compile("review UI: (http://localhost:\\d+)/review {2}user: demo {2}password: (\\S+)");

    @Test
    void theDemoUserSeesReviewTasksFromTheDemoFeed() throws Exception {
        try (AppProcess app = AppProcess.start("embedded-demo", Map.of("labeler.worker.stream-threads", "2"),
                "demo: published")) {
            Matcher m = BANNER.matcher(app.output());
            assertThat(m.find()).as("the banner with the demo user").isTrue();
            assertThat(m.group(1)).isEqualTo(app.url(""));
            ReviewSession demo = ReviewSession.signIn(app.url(""), "demo", m.group(2));
            long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
            String next = "";
            while (System.nanoTime() < deadline && !next.contains("\"eventId\":\"demo-blend-")) {
                Thread.sleep(1000);
                next = demo.get("/review/api/next").body();
            }
            assertThat(next).as("a blended demo image waits for review").contains("\"eventId\":\"demo-blend-")
                    .contains("\"decisionReason\":");
            assertThatThrownBy(() -> ReviewSession.signIn(app.url(""), "demo", "not-" + m.group(2)))
                    .hasMessageContaining("sign-in of demo failed");
        }
    }
}
