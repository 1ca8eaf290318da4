package org.callscheduler.call;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.List;

import jakarta.inject.Inject;

import org.callscheduler.support.CallFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

/**
 * The fields of CONTRACT part 2 that decide when a call may be placed ({@code time_zone}, {@code calling_window},
 * {@code expires_at}, {@code retry}, and the read-only {@code attempts} and {@code not_before}), through the API.
 */
@QuarkusTest
class CallingRulesTest {

    private static final ZoneId CHICAGO = ZoneId.of("America/Chicago");

    @Inject
    CallFixtures fixtures;

    @BeforeEach
    void cleanDatabase() {
        fixtures.deleteAll();
    }

    @Test
    void aClientOfPartOneGetsTheDefaults() {
        Instant due = Instant.now().plus(Duration.ofHours(2)).truncatedTo(ChronoUnit.SECONDS);
        schedule("{\"phone_number\": \"+1 415 555 0123\", \"scheduled_time\": \"" + due + "\"}")
                .statusCode(201)
                .body("time_zone", equalTo("America/Los_Angeles"))
                .body("calling_window", nullValue())
                .body("retry", nullValue())
                .body("expires_at", equalTo(due.plus(Duration.ofHours(1)).toString()))
                .body("attempts", equalTo(0))
                .body("not_before", equalTo(due.toString()));
    }

    @Test
    void theTimeZoneIsDerivedFromTheNumberWhereItsCountryOrAreaCodeTellsIt() {
        String due = Instant.now().plus(Duration.ofHours(2)).toString();
        schedule(body("+44 20 7946 0018", due, "")).statusCode(201).body("time_zone", equalTo("Europe/London"));
        schedule(body("+1 212 555 0100", due, "")).statusCode(201).body("time_zone", equalTo("America/New_York"));
        // Germany has one clock (Europe/Busingen keeps Berlin's): one zone.
        schedule(body("+49 30 901820", due, "")).statusCode(201).body("time_zone", equalTo("Europe/Berlin"));
        // Russia has eleven: without an area code table, the zone is not known.
        schedule(body("+7 495 123 4567", due, "")).statusCode(201).body("time_zone", nullValue());
    }

