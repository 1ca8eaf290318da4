package org.callscheduler.scaleout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three instances on one PostgreSQL, 10,000 calls due at the same instant: each call reaches the Call
 * API exactly once, never before its time, and all three instances share the work; with one of them
 * killed (kill -9) in the middle, its claims are taken over when their lease expires and nothing is lost.
 */
class ScaleOutIT {

    private static final int CALLS = 10_000;
    private static final Duration LEASE = Duration.ofSeconds(10);
    private static final List<String> NAMES = List.of("scale-a", "scale-b", "scale-c");

    private RecordingCallApi callApi;
    private Cluster cluster;

    @BeforeEach
    void start() throws Exception {
        Postgres.deleteAllCalls();
        callApi = new RecordingCallApi();
        cluster = Cluster.start(callApi, Map.of(
                "call-scheduler.dispatch.lease", LEASE.toSeconds() + "s",
                // A POST that times out is sent again (at-least-once); on a busy 2-core machine 4 s could
                // pass for an answer the Call API sent, and count as a duplicate that is not the point here.
                "call-scheduler.call-api.read-timeout", "15s"), NAMES.toArray(String[]::new));
        Postgres.deleteAllCalls();
    }

    @AfterEach
    void stop() {
        cluster.close();
        callApi.close();
    }

    @Test
    void tenThousandCallsDueAtOneInstantAreDialledOnceEachByAllThreeInstances() throws Exception {
        Map<Long, Instant> calls = cluster.schedule(CALLS, Instant.now().plusSeconds(20), NAMES);
        Instant due = calls.values().stream().min(Instant::compareTo).orElseThrow();

        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .until(() -> callApi.postsPerCall().size() == CALLS);
        List<RecordingCallApi.Post> posts = callApi.posts();
        Instant last = posts.stream().map(RecordingCallApi.Post::receivedAt).max(Instant::compareTo).orElseThrow();

        Map<Long, Long> perCall = callApi.postsPerCall();
        assertEquals(calls.keySet(), perCall.keySet(), "every call, and only those, reached the Call API");
        assertEquals(CALLS, posts.size(), "POSTs: a call was dialled twice: " + duplicates(perCall));
        assertNoneEarly(posts, calls);

        Map<String, Long> split = new LinkedHashMap<>();
        for (String name : NAMES) {
            split.put(name, cluster.acceptedDials(name));
        }
        System.out.printf("ScaleOutIT: %d calls due at %s, all dialled %d ms after, each once; split %s%n", CALLS, due,
                Duration.between(due, last).toMillis(), split);
        assertEquals(CALLS, split.values().stream().mapToLong(Long::longValue).sum(), "dials per instance " + split);
        split.forEach((name, dials) -> assertTrue(dials > 0, name + " dialled nothing: " + split));

        await().atMost(Duration.ofSeconds(60)).until(() -> Postgres.count("call_api_id is null") == 0);
        Postgres.calls().values().forEach(row -> assertEquals("sid-call-" + row.id(), row.callApiId(), "call " + row.id()));
    }

    @Test
    void killingOneOfThreeInTheBurstLosesNothingAndItsClaimsAreTakenOverAfterTheLease() throws Exception {
        Map<Long, Instant> calls = cluster.schedule(CALLS, Instant.now().plusSeconds(20), NAMES);

        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(50))
                .until(() -> callApi.posts().size() >= CALLS / 4);
        String dead = "scale-a";
        cluster.instance(dead).kill();
        Instant killedAt = Instant.now();
        Set<Long> heldByTheDead = Postgres.calls().values().stream()
                .filter(row -> "pending".equals(row.status()) && dead.equals(row.claimedBy()))
                .map(Postgres.Row::id)
                .collect(Collectors.toSet());

        // Taken over: no call is left pending under the dead instance's claim once its lease has expired.
        await().atMost(LEASE.plusSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> Postgres.count("status = 'pending' and claimed_by = '" + dead + "'") == 0);
        Duration takeover = Duration.between(killedAt, Instant.now());

        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .until(() -> callApi.postsPerCall().size() == CALLS && Postgres.count("call_api_id is null") == 0);
        Map<Long, Long> perCall = callApi.postsPerCall();
        Map<Long, Long> repeated = duplicates(perCall);
        System.out.printf("ScaleOutIT: killed %s after %d POSTs; it held %d claims; taken over %d ms after the kill;"
                + " %d calls POSTed twice with the same idempotency key%n", dead, CALLS / 4, heldByTheDead.size(),
                takeover.toMillis(), repeated.size());

        assertEquals(calls.keySet(), perCall.keySet(), "every call reached the Call API");
        assertTrue(takeover.compareTo(LEASE.plusSeconds(5)) <= 0, "claims taken over after " + takeover);
        // A call POSTed twice is one the dead instance had sent without recording the answer: sent again with
        // the same Idempotency-Key (takeover=redial), so the provider places it once.
        assertTrue(heldByTheDead.containsAll(repeated.keySet()), "repeated outside the dead instance's claims: "
                + repeated.keySet().stream().filter(id -> !heldByTheDead.contains(id)).limit(10).toList());
        repeated.values().forEach(n -> assertEquals(2L, n));
        assertNoneEarly(callApi.posts(), calls);
        Postgres.calls().values().forEach(row -> {
            assertEquals("sid-call-" + row.id(), row.callApiId(), "call " + row.id() + " names one provider call");
            assertTrue(!"failed".equals(row.status()), "call " + row.id() + " failed: " + row.errorMessage());
        });
    }

    /** Calls are never dialled before their time, whichever instance dialled them. */
    private static void assertNoneEarly(List<RecordingCallApi.Post> posts, Map<Long, Instant> calls) {
        List<String> early = posts.stream()
                .filter(post -> post.receivedAt().isBefore(calls.get(post.callId()).truncatedTo(ChronoUnit.MILLIS)))
                .map(post -> post.callId() + " at " + post.receivedAt() + ", due " + calls.get(post.callId()))
                .limit(10)
                .toList();
        assertTrue(early.isEmpty(), "dialled early: " + early);
    }

    private static Map<Long, Long> duplicates(Map<Long, Long> perCall) {
        return perCall.entrySet().stream().filter(e -> e.getValue() > 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }
}
