package org.callscheduler.web;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;

import jakarta.inject.Inject;

import org.callscheduler.call.CallStatus;
import org.callscheduler.call.ScheduledCall;
import org.callscheduler.support.CallFixtures;
import org.callscheduler.support.NoJobsProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

/** The page and its htmx fragments, as HTML over HTTP. */
@QuarkusTest
@TestProfile(NoJobsProfile.class)
class CallPagesTest {

    @Inject
    CallFixtures fixtures;

    @BeforeEach
    void clean() {
        fixtures.deleteAll();
    }

    @Test
    void thePageHasTheFormTheTableAndHtmx() {
        given().get("/").then()
                .statusCode(200)
                .contentType(ContentType.HTML)
                .body(containsString("<html"))
                .body(containsString("<label for=\"phone\">Phone number</label>"))
                .body(containsString("type=\"datetime-local\""))
                .body(containsString("hx-trigger=\"every 3s"))
                .body(containsString("/webjars/htmx.org/2.0.10/dist/htmx.min.js"))
                .body(containsString("No calls yet."));
        given().get("/webjars/htmx.org/2.0.10/dist/htmx.min.js").then().statusCode(200);
    }

    @Test
    void theTableFragmentIsJustTheTableWithRowsAndBadges() {
        fixtures.insertPending(1, "+14155550123", Instant.now().plusSeconds(630));
        fixtures.insertInProgress("p-1", Instant.now());

        given().queryParam("tz", "Europe/Paris").get("/calls-table").then()
                .statusCode(200)
                .contentType(ContentType.HTML)
                .body(not(containsString("<html")))
                .body(containsString("hx-trigger=\"every 3s"))
                .body(containsString("badge badge-pending"))
                .body(containsString("badge badge-in-progress"))
                .body(containsString("+14155550123"))
                .body(containsString("in 10 min"))
                .body(containsString("Times in Europe/Paris"));
    }

    @Test
    void theFilterKeepsItsStatusAcrossRefreshes() {
        fixtures.insertPending(1, "+14155550123", Instant.now().plusSeconds(600));
        fixtures.insertInProgress("p-2", Instant.now());

        given().queryParam("status", "in-progress").get("/calls-table").then()
                .statusCode(200)
                .body(containsString("hx-get=\"/calls-table?status=in-progress&page=0\""))
                .body(containsString("badge badge-in-progress"))
                .body(not(containsString("badge badge-pending")));
    }

    @Test
    void longListsArePagedAndThePageSurvivesTheRefresh() {
        fixtures.insertPending(CallPages.PAGE_SIZE + 5, "+14155550123", Instant.now().plusSeconds(600));

        given().queryParam("page", 1).get("/calls-table").then()
                .statusCode(200)
                .body(containsString("Page 2 of 2 · 25 calls"))
                .body(containsString("hx-get=\"/calls-table?status=&page=1\""))
                .body(containsString("‹ Newer"))
                .body(not(containsString("Older ›")));
        String firstPage = given().get("/calls-table").then().statusCode(200).extract().asString();
        assertEquals(CallPages.PAGE_SIZE, firstPage.split("<tr id=\"call-").length - 1);
    }

    @Test
    void aRowShowsTheCalleesLocalTimeAndThatTheCallWaitsForItsCallingWindow() {
        ZoneId chicago = ZoneId.of("America/Chicago");
        ZonedDateTime due = LocalDate.now(chicago).plusWeeks(1).atTime(22, 30).atZone(chicago);
        ZonedDateTime opens = due.toLocalDate().plusDays(1).atTime(9, 0).atZone(chicago);
        long id = given().contentType(ContentType.JSON)
                .body("{\"phone_number\": \"+14155550123\", \"scheduled_time\": \"" + due.toOffsetDateTime()
                        + "\", \"time_zone\": \"America/Chicago\","
                        + " \"calling_window\": {\"start\": \"09:00\", \"end\": \"17:00\"}}")
                .post("/api/schedule").then()
                .statusCode(201)
                .body("not_before", equalTo(opens.toInstant().toString()))
                .extract().jsonPath().getLong("id");

        String row = row(id, "Europe/Paris");
        String scheduledInParis = DateTimeFormatter.ofPattern("EEE d MMM yyyy, HH:mm:ss", Locale.ENGLISH)
                .format(due.withZoneSameInstant(ZoneId.of("Europe/Paris")));
        assertTrue(row.contains(scheduledInParis), row);
        assertTrue(row.contains("22:30 " + day(due) + ", callee (America/Chicago)"), row);
        assertTrue(row.contains("Waiting for its calling window 09:00-17:00: opens in "), row);
        assertTrue(row.contains(" d (09:00 " + day(opens) + " callee time)"), row);
        assertTrue(!row.contains("attempts:"), "no attempt yet: " + row);
        // The API's answer keeps its contract: the reason stays out of it.
        given().get("/api/calls/" + id).then().statusCode(200).body("$", not(hasKey("wait_reason")));
    }

