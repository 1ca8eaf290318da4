package org.callscheduler.web;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.List;

import jakarta.inject.Inject;

import org.callscheduler.call.CallStatus;
import org.callscheduler.call.ScheduledCall;
import org.callscheduler.support.CallFixtures;
import org.callscheduler.support.NoJobsProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

/** The page's search (number, reference, days) and its Reschedule forms, as HTML over HTTP. */
@QuarkusTest
@TestProfile(NoJobsProfile.class)
class CallPagesSearchTest {

    @Inject
    CallFixtures fixtures;

    @BeforeEach
    void clean() {
        fixtures.deleteAll();
    }

    @Test
    void aSearchByNumberOrReferenceShowsOnlyThoseCallsAndEveryLinkAndTheRefreshKeepIt() {
        Instant due = Instant.now().plus(1, ChronoUnit.DAYS);
        long wanted = fixtures.insertPending(1, "+14155550101", due).get(0);
        long other = fixtures.insertPending(1, "+14155550102", due).get(0);
        fixtures.change(wanted, call -> call.reference = "appt-1001");
        fixtures.change(other, call -> call.reference = "appt-1002");

        String byNumber = given().queryParam("phone_number", "+1 (415) 555-0101").get("/calls-table").then()
                .statusCode(200).extract().asString();
        assertTrue(byNumber.contains("id=\"call-" + wanted + "\""), byNumber);
        assertTrue(!byNumber.contains("id=\"call-" + other + "\""), byNumber);
        assertTrue(byNumber.contains("1 matching call"), byNumber);
        String more = "&amp;phone_number=%2B1+%28415%29+555-0101";
        assertTrue(byNumber.contains("hx-get=\"/calls-table?status=&page=0" + more + "\""), "the refresh keeps it: " + byNumber);
        assertTrue(byNumber.contains("href=\"/?status=completed" + more + "\""), "the tabs keep it: " + byNumber);
        assertTrue(byNumber.contains("hx-delete=\"/calls/" + wanted + "?status=&page=0" + more + "\""), byNumber);
        assertTrue(byNumber.contains("href=\"/csv/calls.csv?status=" + more + "&tz=UTC\""), "the export keeps it: " + byNumber);

        String byReference = given().queryParam("reference", "appt-1002").get("/calls-table").then()
                .statusCode(200).extract().asString();
        assertTrue(byReference.contains("id=\"call-" + other + "\""), byReference);
        assertTrue(!byReference.contains("id=\"call-" + wanted + "\""), byReference);
        assertTrue(byReference.contains("<small class=\"reference\">appt-1002</small>"), byReference);
    }

    @Test
    void theDaysAreReadInThePersonsZoneBothIncluded() {
        ZoneId tokyo = ZoneId.of("Asia/Tokyo");
        LocalDate day = LocalDate.now(tokyo).plusDays(5);
        long first = fixtures.insertPending(1, "+14155550101", day.atStartOfDay(tokyo).toInstant()).get(0);
        long last = fixtures.insertPending(1, "+14155550102", day.plusDays(1).atTime(23, 59).atZone(tokyo).toInstant()).get(0);
        long before = fixtures.insertPending(1, "+14155550103", day.atStartOfDay(tokyo).toInstant().minusSeconds(1)).get(0);
        long after = fixtures.insertPending(1, "+14155550104", day.plusDays(2).atStartOfDay(tokyo).toInstant()).get(0);

        String table = given().queryParam("from", day.toString()).queryParam("to", day.plusDays(1).toString())
                .queryParam("tz", "Asia/Tokyo").get("/calls-table").then().statusCode(200).extract().asString();

        assertTrue(table.contains("id=\"call-" + first + "\"") && table.contains("id=\"call-" + last + "\""), table);
        assertTrue(!table.contains("id=\"call-" + before + "\"") && !table.contains("id=\"call-" + after + "\""), table);
        assertTrue(table.contains("2 matching calls"), table);
    }

