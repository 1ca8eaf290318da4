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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Changing pending calls (PATCH) at the moment they come due, on two instances sharing PostgreSQL: half of the
 * PATCHes move the call an hour later, half give it another number. Each one is either applied (200), and then the
 * call follows the new values: a moved call is not dialled and waits for its new time, a renumbered call is dialled
 * once at the new number and never at the old one; or refused (409) because a dispatcher has the call, and then
 * nothing changed and the call is dialled exactly once at its old number, at its old time. Never both, never
 * neither, and no number is POSTed twice.
 */
class PatchRaceIT {

    private static final int CALLS = 300;
    private static final List<String> NAMES = List.of("patch-a", "patch-b");
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private RecordingCallApi callApi;
    private Cluster cluster;

    @BeforeEach
    void start() throws Exception {
        Postgres.deleteAllCalls();
        callApi = new RecordingCallApi();
        cluster = Cluster.start(callApi, Map.of(), NAMES.toArray(String[]::new));
        Postgres.deleteAllCalls();
    }

    @AfterEach
    void stop() {
        cluster.close();
        callApi.close();
    }

    @Test
    void aChangeAtTheDueMomentIsEitherFollowedOrRefusedWithNothingChanged() throws Exception {
        warmUpPatches();
        Instant due = Instant.now().plusSeconds(6);
        List<Long> ids = scheduleInBatches(CALLS, due, 0);
        Map<Long, Stored> before = stored();
        long ahead = Duration.between(Instant.now(), due).toMillis();
        // Otherwise every call could be dialled before its PATCH leaves, and the race would not be run at all.
        assertTrue(ahead > 1000, "the calls were scheduled only " + ahead + " ms before their due time");
        // Even positions move the call an hour later, odd ones give it a number of its own in +1212555....
        Map<Long, String> bodies = new HashMap<>();
        Map<Long, String> newNumbers = new HashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            long id = ids.get(i);
            if (i % 2 == 0) {
                bodies.put(id, "{\"scheduled_time\": \"" + before.get(id).scheduledTime().plus(Duration.ofHours(1)) + "\"}");
            } else {
                String number = String.format("+1212555%04d", i);
                newNumbers.put(id, number);
                bodies.put(id, "{\"phone_number\": \"" + number + "\"}");
            }
        }

