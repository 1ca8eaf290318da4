package org.callscheduler.support;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;

import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A real headless Chromium driven through ChromeDriver, for the page tests. Without Chromium the tests fail in CI
 * (which installs it) and are aborted, loudly, elsewhere.
 */
public final class HeadlessChromium {

    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    private HeadlessChromium() {
    }

    /** Starts a browser with a window of 1280 x 900; the caller quits it. */
    public static ChromeDriver start() {
        if (!new File(CHROMIUM).canExecute() || !new File(CHROMEDRIVER).canExecute()) {
            String message = "No Chromium at " + CHROMIUM + " or no ChromeDriver at " + CHROMEDRIVER
                    + ": install them with 'apt-get install chromium chromium-driver' (.ci/run does).";
            if (System.getenv("CI") != null) {
                fail(message);
            }
            System.err.println("\n*** BROWSER TESTS NOT RUN *** " + message + "\n");
            Assumptions.abort(message);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1280,900");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    /** Quits {@code browser}, if it was started. */
    public static void quit(WebDriver browser) {
        if (browser != null) {
            browser.quit();
        }
    }
}
