package org.difflabel.monitoring;

import org.difflabel.testsupport.Browser;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One Grafana panel drawn by Prometheus' own graph page ({@code /classic/graph}, the page Debian's
 * {@code prometheus} serves; there is no Grafana here): one graph per query of the panel, in order,
 * over the last {@code range}. The panel's title is written above the graphs so a screenshot says
 * which panel it is.
 */
final class PrometheusGraphPage {
    /** A point of an SVG path: its y. */
    private static final Pattern POINT = Pattern.compile("[ML][-0-9.e]+,([-0-9.e]+)");
    private final WebDriver browser;
    private final DashboardPanel panel;

    private PrometheusGraphPage(WebDriver browser, DashboardPanel panel) {
        this.browser = browser;
        this.panel = panel;
    }

    /** Opens the panel's queries as graphs and waits until each has drawn its lines or shown an error. */
    static PrometheusGraphPage open(WebDriver browser, String prometheus, DashboardPanel panel, String range) {
        StringBuilder url = new StringBuilder(prometheus).append("/classic/graph?");
        for (int i = 0; i < panel.expressions().size(); i++) {
            url.append(i == 0 ? "" : "&").append("g").append(i).append(".expr=")
                    .append(URLEncoder.encode(panel.expressions().get(i), StandardCharsets.UTF_8))
                    .append("&g").append(i).append(".tab=0&g").append(i).append(".range_input=").append(range);
        }
        browser.get(url.toString());
        PrometheusGraphPage page = new PrometheusGraphPage(browser, panel);
        page.awaitDrawn();
        return page;
    }

    private void awaitDrawn() {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            List<WebElement> graphs = graphs();
            if (graphs.size() == panel.expressions().size() && graphs.stream().allMatch(PrometheusGraphPage::settled)) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("the graphs of panel '" + panel.title() + "' did not draw in 30 s");
    }

    /** A graph has drawn (the legend comes last) or given up with an error. */
    private static boolean settled(WebElement graph) {
        return !graph.findElements(By.cssSelector(".legend .label")).isEmpty()
                || graph.findElement(By.cssSelector(".error")).isDisplayed();
    }

    private List<WebElement> graphs() {
        return browser.findElements(By.cssSelector("#graph_container .graph_wrapper"));
    }

    /** The error the page shows for the {@code i}-th query ("Error executing query: ..."), or "" when none. */
    String error(int i) {
        WebElement error = graphs().get(i).findElement(By.cssSelector(".error"));
        return error.isDisplayed() ? error.getText() : "";
    }

    /** The series names the legend of the {@code i}-th graph lists, as Prometheus writes them: {@code {code="x"}}. */
    List<String> legend(int i) {
        return graphs().get(i).findElements(By.cssSelector(".legend .label")).stream()
                .map(l -> l.getAttribute("textContent")).toList();
    }

    /**
     * How many series of the {@code i}-th graph draw a line one can see: Rickshaw's {@code path.path} with a point
     * above the chart's bottom edge (a series that is 0 throughout gives the axis no scale and runs along that
     * edge, under the frame).
     */
    long visibleLines(int i) {
        WebElement graph = graphs().get(i);
        double bottom = Double.parseDouble(graph.findElement(By.cssSelector(".graph_area svg:not(.y_axis)"))
                .getAttribute("height")) - 0.5;
        return graph.findElements(By.cssSelector(".graph_area svg path.path")).stream()
                .map(p -> p.getAttribute("d"))
                .filter(d -> d != null && !d.contains("NaN") && POINT.matcher(d).results()
                        .anyMatch(m -> Double.parseDouble(m.group(1)) < bottom))
                .count();
    }

    /** Saves the panel's graphs, under its title, as {@code target/screenshots/monitoring-<panel>.png}. */
    Path screenshot() throws Exception {
        ((JavascriptExecutor) browser).executeScript("""
                document.querySelectorAll('.query-history, #add_graph, a[name=remove]').forEach(e => e.style.display = 'none');
                const h = document.createElement('h4');
                h.textContent = arguments[0];
                h.style.margin = '8px 0 12px';
                document.getElementById('graph_container').prepend(h);
                """, "Grafana panel \u201c" + panel.title() + "\u201d, drawn by Prometheus' graph page");
        return Browser.screenshot(browser.findElement(By.id("graph_container")), "monitoring-" + panel.slug());
    }

    /** A panel of {@code monitoring/grafana-dashboard.json}: its title and the PromQL of its targets, in order. */
    record DashboardPanel(String title, List<String> expressions) {
        String slug() {
            return title.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
        }
    }
}
