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
    private static final Duration LEASE = Duration.ofSeconds(40);
    private static final List<String> NAMES = List.of("scale-a", "scale-b", "scale-c");

    private RecordingCallApi callApi;
    private Cluster cluster;
    private long serverLog;

    @BeforeEach
    void start() throws Exception {
        serverLog = Postgres.logPosition();
        Postgres.deleteAllCalls();
        callApi = new RecordingCallApi();
        cluster = Cluster.start(callApi, Map.of(
                "call-scheduler.dispatch.lease", LEASE.toSeconds() + "s",
                // A POST that times out is sent again (reason 1 of the dial promise); with three instances, the
                // Call API and the tests on two cores an answer can take several seconds, and such a retry would
                // count as a duplicate that is not the point here. The lease must be at least twice the longest
                // dial (3 connect timeouts + the read timeout).
                "call-scheduler.call-api.connect-timeout", "1s",
                "call-scheduler.call-api.read-timeout", "15s"), NAMES.toArray(String[]::new));
        Postgres.deleteAllCalls();
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
        callApi.close();
        // Instances, pollers and result writers lock rows in one order and claims skip locked rows.
        assertEquals(List.of(), Postgres.deadlocksSince(serverLog), "deadlocks in the PostgreSQL server log");
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
        // The dial promise: a POST beyond the first only after a failed attempt (a timeout, on two loaded
        // cores) recorded as send_failed; no instance stopped, so none is in doubt.
        await().atMost(Duration.ofSeconds(60)).until(() -> Postgres.count("call_api_id is null") == 0);
        assertEquals(Map.of(), Postgres.repeatedWithoutReason(perCall), "POSTed again without a failed attempt");
        assertEquals(0, Postgres.inDoubtCalls().size(), "no instance stopped, so no call is in doubt");
        assertNoneEarly(posts, calls);

        Map<String, Long> split = new LinkedHashMap<>();
        for (String name : NAMES) {
            split.put(name, cluster.acceptedDials(name));
        }
        System.out.printf("ScaleOutIT: %d calls due at %s, all dialled %d ms after; %d POSTed twice, each after a"
                + " failed attempt; split %s%n", CALLS, due, Duration.between(due, last).toMillis(),
                duplicates(perCall).size(), split);
        assertEquals(CALLS, split.values().stream().mapToLong(Long::longValue).sum(), "accepted dials per instance " + split);
        split.forEach((name, dials) -> assertTrue(dials > 0, name + " dialled nothing: " + split));

        Postgres.calls().values().forEach(row -> assertTrue(callApi.sidsOf(row.id()).contains(row.callApiId()),
                "call " + row.id() + " names the provider call of one of its POSTs"));
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
                .filter(row -> "pending".equals(row.status()) && row.claimedBy() != null
                        && row.claimedBy().startsWith(dead + "/"))
                .map(Postgres.Row::id)
                .collect(Collectors.toSet());

        // Taken over: no call is left pending under the dead instance's claim once its lease has expired.
        // Expired claims come due at the end of their lease and are claimed in due order, after the backlog
        // of calls that were due before them.
        await().atMost(LEASE.plusSeconds(90)).pollInterval(Duration.ofMillis(200))
                .until(() -> Postgres.count("status = 'pending' and claimed_by like '" + dead + "/%'") == 0);
        Duration takeover = Duration.between(killedAt, Instant.now());

        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .until(() -> callApi.postsPerCall().size() == CALLS && Postgres.count("call_api_id is null") == 0);
        Map<Long, Long> perCall = callApi.postsPerCall();
        Map<Long, Long> repeated = duplicates(perCall);
        Set<Long> inDoubt = Postgres.inDoubtCalls();
        System.out.printf("ScaleOutIT: killed %s after %d POSTs; it held %d claims; taken over %d ms after the kill;"
                + " %d calls in doubt, %d POSTed twice%n", dead, CALLS / 4, heldByTheDead.size(),
                takeover.toMillis(), inDoubt.size(), repeated.size());

        assertEquals(calls.keySet(), perCall.keySet(), "every call reached the Call API");
        // Its leases were renewed every third of a lease until the kill, so none ends sooner than two thirds after it.
        assertTrue(takeover.compareTo(LEASE.multipliedBy(2).dividedBy(3).minusSeconds(1)) >= 0 || heldByTheDead.isEmpty(),
                "claims taken over before their lease could have ended: " + takeover);
        // The dial promise: a call is POSTed again only when it is in doubt (the dead instance had sent it
        // and not recorded the answer; its in_doubt event says so) or after a failed attempt (send_failed).
        assertEquals(Map.of(), Postgres.repeatedWithoutReason(perCall), "POSTed again without a reason");
        assertTrue(heldByTheDead.containsAll(inDoubt), "in doubt outside the dead instance's claims");
        assertNoneEarly(callApi.posts(), calls);
        Postgres.calls().values().forEach(row -> {
            assertTrue(callApi.sidsOf(row.id()).contains(row.callApiId()), "call " + row.id() + " names its provider call");
            assertTrue(!"failed".equals(row.status()), "call " + row.id() + " failed: " + row.errorMessage());
        });
    }

    private Instant due(Map<Long, Instant> calls, RecordingCallApi.Post post) {
        return calls.getOrDefault(callApi.callIdOf(post), Instant.MAX);
    }

    /** Calls are never dialled before their time, whichever instance dialled them. */
    private void assertNoneEarly(List<RecordingCallApi.Post> posts, Map<Long, Instant> calls) {
        List<String> early = posts.stream()
                .filter(post -> post.receivedAt().isBefore(due(calls, post).truncatedTo(ChronoUnit.MILLIS)))
                .map(post -> post.phoneNumber() + " at " + post.receivedAt() + ", due " + due(calls, post))
                .limit(10)
                .toList();
        assertTrue(early.isEmpty(), "dialled early: " + early);
    }

    private static Map<Long, Long> duplicates(Map<Long, Long> perCall) {
        return perCall.entrySet().stream().filter(e -> e.getValue() > 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }
}
