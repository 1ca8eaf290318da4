package org.callscheduler.call;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import jakarta.inject.Inject;

import org.callscheduler.support.CallFixtures;
import org.callscheduler.support.NoJobsProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/** POST /api/calls/batch (CONTRACT part 2): up to 1,000 calls, all or nothing, in the order given. */
@QuarkusTest
@TestProfile(NoJobsProfile.class)
class BatchTest {

    private static final Instant DUE = Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.SECONDS);

    @Inject
    CallFixtures fixtures;

    @BeforeEach
    void clean() {
        fixtures.deleteAll();
    }

    @Test
    void theCallsAreStoredAndReturnedInTheOrderGiven() {
        List<Integer> ids = batch("{\"calls\": [" + item("+14155550190", "a", 0) + ", " + item("+1 212 555 0191", "b", 1)
                + ", " + item("+442079460192", "c", 2) + "]}").then().statusCode(201).contentType(ContentType.JSON)
                .body("calls", hasSize(3))
                .body("calls.reference", contains("a", "b", "c"))
                .body("calls.phone_number", contains("+14155550190", "+12125550191", "+442079460192"))
                .body("calls.time_zone", contains("America/Los_Angeles", "America/New_York", "Europe/London"))
                .body("calls.status", contains("pending", "pending", "pending"))
                .extract().path("calls.id");
        assertEquals(3, ids.stream().distinct().count());
        ids.forEach(id -> given().get("/api/calls/" + id).then().statusCode(200));
        assertEquals(List.of("created"), fixtures.eventTypes(ids.get(0)));
    }

    @Test
    void oneBadItemStoresNothingAndEveryProblemIsNamed() {
        batch("{\"calls\": [" + item("+14155550193", "ok", 0) + ", {\"phone_number\": \"abc\", \"scheduled_time\": \""
                + DUE + "\"}, {\"phone_number\": \"+14155550194\", \"scheduled_time\": \"soon\"},"
                + " {\"scheduled_time\": \"" + DUE + "\"}]}")
                .then().statusCode(400).contentType(ContentType.JSON)
                .body("violations.field", hasItems("calls[1].phone_number", "calls[2].scheduled_time",
                        "calls[3].phone_number"));
        assertEquals(0, fixtures.count(CallStatus.PENDING));
    }

    @Test
    void aBatchHasOneToAThousandCalls() {
        batch("{\"calls\": []}").then().statusCode(400).body("violations.field", hasItem("calls"));
        batch("{}").then().statusCode(400).body("violations.field", hasItem("calls"));
        batch(many(1001)).then().statusCode(400).body("violations.field", hasItem("calls"));
        assertEquals(0, fixtures.count(CallStatus.PENDING));
    }

    @Test
    void aThousandCallsWithMetadataGoInOneRequest() {
        String body = many(1000);
        assertTrue(body.length() > 64 * 1024, "over the limit of every other request: " + body.length());
        Response response = batch(body);
        response.then().statusCode(201).body("calls", hasSize(1000)).body("calls[999].reference", equalTo("r-999"));
        assertEquals(1000, fixtures.count(CallStatus.PENDING));
    }

    @Test
    void aBatchIsIdempotentWithItsKey() {
        String body = "{\"calls\": [" + item("+14155550195", "x", 0) + "]}";
        Response first = given().contentType(ContentType.JSON).header("Idempotency-Key", "batch-1").body(body)
                .post("/api/calls/batch");
        Response again = given().contentType(ContentType.JSON).header("Idempotency-Key", "batch-1").body(body)
                .post("/api/calls/batch");
        assertEquals(201, first.statusCode());
        assertEquals(201, again.statusCode());
        assertEquals("true", again.header("Idempotent-Replayed"));
        assertEquals(first.jsonPath().getLong("calls[0].id"), again.jsonPath().getLong("calls[0].id"));
        assertEquals(1, fixtures.count(CallStatus.PENDING));
    }

    private static String many(int count) {
        return "{\"calls\": [" + IntStream.range(0, count)
                .mapToObj(i -> "{\"phone_number\": \"+1415555" + String.format("%04d", i % 10_000)
                        + "\", \"scheduled_time\": \"" + DUE.plusSeconds(i) + "\", \"reference\": \"r-" + i
                        + "\", \"metadata\": {\"appointment\": " + i + ", \"clinic\": \"north\"}}")
                .collect(Collectors.joining(", ")) + "]}";
    }

    private static String item(String phone, String reference, int minutes) {
        return "{\"phone_number\": \"" + phone + "\", \"scheduled_time\": \"" + DUE.plus(Duration.ofMinutes(minutes))
                + "\", \"reference\": \"" + reference + "\"}";
    }

    private static Response batch(String body) {
        return given().contentType(ContentType.JSON).body(body).post("/api/calls/batch");
    }
}
