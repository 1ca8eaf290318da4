package org.callscheduler.call;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.inject.Inject;

import org.callscheduler.support.CallFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/** GET /api/calls/{id}/events: a call's history, oldest first, through the API. */
@QuarkusTest
class CallEventsApiTest {

    @Inject
    CallFixtures fixtures;

    @BeforeEach
    void cleanDatabase() {
        fixtures.deleteAll();
    }

    @Test
    void aNewCallHasItsCreatedEvent() {
        Instant due = Instant.now().plus(Duration.ofHours(1));
        int id = given().contentType(ContentType.JSON)
                .body("{\"phone_number\": \"+14155550123\", \"scheduled_time\": \"" + due + "\"}")
                .post("/api/schedule").then().statusCode(201).extract().path("id");

        given().get("/api/calls/" + id + "/events").then().statusCode(200).contentType(ContentType.JSON)
                .body("", hasSize(1))
                .body("[0].call_id", equalTo(id))
                .body("[0].type", equalTo("created"))
                .body("[0].status", equalTo("pending"))
                .body("[0].attempt", equalTo(0))
                .body("[0].detail", startsWith("Scheduled for "));
    }

    @Test
    void aDialledCallTellsItsStoryInOrder() {
        int id = given().contentType(ContentType.JSON).body("{\"phone_number\": \"+14155550124\"}")
                .post("/api/call-now").then().statusCode(201).extract().path("id");
        await().atMost(Duration.ofSeconds(15)).until(() -> "completed".equals(
                given().get("/api/calls/" + id).jsonPath().getString("status")));

        JsonPath events = given().get("/api/calls/" + id + "/events").then().statusCode(200).extract().jsonPath();
        List<String> types = events.getList("type");
        assertEquals(List.of("created", "sent", "accepted"), types.subList(0, 3));
        assertEquals("completed", types.get(types.size() - 1));
        assertTrue(types.contains("status_changed"), types.toString());
        List<Integer> ids = events.getList("id");
        for (int i = 1; i < ids.size(); i++) {
            assertTrue(ids.get(i) > ids.get(i - 1), "oldest first: " + ids);
        }
        assertEquals("in-progress", events.getString("find { it.type == 'accepted' }.status"));
        assertEquals(1, events.getInt("find { it.type == 'sent' }.attempt"));
    }

    @Test
    void anUnknownOrMalformedIdIs404() {
        given().get("/api/calls/999999/events").then().statusCode(404).contentType(ContentType.JSON)
                .body("error", equalTo("Call 999999 not found"));
        given().get("/api/calls/abc/events").then().statusCode(404).contentType(ContentType.JSON);
    }
}
