package org.callscheduler.call;

import static io.restassured.RestAssured.given;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.callscheduler.support.CallFixtures;
import org.callscheduler.support.NoJobsProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

/** PATCH /api/calls/{id} (CONTRACT part 2): change a pending call, with the rules of its creation. */
@QuarkusTest
@TestProfile(NoJobsProfile.class)
class PatchTest {

    private static final Instant DUE = Instant.now().plus(Duration.ofDays(2)).truncatedTo(ChronoUnit.SECONDS);

    @Inject
    CallFixtures fixtures;

    @BeforeEach
    void clean() {
        fixtures.deleteAll();
    }

    @Test
    void aPendingCallIsRescheduledAndTheChangeIsAnEvent() {
        int id = create("+14155550180", ", \"reference\": \"appt-1\"");
        Instant later = DUE.plus(Duration.ofHours(3));

        patch(id, "{\"scheduled_time\": \"" + later + "\", \"reference\": \"appt-1b\"}").statusCode(200)
                .body("scheduled_time", equalTo(later.toString()))
                .body("not_before", equalTo(later.toString()))
                .body("expires_at", equalTo(later.plus(Duration.ofHours(1)).toString()))
                .body("reference", equalTo("appt-1b"))
                .body("phone_number", equalTo("+14155550180"));

        List<Map<String, String>> events = fixtures.events(id);
        assertEquals("updated", events.get(events.size() - 1).get("type"));
        String detail = events.get(events.size() - 1).get("detail");
        assertThat(detail, containsString("scheduled_time " + DUE + " -> " + later));
        assertThat(detail, containsString("reference appt-1 -> appt-1b"));
    }

    @Test
    void nullSetsAnOptionalFieldBackAndANewNumberGetsItsOwnZone() {
        int id = create("+14155550181", ", \"reference\": \"r\", \"metadata\": {\"a\": 1}, \"time_zone\": \"UTC\"");
        patch(id, "{\"reference\": null, \"metadata\": null}").statusCode(200)
                .body("reference", nullValue())
                .body("metadata", nullValue())
                .body("time_zone", equalTo("UTC"));
        patch(id, "{\"phone_number\": \"+1 212 555 0100\"}").statusCode(200)
                .body("phone_number", equalTo("+12125550100"))
                .body("time_zone", equalTo("America/New_York"));
    }

    @Test
    void aCallThatIsNotPendingOrIsBeingSentIs409AndUnchanged() {
        long done = fixtures.insertFinished(CallStatus.COMPLETED, "+14155550182");
        patch(done, "{\"reference\": \"x\"}").statusCode(409).body("error", containsString("cannot be changed"));
        long claimed = fixtures.insertPending(1, "+14155550183", DUE).get(0);
        fixtures.claim(claimed, "some-instance", Instant.now().plusSeconds(30));
        patch(claimed, "{\"reference\": \"x\"}").statusCode(409).body("error", containsString("being sent right now"));
        assertEquals(null, fixtures.find(claimed).reference);
    }

    @Test
    void badChangesAre400NamingTheFieldAndChangeNothing() {
        int id = create("+14155550184", "");
        patch(id, "{\"scheduled_tme\": \"" + DUE + "\"}").statusCode(400).body("violations.field", hasItem("scheduled_tme"));
        patch(id, "{\"scheduled_time\": \"tomorrow\"}").statusCode(400).body("violations.field", hasItem("scheduled_time"));
        patch(id, "{\"scheduled_time\": null}").statusCode(400).body("violations.field", hasItem("scheduled_time"));
        patch(id, "{\"phone_number\": \"abc\"}").statusCode(400).body("violations.field", hasItem("phone_number"));
        patch(id, "{\"calling_window\": {\"start\": \"9\"}}").statusCode(400)
                .body("violations.field", hasItem("calling_window.start"));
        patch(id, "[1]").statusCode(400);
        given().get("/api/calls/" + id).then().body("phone_number", equalTo("+14155550184"))
                .body("scheduled_time", equalTo(DUE.toString()));
        patch(999_999, "{\"reference\": \"x\"}").statusCode(404);
    }

    private static int create(String phone, String more) {
        return given().contentType(ContentType.JSON)
                .body("{\"phone_number\": \"" + phone + "\", \"scheduled_time\": \"" + DUE + "\"" + more + "}")
                .post("/api/schedule").then().statusCode(201).extract().path("id");
    }

    private static ValidatableResponse patch(long id, String body) {
        return given().contentType(ContentType.JSON).body(body).patch("/api/calls/" + id).then();
    }
}
