package org.callscheduler.call;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import jakarta.inject.Inject;

import org.callscheduler.support.CallFixtures;
import org.callscheduler.support.NoJobsProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

/** The client's reference and metadata on a call, and the filters of GET /api/calls (CONTRACT part 2). */
@QuarkusTest
@TestProfile(NoJobsProfile.class)
class ReferencesAndFiltersTest {

    private static final Instant BASE = Instant.now().plus(Duration.ofDays(3)).truncatedTo(ChronoUnit.SECONDS);

    @Inject
    CallFixtures fixtures;

    @BeforeEach
    void clean() {
        fixtures.deleteAll();
    }

    @Test
    void referenceAndMetadataAreStoredAndReturnedAsGiven() {
        int id = schedule("+14155550160", BASE, ", \"reference\": \"appt-2291\","
                + " \"metadata\": {\"patient\": {\"id\": 77, \"name\": \"Zoë\"}, \"tags\": [\"a\", \"b\"], \"x\": null}")
                .statusCode(201)
                .body("reference", equalTo("appt-2291"))
                .body("metadata.patient.id", equalTo(77))
                .body("metadata.patient.name", equalTo("Zoë"))
                .body("metadata.tags", contains("a", "b"))
                .extract().path("id");
        given().get("/api/calls/" + id).then().statusCode(200)
                .body("reference", equalTo("appt-2291"))
                .body("metadata.tags", contains("a", "b"));
        schedule("+14155550161", BASE, "").statusCode(201).body("reference", nullValue()).body("metadata", nullValue());
    }

    @Test
    void badReferencesAndMetadataAre400NamingTheFieldAndNothingIsStored() {
        expectViolation(", \"reference\": \"\"", "reference");
        expectViolation(", \"reference\": \"" + "r".repeat(129) + "\"", "reference");
        expectViolation(", \"reference\": \"line\\nbreak\"", "reference");
        expectViolation(", \"metadata\": [1, 2]", "metadata");
        expectViolation(", \"metadata\": \"text\"", "metadata");
        expectViolation(", \"metadata\": {\"big\": \"" + "m".repeat(4100) + "\"}", "metadata");
        assertEquals(0, fixtures.count(CallStatus.PENDING));
    }

    @Test
    void theFiltersCombineWithStatusAndPaging() {
        schedule("+1 415 555 0170", BASE, ", \"reference\": \"clinic-1\"").statusCode(201);
        schedule("+1 415 555 0170", BASE.plus(Duration.ofHours(1)), ", \"reference\": \"clinic-2\"").statusCode(201);
        schedule("+1 415 555 0171", BASE.plus(Duration.ofHours(2)), ", \"reference\": \"clinic-1\"").statusCode(201);
        schedule("+1 415 555 0172", BASE.plus(Duration.ofDays(1)), "").statusCode(201);

        list("phone_number=%2B1%20(415)%20555-0170").header("X-Total-Count", "2")
                .body("reference", contains("clinic-2", "clinic-1"));
        list("reference=clinic-1").header("X-Total-Count", "2")
                .body("phone_number", contains("+14155550171", "+14155550170"));
        list("reference=clinic-1&phone_number=%2B14155550171").header("X-Total-Count", "1");
        list("scheduled_from=" + BASE.plus(Duration.ofHours(1)) + "&scheduled_to=" + BASE.plus(Duration.ofHours(2)))
                .header("X-Total-Count", "1").body("reference", contains("clinic-2"));
        list("scheduled_from=" + BASE.plus(Duration.ofHours(1))).header("X-Total-Count", "3");
        list("status=pending&reference=clinic-1&size=1&page=1").header("X-Total-Count", "2")
                .body("phone_number", contains("+14155550170"));
        list("status=completed&reference=clinic-1").header("X-Total-Count", "0");
        // Newest scheduled time first, the newest call first among calls due together, with a filter that leads
        // the order (ScheduledCall.newestFirstOrder) as without one.
        schedule("+1 415 555 0173", BASE, "").statusCode(201);
        schedule("+1 415 555 0174", BASE, "").statusCode(201);
        String[] newestFirst = { "+14155550172", "+14155550171", "+14155550170", "+14155550174", "+14155550173",
                "+14155550170" };
        list("status=pending").body("phone_number", contains(newestFirst));
        list("size=50").body("phone_number", contains(newestFirst));
        list("status=pending&size=2&page=1").body("phone_number", contains("+14155550170", "+14155550174"));
        list("reference=nobody").header("X-Total-Count", "0");
    }

    @Test
    void badFiltersAre400NamingTheParameter() {
        given().get("/api/calls?phone_number=abc").then().statusCode(400).body("violations.field", hasItem("phone_number"));
        given().get("/api/calls?scheduled_from=yesterday").then().statusCode(400)
                .body("violations.field", hasItem("scheduled_from"));
        given().get("/api/calls?scheduled_to=2026-01-01").then().statusCode(400)
                .body("violations.field", hasItem("scheduled_to"));
        given().get("/api/calls?reference=" + "r".repeat(129)).then().statusCode(400)
                .body("violations.field", hasItem("reference"));
    }

    private static void expectViolation(String more, String field) {
        schedule("+14155550162", BASE, more).statusCode(400).contentType(ContentType.JSON)
                .body("violations.field", hasItem(field));
    }

    private static ValidatableResponse list(String query) {
        return given().urlEncodingEnabled(false).get("/api/calls?" + query).then().statusCode(200);
    }

    private static ValidatableResponse schedule(String phone, Instant due, String more) {
        return given().contentType(ContentType.JSON)
                .body("{\"phone_number\": \"" + phone + "\", \"scheduled_time\": \"" + due + "\"" + more + "}")
                .post("/api/schedule").then();
    }
}