    @Test
    void aCallDueOnTimeShowsNoWaitingText() {
        long id = fixtures.insertPending(1, "+14155550123", Instant.now().plusSeconds(600)).get(0);

        String row = row(id, "UTC");
        assertTrue(row.contains(", callee (America/Los_Angeles)"), row);
        assertTrue(!row.contains("class=\"waiting\""), row);
        assertTrue(!row.contains("attempts:"), row);
    }

    @Test
    void aRetryAfterABusyLineSaysWhichRetryAndWhen() {
        long id = fixtures.insertPending(1, "+14155550123", Instant.now().plusSeconds(3600)).get(0);
        fixtures.change(id, call -> {
            call.scheduledTime = Instant.now().minusSeconds(120);
            call.nextAttemptAt = Instant.now().plus(Duration.ofMinutes(10));
            call.waitReason = "retry";
            call.retryOn = "busy";
            call.retryMax = 2;
            call.retryDelaySeconds = 600;
            call.retriedOutcomes = "busy";
            call.callStatus = "busy";
            call.attempts = 1;
        });

        String row = row(id, "UTC");
        assertTrue(row.contains("Retry 1 of 2 after busy: in 10 min"), row);
        assertTrue(row.contains("attempts: 1"), row);
    }

    @Test
    void aCallTheCallApiThrottledSaysItWasAskedToSlowDown() {
        long id = fixtures.insertPending(1, "+14155550123", Instant.now().plusSeconds(3600)).get(0);
        fixtures.change(id, call -> {
            call.scheduledTime = Instant.now().minusSeconds(30);
            call.nextAttemptAt = Instant.now().plus(Duration.ofMinutes(5));
            call.waitReason = "throttled";
            call.attempts = 1;
            call.errorMessage = "Call API answered 429";
        });

        String row = row(id, "UTC");
        assertTrue(row.contains("Call API asked to slow down: in 5 min"), row);
        assertTrue(row.contains("attempts: 1"), row);
    }

    @Test
    void aCallBackingOffAfterAFailedPostSaysSo() {
        long id = fixtures.insertPending(1, "+14155550123", Instant.now().plusSeconds(3600)).get(0);
        fixtures.change(id, call -> {
            call.scheduledTime = Instant.now().minusSeconds(30);
            call.nextAttemptAt = Instant.now().plus(Duration.ofMinutes(2));
            call.waitReason = "backoff";
            call.attempts = 2;
            call.errorMessage = "Call API answered 503";
        });

        String row = row(id, "UTC");
        assertTrue(row.contains("Back-off after a failed attempt: in 2 min"), row);
        assertTrue(row.contains("attempts: 2"), row);
    }

    @Test
    void aCalleeWhoseZoneIsNotKnownIsSaidSoAndTheWindowMustOpenInAllTheirCountrysZones() {
        String tollFree = "+18002345678";
        long id = fixtures.insertPending(1, tollFree, Instant.now().plusSeconds(3600)).get(0);
        fixtures.change(id, call -> {
            call.callingWindow = "09:00-17:00 MON,TUE,WED,THU,FRI";
            call.waitReason = "window";
            call.nextAttemptAt = Instant.now().plus(Duration.ofHours(5));
        });

        String row = row(id, "UTC");
        assertTrue(row.contains("callee zone unknown (US: 29 zones)"), row);
        assertTrue(row.contains("Waiting for its calling window 09:00-17:00 MON-FRI in all 29 US zones: opens in 5 h"), row);
    }

