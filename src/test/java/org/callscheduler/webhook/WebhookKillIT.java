package org.callscheduler.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.callscheduler.support.AppProcess;
import org.callscheduler.support.Burst;
import org.callscheduler.support.WebhookReceiver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.WireMockServer;

/**
 * The webhook outbox across a crash: the packaged application is killed with kill -9 while it is delivering the
 * events of a burst of calls, and started again on the same H2 file. Every event of every call reaches the receiver,
 * correctly signed, each call's events in order; an event arrives twice only when the killed process had it out
 * (claimed and POSTed, the 2xx not yet recorded), and then with the same webhook-id.
 */
class WebhookKillIT {

    private static final int CALLS = 200;
    /** Webhook POSTs out at once, so also the most events the kill can leave in doubt. */
    private static final int MAX_IN_FLIGHT = 32;
    /** Short, so the restarted process sends the killed one's claimed events again soon. */
    private static final Duration LEASE = Duration.ofSeconds(5);

    private WireMockServer callApi;
    private WebhookReceiver receiver;
    private Path dataDir;

    @BeforeEach
    void start() throws Exception {
        callApi = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().containerThreads(64));
        callApi.start();
        // A call_id for every POST; every status poll says completed, so each call ends after one poll.
        callApi.stubFor(post("/api/call").willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"call_id\": \"sid-{{randomValue length=16 type='ALPHANUMERIC'}}\", \"status\": \"initiated\"}")
                .withTransformers("response-template")));
        callApi.stubFor(get(urlPathMatching("/api/call/.+")).willReturn(
                okJson("{\"call_id\": \"{{request.pathSegments.[2]}}\", \"status\": \"completed\"}")
                        .withTransformers("response-template")));
        receiver = new WebhookReceiver(WebhookReceiver.SECRET);
        // A receiver that takes its time (8 threads x 25 ms), so deliveries are still under way at the kill.
        receiver.delay(Duration.ofMillis(25));
        dataDir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "webhook-kill-it-");
    }

    @AfterEach
    void stop() {
        callApi.stop();
        receiver.down();
    }

    @Test
    void killMinus9WhileDeliveringLosesNoEventAndKeepsEachCallsOrder() throws Exception {
        Instant started = Instant.now();
        Map<Long, Burst.Scheduled> calls;
        try (AppProcess first = AppProcess.start("webhook-kill-first", settings())) {
            // Due a little later, so their created events go first and the rest come in a rush at the due time.
            calls = Burst.schedule(List.of(first), CALLS, Instant.now().plusSeconds(5));
            // Killed past the created events, in the middle of the sent, accepted and completed ones.
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(10))
                    .until(() -> receiver.received().size() >= 2 * CALLS);
            first.kill();
        }
        Duration killedAfter = Duration.between(started, Instant.now());
        Set<Long> outAtKill = claimedAndPending();
        int receivedBeforeRestart = receiver.received().size();

        Map<Long, List<Long>> events = new TreeMap<>();
        try (AppProcess second = AppProcess.start("webhook-kill-second", settings())) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                    total(second, "pending") == 0 && total(second, "in-progress") == 0);
            for (long id : calls.keySet()) {
                events.put(id, given().get(second.baseUrl() + "/api/calls/" + id + "/events").then().statusCode(200)
                        .extract().jsonPath().getList("id", Long.class));
            }
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> firstDeliveries().equals(events));
        }
        Duration took = Duration.between(started, Instant.now());

        List<WebhookReceiver.Received> received = receiver.received();
        int eventCount = events.values().stream().mapToInt(List::size).sum();
        List<WebhookReceiver.Received> repeats = repeats(received);
        Set<Long> repeated = repeats.stream().map(WebhookReceiver.Received::eventId).collect(Collectors.toSet());
        System.out.printf("WebhookKillIT: %d calls, %d events; killed after %d ms with %d messages received and %d"
                + " events out; %d messages in all, %d repeats (of %s); %d ms in all%n", CALLS, eventCount,
                killedAfter.toMillis(), receivedBeforeRestart, outAtKill.size(), received.size(), repeats.size(),
                repeated, took.toMillis());

        assertTrue(receivedBeforeRestart < eventCount, "every event was delivered before the kill: this test shows nothing");
        assertEquals(List.of(), received.stream().filter(r -> !r.signatureValid()).toList(), "invalid signatures");
        assertEquals(events, firstDeliveries(), "each call's events, each at least once, in order");
        received.stream().collect(Collectors.groupingBy(WebhookReceiver.Received::callId)).forEach((call, messages) -> {
            List<Long> order = messages.stream().map(WebhookReceiver.Received::eventId).toList();
            assertEquals(order.stream().sorted().toList(), order,
                    "call " + call + ": no event after a later one, not even a repeat");
        });
        Map<Long, Set<String>> webhookIds = received.stream().collect(Collectors.groupingBy(
                WebhookReceiver.Received::eventId, Collectors.mapping(WebhookReceiver.Received::webhookId, Collectors.toSet())));
        webhookIds.forEach((event, ids) -> assertEquals(1, ids.size(), "event " + event + " under one webhook-id: " + ids));
        assertEquals(eventCount, webhookIds.values().stream().flatMap(Set::stream).distinct().count(),
                "one webhook-id per event");
        // At least once, and more only for the killed process's deliveries in doubt: sent, 2xx not recorded.
        assertTrue(outAtKill.size() <= MAX_IN_FLIGHT, "more events out than max-in-flight: " + outAtKill.size());
        assertTrue(outAtKill.containsAll(repeated), "repeated though not out at the kill: "
                + repeated.stream().filter(id -> !outAtKill.contains(id)).toList());
        assertEquals(repeats.size(), repeated.size(), "an event in doubt is sent once more, no more");
        repeats.forEach(r -> assertTrue(received.indexOf(r) >= receivedBeforeRestart,
                "event " + r.eventId() + " repeated by the process that had already delivered it"));
    }

    private Map<String, String> settings() {
        Map<String, String> settings = new HashMap<>();
        settings.put("call-scheduler.data-dir", dataDir.toString());
        settings.put("call-scheduler.call-api.url", callApi.baseUrl());
        settings.put("call-scheduler.call-api.connect-timeout", "500ms");
        settings.put("call-scheduler.call-api.read-timeout", "3s");
        settings.put("call-scheduler.dispatch.lease", "10s");
        settings.put("call-scheduler.poll.interval", "1s");
        settings.put("call-scheduler.security.rate-limit.enabled", "false");
        settings.put("call-scheduler.webhooks.url", receiver.url());
        settings.put("call-scheduler.webhooks.secret", WebhookReceiver.SECRET);
        settings.put("call-scheduler.webhooks.lease", LEASE.toSeconds() + "s");
        // The lease must be at least twice the longest delivery.
        settings.put("call-scheduler.webhooks.connect-timeout", "500ms");
        settings.put("call-scheduler.webhooks.timeout", "2s");
        settings.put("call-scheduler.webhooks.max-in-flight", String.valueOf(MAX_IN_FLIGHT));
        return settings;
    }

    /** For each call, the event ids of the messages received, each the first time it came. */
    private Map<Long, List<Long>> firstDeliveries() {
        Set<Long> seen = new HashSet<>();
        Map<Long, List<Long>> byCall = new TreeMap<>();
        for (WebhookReceiver.Received message : receiver.received()) {
            if (seen.add(message.eventId())) {
                byCall.computeIfAbsent(message.callId(), id -> new ArrayList<>()).add(message.eventId());
            }
        }
        return byCall;
    }

    /** The messages whose event had come before. */
    private static List<WebhookReceiver.Received> repeats(List<WebhookReceiver.Received> received) {
        Map<Long, WebhookReceiver.Received> first = new LinkedHashMap<>();
        List<WebhookReceiver.Received> repeats = new ArrayList<>();
        for (WebhookReceiver.Received message : received) {
            if (first.putIfAbsent(message.eventId(), message) != null) {
                repeats.add(message);
            }
        }
        return repeats;
    }

    private static int total(AppProcess app, String status) {
        return Integer.parseInt(given().get(app.baseUrl() + "/api/calls?status=" + status).then().statusCode(200)
                .extract().header("X-Total-Count"));
    }

    /** The events the killed process had claimed and not recorded, read from the H2 file before the restart. */
    private Set<Long> claimedAndPending() throws Exception {
        String url = "jdbc:h2:file:" + dataDir.resolve("call-scheduler");
        Set<Long> ids = new HashSet<>();
        try (Connection connection = DriverManager.getConnection(url, "sa", "");
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT event_id FROM webhook_deliveries"
                        + " WHERE state = 'pending' AND claim IS NOT NULL")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }
}