    @Test
    void aBadSearchSaysWhichFieldIsWrongWithoutAnError() {
        fixtures.insertPending(1, "+14155550101", Instant.now().plus(1, ChronoUnit.DAYS));

        given().queryParam("phone_number", "call me").get("/calls-table").then()
                .statusCode(200)
                .body(containsString("<p class=\"notice danger filter-error\" role=\"alert\">Phone number must be a valid phone number"))
                .body(containsString("Correct the search to see calls."))
                .body(not(containsString("<tr id=\"call-")));
        given().queryParam("from", "2026-13-45").queryParam("to", "soon").get("/calls-table").then()
                .statusCode(200)
                .body(containsString("From must be a date such as 2026-12-01. To must be a date such as 2026-12-01."));
        given().queryParam("from", "2027-12-02").queryParam("to", "2027-12-01").get("/calls-table").then()
                .statusCode(200)
                .body(containsString("To must not be before From."));
        given().queryParam("reference", "a\tb").get("/").then()
                .statusCode(200)
                .body(containsString("Reference must be 1 to 128 printable characters."));
    }

    @Test
    void aReloadedAddressShowsTheSameSearchInTheFormAndTheTable() {
        long wanted = fixtures.insertPending(1, "+14155550101", Instant.now().plus(1, ChronoUnit.DAYS)).get(0);
        fixtures.change(wanted, call -> call.reference = "appt-7");
        fixtures.insertPending(1, "+14155550102", Instant.now().plus(1, ChronoUnit.DAYS));

        String page = given().queryParam("reference", "appt-7").queryParam("status", "pending").get("/").then()
                .statusCode(200).extract().asString();
        assertTrue(page.contains("value=\"appt-7\" placeholder=\"appt-1001\""), "the search field shows it: " + page);
        assertTrue(page.contains("id=\"call-" + wanted + "\""), page);
        assertEquals(1, page.split("<tr id=\"call-").length - 1, page);
    }

    @Test
    void aSearchThePersonAskedForIsPushedToTheAddressBarButTheRefreshIsNot() {
        given().header("HX-Request", "true").queryParam("reference", "appt 1").queryParam("status", "pending")
                .get("/calls-table").then()
                .statusCode(200)
                .header("HX-Push-Url", equalTo("/?status=pending&reference=appt+1"));
        given().header("HX-Request", "true").header("HX-Trigger", "calls").queryParam("reference", "appt 1")
                .get("/calls-table").then()
                .statusCode(200)
                .header("HX-Push-Url", nullValue());
    }

    @Test
    void aRowsRescheduleMovesThePendingCallAndItsHistorySaysUpdated() {
        long id = fixtures.insertPending(1, "+14155550101", Instant.now().plus(1, ChronoUnit.DAYS)).get(0);
        LocalDateTime local = LocalDateTime.now(ZoneId.of("Europe/Paris")).plusDays(2).truncatedTo(ChronoUnit.MINUTES);

        // As htmx sends it: the form in the body, the table's filters in the address.
        String table = withCsrfToken().contentType(ContentType.URLENC)
                .body("scheduled_at=" + local + "&tz=Europe%2FParis")
                .patch("/calls/" + id + "?status=pending").then()
                .statusCode(200)
                .header("HX-Trigger", equalTo("calls-changed"))
                .body(not(containsString("<html")))
                .body(containsString("Call " + id + " to +14155550101 moved to "))
                .extract().asString();

        assertTrue(table.contains("hx-get=\"/calls-table?status=pending&page=0\""), "the filter stays: " + table);
        assertEquals(local.atZone(ZoneId.of("Europe/Paris")).toInstant(), fixtures.find(id).scheduledTime);
        List<String> types = given().get("/api/calls/" + id + "/events").then().statusCode(200).extract()
                .jsonPath().getList("type");
        assertEquals("updated", types.get(types.size() - 1), "types: " + types);
        assertTrue(given().queryParam("tz", "UTC").get("/calls/" + id + "/timeline").then().statusCode(200).extract()
                .asString().contains("data-type=\"updated\""));
    }

    @Test
    void aRescheduleIntoThePastOrWithoutADateIsRefusedInTheRowWithTheApisMessage() {
        Instant due = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MICROS);
        long id = fixtures.insertPending(1, "+14155550101", due).get(0);