    @Test
    void aBadNumberIsExplainedNextToTheFieldAndWhatWasTypedStays() {
        withCsrfToken().contentType(ContentType.URLENC)
                .formParam("phone_number", "call me").formParam("scheduled_at", "2030-01-01T10:00")
                .formParam("tz", "UTC").formParam("action", "schedule")
                .post("/calls").then()
                .statusCode(200)
                .body(not(containsString("<html")))
                .body(containsString("id=\"phone-error\""))
                .body(containsString("Phone number must be a valid phone number"))
                .body(containsString("value=\"call me\""))
                .body(containsString("value=\"2030-01-01T10:00\""));
        assertEquals(0, fixtures.count(CallStatus.PENDING));
    }

    @Test
    void aMissingDateIsAskedForInPlainWords() {
        withCsrfToken().contentType(ContentType.URLENC)
                .formParam("phone_number", "+14155550123").formParam("scheduled_at", "").formParam("action", "schedule")
                .post("/calls").then()
                .statusCode(200)
                .body(containsString("Pick a date and a time for the call."));
    }

    @Test
    void schedulingReadsTheTimeInThePersonsZoneAndResetsTheForm() {
        LocalDateTime local = LocalDateTime.now(ZoneId.of("America/New_York")).plusHours(2).truncatedTo(ChronoUnit.SECONDS);

        withCsrfToken().contentType(ContentType.URLENC)
                .formParam("phone_number", "+1 (415) 555-0123").formParam("scheduled_at", local.toString())
                .formParam("tz", "America/New_York").formParam("action", "schedule")
                .post("/calls").then()
                .statusCode(200)
                .header("HX-Trigger", equalTo("calls-changed"))
                .body(containsString("Call to +14155550123 scheduled."))
                .body(containsString("value=\"\""));

        List<ScheduledCall> calls = QuarkusTransaction.requiringNew().call(() -> ScheduledCall.<ScheduledCall> listAll());
        assertEquals(1, calls.size());
        assertEquals(local.atZone(ZoneId.of("America/New_York")).toInstant(), calls.get(0).scheduledTime);
    }

    @Test
    void theFormSchedulesACallWithTheCalleesZoneAndCallingWindow() {
        ZoneId chicago = ZoneId.of("America/Chicago");
        LocalDateTime local = LocalDate.now(chicago).plusWeeks(1).atTime(22, 30);

        withCsrfToken().contentType(ContentType.URLENC)
                .formParam("phone_number", "+1 415 555 0123").formParam("scheduled_at", local.toString())
                .formParam("tz", "America/Chicago").formParam("action", "schedule")
                .formParam("time_zone", "America/Chicago").formParam("window_start", "09:00")
                .formParam("window_end", "17:00")
                .post("/calls").then()
                .statusCode(200)
                .body(containsString("Call to +14155550123 scheduled."))
                .body(not(containsString("value=\"America/Chicago\"")));

        List<ScheduledCall> calls = QuarkusTransaction.requiringNew().call(() -> ScheduledCall.<ScheduledCall> listAll());
        assertEquals(1, calls.size());
        ScheduledCall call = calls.get(0);
        assertEquals("America/Chicago", call.timeZone);
        assertEquals("09:00-17:00", call.callingWindow);
        assertEquals("window", call.waitReason);
        assertEquals(local.toLocalDate().plusDays(1).atTime(9, 0).atZone(chicago).toInstant(), call.nextAttemptAt);
    }

    @Test
    void aBadZoneAndAWindowWithoutItsEndAreExplainedNextToTheirFields() {
        withCsrfToken().contentType(ContentType.URLENC)
                .formParam("phone_number", "+14155550123").formParam("scheduled_at", "2031-01-01T10:00")
                .formParam("tz", "UTC").formParam("action", "schedule")
                .formParam("time_zone", "Mars/Olympus_Mons").formParam("window_start", "09:00").formParam("window_end", "")
                .post("/calls").then()
                .statusCode(200)
                .body(containsString("<details class=\"more\" open>"))
                .body(containsString("<p id=\"callee-zone-error\" class=\"error\">Time zone must be an IANA time zone id"))
                .body(containsString("<p id=\"window-end-error\" class=\"error\">Calling window end is required, as HH:MM.</p>"))
                .body(not(containsString("id=\"window-start-error\"")))
                .body(containsString("value=\"Mars/Olympus_Mons\""))
                .body(containsString("value=\"09:00\""));
        assertEquals(0, fixtures.count(CallStatus.PENDING));
    }

