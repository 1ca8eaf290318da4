package org.callscheduler.webhook;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import jakarta.inject.Inject;

import org.callscheduler.support.CallFixtures;
import org.callscheduler.support.WebhookReceiver;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/**
 * Every event of every call reaches the receiver, signed and in order per call, through failures of the receiver.
 * The receiver checks each signature with its own HMAC code.
 */
@QuarkusTest
@TestProfile(WebhookProfile.class)
class WebhookTest {

    @Inject
    CallFixtures fixtures;

    WebhookReceiver receiver;

    @BeforeEach
    void clean() {
        receiver = WebhookProfile.receiver;
        fixtures.deleteAll();
        receiver.reset();
    }

    @Test
    void everyEventOfACallArrivesSignedInOrderWithTheCallAndTheEvent() {
        long id = callNow("+14155550131");
        awaitCompleted(id);
        List<Long> eventIds = eventIds(id);
        await().atMost(Duration.ofSeconds(10)).until(() -> deliveredEventIds(id).equals(eventIds));

        List<WebhookReceiver.Received> messages = receiver.delivered().stream().filter(r -> r.callId() == id).toList();
        assertTrue(messages.stream().allMatch(WebhookReceiver.Received::signatureValid), "every signature checks out");
        assertEquals(messages.size(), messages.stream().map(WebhookReceiver.Received::webhookId).distinct().count(),
                "one webhook-id per event");
        assertEquals("call.created", messages.get(0).type());
        assertEquals("call.completed", messages.get(messages.size() - 1).type());
        JsonPath first = JsonPath.from(messages.get(0).body());
        assertEquals("call.created", first.getString("type"));
        assertEquals((int) id, first.getInt("data.call.id"));
        assertEquals("+14155550131", first.getString("data.call.phone_number"));
        assertEquals("created", first.getString("data.event.type"));
        assertEquals(first.getString("timestamp"), first.getString("data.event.at"));
        long now = System.currentTimeMillis() / 1000;
        assertTrue(Math.abs(Long.parseLong(messages.get(0).timestamp()) - now) < 60, "webhook-timestamp in Unix seconds");
    }

    @Test
    void aReceiverThatWasDownGetsEverythingAfterwardsInOrder() {
        receiver.down();
        List<Long> ids = List.of(callNow("+14155550132"), callNow("+14155550133"), callNow("+14155550134"));
        ids.forEach(this::awaitCompleted);
        await().atMost(Duration.ofSeconds(10)).until(() -> health().getString(
                "checks.find { it.name == 'webhooks' }.data.failing_since") != null);

        receiver.up();

        for (long id : ids) {
            List<Long> eventIds = eventIds(id);
            await().atMost(Duration.ofSeconds(15)).until(() -> deliveredEventIds(id).equals(eventIds));
        }
        assertTrue(receiver.delivered().stream().allMatch(WebhookReceiver.Received::signatureValid));
        await().atMost(Duration.ofSeconds(10)).until(() -> health().getString(
                "checks.find { it.name == 'webhooks' }.data.failing_since") == null);
    }

    @Test
    void aFailedDeliveryIsRetriedWithTheSameWebhookId() {
        receiver.failNext(2);
        long id = schedule("+14155550135");

        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.delivered().stream().anyMatch(r -> r.callId() == id));

        List<WebhookReceiver.Received> tries = receiver.received().stream().filter(r -> r.callId() == id).toList();
        assertEquals(3, tries.size(), "two failures, then delivered");
        assertEquals(1, tries.stream().map(WebhookReceiver.Received::webhookId).distinct().count(),
                "the same webhook-id on every try");
        assertEquals(List.of(500, 500, 200), tries.stream().map(WebhookReceiver.Received::answeredWith).toList());
    }

    @Test
    void aReceiverThatIsGoneGetsItsDeliveriesMarkedDead() {
        receiver.answer(410);
        long id = schedule("+14155550136");

        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.received().stream().anyMatch(r -> r.callId() == id));
        await().atMost(Duration.ofSeconds(10)).until(() -> health().getInt(
                "checks.find { it.name == 'webhooks' }.data.dead") >= 1);

        assertEquals(1, receiver.received().stream().filter(r -> r.callId() == id).count(), "410 is not retried");
        assertTrue(metric("callscheduler_webhooks_deliveries_total", "outcome=\"dead\"") >= 1);
    }

    @Test
    void redirectsAreNotFollowed() {
        receiver.answer(302);
        long id = schedule("+14155550137");

        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.received().stream().filter(r -> r.callId() == id)
                .count() >= 2);

        assertTrue(receiver.delivered().isEmpty());
        assertFalse(receiver.received().stream().anyMatch(r -> r.body().isEmpty()), "no request to the redirect target");
        assertThat(health().getString("checks.find { it.name == 'webhooks' }.data.last_error"),
                containsString("redirects are not followed"));
    }

    // ---- helpers

    private List<Long> deliveredEventIds(long callId) {
        List<Long> ids = receiver.delivered().stream().filter(r -> r.callId() == callId)
                .map(WebhookReceiver.Received::eventId).toList();
        Set<Long> seen = new HashSet<>();
        return ids.stream().filter(seen::add).toList(); // at least once: a repeat is allowed, the order is what counts
    }

    private static List<Long> eventIds(long callId) {
        return given().get("/api/calls/" + callId + "/events").jsonPath().getList("id", Long.class);
    }

    private void awaitCompleted(long id) {
        await().atMost(Duration.ofSeconds(15)).until(() -> "completed".equals(
                given().get("/api/calls/" + id).jsonPath().getString("status")));
    }

    private static long callNow(String phone) {
        return given().contentType(ContentType.JSON).body("{\"phone_number\": \"" + phone + "\"}")
                .post("/api/call-now").then().statusCode(201).extract().jsonPath().getLong("id");
    }

    private static long schedule(String phone) {
        return given().contentType(ContentType.JSON).body("{\"phone_number\": \"" + phone
                + "\", \"scheduled_time\": \"" + java.time.Instant.now().plus(Duration.ofHours(1)) + "\"}")
                .post("/api/schedule").then().statusCode(201).extract().jsonPath().getLong("id");
    }

    private static JsonPath health() {
        return given().get("/q/health/ready").jsonPath();
    }

    private static double metric(String name, String... labels) {
        return given().get("/q/metrics").then().extract().asString().lines()
                .filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
                .filter(line -> java.util.Arrays.stream(labels).allMatch(line::contains))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }
}