    @Test
    void allTheRulesAreStoredAndShown() {
        Instant due = Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.SECONDS);
        Instant expires = due.plus(Duration.ofHours(6));
        int id = schedule(body("+14155550123", due.toString(), ", \"time_zone\": \"UTC\","
                + " \"calling_window\": {\"start\": \"00:00\", \"end\": \"23:59\", \"days\": [\"MON\",\"TUE\",\"WED\","
                + "\"THU\",\"FRI\",\"SAT\",\"SUN\"]}, \"expires_at\": \"" + expires + "\","
                + " \"retry\": {\"on\": [\"no-answer\", \"busy\"], \"max_retries\": 2, \"delay\": \"PT10M\"}"))
                .statusCode(201)
                .body("time_zone", equalTo("UTC"))
                .body("calling_window.start", equalTo("00:00"))
                .body("calling_window.end", equalTo("23:59"))
                .body("calling_window.days", contains("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"))
                .body("expires_at", equalTo(expires.toString()))
                .body("retry.on", contains("busy", "no-answer"))
                .body("retry.max_retries", equalTo(2))
                .body("retry.delay", equalTo("PT10M"))
                .extract().path("id");
        given().get("/api/calls/" + id).then().statusCode(200)
                .body("retry.max_retries", equalTo(2))
                .body("calling_window.days", contains("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"));
    }

    @Test
    void aCallDueOutsideItsWindowWaitsForTheNextOpeningAndSaysWhy() {
        // Tuesday next week, 22:30 in Chicago; the window is 09:00-17:00 on weekdays: Wednesday 09:00.
        ZonedDateTime tuesdayNight = ZonedDateTime.now(CHICAGO).plusWeeks(1)
                .with(TemporalAdjusters.previousOrSame(DayOfWeek.TUESDAY)).with(LocalTime.of(22, 30))
                .truncatedTo(ChronoUnit.MINUTES);
        Instant opening = tuesdayNight.plusDays(1).with(LocalTime.of(9, 0)).toInstant();
        int id = schedule(body("+1 312 555 0142", tuesdayNight.toInstant().toString(),
                ", \"calling_window\": {\"start\": \"09:00\", \"end\": \"17:00\", \"days\": [\"MON\",\"TUE\",\"WED\","
                        + "\"THU\",\"FRI\"]}"))
                .statusCode(201)
                .body("time_zone", equalTo("America/Chicago"))
                .body("scheduled_time", equalTo(tuesdayNight.toInstant().toString()))
                .body("not_before", equalTo(opening.toString()))
                // max-lateness counts from the moment the call first became due: the window's opening
                .body("expires_at", equalTo(opening.plus(Duration.ofHours(1)).toString()))
                .extract().path("id");
        List<java.util.Map<String, String>> events = fixtures.events(id);
        assertEquals(List.of("created", "deferred"), events.stream().map(e -> e.get("type")).toList());
        org.hamcrest.MatcherAssert.assertThat(events.get(1).get("detail"),
                containsString("closed at 22:30 TUE in America/Chicago; waiting until " + opening));
    }

    @Test
    void daylightSavingChangesMoveTheOpeningToAValidInstantInTwoZones() {
        // New York, 14 March 2027: 02:00 EST jumps to 03:00 EDT (07:00Z); an opening at 02:30 is the jump.
        expectOpening("America/New_York", "2027-03-14T06:00:00Z", "02:30", "05:00", "2027-03-14T07:00:00Z");
        // New York, 7 November 2027: 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST): the first.
        expectOpening("America/New_York", "2027-11-07T04:00:00Z", "01:30", "05:00", "2027-11-07T05:30:00Z");
        // London, 28 March 2027: 01:00 GMT jumps to 02:00 BST (01:00Z); an opening at 01:30 is the jump.
        expectOpening("Europe/London", "2027-03-28T00:00:00Z", "01:30", "04:00", "2027-03-28T01:00:00Z");
        // London, 31 October 2027: 01:30 happens at 00:30Z (BST) and again at 01:30Z (GMT): the first.
        expectOpening("Europe/London", "2027-10-30T23:00:00Z", "01:30", "04:00", "2027-10-31T00:30:00Z");
    }

    private static void expectOpening(String zone, String due, String start, String end, String opening) {
        schedule(body("+14155550123", due, ", \"time_zone\": \"" + zone + "\", \"calling_window\": {\"start\": \""
                + start + "\", \"end\": \"" + end + "\"}"))
                .statusCode(201)
                .body("not_before", equalTo(opening));
    }

    @Test
    void aCallNowWhoseWindowIsClosedIsRefusedNamingTheWindowAndWhenItOpens() {
        LocalTime now = LocalTime.now(ZoneOffset.UTC);
        String start = hhmm(now.plusHours(2));
        String end = hhmm(now.plusHours(3));
        callNow("{\"phone_number\": \"+14155550123\", \"time_zone\": \"UTC\","
                + " \"calling_window\": {\"start\": \"" + start + "\", \"end\": \"" + end + "\"}}")
                .statusCode(400)
                .body("violations.field", hasItem("calling_window"))
                .body("violations.message", hasItem(containsString("it opens at")))
                .body("violations.message", hasItem(containsString("(" + start)));
        assertEquals(0, fixtures.count(CallStatus.PENDING), "nothing stored");

        String openStart = hhmm(now.minusHours(1));
        String openEnd = hhmm(now.plusHours(1));
        callNow("{\"phone_number\": \"+14155550123\", \"time_zone\": \"UTC\","
                + " \"calling_window\": {\"start\": \"" + openStart + "\", \"end\": \"" + openEnd + "\"}}")
                .statusCode(201);
    }

    @Test
    void badRulesAre400NamingTheFieldAndNothingIsStored() {
        String due = Instant.now().plus(Duration.ofHours(2)).toString();
        expectViolation(body("+14155550123", due, ", \"time_zone\": \"Mars/Olympus\""), "time_zone");
        expectViolation(body("+14155550123", due, ", \"calling_window\": {\"start\": \"25:00\", \"end\": \"10:00\"}"),
                "calling_window.start");
        expectViolation(body("+14155550123", due, ", \"calling_window\": {\"start\": \"09:00\"}"), "calling_window.end");
        expectViolation(body("+14155550123", due,
                ", \"calling_window\": {\"start\": \"09:00\", \"end\": \"10:00\", \"days\": [\"FUNDAY\"]}"),
                "calling_window.days");
        expectViolation(body("+14155550123", due,
                ", \"calling_window\": {\"start\": \"09:00\", \"end\": \"10:00\", \"days\": []}"), "calling_window.days");
        expectViolation(body("+14155550123", due, ", \"expires_at\": \"soon\""), "expires_at");
        expectViolation(body("+14155550123", due, ", \"expires_at\": \"" + Instant.now().plusSeconds(60) + "\""),
                "expires_at");
        expectViolation(body("+14155550123", due, ", \"retry\": {\"on\": [\"busy\"], \"max_retries\": 2,"
                + " \"delay\": \"PT30S\"}"), "retry.delay");
        expectViolation(body("+14155550123", due, ", \"retry\": {\"on\": [\"busy\"], \"max_retries\": 11,"
                + " \"delay\": \"PT10M\"}"), "retry.max_retries");
        expectViolation(body("+14155550123", due, ", \"retry\": {\"on\": [\"completed\"], \"max_retries\": 1,"
                + " \"delay\": \"PT10M\"}"), "retry.on");
        expectViolation(body("+14155550123", due, ", \"retry\": {\"on\": [], \"max_retries\": 1, \"delay\": \"PT10M\"}"),
                "retry.on");
        // A toll-free US number has no area code zone: a window must be open in every US zone at once, and
        // 08:00-09:00 never is (from Honolulu to New York).
        expectViolation(body("+1 800 555 0100", due,
                ", \"calling_window\": {\"start\": \"08:00\", \"end\": \"09:00\"}"), "calling_window");
        assertEquals(0, fixtures.count(CallStatus.PENDING), "nothing stored");
    }

    private static void expectViolation(String body, String field) {
        schedule(body).statusCode(400).contentType(ContentType.JSON)
                .body("violations.field", hasItem(field));
    }

    private static String hhmm(LocalTime time) {
        return String.format("%02d:%02d", time.getHour(), time.getMinute());
    }

    private static String body(String phone, String due, String more) {
        return "{\"phone_number\": \"" + phone + "\", \"scheduled_time\": \"" + due + "\"" + more + "}";
    }

    private static ValidatableResponse schedule(String body) {
        return given().contentType(ContentType.JSON).body(body).post("/api/schedule").then();
    }

    private static ValidatableResponse callNow(String body) {
        return given().contentType(ContentType.JSON).body(body).post("/api/call-now").then();
    }
}