    @Test
    void callNowWhileItsWindowIsClosedSaysWhenItOpens() {
        LocalTime inTwoHours = LocalTime.now(ZoneOffset.UTC).plusHours(2).truncatedTo(ChronoUnit.MINUTES);

        withCsrfToken().contentType(ContentType.URLENC)
                .formParam("phone_number", "+14155550123").formParam("action", "now")
                .formParam("time_zone", "UTC").formParam("window_start", inTwoHours.toString())
                .formParam("window_end", inTwoHours.plusHours(1).toString())
                .post("/calls").then()
                .statusCode(200)
                .body(containsString("<p id=\"window-error\" class=\"error\">Calling window is closed now"))
                .body(containsString("it opens at"));
        assertEquals(0, fixtures.count(CallStatus.PENDING) + fixtures.count(CallStatus.IN_PROGRESS));
    }

    @Test
    void theZoneAndWindowStayFoldedAwayUntilUsed() {
        given().get("/").then()
                .statusCode(200)
                .body(containsString("<details class=\"more\">"))
                .body(containsString("name=\"time_zone\""))
                .body(containsString("name=\"window_start\" type=\"time\""))
                .body(containsString("Empty: any hour."));
    }

    @Test
    void deletingAPendingCallRemovesItsRow() {
        long id = fixtures.insertPending(1, "+14155550123", Instant.now().plusSeconds(600)).get(0);

        withCsrfToken().delete("/calls/" + id).then()
                .statusCode(200)
                .body(not(containsString("id=\"call-" + id + "\"")))
                .body(containsString("No calls yet."));
        assertNull(fixtures.find(id));
    }

    @Test
    void deletingACallThatWasDialledSaysWhy() {
        long id = fixtures.insertInProgress("p-3", Instant.now());

        withCsrfToken().delete("/calls/" + id).then()
                .statusCode(200)
                .body(containsString("was not deleted"))
                .body(containsString("id=\"call-" + id + "\""));
    }

    @Test
    void aDeleteWithoutTheCsrfTokenIsRefusedAndTheCallStays() {
        long id = fixtures.insertPending(1, "+14155550123", Instant.now().plusSeconds(600)).get(0);
        String token = given().get("/").then().statusCode(200).extract().cookie("csrf-token");

        given().delete("/calls/" + id).then().statusCode(400);
        given().cookie("csrf-token", token).delete("/calls/" + id).then().statusCode(400);
        given().cookie("csrf-token", token).header("X-CSRF-TOKEN", token.substring(1) + "A")
                .delete("/calls/" + id).then().statusCode(400);
        given().cookie("csrf-token", token).contentType(ContentType.TEXT).body("x")
                .delete("/calls/" + id).then().statusCode(400);
        given().urlEncodingEnabled(false).cookie("csrf-token", token).delete("/calls/" + id + ";x=1").then().statusCode(400);
        assertEquals(1, fixtures.count(CallStatus.PENDING));
    }

    @Test
    void aFormPostWithoutTheCsrfTokenIsRefused() {
        given().contentType(ContentType.URLENC)
                .formParam("phone_number", "+14155550123").formParam("action", "now")
                .post("/calls").then()
                .statusCode(400);
        assertEquals(0, fixtures.count(CallStatus.PENDING) + fixtures.count(CallStatus.IN_PROGRESS));
    }

    @Test
    void aFormPostWithATokenThatIsNotTheCookiesIsRefused() {
        String token = given().get("/").then().statusCode(200).extract().cookie("csrf-token");
        given().cookie("csrf-token", token).contentType(ContentType.URLENC)
                .formParam("csrf-token", token.substring(1) + "A")
                .formParam("phone_number", "+14155550123").formParam("action", "now")
                .post("/calls").then()
                .statusCode(400);
        assertEquals(0, fixtures.count(CallStatus.PENDING) + fixtures.count(CallStatus.IN_PROGRESS));
    }

