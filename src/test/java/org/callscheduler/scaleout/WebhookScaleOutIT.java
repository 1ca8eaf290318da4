package org.callscheduler.scaleout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.callscheduler.support.WebhookReceiver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two instances on one PostgreSQL deliver the events of a few hundred calls to one receiver that always answers 200:
 * each event exactly once (one webhook-id, one message), every event, each call's events in order, every signature
 * valid, and both instances deliver a share.
 */
class WebhookScaleOutIT {

    private static final int CALLS = 300;
    private static final List<String> NAMES = List.of("hook-a", "hook-b");
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private RecordingCallApi callApi;
    private WebhookReceiver receiver;
    private Cluster cluster;
    private long serverLog;

    @BeforeEach
    void start() throws Exception {
        serverLog = Postgres.logPosition();
        Postgres.deleteAllCalls();
        callApi = new RecordingCallApi();
        receiver = new WebhookReceiver(WebhookReceiver.SECRET);
        cluster = Cluster.start(callApi, Map.of(
                "call-scheduler.webhooks.url", receiver.url(),
                "call-scheduler.webhooks.secret", WebhookReceiver.SECRET,
                "call-scheduler.poll.interval", "1s"), NAMES.toArray(String[]::new));
        Postgres.deleteAllCalls();
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
        callApi.close();
        receiver.down();
        // Claims lock events in id order and skip locked ones; results are written in id order.
        assertEquals(List.of(), Postgres.deadlocksSince(serverLog), "deadlocks in the PostgreSQL server log");
    }

    @Test
    void twoInstancesDeliverEachEventExactlyOnceInOrderPerCall() throws Exception {
        Instant started = Instant.now();
        Map<Long, Instant> calls = cluster.schedule(CALLS, Instant.now().plusSeconds(2), NAMES);
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                .until(() -> Postgres.count("status in ('pending', 'in-progress')") == 0);
        Map<Long, List<Long>> events = events();
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
                .until(() -> undelivered() == 0 && firstDeliveries(calls.keySet()).equals(events));
        Duration took = Duration.between(started, Instant.now());

        List<WebhookReceiver.Received> received = receiver.received().stream()
                .filter(r -> calls.containsKey(r.callId())).toList();
        int eventCount = events.values().stream().mapToInt(List::size).sum();
        Map<String, Long> split = new LinkedHashMap<>();
        for (String name : NAMES) {
            split.put(name, delivered(name));
        }
        System.out.printf("WebhookScaleOutIT: %d calls, %d events, %d messages received, %d webhook-ids; delivered by"
                + " instance %s; %d ms from scheduling to the last delivery%n", CALLS, eventCount, received.size(),
                received.stream().map(WebhookReceiver.Received::webhookId).distinct().count(), split, took.toMillis());

        assertEquals(calls.keySet(), events.keySet(), "every call has events");
        assertEquals(List.of(), received.stream().filter(r -> !r.signatureValid()).toList(), "invalid signatures");
        assertEquals(events, firstDeliveries(calls.keySet()), "every event of every call, in order");
        assertEquals(eventCount, received.size(), "one message per event: none sent twice");
        assertEquals(eventCount, received.stream().map(WebhookReceiver.Received::webhookId).distinct().count(),
                "each webhook-id received once");
        received.stream().collect(Collectors.groupingBy(WebhookReceiver.Received::callId)).forEach((call, messages) -> {
            List<Long> order = messages.stream().map(WebhookReceiver.Received::eventId).toList();
            assertEquals(events.get(call), order, "call " + call + ": its events in order, each once");
        });
        assertEquals(eventCount, split.values().stream().mapToLong(Long::longValue).sum(),
                "2xx answers counted by the instances " + split);
        split.forEach((name, count) -> assertTrue(count > 0, name + " delivered nothing: " + split));
    }

    /** Each call's event ids, oldest first, from the database. */
    private static Map<Long, List<Long>> events() throws Exception {
        Map<Long, List<Long>> byCall = new TreeMap<>();
        try (Connection c = Postgres.connect(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("select call_id, id from call_events order by call_id, id")) {
            while (r.next()) {
                byCall.computeIfAbsent(r.getLong(1), id -> new ArrayList<>()).add(r.getLong(2));
            }
        }
        return byCall;
    }

    /** Events not yet delivered (pending, or dead): a delivered event leaves the outbox. */
    private static long undelivered() throws Exception {
        try (Connection c = Postgres.connect(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("select count(*) from webhook_deliveries")) {
            r.next();
            return r.getLong(1);
        }
    }

    /** For each of {@code calls}, the event ids of the messages received, each the first time it came. */
    private Map<Long, List<Long>> firstDeliveries(Set<Long> calls) {
        Set<Long> seen = new HashSet<>();
        Map<Long, List<Long>> byCall = new TreeMap<>();
        for (WebhookReceiver.Received message : receiver.received()) {
            if (calls.contains(message.callId()) && seen.add(message.eventId())) {
                byCall.computeIfAbsent(message.callId(), id -> new ArrayList<>()).add(message.eventId());
            }
        }
        return byCall;
    }

    /** Deliveries answered with a 2xx, as {@code instance} counts them in its metrics. */
    private long delivered(String instance) throws Exception {
        String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(cluster.instance(instance).baseUrl() + "/q/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines()
                .filter(line -> line.startsWith("callscheduler_webhooks_deliveries_total{")
                        && line.contains("outcome=\"delivered\""))
                .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }
}
