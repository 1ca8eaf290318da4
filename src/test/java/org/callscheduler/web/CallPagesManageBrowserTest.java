package org.callscheduler.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jakarta.inject.Inject;

import org.callscheduler.call.CallStatus;
import org.callscheduler.support.CallFixtures;
import org.callscheduler.support.HeadlessChromium;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Managing calls at volume in a real headless Chromium (issue 12): search and a range of days kept in the address
 * through the refresh and a reload, Reschedule in a row and in a call's history, a CSV import of 10,000 rows with its
 * progress and summary, a preview of a file with bad rows, the export of the filtered list, and all of it at phone
 * width. Saves screenshots to target/screenshots/.
 */
@QuarkusTest
@TestProfile(BrowserProfile.class)
class CallPagesManageBrowserTest {

    private static final DateTimeFormatter CALLEE = DateTimeFormatter.ofPattern("HH:mm EEE", Locale.ENGLISH);

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
        browser.manage().window().setSize(new Dimension(1280, 900));
        open(page.toString());
    }

    @Test
    void aSearchByNumberAndDaysIsInTheAddressAndSurvivesTheRefreshAndAReload() throws IOException {
        ZoneId zone = browserZone();
        LocalDate day = LocalDate.now(zone).plusDays(2);
        long wanted = fixtures.insertPending(1, "+14155550101", day.atTime(10, 0).atZone(zone).toInstant()).get(0);
        long laterDay = fixtures.insertPending(1, "+14155550101", day.plusDays(3).atTime(10, 0).atZone(zone).toInstant()).get(0);
        long otherNumber = fixtures.insertPending(1, "+14155550102", day.atTime(11, 0).atZone(zone).toInstant()).get(0);
        browser.navigate().refresh();
        waitUpTo(10).until(d -> rowIds(d).size() == 3);

        browser.findElement(By.id("search-phone")).sendKeys("+1 415 555 0101");
        setValue("search-from", day.toString());
        setValue("search-to", day.toString());
        browser.findElement(By.cssSelector("#search button[type=submit]")).click();

        waitUpTo(10).until(d -> rowIds(d).equals(List.of(wanted)));
        waitUpTo(5).until(d -> d.getCurrentUrl().contains("from=" + day));
        String url = browser.getCurrentUrl();
        assertTrue(url.contains("phone_number=%2B1+415+555+0101"), url);
        assertTrue(url.contains("to=" + day), url);
        assertTrue(browser.getPageSource().contains("1 matching call"));

        // Two refreshes of the table later, the search still holds.
        waitForTableSwaps(2);
        assertEquals(List.of(wanted), rowIds(browser));

        browser.navigate().refresh();
        waitUpTo(10).until(d -> ((JavascriptExecutor) d).executeScript("return !!window.htmx").equals(Boolean.TRUE));
        waitForTableSwaps(1);
        assertEquals(List.of(wanted), rowIds(browser));
        assertEquals("+1 415 555 0101", browser.findElement(By.id("search-phone")).getAttribute("value"));
        assertEquals(day.toString(), browser.findElement(By.id("search-from")).getAttribute("value"));
        assertFalse(rowIds(browser).contains(laterDay) || rowIds(browser).contains(otherNumber));
        screenshot("manage-search.png");

        // A link to the same address (shared) shows the same calls.
        open(url);
        waitForTableSwaps(1);
        assertEquals(List.of(wanted), rowIds(browser));
    }

    @Test
    void aBadSearchSaysWhichFieldIsWrong() {
        browser.findElement(By.id("search-phone")).sendKeys("call me");
        browser.findElement(By.cssSelector("#search button[type=submit]")).click();

        WebElement error = waitUpTo(10).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".filter-error")));
        assertTrue(error.getText().startsWith("Phone number must be a valid phone number"), error.getText());
        assertFalse(browser.findElement(By.id("problem")).isDisplayed(), "no error banner: the page answered 200");
    }

    @Test
    void aPendingCallIsRescheduledFromItsRowShowingTheCalleesTimeAndItsHistorySaysUpdated() throws IOException {
        long id = fixtures.insertPending(1, "+14155550101", Instant.now().plus(1, ChronoUnit.DAYS)).get(0);
        browser.navigate().refresh();
        openRowReschedule(id);
        // From now on the table's refresh comes and goes while the form is open, and leaves it open.
        waitForSkippedRefresh();

        LocalDateTime local = LocalDate.now(browserZone()).plusDays(3).atTime(17, 45);
        typeDateTime(browser.findElement(By.id("reschedule-at-" + id)), local);
        String expectedCallee = CALLEE.format(local.atZone(browserZone()).withZoneSameInstant(ZoneId.of("America/Los_Angeles")))
                + ", callee (America/Los_Angeles)";
        assertEquals(expectedCallee, browser.findElement(By.id("reschedule-callee-" + id)).getText());
        waitForSkippedRefresh();
        assertTrue(browser.findElement(By.id("reschedule-at-" + id)).isDisplayed());
        assertEquals(local.toString(), browser.findElement(By.id("reschedule-at-" + id)).getAttribute("value"));
        screenshot("manage-reschedule-row.png");

        browser.findElement(By.cssSelector("#reschedule-" + id + " button[type=submit]")).click();
        waitUpTo(10).until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#calls .notice"),
                "Call " + id + " to +14155550101 moved to "));
        assertEquals(local.atZone(browserZone()).toInstant(), fixtures.find(id).scheduledTime);

        clickWhenThere(By.cssSelector("#call-" + id + " [data-opens-timeline]"));
        WebElement updated = waitUpTo(10).until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("#timeline .event[data-type=updated]")));
        assertTrue(updated.getText().contains("Changed scheduled_time"), updated.getText());
    }

    @Test
    void aPendingCallIsRescheduledFromItsHistoryAndAPastTimeIsRefusedThereWithTheApisWords() {
        long id = fixtures.insertPending(1, "+14155550102", Instant.now().plus(1, ChronoUnit.DAYS)).get(0);
        browser.navigate().refresh();
        clickWhenThere(By.cssSelector("#call-" + id + " [data-opens-timeline]"));
        waitUpTo(10).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#timeline details.reschedule")));

        // Unfolded again should the panel's refresh have replaced it under the click.
        WebElement input = waitUpTo(10).ignoring(StaleElementReferenceException.class).until(d -> {
            WebElement field = d.findElement(By.id("timeline-reschedule-at"));
            if (!field.isDisplayed()) {
                d.findElement(By.cssSelector("#timeline details.reschedule summary")).click();
                return null;
            }
            return field;
        });
        typeDateTime(input, LocalDateTime.now(browserZone()).minusDays(1).truncatedTo(ChronoUnit.MINUTES));
        browser.findElement(By.cssSelector("#timeline .reschedule-form button[type=submit]")).click();
        WebElement error = waitUpTo(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("timeline-reschedule-error")));
        assertEquals("Date and time must not be more than 60 seconds in the past.", error.getText());

        LocalDateTime local = LocalDate.now(browserZone()).plusDays(4).atTime(9, 15);
        typeDateTime(browser.findElement(By.id("timeline-reschedule-at")), local);
        browser.findElement(By.cssSelector("#timeline .reschedule-form button[type=submit]")).click();

        waitUpTo(10).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#timeline .event[data-type=updated]")));
        assertTrue(browser.findElement(By.cssSelector("#timeline .timeline-notice")).getText().contains("moved to"));
        assertEquals(local.atZone(browserZone()).toInstant(), fixtures.find(id).scheduledTime);
    }

    @Test
    void aFileOfTenThousandCallsIsCheckedThenImportedInBatchesWithProgressAndASummary() throws IOException {
        Path file = Files.createDirectories(Path.of("target", "import")).resolve("ten-thousand.csv");
        StringBuilder csv = new StringBuilder("phone_number,scheduled_time,reference\r\n");
        Instant due = Instant.now().plus(2, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        for (int i = 0; i < 10_000; i++) {
            // The last row of the first batch has a quoted cell over two lines (the line break is trimmed away): the
            // page ends that batch after the cell, not inside it.
            String reference = i == 999 ? "\"imp-999\r\n\"" : "imp-" + i;
            csv.append(String.format("+1415555%04d,%s,%s\r\n", i, due.plusSeconds(i), reference));
        }
        Files.writeString(file, csv, StandardCharsets.UTF_8);

        browser.findElement(By.id("import-file")).sendKeys(file.toAbsolutePath().toString());
        browser.findElement(By.cssSelector("#import-form button[type=submit]")).click();
        WebElement start = waitUpTo(30).until(ExpectedConditions.elementToBeClickable(By.id("import-start")));
        assertEquals("Import 10,000 calls", start.getText());
        assertTrue(browser.findElement(By.cssSelector(".import-counts")).getText()
                .contains("10,000 of 10,000 rows are good"), browser.findElement(By.cssSelector(".import-counts")).getText());
        assertEquals(0, fixtures.count(CallStatus.PENDING), "the check stores nothing");

        ((JavascriptExecutor) browser).executeScript("window.__progress = [];"
                + " document.body.addEventListener('import-progress', e => window.__progress.push(e.detail));");
        start.click();
        WebElement summary = waitUpTo(120).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".import-summary")));
        screenshot("manage-import.png");

        assertEquals("Imported 10,000 of 10,000 calls in 10 batches.", summary.getText());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> progress = (List<Map<String, Object>>) ((JavascriptExecutor) browser)
                .executeScript("return window.__progress");
        assertEquals(10, progress.size(), "one step of the progress bar per batch: " + progress);
        for (int i = 0; i < 10; i++) {
            assertEquals((i + 1) * 1000L, ((Number) progress.get(i).get("sent")).longValue(), "after batch " + (i + 1));
            assertEquals((i + 1) * 1000L, ((Number) progress.get(i).get("imported")).longValue(), "after batch " + (i + 1));
        }
        assertEquals("10000", browser.findElement(By.id("import-progress")).getAttribute("value"));
        assertEquals(10_000, fixtures.count(CallStatus.PENDING));
        waitUpTo(10).until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#calls .pager"),
                "10000 calls"));
    }

    @Test
    void aBatchWhoseAnswerIsLostIsSentAgainWithoutDuplicatesAndARefusedBatchIsInTheSummary() throws IOException {
        Path file = Files.createDirectories(Path.of("target", "import")).resolve("two-thousand-five-hundred.csv");
        StringBuilder csv = new StringBuilder("phone_number,scheduled_time,reference\n");
        Instant due = Instant.now().plus(2, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        for (int i = 0; i < 2_500; i++) {
            // A quote inside a cell that does not start with one is a quote: the page does not read a quoted cell
            // from it up to the next quote in the file, so the first batch still ends after 1,000 rows.
            String reference = i == 1 ? "lost-1 5\" screen" : "lost-" + i;
            csv.append(String.format("+1415555%04d,%s,%s\n", i, due.plusSeconds(i), reference));
        }
        Files.writeString(file, csv, StandardCharsets.UTF_8);
        browser.findElement(By.id("import-file")).sendKeys(file.toAbsolutePath().toString());
        browser.findElement(By.cssSelector("#import-form button[type=submit]")).click();
        WebElement start = waitUpTo(30).until(ExpectedConditions.elementToBeClickable(By.id("import-start")));

        // The network between the page and the server, as the test makes it: the second batch is stored but its
        // answer is lost once; the third batch arrives with a bad number in its first row (line 2002).
        ((JavascriptExecutor) browser).executeScript("const send = window.fetch; window.__sent = [];"
                + " window.fetch = function (url, options) {"
                + "   const key = options.headers['Idempotency-Key']; window.__sent.push(key);"
                + "   if (key.endsWith('-1') && window.__sent.filter(k => k === key).length === 1) {"
                + "     return send(url, options).then(() => { throw new TypeError('Failed to fetch'); }); }"
                + "   if (key.endsWith('-2')) { options.body = options.body.replace('\\r\\n+1415555', '\\r\\n+0'); }"
                + "   return send(url, options); };");
        start.click();
        WebElement summary = waitUpTo(60).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".import-summary")));

        assertTrue(summary.getText().startsWith("Imported 2,000 of 2,500 calls in 3 batches; 1 batch failed and stored nothing:"),
                summary.getText());
        String failed = browser.findElement(By.cssSelector(".failed-batches li")).getText();
        assertTrue(failed.startsWith("Lines 2002 to 2501: Line 2002, phone_number: must be a valid phone number"), failed);
        @SuppressWarnings("unchecked")
        List<String> sent = (List<String>) ((JavascriptExecutor) browser).executeScript("return window.__sent");
        assertEquals(4, sent.size(), "the second batch was sent twice: " + sent);
        assertEquals(sent.get(1), sent.get(2), "with the same Idempotency-Key");
        assertEquals(2_000, fixtures.count(CallStatus.PENDING), "the batch sent twice was stored once");
        screenshot("manage-import-failed-batch.png");
    }

    @Test
    void aFileWithBadRowsShowsEachWithItsLineAndWhyAndCannotBeImported() throws IOException {
        Path file = Files.createDirectories(Path.of("target", "import")).resolve("bad-rows.csv");
        String due = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString();
        Files.writeString(file, "phone_number,scheduled_time,reference\n+14155550101," + due + ",ok\n12," + due
                + ",bad-number\n+14155550103,,no-time\n", StandardCharsets.UTF_8);

        browser.findElement(By.id("import-file")).sendKeys(file.toAbsolutePath().toString());
        browser.findElement(By.cssSelector("#import-form button[type=submit]")).click();

        waitUpTo(10).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".import-problems")));
        assertEquals("3", browser.findElement(By.cssSelector(".import-problems tr[data-line='3'] .line")).getText());
        assertEquals("phone_number", browser.findElement(By.cssSelector(".import-problems tr[data-line='3'] .column")).getText());
        assertTrue(browser.findElement(By.cssSelector(".import-problems tr[data-line='3'] .message")).getText()
                .startsWith("must be a valid phone number"));
        assertEquals("scheduled_time", browser.findElement(By.cssSelector(".import-problems tr[data-line='4'] .column")).getText());
        assertTrue(browser.findElement(By.cssSelector(".import-counts")).getText().contains("1 of 3 rows are good, 2 have problems"));
        assertTrue(browser.findElements(By.id("import-start")).isEmpty(), "no Import button for a file with bad rows");
        assertEquals(0, fixtures.count(CallStatus.PENDING));
    }

    @Test
    void theExportLinkGivesTheFilteredCallsAsCsv() {
        long wanted = fixtures.insertPending(1, "+14155550101", Instant.now().plus(1, ChronoUnit.DAYS)).get(0);
        fixtures.change(wanted, call -> call.reference = "appt-1001");
        fixtures.insertPending(1, "+14155550102", Instant.now().plus(1, ChronoUnit.DAYS));
        browser.navigate().refresh();
        browser.findElement(By.id("search-reference")).sendKeys("appt-1001");
        browser.findElement(By.cssSelector("#search button[type=submit]")).click();
        waitUpTo(10).until(d -> rowIds(d).equals(List.of(wanted)));

        WebElement link = browser.findElement(By.cssSelector("#calls a.export"));
        assertTrue(link.getAttribute("href").contains("reference=appt-1001"), link.getAttribute("href"));
        String csv = (String) ((JavascriptExecutor) browser).executeAsyncScript("const done = arguments[arguments.length - 1];"
                + " fetch(arguments[0]).then(r => r.text()).then(done, e => done('failed: ' + e));", link.getAttribute("href"));
        List<String> lines = csv.lines().toList();
        assertEquals(2, lines.size(), csv);
        assertTrue(lines.get(0).startsWith("id,phone_number,scheduled_time,status"), csv);
        assertTrue(lines.get(1).startsWith(wanted + ",'+14155550101,"), csv);
        assertTrue(lines.get(1).contains(",appt-1001,"), csv);
    }

    @Test
    void searchRescheduleAndImportFitAPhoneScreen() throws IOException {
        long id = fixtures.insertPending(1, "+14155550101", Instant.now().plus(1, ChronoUnit.DAYS)).get(0);
        fixtures.change(id, call -> call.reference = "appt-1001-a-rather-long-reference-for-a-phone-screen");
        Path file = Files.createDirectories(Path.of("target", "import")).resolve("phone.csv");
        Files.writeString(file, "phone_number,scheduled_time,reference\nabc,soon,x\n", StandardCharsets.UTF_8);
        browser.manage().window().setSize(new Dimension(375, 812));
        try {
            browser.navigate().refresh();
            WebElement input = openRowReschedule(id);
            assertTrue(input.getSize().getWidth() > 150, "the date input is usable: " + input.getSize());
            browser.findElement(By.id("import-file")).sendKeys(file.toAbsolutePath().toString());
            browser.findElement(By.cssSelector("#import-form button[type=submit]")).click();
            waitUpTo(10).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".import-problems")));

            Number phoneX = (Number) ((JavascriptExecutor) browser).executeScript(
                    "return document.getElementById('search-phone').getBoundingClientRect().left");
            Number referenceX = (Number) ((JavascriptExecutor) browser).executeScript(
                    "return document.getElementById('search-reference').getBoundingClientRect().left");
            assertEquals(phoneX.intValue(), referenceX.intValue(), "the search fields are stacked");
            Object tooWide = ((JavascriptExecutor) browser).executeScript("return Array.from(document.querySelectorAll('body *'))"
                    + ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
                    + ".map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right))"
                    + ".slice(0, 8).join(', ')");
            assertEquals("", tooWide, "wider than the phone");
            screenshot("manage-phone.png");
            ((JavascriptExecutor) browser).executeScript("document.querySelector('.import-card').scrollIntoView()");
            screenshot("manage-phone-import.png");
        } finally {
            browser.manage().window().setSize(new Dimension(1280, 900));
        }
    }

    /** Opens the Reschedule form of call {@code id}'s row, again should the table's refresh have closed it. */
    private static WebElement openRowReschedule(long id) {
        return waitUpTo(10).ignoring(StaleElementReferenceException.class).until(d -> {
            WebElement field = d.findElement(By.id("reschedule-at-" + id));
            if (!field.isDisplayed()) {
                d.findElement(By.cssSelector("#call-" + id + " [data-toggles-reschedule]")).click();
                return null;
            }
            return field;
        });
    }

    private void open(String url) {
        browser.get(url);
        waitUpTo(10).until(d -> ((JavascriptExecutor) d).executeScript("return !!window.htmx").equals(Boolean.TRUE));
    }

    private static ZoneId browserZone() {
        return ZoneId.of((String) ((JavascriptExecutor) browser).executeScript(
                "return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'"));
    }

    /** Sets an input's value as the person's typing would, with the input event a script listens to. */
    private static void setValue(String id, String value) {
        ((JavascriptExecutor) browser).executeScript("const input = document.getElementById(arguments[0]);"
                + " input.value = arguments[1]; input.dispatchEvent(new Event('input', {bubbles: true}));", id, value);
    }

    private static void typeDateTime(WebElement input, LocalDateTime value) {
        ((JavascriptExecutor) browser).executeScript("arguments[0].value = arguments[1];"
                + " arguments[0].dispatchEvent(new Event('input', {bubbles: true}));", input, value.toString());
    }

    /** Waits until the table has been swapped {@code count} more times by its refresh. */
    private static void waitForTableSwaps(int count) {
        ((JavascriptExecutor) browser).executeScript("window.__swaps = 0; document.body.addEventListener('htmx:afterSwap',"
                + " e => { if (e.detail.target && e.detail.target.id === 'calls') window.__swaps++; });");
        waitUpTo(15).until(d -> ((Number) ((JavascriptExecutor) d).executeScript("return window.__swaps")).intValue() >= count);
    }

    /** Waits until the table's refresh came while a Reschedule form was open, and was held back. */
    private static void waitForSkippedRefresh() {
        ((JavascriptExecutor) browser).executeScript("window.__held = 0; document.body.addEventListener('htmx:confirm',"
                + " e => { if (e.detail.elt && e.detail.elt.id === 'calls' && e.defaultPrevented) window.__held++; });");
        waitUpTo(10).until(d -> ((Number) ((JavascriptExecutor) d).executeScript("return window.__held")).intValue() >= 1);
    }

    @SuppressWarnings("unchecked")
    private static List<Long> rowIds(WebDriver driver) {
        List<Object> ids = (List<Object>) ((JavascriptExecutor) driver).executeScript(
                "return Array.from(document.querySelectorAll('#calls tbody tr[id^=call-]')).map(r => Number(r.id.substring(5)))");
        return ids.stream().map(id -> ((Number) id).longValue()).toList();
    }

    /** Clicks what {@code locator} finds, again if the table's refresh replaced it under the click. */
    private static void clickWhenThere(By locator) {
        waitUpTo(10).ignoring(StaleElementReferenceException.class).until(d -> {
            d.findElement(locator).click();
            return true;
        });
    }

    private static void screenshot(String name) throws IOException {
        Path target = Path.of("target", "screenshots");
        Files.createDirectories(target);
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), target.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }

    private static WebDriverWait waitUpTo(int seconds) {
        return new WebDriverWait(browser, Duration.ofSeconds(seconds));
    }
}