    @Test
    void aFormPostWithTheTokenFromThePageInItsHiddenFieldIsAccepted() {
        var page = given().get("/").then().statusCode(200).extract();
        String token = page.cookie("csrf-token");
        String html = page.asString();
        assertTrue(html.contains("name=\"csrf-token\" value=\"" + token + "\""), "the form carries the cookie's token");
        assertTrue(html.contains("<meta name=\"csrf-token\" content=\"" + token + "\">"), "htmx gets the token");

        given().cookie("csrf-token", token).contentType(ContentType.URLENC)
                .formParam("csrf-token", token)
                .formParam("phone_number", "+14155550123").formParam("scheduled_at", "2031-01-01T10:00")
                .formParam("tz", "UTC").formParam("action", "schedule")
                .post("/calls").then()
                .statusCode(200)
                .body(containsString("Call to +14155550123 scheduled."));
        assertEquals(1, fixtures.count(CallStatus.PENDING));
    }

    @Test
    void thePageIsServedWithBrowserHardeningHeaders() {
        given().get("/").then()
                .statusCode(200)
                .header("Content-Security-Policy", containsString("default-src 'self'"))
                .header("Content-Security-Policy", containsString("frame-ancestors 'none'"))
                .header("X-Content-Type-Options", equalTo("nosniff"))
                .header("X-Frame-Options", equalTo("DENY"))
                .header("Referrer-Policy", equalTo("no-referrer"));
    }

    @Test
    void aCallsTimelineListsItsEventsOldestFirstWithTheirDetailsInThePersonsZone() {
        ZoneId chicago = ZoneId.of("America/Chicago");
        ZonedDateTime due = LocalDate.now(chicago).plusWeeks(1).atTime(22, 30).atZone(chicago);
        long id = given().contentType(ContentType.JSON)
                .body("{\"phone_number\": \"+14155550123\", \"scheduled_time\": \"" + due.toOffsetDateTime()
                        + "\", \"time_zone\": \"America/Chicago\","
                        + " \"calling_window\": {\"start\": \"09:00\", \"end\": \"17:00\"}}")
                .post("/api/schedule").then()
                .statusCode(201)
                .extract().jsonPath().getLong("id");
        var events = given().get("/api/calls/" + id + "/events").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("created", "deferred"), events.getList("type"));

        String timeline = given().queryParam("tz", "Europe/Paris").get("/calls/" + id + "/timeline").then()
                .statusCode(200)
                .contentType(ContentType.HTML)
                .body(not(containsString("<html")))
                .extract().asString();

