package org.callscheduler.scaleout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.IntSummaryStatistics;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Call API down for 60 s in the middle of a burst, two instances on PostgreSQL: 20 s refusing
 * connections, 20 s answering 503, 20 s too slow to answer. Nothing is lost, nothing fails while it
 * has attempts left, and every call is dialled once the Call API is back; the calls caught by the
 * outage show their retries in their attempt count.
 */
class OutageIT {

    private static final int CALLS = 1_000;
    private static final int MAX_ATTEMPTS = 30;
    private static final Duration PHASE = Duration.ofSeconds(20);

    private RecordingCallApi callApi;
    private Cluster cluster;

    @BeforeEach
    void start() throws Exception {
        Postgres.deleteAllCalls();
        callApi = new RecordingCallApi();
        cluster = Cluster.start(callApi, Map.of(
                // 2 instances x 8 dials in flight x 500 ms: about 32 dials a second, so the burst is still
                // being dialled when the outage starts, however long scheduling it took.
                "call-scheduler.dispatch.max-in-flight", "8",
                "call-scheduler.dispatch.batch-size", "16",
                "call-scheduler.dispatch.max-attempts", String.valueOf(MAX_ATTEMPTS),
                "call-scheduler.call-api.connect-timeout", "1s",
                "call-scheduler.call-api.read-timeout", "2s",
                "call-scheduler.call-api.backoff.initial", "1s",
                "call-scheduler.call-api.backoff.max", "5s"), "outage-a", "outage-b");
        Postgres.deleteAllCalls();
    }

    @AfterEach
    void stop() {
        cluster.close();
        callApi.close();
    }

    @Test
    void aMinuteOfOutageInTheBurstLosesNothingAndFailsNothing() throws Exception {
        // Slow answers at first, so the outage starts with most of the burst still to dial.
        callApi.answerNormally(Duration.ofMillis(500));
        Map<Long, Instant> calls = cluster.schedule(CALLS, Instant.now().plusSeconds(20), cluster.names());
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(50))
                .until(() -> callApi.posts().size() >= 50);

        Instant outage = Instant.now();
        callApi.refuseConnections();
        Thread.sleep(PHASE.toMillis()); // the outage itself is the scenario: 20 s of each kind
        callApi.answerUnavailable();
        callApi.acceptConnections();
        Thread.sleep(PHASE.toMillis());
        callApi.answerLate(Duration.ofSeconds(5));
        Thread.sleep(PHASE.toMillis());
        long failedDuringOutage = Postgres.count("status = 'failed'");
        long pendingAfterOutage = Postgres.count("status = 'pending'");
        callApi.answerNormally(Duration.ZERO);
        Instant recovered = Instant.now();

        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                .until(() -> Postgres.count("status = 'pending'") == 0);
        Duration drained = Duration.between(recovered, Instant.now());
        Collection<Postgres.Row> rows = Postgres.calls().values();
        IntSummaryStatistics attempts = rows.stream().mapToInt(Postgres.Row::attempts).summaryStatistics();
        System.out.printf("OutageIT: outage from %s for %d s; %d calls pending at recovery, all dialled %d ms after;"
                + " attempts min %d, max %d, average %.1f%n", outage, PHASE.multipliedBy(3).toSeconds(),
                pendingAfterOutage, drained.toMillis(), attempts.getMin(), attempts.getMax(), attempts.getAverage());

        assertEquals(0, failedDuringOutage, "calls failed during the outage");
        assertTrue(pendingAfterOutage > 0, "the outage caught part of the burst");
        assertEquals(CALLS, rows.size(), "no call lost");
        List<String> notDialled = rows.stream()
                .filter(row -> !"in-progress".equals(row.status()) && !"completed".equals(row.status()))
                .map(row -> row.id() + " " + row.status() + " " + row.errorMessage())
                .limit(10).toList();
        assertTrue(notDialled.isEmpty(), "not dialled: " + notDialled);
        // The answer that counts is the one the Call API gave to the POST that placed the call.
        rows.forEach(row -> assertTrue(callApi.sidsOf(row.id()).contains(row.callApiId()), "call " + row.id()));
        assertEquals(calls.keySet(), callApi.postsPerCall().keySet(), "every call reached the Call API");
        assertTrue(attempts.getMax() > 2, "back-off retries show in attempts, max " + attempts.getMax());
        assertTrue(attempts.getMax() < MAX_ATTEMPTS, "a call spent its attempts: " + attempts.getMax());
        assertTrue(rows.stream().filter(row -> row.attempts() > 1).count() >= pendingAfterOutage,
                "the calls the outage caught were retried");
    }
}
