package org.difflabel.calibration;

import org.difflabel.testsupport.Browser;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The calibrate page in a real headless Chromium, from the held-out digits' results: both
 * reliability diagrams draw one bar per non-empty bin, the risk-coverage curve draws with the
 * certified point on it, and the figures match the result. Screenshot: target/screenshots/calibrate-report.png.
 */
class CalibrationPageBrowserIT {

    @Test
    void rendersReliabilityDiagramsAndTheRiskCoverageCurve() throws Exception {
        List<CalibrationItem> items = HeldoutResults.load(HeldoutResults.CLEAN).stream()
                .map(HeldoutResults.Row::asDatasetItem).toList();
        Calibrator.Options o = new Calibrator.Options(0.02, 0.1, 0.5, 1, Metrics.DEFAULT_BINS);
        CalibrationResult r = Calibrator.calibrate(items, o);
        ReviewEvidence e = new ReviewEvidence(items, items.size(), items.size(), 0, 0, 0, 0, 0);
        assertThat(r.certifiedThreshold()).isPresent();
        Path page = Path.of("target", "calibrate-report.html");
        Files.createDirectories(page.getParent());
        Files.writeString(page, CalibrationPage.render("mnist-ddpm", "1.0.0", e, r, o));

        WebDriver browser = Browser.headless(1250, 900);
        try {
            browser.get(page.toAbsolutePath().toUri().toString());
            for (var q : List.of(new Object[]{"reliability-before", r.before()}, new Object[]{"reliability-after", r.after()})) {
                WebElement svg = browser.findElement(By.id((String) q[0]));
                long bins = ((CalibrationResult.Quality) q[1]).reliability().stream().filter(b -> b.count() > 0).count();
                List<WebElement> bars = svg.findElements(By.cssSelector("rect.bar"));
                assertThat(bars).as(q[0] + " bars").hasSize((int) bins);
                // the top bin holds most digits at ~99 % accuracy: its bar is nearly the plot's full height
                WebElement top = bars.get(bars.size() - 1);
                assertThat(top.getSize().getHeight()).isGreaterThan(200);
                assertThat(svg.getSize().getWidth()).as("laid out").isGreaterThan(300);
            }
            WebElement curve = browser.findElement(By.id("risk-coverage"));
            assertThat(curve.findElement(By.tagName("path")).getSize().getWidth()).as("curve spans coverage").isGreaterThan(100);
            WebElement chosen = curve.findElement(By.id("chosen"));
            assertThat(chosen.getLocation().getX()).isBetween(curve.getLocation().getX(),
                    curve.getLocation().getX() + curve.getSize().getWidth());
            assertThat(browser.findElement(By.className("coverage")).getText())
                    .isEqualTo(String.format(java.util.Locale.ROOT, "%.2f%%", 100 * r.certification().coverage()));
            assertThat(browser.findElement(By.className("temperature")).getText())
                    .isEqualTo(String.format(java.util.Locale.ROOT, "%.6g", r.temperature()));
            Browser.screenshot(browser, "calibrate-report");
        } finally {
            browser.quit();
        }
    }
}
