package org.callscheduler.scaleout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Pacing shared by every instance on one PostgreSQL, measured where it matters: at the Call API. With
 * {@code calls-per-second} set, no second of POSTs holds more than that many, whichever instances send them;
 * a 429 pauses sending for every instance for its Retry-After (or a back-off without one), and the calls it
 * caught stay pending, are not failed attempts, and are each placed once when the Call API accepts again.
 */
class PacingIT {

    private static final int RATE = 20;
    private static final Duration SECOND = Duration.ofSeconds(1);
    private static final Duration THROTTLING = Duration.ofSeconds(10);
    /**
     * How much later than its send slot a POST may be timestamped by the Call API: two send intervals. Measured
     * here with the load average at 2 to 3: the instances called their REST client at most 13.5 ms after the slot,
     * and the Call API's handler ran 4.5 ms after that at the median, 38 ms at the 99th percentile, 59 ms at most.
     */
    private static final Duration JITTER = SECOND.dividedBy(RATE).multipliedBy(2);
    /** How long after a 429 reaches an instance its pause may be written for every instance, on two busy cores. */
    private static final Duration SLACK = Duration.ofMillis(1500);
    /** POSTs answered 429 less than this apart belong to one round (the pauses are a second or more). */
    private static final Duration ROUND_GAP = Duration.ofMillis(700);

    private RecordingCallApi callApi;
    private Cluster cluster;
    private long serverLog;

    @BeforeEach
    void start() throws Exception {
        serverLog = Postgres.logPosition();
        Postgres.deleteAllCalls();
        callApi = new RecordingCallApi();
    }

