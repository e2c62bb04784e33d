package org.difflabel.replay;

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
 * The compare-report page in a real headless Chromium: the flip matrix renders as a heat map with
 * the right counts in the right cells, flips coloured apart from agreements, and the histograms
 * draw. A screenshot is saved as target/screenshots/compare-report.png.
 */
class ComparisonPageBrowserIT {

    @Test
    void rendersTheFlipMatrixAsAHeatMap() throws Exception {
        ComparisonReport report = ComparisonReport.of(ComparisonReportTest.comparisons(new String[][]{
                {"1", "1", "1"}, {"1", "1", "1"}, {"1", "1", "1"}, {"7", "1", "1"}, {"1", "7", "1"},
                {"3", "5", "8"}, {"4", "4", null}, {"9", "4", "4"}, {null, "2", null}}));
        Path page = Path.of("target", "compare-report.html");
        Files.createDirectories(page.getParent());
        Files.writeString(page, ComparisonPage.render(report, "Challenger vs champion (test)"));

        WebDriver browser = Browser.headless(1200, 900);
        try {
            browser.get(page.toAbsolutePath().toUri().toString());
            WebElement matrix = browser.findElement(By.id("flip-matrix-1"));
            List<String> header = matrix.findElements(By.cssSelector("tr:first-child th")).stream().map(WebElement::getText)
                    .toList();
            assertThat(header).containsExactly("", "1", "3", "4", "5", "7", "9");
            // row "1" (champion said 1): 3 agreements, 1 flip to 7
            WebElement row1 = matrix.findElements(By.tagName("tr")).get(1);
            assertThat(row1.findElement(By.tagName("th")).getText()).isEqualTo("1");
            List<WebElement> cells = row1.findElements(By.tagName("td"));
            assertThat(cells.get(0).getText()).isEqualTo("3");
            assertThat(cells.get(4).getText()).isEqualTo("1");
            assertThat(cells.get(1).getText()).isEmpty();
            // colours as rendered: agreement green, flip red, empty transparent
            assertThat(cells.get(0).getCssValue("background-color")).startsWith("rgba(42, 170, 119");
            assertThat(cells.get(4).getCssValue("background-color")).startsWith("rgba(214, 69, 65");
            assertThat(cells.get(1).getCssValue("background-color")).as("empty cell: transparent").endsWith(", 0)");
            assertThat(matrix.getSize().getWidth()).as("laid out, not collapsed").isGreaterThan(200);
            assertThat(browser.findElements(By.cssSelector("svg rect"))).hasSize(10 + 10 + 9);
            assertThat(browser.findElement(By.className("agreement")).getText()).isEqualTo("50.00%");
            Browser.screenshot(browser, "compare-report");
        } finally {
            browser.quit();
        }
    }
}