        // PATCHes spread from 300 ms before the due time to 300 ms after it; of each kind, half through each instance.
        Map<Long, Integer> answers = new ConcurrentHashMap<>();
        // When each PATCH was answered, relative to the due time, and the first refusals, for the figures printed.
        Map<Long, Long> answeredAfterDue = new ConcurrentHashMap<>();
        Map<Long, Long> sentAfterDue = new ConcurrentHashMap<>();
        List<String> refusals = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> patches = new ArrayList<>();
            Instant firstPatch = due.minusMillis(300);
            while (Instant.now().isBefore(firstPatch)) {
                Thread.onSpinWait();
            }
            for (int i = 0; i < ids.size(); i++) {
                long id = ids.get(i);
                String via = NAMES.get(i / 2 % NAMES.size());
                Instant at = firstPatch.plusMillis(i * 600L / ids.size());
                patches.add(clients.submit(() -> {
                    long wait = Duration.between(Instant.now(), at).toMillis();
                    if (wait > 0) {
                        Thread.sleep(wait); // the moment this PATCH is aimed at, not a wait for a job
                    }
                    sentAfterDue.put(id, Duration.between(due, Instant.now()).toMillis());
                    HttpResponse<String> answer = patch(via, id, bodies.get(id));
                    answeredAfterDue.put(id, Duration.between(due, Instant.now()).toMillis());
                    if (answer.statusCode() != 200 && refusals.size() < 2) {
                        refusals.add(answer.statusCode() + " " + answer.body());
                    }
                    answers.put(id, answer.statusCode());
                    return null;
                }));
            }
            for (Future<?> patch : patches) {
                patch.get();
            }
        } finally {
            clients.shutdown();
        }

        // Everything still due within the hour is dialled: wait until none of it is pending any more.
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
                .until(() -> Postgres.count("status = 'pending' and scheduled_time < "
                        + "current_timestamp + interval '30 minutes'") == 0);
        Map<String, Long> postsPerNumber = callApi.posts().stream()
                .collect(Collectors.groupingBy(RecordingCallApi.Post::phoneNumber, Collectors.counting()));
        Map<String, Instant> postedAt = callApi.posts().stream().collect(Collectors.toMap(RecordingCallApi.Post::phoneNumber,
                RecordingCallApi.Post::receivedAt, (first, second) -> first));
        Map<Long, Stored> after = stored();
        long moved = 0;
        long renumbered = 0;
        long refused = 0;
        for (long id : ids) {
            int status = answers.get(id);
            Stored old = before.get(id);
            Stored now = after.get(id);
            long oldNumberPosts = postsPerNumber.getOrDefault(old.phoneNumber(), 0L);
            String newNumber = newNumbers.get(id);
            long newNumberPosts = newNumber == null ? 0 : postsPerNumber.getOrDefault(newNumber, 0L);
            String call = "call " + id + " (PATCH " + bodies.get(id) + " answered " + status + "; before " + old
                    + ", after " + now + ")";
            if (status == 200 && newNumber == null) {
                moved++;
                assertEquals(0L, oldNumberPosts, call + ": moved an hour later, yet dialled");
                assertEquals("pending", now.status(), call);
                assertEquals(old.scheduledTime().plus(Duration.ofHours(1)), now.scheduledTime(), call);
                assertTrue(!now.notBefore().isBefore(now.scheduledTime()), call + ": not_before before the new time");
            } else if (status == 200) {
                renumbered++;
                assertEquals(0L, oldNumberPosts, call + ": renumbered, yet dialled at the old number");
                assertEquals(1L, newNumberPosts, call + ": POSTs to the new number");
                assertEquals(newNumber, now.phoneNumber(), call);
                assertEquals(old.scheduledTime(), now.scheduledTime(), call);
                assertTrue(!postedAt.get(newNumber).isBefore(old.scheduledTime()), call + ": dialled before its time");
            } else {
                refused++;
                assertEquals(409, status, call + ": neither 200 nor 409");
                assertEquals(1L, oldNumberPosts, call + ": refused (409), so dialled once at the old number");
                assertEquals(0L, newNumberPosts, call + ": refused (409), yet dialled at the new number");
                assertEquals(old.phoneNumber(), now.phoneNumber(), call + ": refused (409), yet its number changed");
                assertEquals(old.scheduledTime(), now.scheduledTime(), call + ": refused (409), yet its time changed");
                assertTrue(!postedAt.get(old.phoneNumber()).isBefore(old.scheduledTime()), call + ": dialled before its time");
            }
        }
        System.out.printf("PatchRaceIT: %d PATCHes around the due time on %d instances: %d applied (200: %d moved an"
                + " hour later, %d renumbered), %d refused as already being dialled (409); sent from %d to %d ms and"
                + " answered from %d to %d ms after the due time, the last 200 at %d ms; refusals such as %s%n",
                CALLS, NAMES.size(), moved + renumbered, moved, renumbered, refused,
                sentAfterDue.values().stream().mapToLong(Long::longValue).min().orElse(0),
                sentAfterDue.values().stream().mapToLong(Long::longValue).max().orElse(0),
                answeredAfterDue.values().stream().mapToLong(Long::longValue).min().orElse(0),
                answeredAfterDue.values().stream().mapToLong(Long::longValue).max().orElse(0),
                ids.stream().filter(id -> answers.get(id) == 200).mapToLong(answeredAfterDue::get).max().orElse(0),
                refusals);
        assertEquals(CALLS, moved + renumbered + refused);
        postsPerNumber.forEach((number, posts) -> assertEquals(1L, posts, "POSTs to " + number));
    }

    /** Each instance answers a few PATCHes first, so that the first ones of the race are not the slow ones. */
    private void warmUpPatches() throws Exception {
        List<Long> spare = scheduleInBatches(NAMES.size(), Instant.now().plus(Duration.ofDays(1)), 9_000);
        for (int i = 0; i < 10; i++) {
            for (String name : NAMES) {
                long id = spare.get(i % spare.size());
                assertEquals(200, patch(name, id, "{\"reference\": \"warm-up-" + i + "\"}").statusCode());
            }
        }
    }

    /**
     * Schedules {@code count} calls to +1202555{@code first} on, due at {@code due}, in one POST /api/calls/batch per
     * instance, sent at once: much quicker than one request per call, so the due time can be near.
     *
     * @return their ids, in order
     */
    private List<Long> scheduleInBatches(int count, Instant due, int first) throws Exception {
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> batches = new ArrayList<>();
        for (int n = 0; n < NAMES.size(); n++) {
            List<String> items = new ArrayList<>();
            for (int i = n; i < count; i += NAMES.size()) {
                items.add(String.format("{\"phone_number\": \"+1202555%04d\", \"scheduled_time\": \"%s\"}", first + i, due));
            }
            batches.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(cluster.instance(NAMES.get(n)).baseUrl()
                    + "/api/calls/batch")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"calls\": [" + String.join(",", items) + "]}")).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        List<Long> ids = new ArrayList<>();
        for (var batch : batches) {
            HttpResponse<String> created = batch.get();
            assertEquals(201, created.statusCode(), created.body());
            JSON.readTree(created.body()).get("calls").forEach(call -> ids.add(call.get("id").asLong()));
        }
        assertEquals(count, ids.size());
        ids.sort(null);
        return ids;
    }

    private HttpResponse<String> patch(String instance, long id, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(cluster.instance(instance).baseUrl() + "/api/calls/" + id))
                .header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** A call's number, times and status as the database has them. */
    private record Stored(String phoneNumber, Instant scheduledTime, Instant notBefore, String status) {
    }

    private static Map<Long, Stored> stored() throws Exception {
        Map<Long, Stored> rows = new HashMap<>();
        try (Connection c = Postgres.connect(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("select id, phone_number, scheduled_time, next_attempt_at, status"
                        + " from scheduled_calls")) {
            while (r.next()) {
                java.sql.Timestamp notBefore = r.getTimestamp(4);
                rows.put(r.getLong(1), new Stored(r.getString(2), r.getTimestamp(3).toInstant(),
                        notBefore == null ? null : notBefore.toInstant(), r.getString(5)));
            }
        }
        return rows;
    }
}
