package org.callscheduler.call;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;

import jakarta.inject.Inject;

import org.callscheduler.support.CallFixtures;
import org.callscheduler.support.NoJobsProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

/** Every row of the REST contract, against the running application (without its jobs: the rows stay as put). */
@QuarkusTest
@TestProfile(NoJobsProfile.class)
class CallResourceTest {

    @Inject
    CallFixtures fixtures;

    @BeforeEach
    void cleanDatabase() {
        fixtures.deleteAll();
    }

    // ---- POST /api/schedule

    @Test
    void scheduleStoresTheCallAndAnswers201WithLocation() {
        Instant due = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MICROS);
        int id = schedule("+1 (415) 555-0123", due.toString())
                .statusCode(201)
                .contentType(ContentType.JSON)
                .body("phone_number", equalTo("+14155550123"))
                .body("scheduled_time", equalTo(due.toString()))
                .body("status", equalTo("pending"))
                .body("call_api_id", nullValue())
                .body("call_status", nullValue())
                .body("error_message", nullValue())
                .body("created_at", notNullValue())
                .body("updated_at", notNullValue())
                .header("Location", equalTo("/api/calls/" + given().get("/api/calls").jsonPath().getInt("[0].id")))
                .extract().path("id");

        given().get("/api/calls/" + id).then().statusCode(200).body("phone_number", equalTo("+14155550123"));
    }

    @Test
    void scheduleAcceptsAnOffsetAndStoresUtc() {
        OffsetDateTime newYork = OffsetDateTime.now(ZoneOffset.ofHours(-5)).plusDays(1).truncatedTo(ChronoUnit.SECONDS);
        schedule("+14155550123", newYork.toString())
                .statusCode(201)
                .body("scheduled_time", equalTo(newYork.toInstant().toString()));
    }

    @Test
    void scheduleAcceptsATimeLessThanAMinuteAgo() {
        schedule("+14155550123", Instant.now().minusSeconds(30).toString()).statusCode(201);
    }

    @Test
    void scheduleRefusesMissingFieldsNamingEach() {
        given().contentType(ContentType.JSON).body("{}").post("/api/schedule").then()
                .statusCode(400)
                .contentType(ContentType.JSON)
                .body("error", notNullValue())
                .body("violations.field", contains("phone_number", "scheduled_time"));
    }

    @ParameterizedTest
    @ValueSource(strings = { "abc", "", "12", "+1 415", "call me" })
    void scheduleRefusesABadPhoneNumber(String phone) {
        schedule(phone, Instant.now().plusSeconds(3600).toString())
                .statusCode(400)
                .body("violations.field", contains("phone_number"))
                .body("violations[0].message", containsString("valid phone number"));
    }

    @ParameterizedTest
    @ValueSource(strings = { "tomorrow", "2099-01-02T09:30:00", "2099-01-02", "2099-13-02T09:30:00Z", "",
            "2099-01-02T09:30:00.Z", "\uff12\uff10\uff19\uff19-01-02T09:30:00Z" })
    void scheduleRefusesATimeThatDoesNotParseOrHasNoOffset(String time) {
        schedule("+14155550123", time)
                .statusCode(400)
                .body("violations.field", contains("scheduled_time"))
                .body("violations[0].message", containsString("offset"));
    }

    @Test
    void scheduleRefusesATimeMoreThanAMinuteAgo() {
        schedule("+14155550123", Instant.now().minusSeconds(120).toString())
                .statusCode(400)
                .body("violations.field", contains("scheduled_time"))
                .body("violations[0].message", containsString("past"));
    }

    @Test
    void scheduleRefusesATimeFarBeyondAnyUse() {
        schedule("+14155550123", "+999999999-12-31T23:59:59Z").statusCode(400)
                .body("violations.field", contains("scheduled_time"));
        schedule("+14155550123", Instant.now().plus(Duration.ofDays(4000)).toString()).statusCode(400)
                .body("violations.field", contains("scheduled_time"));
    }

    @Test
    void scheduleRefusesWrongJsonTypesNamingTheField() {
        given().contentType(ContentType.JSON).body("{\"phone_number\": 4155550123, \"scheduled_time\": \"2099-01-01T00:00:00Z\"}")
                .post("/api/schedule").then()
                .statusCode(400).body("violations.field", contains("phone_number"));
        given().contentType(ContentType.JSON).body("{\"phone_number\": \"+14155550123\", \"scheduled_time\": {\"at\": 1}}")
                .post("/api/schedule").then()
                .statusCode(400).body("violations.field", contains("scheduled_time"));
        given().contentType(ContentType.JSON).body("{\"phone_number\": [\"+14155550123\"], \"scheduled_time\": true}")
                .post("/api/schedule").then()
                .statusCode(400).body("violations.field", hasItem("phone_number"));
    }

    @Test
    void scheduleRefusesHugeStrings() {
        String huge = "1".repeat(20_000);
        schedule(huge, huge).statusCode(400).body("violations.field", contains("phone_number", "scheduled_time"));
    }

    @Test
    void scheduleRefusesBodiesThatAreNotAJsonObject() {
        given().contentType(ContentType.JSON).body("{\"phone_number\": ").post("/api/schedule").then()
                .statusCode(400).contentType(ContentType.JSON).body("error", containsString("JSON"));
        given().contentType(ContentType.JSON).body("[1, 2]").post("/api/schedule").then()
                .statusCode(400).contentType(ContentType.JSON).body("error", containsString("JSON object"));
        given().contentType(ContentType.JSON).body("\"+14155550123\"").post("/api/schedule").then()
                .statusCode(400).contentType(ContentType.JSON).body("error", notNullValue());
        given().contentType(ContentType.JSON).post("/api/schedule").then()
                .statusCode(400).contentType(ContentType.JSON).body("error", notNullValue());
        given().contentType(ContentType.TEXT).body("+14155550123").post("/api/schedule").then()
                .statusCode(415).contentType(ContentType.JSON).body("error", notNullValue());
    }

    @Test
    void refusedRequestsChangeNothing() {
        schedule("abc", "2030-01-01T00:00:00Z").statusCode(400);
        given().contentType(ContentType.JSON).body("{\"phone_number\": \"12\"}").post("/api/call-now").then().statusCode(400);
        given().get("/api/calls").then().statusCode(200).header("X-Total-Count", "0").body("$", empty());
    }

    // ---- POST /api/call-now

    @Test
    void callNowStoresTheCallAndAnswers201() {
        given().contentType(ContentType.JSON).body("{\"phone_number\": \"+44 20 7946 0958\"}")
                .post("/api/call-now").then()
                .statusCode(201)
                .header("Location", startsWith("/api/calls/"))
                .body("phone_number", equalTo("+442079460958"))
                .body("scheduled_time", notNullValue());
    }

    @Test
    void callNowRefusesABadOrMissingNumber() {
        given().contentType(ContentType.JSON).body("{\"phone_number\": \"abc\"}").post("/api/call-now").then()
                .statusCode(400).body("violations.field", contains("phone_number"));
        given().contentType(ContentType.JSON).body("{}").post("/api/call-now").then()
                .statusCode(400).body("violations.field", contains("phone_number"));
        given().contentType(ContentType.JSON).body("{\"phone_number\": 14155550123}").post("/api/call-now").then()
                .statusCode(400).body("violations.field", contains("phone_number"));
    }

    // ---- GET /api/calls

    @Test
    void listShowsNewestScheduledFirstWithTotalCount() {
        Instant base = Instant.now().plus(Duration.ofHours(1));
        int early = id(schedule("+14155550101", base.toString()));
        int late = id(schedule("+14155550102", base.plusSeconds(60).toString()));
        int middle = id(schedule("+14155550103", base.plusSeconds(30).toString()));

        given().get("/api/calls").then()
                .statusCode(200)
                .contentType(ContentType.JSON)
                .header("X-Total-Count", "3")
                .body("id", contains(late, middle, early));
    }

    @Test
    void listPagesThroughTheCalls() {
        Instant base = Instant.now().plus(Duration.ofHours(1));
        for (int i = 0; i < 5; i++) {
            schedule("+1415555010" + i, base.plusSeconds(i).toString());
        }
        given().queryParam("page", 0).queryParam("size", 2).get("/api/calls").then()
                .statusCode(200).header("X-Total-Count", "5")
                .body("phone_number", contains("+14155550104", "+14155550103"));
        given().queryParam("page", 2).queryParam("size", 2).get("/api/calls").then()
                .statusCode(200).header("X-Total-Count", "5")
                .body("phone_number", contains("+14155550100"));
        given().queryParam("page", 3).queryParam("size", 2).get("/api/calls").then()
                .statusCode(200).header("X-Total-Count", "5").body("$", empty());
    }

    @Test
    void listFiltersByStatus() {
        fixtures.insertInProgress("provider-1", Instant.now());
        schedule("+14155550123", Instant.now().plusSeconds(3600).toString());

        given().queryParam("status", "in-progress").get("/api/calls").then()
                .statusCode(200).header("X-Total-Count", "1")
                .body("$", hasSize(1)).body("[0].status", equalTo("in-progress"))
                .body("[0].call_api_id", equalTo("provider-1"));
        given().queryParam("status", "pending").get("/api/calls").then()
                .statusCode(200).header("X-Total-Count", "1").body("[0].status", equalTo("pending"));
        given().queryParam("status", "completed").get("/api/calls").then()
                .statusCode(200).header("X-Total-Count", "0").body("$", empty());
    }

    @Test
    void listRefusesAnUnknownStatusOrABadPage() {
        given().queryParam("status", "done").get("/api/calls").then()
                .statusCode(400).body("violations.field", contains("status"));
        for (String size : List.of("0", "-1", "501", "ten", "99999999999")) {
            given().queryParam("size", size).get("/api/calls").then()
                    .statusCode(400).body("violations.field", contains("size"));
        }
        for (String page : List.of("-1", "x", "1.5")) {
            given().queryParam("page", page).get("/api/calls").then()
                    .statusCode(400).body("violations.field", contains("page"));
        }
        given().queryParam("size", 500).get("/api/calls").then().statusCode(200);
    }

    // ---- GET /api/calls/{id}

    @Test
    void getAnswers404ForAnUnknownCall() {
        given().get("/api/calls/987654321").then()
                .statusCode(404).contentType(ContentType.JSON).body("error", containsString("987654321"));
        given().get("/api/calls/not-a-number").then().statusCode(404).contentType(ContentType.JSON);
    }

    // ---- DELETE /api/calls/{id}

    @Test
    void deleteRemovesAPendingCall() {
        int id = id(schedule("+14155550123", Instant.now().plusSeconds(3600).toString()));

        given().delete("/api/calls/" + id).then().statusCode(204);

        given().get("/api/calls/" + id).then().statusCode(404);
        assertNull(fixtures.find(id));
    }

    @Test
    void deleteAnswers409ForACallThatIsNotPending() {
        long id = fixtures.insertInProgress("provider-2", Instant.now());

        given().delete("/api/calls/" + id).then()
                .statusCode(409).contentType(ContentType.JSON).body("error", containsString("in-progress"));
        assertEquals(CallStatus.IN_PROGRESS, fixtures.find(id).status);
    }

    @Test
    void deleteAnswers409ForACallBeingDialled() {
        long id = fixtures.insertPending(1, "+14155550123", Instant.now().plusSeconds(3600)).get(0);
        fixtures.claim(id, "another-instance", Instant.now().plusSeconds(3600));

        given().delete("/api/calls/" + id).then()
                .statusCode(409).body("error", containsString("being dialled"));
    }

    @Test
    void deleteAnswers404ForAnUnknownCall() {
        given().delete("/api/calls/987654321").then().statusCode(404).contentType(ContentType.JSON);
    }

    @Test
    void idsAreAsciiDigitsOnly() {
        long id = fixtures.insertPending(1, "+14155550123", Instant.now().plusSeconds(3600)).get(0);
        StringBuilder fullwidth = new StringBuilder();
        Long.toString(id).chars().forEach(c -> fullwidth.append((char) ('\uff10' + c - '0')));

        for (String other : List.of(fullwidth.toString(), "+" + id, " " + id)) {
            given().delete("/api/calls/{id}", other).then()
                    .statusCode(404).contentType(ContentType.JSON).body("error", containsString("not found"));
            given().get("/api/calls/{id}", other).then().statusCode(404);
        }
        given().get("/api/calls/" + id).then().statusCode(200);
        given().queryParam("page", "\uff10").get("/api/calls").then()
                .statusCode(400).body("violations.field", contains("page"));
        given().queryParam("size", "+5").get("/api/calls").then()
                .statusCode(400).body("violations.field", contains("size"));
    }

    // ---- anything else

    @Test
    void unknownPathsAndMethodsAnswerJsonErrors() {
        given().get("/api/nothing-here").then().statusCode(404);
        given().contentType(ContentType.JSON).body("{}").put("/api/calls/1").then()
                .statusCode(405).contentType(ContentType.JSON).body("error", notNullValue());
    }

    @Test
    void healthIsUp() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }

    static ValidatableResponse schedule(String phone, String time) {
        return given().contentType(ContentType.JSON)
                .body("{\"phone_number\": \"" + phone + "\", \"scheduled_time\": \"" + time + "\"}")
                .post("/api/schedule").then();
    }

    private static int id(ValidatableResponse response) {
        return response.statusCode(201).extract().path("id");
    }
}