        String table = withCsrfToken().contentType(ContentType.URLENC)
                .formParam("scheduled_at", "2020-01-01T10:00").formParam("tz", "UTC")
                .patch("/calls/" + id).then()
                .statusCode(200)
                .extract().asString();
        int row = table.indexOf("<tr id=\"reschedule-" + id + "\"");
        assertTrue(row >= 0, table);
        String form = table.substring(row, table.indexOf("</tr>", row));
        assertTrue(!form.contains(" hidden>"), "the form stays open: " + form);
        assertTrue(form.contains("Date and time must not be more than 60 seconds in the past."), form);
        assertTrue(form.contains("value=\"2020-01-01T10:00\""), "what was typed stays: " + form);
        assertTrue(form.contains("aria-invalid=\"true\""), form);

        withCsrfToken().contentType(ContentType.URLENC).formParam("scheduled_at", "").formParam("tz", "UTC")
                .patch("/calls/" + id).then()
                .statusCode(200)
                .body(containsString("Pick the new date and time for the call."));
        assertEquals(due, fixtures.find(id).scheduledTime, "nothing changed");
    }

    @Test
    void aCallThatIsBeingSentOrWasDialledCannotBeMovedAndSaysWhy() {
        long sending = fixtures.insertPending(1, "+14155550101", Instant.now().plus(1, ChronoUnit.DAYS)).get(0);
        fixtures.change(sending, call -> call.claimedBy = "instance-a");
        long dialled = fixtures.insertInProgress("p-1", Instant.now());

        withCsrfToken().contentType(ContentType.URLENC).formParam("scheduled_at", "2031-01-01T10:00")
                .formParam("tz", "UTC").patch("/calls/" + sending + "/timeline").then()
                .statusCode(200)
                .contentType(ContentType.HTML)
                .body(containsString("<section id=\"timeline\""))
                .body(containsString("Call " + sending + " cannot be changed: it is being sent right now."));
        withCsrfToken().contentType(ContentType.URLENC).formParam("scheduled_at", "2031-01-01T10:00")
                .formParam("tz", "UTC").patch("/calls/" + dialled).then()
                .statusCode(200)
                .body(containsString("Call " + dialled + " cannot be changed: it is in-progress."));
        withCsrfToken().contentType(ContentType.URLENC).formParam("scheduled_at", "2031-01-01T10:00")
                .formParam("tz", "UTC").patch("/calls/999999/timeline").then()
                .statusCode(404)
                .body(containsString("There is no call #999999."));
        assertEquals(CallStatus.IN_PROGRESS, fixtures.find(dialled).status);
    }

    @Test
    void theTimelinesRescheduleMovesTheCallAndShowsTheUpdatedEvent() {
        long id = fixtures.insertPending(1, "+14155550101", Instant.now().plus(1, ChronoUnit.DAYS)).get(0);
        LocalDateTime local = LocalDateTime.now(ZoneId.of("UTC")).plusDays(3).truncatedTo(ChronoUnit.MINUTES);

        String timeline = given().queryParam("tz", "UTC").get("/calls/" + id + "/timeline").then().statusCode(200)
                .extract().asString();
        assertTrue(timeline.contains("hx-patch=\"/calls/" + id + "/timeline\""), timeline);
        assertTrue(timeline.contains("data-callee-zone=\"America/Los_Angeles\""), timeline);

        withCsrfToken().contentType(ContentType.URLENC).formParam("scheduled_at", local.toString())
                .formParam("tz", "UTC").patch("/calls/" + id + "/timeline").then()
                .statusCode(200)
                .header("HX-Trigger", equalTo("calls-changed"))
                .body(containsString("data-type=\"updated\""))
                .body(containsString("moved to "));
        ScheduledCall call = fixtures.find(id);
        assertEquals(local.atZone(ZoneId.of("UTC")).toInstant(), call.scheduledTime);
    }

    @Test
    void aRescheduleWithoutTheCsrfTokenIsRefused() {
        Instant due = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MICROS);
        long id = fixtures.insertPending(1, "+14155550101", due).get(0);

        given().contentType(ContentType.URLENC).formParam("scheduled_at", "2031-01-01T10:00")
                .patch("/calls/" + id).then().statusCode(400);
        assertEquals(due, fixtures.find(id).scheduledTime);
    }

    /** A browser that loaded the page: the CSRF cookie it was given, and the token htmx sends in a header. */
    private static RequestSpecification withCsrfToken() {
        String token = given().get("/").then().statusCode(200).extract().cookie("csrf-token");
        return given().cookie("csrf-token", token).header("X-CSRF-TOKEN", token);
    }
}
