package org.callscheduler.web;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;

import org.callscheduler.call.CallStatus;
import org.callscheduler.support.CallFixtures;
import org.callscheduler.support.HeadlessChromium;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chromium.ChromiumNetworkConditions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/**
 * The page in a real headless Chromium (Debian's chromium and chromium-driver, paths set
 * explicitly so nothing is downloaded): schedule, watch a call progress without a reload, filter,
 * delete, and see a validation message. Saves a screenshot to target/screenshots/.
 */
@QuarkusTest
@TestProfile(BrowserProfile.class)
class CallPagesBrowserTest {


    private static WebDriver browser;

    @TestHTTPResource("/")
    URL page;

    @Inject
    CallFixtures fixtures;

    @BeforeAll
    static void startBrowser() {
        browser = HeadlessChromium.start();
    }

    @AfterAll
    static void stopBrowser() {
        HeadlessChromium.quit(browser);
    }

    @BeforeEach
    void openPage() {
        fixtures.deleteAll();
        browser.get(page.toString());
        waitUpTo(10).until(d -> ((JavascriptExecutor) d).executeScript("return !!window.htmx").equals(Boolean.TRUE));
    }

    @Test
    void aCallScheduledInTheFormAppearsAndGoesFromPendingToCompletedWithoutAReload() throws IOException {
        markPage();
        typePhone("+1 (415) 555-0142");
        setWhen(6);
        browser.findElement(By.cssSelector("button[value=schedule]")).click();

        waitUpTo(10).until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice.success"),
                "Call to +14155550142 scheduled."));
        assertEquals("", browser.findElement(By.id("phone")).getAttribute("value"), "the form is reset");
        List<String> seen = watchStatus("+14155550142", "completed", 40);

        assertEquals("pending", seen.get(0));
        assertTrue(seen.contains("in-progress"), "statuses seen: " + seen);
        assertEquals("completed", seen.get(seen.size() - 1));
        assertTrue(pageIsStillTheSame(), "the page was reloaded");
        screenshot("call-scheduler.png");
    }

    @Test
    void callNowIsDialledAtOnce() {
        typePhone("+44 20 7946 0958");
        browser.findElement(By.cssSelector("button[value=now]")).click();

        waitUpTo(10).until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice.success"),
                "Calling +442079460958 now."));
        List<String> seen = watchStatus("+442079460958", "in-progress", 10);
        assertEquals("in-progress", seen.get(seen.size() - 1));
    }

    @Test
    void theStatusFilterShowsOnlyThatStatusAndSurvivesTheRefresh() {
        fixtures.insertPending(1, "+14155550101", java.time.Instant.now().plusSeconds(3600));
        fixtures.insertFinished(CallStatus.COMPLETED, "+14155550102");
        fixtures.insertFinished(CallStatus.FAILED, "+14155550103");
        browser.navigate().refresh();

        WebElement completed = waitUpTo(10).until(ExpectedConditions.elementToBeClickable(
                By.xpath("//nav[@class='filters']/a[starts-with(normalize-space(.), 'Completed')]")));
        completed.click();
        waitUpTo(10).until(d -> badges(d).equals(List.of("completed")));

        // Two refresh cycles later the filter still holds.
        ((JavascriptExecutor) browser).executeScript(
                "window.__swaps = 0; document.body.addEventListener('htmx:afterSwap', () => window.__swaps++);");
        waitUpTo(10).until(d -> ((Number) ((JavascriptExecutor) d).executeScript("return window.__swaps")).intValue() >= 2);
        assertEquals(List.of("completed"), badges(browser));
        assertEquals("Completed", ((JavascriptExecutor) browser).executeScript(
                "return document.querySelector('.filter.active').firstChild.textContent.trim()"));
    }

    @Test
    void aPendingCallIsDeletedFromItsRowAfterConfirmation() {
        long id = fixtures.insertPending(1, "+14155550177", java.time.Instant.now().plusSeconds(3600)).get(0);
        browser.navigate().refresh();

        WebElement delete = waitUpTo(10).until(ExpectedConditions.elementToBeClickable(
                By.cssSelector("#call-" + id + " button.danger")));
        delete.click();
        waitUpTo(5).until(ExpectedConditions.alertIsPresent()).accept();

        waitUpTo(5).until(ExpectedConditions.invisibilityOfElementLocated(By.id("call-" + id)));
        assertTrue(browser.findElements(By.id("call-" + id)).isEmpty());
        assertTrue(browser.getPageSource().contains("No calls yet."));
    }

    @Test
    void aBadNumberGetsAMessageNextToTheField() {
        typePhone("12");
        browser.findElement(By.cssSelector("button[value=now]")).click();

        WebElement error = waitUpTo(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("phone-error")));
        assertTrue(error.getText().contains("valid phone number"), error.getText());
        assertEquals("12", browser.findElement(By.id("phone")).getAttribute("value"));
        assertEquals("true", browser.findElement(By.id("phone")).getAttribute("aria-invalid"));
    }

    @Test
    void theCalleesZoneUnfoldsAndAWrongOneGetsAMessageNextToIt() throws IOException {
        assertTrue(!browser.findElement(By.id("callee-zone")).isDisplayed(), "folded away at first");
        browser.findElement(By.cssSelector("details.more summary")).click();
        WebElement zone = waitUpTo(5).until(ExpectedConditions.visibilityOfElementLocated(By.id("callee-zone")));
        zone.sendKeys("Chicago");
        typePhone("+1 415 555 0123");
        setWhen(3600);
        browser.findElement(By.cssSelector("button[value=schedule]")).click();

        WebElement error = waitUpTo(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("callee-zone-error")));
        assertTrue(error.getText().contains("IANA time zone"), error.getText());
        assertEquals("Chicago", browser.findElement(By.id("callee-zone")).getAttribute("value"));
        screenshot("call-scheduler-zone-error.png");
    }

    @Test
    void aNoticeShowsWhileTheServerCannotBeReachedAndGoesWhenItAnswersAgain() {
        assertTrue(!browser.findElement(By.id("offline")).isDisplayed());

        ChromeDriver chrome = (ChromeDriver) browser;
        ChromiumNetworkConditions offline = new ChromiumNetworkConditions();
        offline.setOffline(true);
        chrome.setNetworkConditions(offline);
        try {
            waitUpTo(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("offline")));
            assertTrue(browser.findElement(By.id("offline")).getText().contains("cannot be reached"));
        } finally {
            chrome.deleteNetworkConditions();
        }
        waitUpTo(10).until(ExpectedConditions.invisibilityOfElementLocated(By.id("offline")));
    }

    @Test
    void aCallWaitingForItsCallingWindowSaysSoInItsRow() throws IOException {
        long id = insertWaitingForWindow("+14155550166");
        browser.navigate().refresh();

        WebElement waiting = waitUpTo(10).until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("#call-" + id + " .waiting")));
        assertTrue(waiting.getText().startsWith("Waiting for its calling window 09:00-17:00: opens in "), waiting.getText());
        assertTrue(browser.findElement(By.cssSelector("#call-" + id + " .callee-time")).getText()
                .endsWith(", callee (America/Chicago)"));
        screenshot("call-scheduler-waiting.png");
    }

    @Test
    void thePageFitsAPhoneScreen() throws IOException {
        fixtures.insertPending(1, "+14155550188", java.time.Instant.now().plusSeconds(900));
        fixtures.insertFinished(CallStatus.FAILED, "+14155550189");
        long waitingId = insertWaitingForWindow("+14155550187");
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844));
        try {
            browser.navigate().refresh();
            waitUpTo(10).until(d -> badges(d).size() == 3);
            screenshot("call-scheduler-phone.png");
            WebElement waiting = browser.findElement(By.cssSelector("#call-" + waitingId + " .waiting"));
            assertTrue(waiting.isDisplayed(), "the waiting text is hidden at phone width");
            assertTrue(waiting.getText().startsWith("Waiting for its calling window"), waiting.getText());
            // Within the part of the table shown without scrolling it sideways.
            Object outside = ((JavascriptExecutor) browser).executeScript("const box = document.querySelector('.table-scroll')"
                    + ".getBoundingClientRect(); const w = arguments[0].getBoundingClientRect();"
                    + " return w.left < box.left || w.right > box.right + 1 ? JSON.stringify([box.left, box.right, w.left, w.right]) : null;",
                    waiting);
            assertEquals(null, outside, "the waiting text is partly outside the table's visible width [box, text]");
            ((JavascriptExecutor) browser).executeScript("arguments[0].scrollIntoView({block: 'center'})", waiting);
            screenshot("call-scheduler-phone-table.png");
            Number scrollWidth = (Number) ((JavascriptExecutor) browser).executeScript(
                    "return document.documentElement.scrollWidth");
            Number viewport = (Number) ((JavascriptExecutor) browser).executeScript("return window.innerWidth");
            Object tooWide = ((JavascriptExecutor) browser).executeScript("return Array.from(document.querySelectorAll('body *'))"
                    + ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
                    + ".map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 8).join(', ')");
            assertTrue(scrollWidth.intValue() <= viewport.intValue(),
                    "the page (" + scrollWidth + " px) is wider than the phone (" + viewport + " px): " + tooWide);
        } finally {
            browser.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 900));
        }
    }

    @Test
    void aClickOnHistoryOpensTheCallsTimelineWithoutAReloadAndTheTableRefreshLeavesItOpen() throws IOException {
        long id = schedule("+14155550151", 3600);
        markPage();
        clickWhenThere(By.cssSelector("#call-" + id + " [data-opens-timeline]"));

        WebElement created = waitUpTo(10).until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("#timeline .event[data-type=created]")));
        assertTrue(created.getText().contains("Created"), created.getText());
        assertTrue(created.getText().contains("Scheduled for "), created.getText());
        assertEquals("History of call #" + id, browser.findElement(By.id("timeline-title")).getText());
        assertTrue(pageIsStillTheSame(), "the page was reloaded");
        assertEquals("timeline-title", ((JavascriptExecutor) browser).executeScript("return document.activeElement.id"));

        // The table is swapped every 3 s, and the pending call's panel refreshes itself: both happen, it stays open.
        ((JavascriptExecutor) browser).executeScript("document.getElementById('calls').__before = true;"
                + " document.getElementById('timeline').__before = true;");
        waitUpTo(10).until(d -> ((JavascriptExecutor) d).executeScript(
                "return document.getElementById('calls').__before !== true"
                        + " && document.getElementById('timeline').__before !== true").equals(Boolean.TRUE));
        assertTrue(browser.findElement(By.cssSelector("#timeline .event[data-type=created]")).isDisplayed());
        assertEquals("true", ((JavascriptExecutor) browser).executeScript(
                "return String(document.getElementById('call-" + id + "').classList.contains('open'))"));
        assertTrue(pageIsStillTheSame(), "the page was reloaded");
        screenshot("call-scheduler-timeline.png");

        browser.findElement(By.cssSelector("#timeline [data-closes-timeline]")).click();
        waitUpTo(5).until(ExpectedConditions.invisibilityOfElementLocated(By.id("timeline-title")));
        assertTrue(browser.findElements(By.cssSelector("#timeline .event")).isEmpty());
    }

    @Test
    void anOpenTimelineFollowsACallUntilItEndsAndThenStopsRefreshing() {
        // Due in 8 s: still pending when its history opens, then dialled and completed by the simulator.
        long id = schedule("+14155550152", 8);
        markPage();
        clickWhenThere(By.cssSelector("#call-" + id + " [data-opens-timeline]"));
        waitUpTo(10).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#timeline .event")));
        assertEquals("pending", browser.findElement(By.cssSelector("#timeline .timeline-call .badge")).getText());
        assertEquals("every 3s", browser.findElement(By.id("timeline")).getAttribute("hx-trigger"));

        waitUpTo(40).until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#timeline .event[data-type=completed]")));
        @SuppressWarnings("unchecked")
        List<String> types = (List<String>) ((JavascriptExecutor) browser).executeScript(
                "return Array.from(document.querySelectorAll('#timeline .event')).map(e => e.dataset.type)");
        assertEquals("created", types.get(0), "types: " + types);
        assertTrue(types.contains("accepted"), "types: " + types);
        assertEquals("completed", types.get(types.size() - 1), "types: " + types);
        assertEquals("completed", browser.findElement(By.cssSelector("#timeline .timeline-call .badge")).getText());
        assertEquals(null, browser.findElement(By.id("timeline")).getAttribute("hx-trigger"),
                "a finished call's history stops refreshing");
        assertTrue(pageIsStillTheSame(), "the page was reloaded");
    }

    @Test
    void aCallDeletedWhileItsHistoryIsOpenIsSaidToBeGone() {
        long id = schedule("+14155550153", 3600);
        clickWhenThere(By.cssSelector("#call-" + id + " [data-opens-timeline]"));
        waitUpTo(10).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#timeline .event")));

        given().delete("/api/calls/" + id).then().statusCode(204);

        waitUpTo(10).until(ExpectedConditions.textToBePresentInElementLocated(By.id("timeline"),
                "There is no call #" + id + ". It may have been deleted."));
        assertTrue(!browser.findElement(By.id("offline")).isDisplayed(), "a gone call is not a server that is away");
        assertEquals(null, browser.findElement(By.id("timeline")).getAttribute("hx-trigger"));
    }

    @Test
    void theTimelineFitsAPhoneScreen() throws IOException {
        long id = schedule("+14155550154", 3600);
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844));
        try {
            browser.navigate().refresh();
            clickWhenThere(By.cssSelector("#call-" + id + " [data-opens-timeline]"));
            WebElement created = waitUpTo(10).until(ExpectedConditions.visibilityOfElementLocated(
                    By.cssSelector("#timeline .event[data-type=created]")));
            assertTrue(created.getText().contains("Scheduled for "), created.getText());
            Object titleTop = ((JavascriptExecutor) browser).executeScript(
                    "return document.getElementById('timeline-title').getBoundingClientRect().top");
            Number viewportHeight = (Number) ((JavascriptExecutor) browser).executeScript("return window.innerHeight");
            assertTrue(((Number) titleTop).doubleValue() >= 0 && ((Number) titleTop).doubleValue() < viewportHeight.doubleValue(),
                    "the history opened out of sight, at " + titleTop);
            screenshot("call-scheduler-phone-timeline.png");
            Object tooWide = ((JavascriptExecutor) browser).executeScript("return Array.from(document.querySelectorAll('body *'))"
                    + ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
                    + ".map(e => e.tagName + '.' + e.className).slice(0, 8).join(', ')");
            assertEquals("", tooWide, "wider than the phone");
        } finally {
            browser.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 900));
        }
    }

    /** Schedules a call to {@code phone} {@code seconds} from now through the API, and waits for its row. */
    private long schedule(String phone, int seconds) {
        long id = given().contentType(ContentType.JSON)
                .body("{\"phone_number\": \"" + phone + "\", \"scheduled_time\": \""
                        + java.time.Instant.now().plusSeconds(seconds) + "\"}")
                .post("/api/schedule").then().statusCode(201).extract().jsonPath().getLong("id");
        waitUpTo(10).until(ExpectedConditions.presenceOfElementLocated(By.id("call-" + id)));
        return id;
    }

    /** Clicks what {@code locator} finds, again if the table's refresh replaced it under the click. */
    private void clickWhenThere(By locator) {
        waitUpTo(10).ignoring(StaleElementReferenceException.class).until(d -> {
            d.findElement(locator).click();
            return true;
        });
    }

    /**
     * Stores a pending call to {@code phone} in America/Chicago, due at 22:30 there in two days and waiting for its
     * 09:00-17:00 window to open, as the dispatcher leaves such a call.
     */
    private long insertWaitingForWindow(String phone) {
        ZoneId chicago = ZoneId.of("America/Chicago");
        ZonedDateTime due = LocalDate.now(chicago).plusDays(2).atTime(22, 30).atZone(chicago);
        long id = fixtures.insertPending(1, phone, due.toInstant()).get(0);
        fixtures.change(id, call -> {
            call.timeZone = chicago.getId();
            call.callingWindow = "09:00-17:00";
            call.waitReason = "window";
            call.nextAttemptAt = due.toLocalDate().plusDays(1).atTime(9, 0).atZone(chicago).toInstant();
        });
        return id;
    }

    private void typePhone(String number) {
        WebElement phone = browser.findElement(By.id("phone"));
        phone.clear();
        phone.sendKeys(number);
    }

    /** Fills the datetime-local input with the browser's local time, {@code seconds} from now. */
    private void setWhen(int seconds) {
        ((JavascriptExecutor) browser).executeScript("const d = new Date(Date.now() + arguments[0] * 1000);"
                + "const p = n => String(n).padStart(2, '0');"
                + "document.getElementById('when').value = d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate())"
                + " + 'T' + p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds());", seconds);
    }

    /** Watches the row of {@code phone} until its badge reads {@code last}; returns each status seen, in order. */
    private List<String> watchStatus(String phone, String last, int seconds) {
        List<String> seen = new ArrayList<>();
        waitUpTo(seconds).pollingEvery(Duration.ofMillis(100)).until(d -> {
            // Read in one script: htmx may swap the table between two WebDriver calls.
            Object status = ((JavascriptExecutor) d).executeScript("for (const row of document.querySelectorAll('#calls tbody tr[data-status]')) {"
                    + " if (row.querySelector('.phone').textContent.trim() === arguments[0])"
                    + " return row.querySelector('.badge').textContent.trim(); } return null;", phone);
            if (status != null && (seen.isEmpty() || !seen.get(seen.size() - 1).equals(status))) {
                seen.add((String) status);
            }
            return !seen.isEmpty() && seen.get(seen.size() - 1).equals(last);
        });
        return seen;
    }

    @SuppressWarnings("unchecked")
    private static List<String> badges(WebDriver driver) {
        return (List<String>) ((JavascriptExecutor) driver).executeScript(
                "return Array.from(document.querySelectorAll('#calls .badge')).map(b => b.textContent.trim());");
    }

    private void markPage() {
        ((JavascriptExecutor) browser).executeScript("window.__sameDocument = true;");
    }

    private boolean pageIsStillTheSame() {
        return Boolean.TRUE.equals(((JavascriptExecutor) browser).executeScript("return window.__sameDocument === true"));
    }

    private void screenshot(String name) throws IOException {
        Path target = Path.of("target", "screenshots");
        Files.createDirectories(target);
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), target.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }

    private static WebDriverWait waitUpTo(int seconds) {
        return new WebDriverWait(browser, Duration.ofSeconds(seconds));
    }
}