        assertTrue(timeline.strip().startsWith("<section id=\"timeline\""), "the fragment is the panel: " + timeline);
        assertTrue(timeline.contains("History of call #" + id), timeline);
        assertTrue(timeline.contains("+14155550123"), timeline);
        int created = timeline.indexOf("data-type=\"created\"");
        int deferred = timeline.indexOf("data-type=\"deferred\"");
        assertTrue(created >= 0 && deferred > created, "created, then deferred: " + timeline);
        String createdEvent = timeline.substring(created, deferred);
        String deferredEvent = timeline.substring(deferred);
        assertTrue(createdEvent.contains(">Created</span>"), createdEvent);
        assertTrue(createdEvent.contains(escaped(events.getString("[0].detail"))), createdEvent);
        assertTrue(deferredEvent.contains(">Deferred</span>"), deferredEvent);
        assertTrue(deferredEvent.contains(escaped(events.getString("[1].detail"))), deferredEvent);
        assertTrue(deferredEvent.contains("Calling window 09:00-17:00 is closed at 22:30"), deferredEvent);
        Instant at = Instant.parse(events.getString("[0].at"));
        String inParis = DateTimeFormatter.ofPattern("EEE d MMM yyyy, HH:mm:ss", Locale.ENGLISH)
                .format(at.atZone(ZoneId.of("Europe/Paris")));
        assertTrue(createdEvent.contains("<time datetime=\"" + at + "\">" + inParis + "</time>"), createdEvent);
        assertTrue(timeline.contains("times in Europe/Paris"), timeline);
    }

    @Test
    void theTimelineOfAPendingOrInProgressCallRefreshesItselfAndThatOfAFinishedCallDoesNot() {
        long pending = fixtures.insertPending(1, "+14155550123", Instant.now().plusSeconds(600)).get(0);
        long inProgress = fixtures.insertInProgress("p-4", Instant.now());
        long failed = fixtures.insertFinished(CallStatus.FAILED, "+14155550124");

        String refreshing = "hx-trigger=\"every 3s\"";
        assertTrue(timeline(pending).contains("hx-get=\"/calls/" + pending + "/timeline\""), timeline(pending));
        assertTrue(timeline(pending).contains(refreshing), timeline(pending));
        assertTrue(timeline(inProgress).contains(refreshing), timeline(inProgress));
        assertTrue(!timeline(failed).contains(refreshing), timeline(failed));
        assertTrue(timeline(failed).contains("badge badge-failed"), timeline(failed));

        fixtures.change(inProgress, call -> {
            call.status = CallStatus.COMPLETED;
            call.callStatus = "completed";
        });
        String completed = timeline(inProgress);
        assertTrue(!completed.contains(refreshing), "a completed call's timeline stops refreshing: " + completed);
        assertTrue(!completed.contains("hx-get="), completed);
        assertTrue(completed.contains("badge badge-completed"), completed);
    }

    @Test
    void theTimelineOfACallThatDoesNotExistSaysSoWithA404() {
        for (String id : List.of("999999", "-1", "abc")) {
            given().get("/calls/" + id + "/timeline").then()
                    .statusCode(404)
                    .contentType(ContentType.HTML)
                    .body(containsString("<section id=\"timeline\""))
                    .body(containsString("There is no call #" + id + ". It may have been deleted."))
                    .body(not(containsString("hx-trigger")));
        }
        given().urlEncodingEnabled(false).get("/calls/%3Cb%3Ex/timeline").then()
                .statusCode(404)
                .body(containsString("There is no call #&lt;b&gt;x."))
                .body(not(containsString("<b>")));
    }

    @Test
    void eachRowOpensItsTimelineInAPanelOutsideTheRefreshedTable() {
        long id = fixtures.insertPending(1, "+14155550123", Instant.now().plusSeconds(600)).get(0);

        String page = given().get("/").then().statusCode(200).extract().asString();
        int calls = page.indexOf("<div id=\"calls\"");
        int slot = page.indexOf("<div id=\"timeline\"></div>");
        assertTrue(calls >= 0 && slot >= 0, page);
        assertTrue(slot < calls, "the timeline's slot is not inside the table that is swapped every 3 s");
        String row = row(id, "UTC");
        assertTrue(row.contains("hx-get=\"/calls/" + id + "/timeline\""), row);
        assertTrue(row.contains("hx-target=\"#timeline\""), row);
        assertTrue(row.contains(">History</button>"), row);
        String table = given().get("/calls-table").then().statusCode(200).extract().asString();
        assertTrue(!table.contains("id=\"timeline\""), "the table fragment holds no timeline to replace: " + table);
    }

    private static String timeline(long id) {
        return given().queryParam("tz", "UTC").get("/calls/" + id + "/timeline").then()
                .statusCode(200).extract().asString();
    }

    /** Text as Qute writes it into HTML. */
    private static String escaped(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
                .replace("'", "&#39;");
    }

    /** The row of call {@code id} in the table fragment, as seen from {@code tz}. */
    private static String row(long id, String tz) {
        String table = given().queryParam("tz", tz).get("/calls-table").then().statusCode(200).extract().asString();
        int start = table.indexOf("<tr id=\"call-" + id + "\"");
        assertTrue(start >= 0, "no row for call " + id + ": " + table);
        return table.substring(start, table.indexOf("</tr>", start));
    }

    private static String day(ZonedDateTime time) {
        return time.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
    }

    /** A browser that loaded the page: the CSRF cookie it was given, and the token htmx sends in a header. */
    private static RequestSpecification withCsrfToken() {
        String token = given().get("/").then().statusCode(200).extract().cookie("csrf-token");
        return given().cookie("csrf-token", token).header("X-CSRF-TOKEN", token);
    }
}
