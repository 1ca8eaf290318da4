package org.callscheduler.web;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.callscheduler.support.CallFixtures;
import org.callscheduler.support.NoJobsProfile;
import org.callscheduler.webhook.WebhookDeliveryJob;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/**
 * The table's webhook banners, with webhooks pointed at a closed port: deliveries fail, and past the max age
 * they are given up. (A test class of its own: CallPagesTest runs with webhooks off, and a class has one profile.)
 */
@QuarkusTest
@TestProfile(CallPagesWebhooksTest.ClosedReceiverProfile.class)
class CallPagesWebhooksTest {

    @Inject
    CallFixtures fixtures;

    @Inject
    WebhookDeliveryJob delivery;

    @BeforeEach
    void clean() {
        fixtures.deleteAll();
    }

    @Test
    void theTableSaysSinceWhenWebhooksFailAndHowManyWereGivenUp() {
        given().contentType(ContentType.JSON)
                .body("{\"phone_number\": \"+14155550123\", \"scheduled_time\": \"" + Instant.now().plusSeconds(3600) + "\"}")
                .post("/api/schedule").then()
                .statusCode(201);

        String failing = await().atMost(Duration.ofSeconds(15)).until(() -> table("Europe/Paris"),
                html -> html.contains("Webhooks failing since "));
        Matcher banner = Pattern.compile("<p class=\"notice danger webhooks-failing\">Webhooks failing since"
                + " ([0-9]{2}:[0-9]{2}:[0-9]{2}) \\(([0-9]+) waiting; last error: ([^<]+)\\)</p>").matcher(failing);
        assertTrue(banner.find(), failing);
        Instant since = delivery.failingSince().orElseThrow();
        String sinceInParis = DateTimeFormatter.ofPattern("HH:mm:ss").format(since.atZone(ZoneId.of("Europe/Paris")));
        // Just after midnight in Paris the banner gives the date too; the time is there either way.
        assertTrue(failing.contains("failing since " + sinceInParis) || failing.contains(", " + sinceInParis + " ("),
                "since " + sinceInParis + " (Paris): " + failing);
        assertTrue(banner.group(3).startsWith("request failed: "), banner.group(3));

        // Past the max age (2 s) the event is given up; the count is read at most every 5 s.
        await().atMost(Duration.ofSeconds(20)).until(() -> table("UTC"), html -> html.contains(
                "<p class=\"notice warning webhooks-dead\">1 webhook delivery given up (dead)</p>"));
    }

    private static String table(String tz) {
        return given().queryParam("tz", tz).get("/calls-table").then().statusCode(200).extract().asString();
    }

    /** No dispatching; webhooks to a port nobody listens on, tried every 200 ms and given up after 2 s. */
    public static class ClosedReceiverProfile extends NoJobsProfile {

        public ClosedReceiverProfile() {
            super(Map.of(
                    "call-scheduler.webhooks.url", "http://127.0.0.1:" + closedPort() + "/x",
                    "call-scheduler.webhooks.secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                    "call-scheduler.webhooks.interval", "200ms",
                    "call-scheduler.webhooks.backoff-initial", "100ms",
                    "call-scheduler.webhooks.backoff-max", "500ms",
                    "call-scheduler.webhooks.connect-timeout", "1s",
                    "call-scheduler.webhooks.max-age", "2s"));
        }

        /** A port that was free a moment ago, and closed again. */
        private static int closedPort() {
            try (ServerSocket socket = new ServerSocket(0)) {
                return socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
