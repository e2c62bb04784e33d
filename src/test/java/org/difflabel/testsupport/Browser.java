package org.difflabel.testsupport;

import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, which
 * {@code .ci/run} installs), driven through Selenium. The binaries are looked up on the PATH or
 * in {@code CHROME_BIN} / {@code CHROMEDRIVER}; Selenium Manager is never asked to download one.
 * Screenshots go to {@code target/screenshots/} for a person to look at.
 */
public final class Browser {
    private Browser() {
    }

    public static WebDriver headless(int width, int height) {
        String chrome = find("CHROME_BIN", "chromium", "chromium-browser", "google-chrome");
        String driver = find("CHROMEDRIVER", "chromedriver", "chromium-driver");
        ChromeOptions o = new ChromeOptions();
        o.setBinary(chrome);
        o.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=" + width + "," + height);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(driver))
                .usingAnyFreePort().build();
        return new ChromeDriver(service, o);
    }

    /** Saves a screenshot of the page as {@code target/screenshots/<name>.png}. */
    public static Path screenshot(WebDriver driver, String name) throws IOException {
        return save((TakesScreenshot) driver, name);
    }

    /** Saves a screenshot of one element of the page, cropped to it, as {@code target/screenshots/<name>.png}. */
    public static Path screenshot(WebElement element, String name) throws IOException {
        return save(element, name);
    }

    private static Path save(TakesScreenshot source, String name) throws IOException {
        Path dir = Path.of("target", "screenshots");
        Files.createDirectories(dir);
        Path out = dir.resolve(name + ".png");
        File shot = source.getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), out, StandardCopyOption.REPLACE_EXISTING);
        return out;
    }

    private static String find(String env, String... names) {
        String set = System.getenv(env);
        if (set != null && Files.isExecutable(Path.of(set))) {
            return set;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String n : names) {
                Path p = Path.of(dir, n);
                if (Files.isExecutable(p)) {
                    return p.toString();
                }
            }
        }
        throw new IllegalStateException("no " + String.join("/", names) + " on the PATH (set " + env
                + "); on Debian: apt-get install chromium chromium-driver (.ci/run does)");
    }
}