    @AfterEach
    void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        callApi.close();
        assertEquals(List.of(), Postgres.deadlocksSince(serverLog), "deadlocks in the PostgreSQL server log");
    }

    @Test
    void threeInstancesTogetherSendNoMoreThanCallsPerSecond() throws Exception {
        int calls = 300;
        List<String> names = List.of("pace-a", "pace-b", "pace-c");
        startCluster(names);
        warmUp(names);
        Map<String, Long> warmUpDials = acceptedDials(names);
        Map<Long, Instant> scheduled = cluster.schedule(calls, Instant.now().plusSeconds(5), names);

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> callApi.postsPerCall().keySet().containsAll(scheduled.keySet()));
        await().atMost(Duration.ofSeconds(30)).until(() -> Postgres.count("call_api_id is null") == 0);
        List<Instant> times = receiveTimes(postsOf(scheduled));
        Duration firstToLast = Duration.between(times.get(0), times.get(times.size() - 1));
        Map<String, Long> split = acceptedDials(names);
        split.replaceAll((name, dials) -> dials - warmUpDials.get(name));
        System.out.printf("PacingIT: %d calls due at once, %d calls per second on %d instances: at most %d POSTs in"
                + " any second, %d in any %d ms, %d POSTs %d ms apart at the least; first to last POST %d ms (%d POSTs); dialled by %s%n",
                calls, RATE, names.size(), maxIn(times, SECOND), maxIn(times, SECOND.minus(JITTER)),
                SECOND.minus(JITTER).toMillis(), RATE + 1,
                leastSpan(times, RATE + 1).toMillis(), firstToLast.toMillis(), times.size(), split);

        Map<Long, Long> perCall = callApi.postsPerCall();
        scheduled.keySet().forEach(id -> assertEquals(1L, perCall.get(id), "POSTs of call " + id));
        // Send slots are exactly 1/20 s apart, so POST n and POST n + 20 are one second apart to the microsecond,
        // and any jitter between slot and timestamp (the instance's timer, its REST client, either process's
        // scheduler on two shared cores) puts 21 or 22 into one second: no 21 within a second less that jitter.
        Duration window = SECOND.minus(JITTER);
        assertTrue(maxIn(times, window) <= RATE, "at most " + RATE + " POSTs in any " + window.toMillis() + " ms, saw "
                + maxIn(times, window) + ": " + busiest(times, window));
        // 300 POSTs 1/20 s apart: 14.95 s from the first to the last, within 10 %.
        Duration expected = SECOND.multipliedBy(calls - 1).dividedBy(RATE);
        assertTrue(Math.abs(firstToLast.minus(expected).toMillis()) <= expected.toMillis() / 10,
                "first to last POST " + firstToLast.toMillis() + " ms, expected " + expected.toMillis() + " ms ± 10 %");
    }

    @Test
    void a429WithRetryAfterPausesEveryInstanceAndFailsNothing() throws Exception {
        throttledForTenSeconds(Duration.ofSeconds(2));
    }

    @Test
    void a429WithoutRetryAfterPausesEveryInstanceAndFailsNothing() throws Exception {
        throttledForTenSeconds(null);
    }

    /**
     * Two instances, 100 calls due at once, and a Call API that answers 429 to every POST for 10 s from the
     * first one, then accepts. After each 429 both instances stop sending for the Retry-After (or the back-off:
     * 1 s, doubling with each pause in a row), so the Call API sees short rounds of POSTs a pause apart: those
     * sent before the first 429 of the round came back. Afterwards every call is placed by exactly one accepted
     * POST; none failed, and no 429 counted as a failed attempt.
     */
    private void throttledForTenSeconds(Duration retryAfter) throws Exception {
        int calls = 100;
        List<String> names = List.of("pace-a", "pace-b");
        startCluster(names);
        warmUp(names);
        callApi.answerTooManyRequests(retryAfter);
        Map<Long, Instant> scheduled = cluster.schedule(calls, Instant.now().plusSeconds(3), names);

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .until(() -> !postsOf(scheduled).isEmpty());
        Instant firstPost = postsOf(scheduled).get(0).receivedAt();
        Thread.sleep(Math.max(0, Duration.between(Instant.now(), firstPost.plus(THROTTLING)).toMillis())); // the scenario
        callApi.answerNormally(Duration.ZERO);
        Instant accepting = Instant.now();
        long pendingAtRecovery = Postgres.count("status = 'pending'");

        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> callApi.acceptedPerCall().keySet().containsAll(scheduled.keySet())
                        && Postgres.count("call_api_id is null") == 0);
        Duration drained = Duration.between(accepting, Instant.now());
        List<RecordingCallApi.Post> posts = postsOf(scheduled);
        List<Instant> throttled = receiveTimes(posts.stream().filter(post -> post.sid() == null).toList());
        Instant firstAccepted = receiveTimes(posts.stream().filter(post -> post.sid() != null).toList()).get(0);
        List<List<Instant>> rounds = rounds(throttled, ROUND_GAP);
        // From the first POST of a round (its first 429 began the pause) to the first of the next, and from the last
        // round to the first POST the Call API accepted, unless it accepted again in the middle of that round.
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < rounds.size(); i++) {
            gaps.add(Duration.between(rounds.get(i - 1).get(0), rounds.get(i).get(0)).toMillis());
        }
        if (Duration.between(last(rounds), firstAccepted).compareTo(ROUND_GAP) > 0) {
            gaps.add(Duration.between(rounds.get(rounds.size() - 1).get(0), firstAccepted).toMillis());
        }
        List<Long> lengths = rounds.stream()
                .map(round -> Duration.between(round.get(0), round.get(round.size() - 1)).toMillis()).toList();
        System.out.printf("PacingIT: 429 %s for %d s on 2 instances, %d calls: %d POSTs answered 429, in %d rounds of %s"
                + " POSTs lasting %s ms, each starting %s ms before the next (the last: before the first accepted POST);"
                + " %d calls pending at recovery, all accepted %d ms after%n",
                retryAfter == null ? "without Retry-After" : "with Retry-After " + retryAfter.toSeconds() + " s",
                THROTTLING.toSeconds(), calls, throttled.size(), rounds.size(), rounds.stream().map(List::size).toList(),
                lengths, gaps, pendingAtRecovery, drained.toMillis());

        Map<Long, Long> accepted = callApi.acceptedPerCall();
        scheduled.keySet().forEach(id -> assertEquals(1L, accepted.get(id), "accepted POSTs of call " + id));
        assertEquals(0, Postgres.count("status = 'failed'"), "calls failed");
        Postgres.calls().values().forEach(row -> assertTrue(callApi.sidsOf(row.id()).contains(row.callApiId()),
                "call " + row.id() + " names the provider call of its accepted POST"));
        assertEquals(0, Postgres.events("retry_scheduled"), "a 429 is no failed attempt: no retry was scheduled");
        assertEquals(calls + throttled.size(), posts.size(), "POSTs: one accepted per call, the others answered 429");
        // The pause holds for both instances: nothing reaches the Call API until it ends. A round of POSTs is what
        // was sent before its first 429 came back (at 20 per second, 5 to 8 here, more on a loaded machine); its
        // later 429s extend the pause from their own answer, so the next round comes a pause after the last of them.
        for (int i = 0; i < gaps.size(); i++) {
            Duration pause = retryAfter != null ? retryAfter : SECOND.multipliedBy(1L << i);
            long least = pause.minus(JITTER).toMillis();
            long most = pause.toMillis() + lengths.get(i) + SLACK.toMillis();
            assertTrue(gaps.get(i) >= least && gaps.get(i) <= most, "round " + (i + 1) + " started " + gaps.get(i)
                    + " ms before the next, expected " + least + " to " + most + " ms (a pause of " + pause.toMillis()
                    + " ms): " + gaps);
        }
        rounds.forEach(round -> assertTrue(round.size() <= RATE, "a round of " + round.size() + " POSTs: " + round));
        lengths.forEach(length -> assertTrue(length < SECOND.toMillis(), "a round lasting " + length + " ms"));
    }

    /**
     * A service that has been running: every instance has made its first POSTs (its REST client and the JIT
     * are warm) before the calls that are measured, which have other numbers.
     */
    private void warmUp(List<String> names) throws Exception {
        Map<Long, Instant> warmUp = cluster.schedule(2 * RATE, Instant.now(), names, 9_000);
        await().atMost(Duration.ofSeconds(30)).until(() -> callApi.acceptedPerCall().keySet().containsAll(warmUp.keySet()));
    }

    private Map<String, Long> acceptedDials(List<String> names) throws Exception {
        Map<String, Long> dials = new LinkedHashMap<>();
        for (String name : names) {
            dials.put(name, cluster.acceptedDials(name));
        }
        return dials;
    }

    /** The POSTs of {@code calls}, in the order received. */
    private List<RecordingCallApi.Post> postsOf(Map<Long, Instant> calls) {
        return callApi.posts().stream().filter(post -> calls.containsKey(callApi.callIdOf(post)))
                .sorted(java.util.Comparator.comparing(RecordingCallApi.Post::receivedAt)).toList();
    }

    private void startCluster(List<String> names) throws Exception {
        cluster = Cluster.start(callApi, Map.of(
                "call-scheduler.pacing.calls-per-second", String.valueOf(RATE),
                "call-scheduler.call-api.connect-timeout", "1s",
                "call-scheduler.call-api.read-timeout", "10s"), names.toArray(String[]::new));
        Postgres.deleteAllCalls();
    }

    private static List<Instant> receiveTimes(List<RecordingCallApi.Post> posts) {
        return posts.stream().map(RecordingCallApi.Post::receivedAt).sorted().toList();
    }

    /** The most POSTs received within {@code window} of each other: in any [t, t + window). */
    private static int maxIn(List<Instant> sorted, Duration window) {
        int most = 0;
        int from = 0;
        for (int to = 0; to < sorted.size(); to++) {
            while (!sorted.get(from).plus(window).isAfter(sorted.get(to))) {
                from++;
            }
            most = Math.max(most, to - from + 1);
        }
        return most;
    }

    /** The receive times in the busiest {@code window}, for the failure message. */
    private static List<Instant> busiest(List<Instant> sorted, Duration window) {
        int most = maxIn(sorted, window);
        for (int from = 0; from + most <= sorted.size(); from++) {
            if (sorted.get(from).plus(window).isAfter(sorted.get(from + most - 1))) {
                return sorted.subList(from, from + most);
            }
        }
        return List.of();
    }

    /** The shortest time in which {@code count} POSTs were received. */
    private static Duration leastSpan(List<Instant> sorted, int count) {
        Duration least = null;
        for (int i = 0; i + count - 1 < sorted.size(); i++) {
            Duration span = Duration.between(sorted.get(i), sorted.get(i + count - 1));
            least = least == null || span.compareTo(least) < 0 ? span : least;
        }
        return least;
    }

    /** The times split where more than {@code gap} passed between one and the next. */
    private static List<List<Instant>> rounds(List<Instant> sorted, Duration gap) {
        List<List<Instant>> rounds = new ArrayList<>();
        for (Instant time : sorted) {
            if (rounds.isEmpty() || Duration.between(last(rounds), time).compareTo(gap) > 0) {
                rounds.add(new ArrayList<>());
            }
            rounds.get(rounds.size() - 1).add(time);
        }
        return rounds;
    }

    private static Instant last(List<List<Instant>> rounds) {
        List<Instant> round = rounds.get(rounds.size() - 1);
        return round.get(round.size() - 1);
    }
}
