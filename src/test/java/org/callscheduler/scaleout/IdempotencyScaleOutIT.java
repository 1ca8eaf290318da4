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
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Idempotency-Key across instances on one PostgreSQL (CONTRACT part 2, "Idempotent requests"): a client that sends
 * the same request with the same key several times at once, to two instances, gets exactly one thing created per
 * key; every other answer is the first one again (201, the same body, Idempotent-Replayed: true) or 409 while the
 * first still runs. Afterwards the key answers with the replay on either instance, and with 422 for another body,
 * which creates nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IdempotencyScaleOutIT {

    private static final List<String> NAMES = List.of("idem-a", "idem-b");
    /** Copies of each request sent to each instance at once: 2 x 3 = 6 identical requests per key. */
    private static final int COPIES = 3;
    /** Requests in flight at most, so that two instances on two shared cores answer within their timeouts. */
    private static final int IN_FLIGHT = 120;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private RecordingCallApi callApi;
    private Cluster cluster;
    /** Keys differ from one test (and one run) to the next, so no test replays another's answers. */
    private String run;

    @BeforeAll
    void start() throws Exception {
        Postgres.deleteAllCalls();
        callApi = new RecordingCallApi();
        cluster = Cluster.start(callApi, Map.of(), NAMES.toArray(String[]::new));
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
        callApi.close();
    }

    @BeforeEach
    void clean() throws Exception {
        Postgres.deleteAllCalls();
        try (Connection c = Postgres.connect(); Statement s = c.createStatement()) {
            s.executeUpdate("delete from idempotent_requests");
        }
        run = "r" + Long.toString(System.nanoTime(), 36);
    }

    @Test
    void theSameScheduleRequestOnTwoInstancesAtOnceCreatesOneCallPerKey() throws Exception {
        int keys = 200;
        String due = Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.SECONDS).toString();
        IntFunction<String> body = i -> String.format(
                "{\"phone_number\": \"+1202556%04d\", \"scheduled_time\": \"%s\", \"reference\": \"%s-%d\"}", i, due, run, i);
        Outcomes outcomes = race("/api/schedule", keys, body);

        Map<String, List<Long>> stored = callIdsByReference();
        for (int i = 0; i < keys; i++) {
            JsonNode created = outcomes.created(key(i));
            assertEquals(List.of(created.get("id").asLong()), stored.get(run + "-" + i), "calls of " + key(i));
        }
        assertEquals(keys, Postgres.count("true"), "calls stored");
        outcomes.print("POST /api/schedule", keys);
        replaysAndRefusalsAfterwards("/api/schedule", keys, body, i -> String.format(
                "{\"phone_number\": \"+1202556%04d\", \"scheduled_time\": \"%s\", \"reference\": \"other\"}", i, due),
                outcomes);
        assertEquals(keys, Postgres.count("true"), "calls stored after the replays and the other bodies");
    }

    @Test
    void theSameBatchOnTwoInstancesAtOnceCreatesOneBatchPerKey() throws Exception {
        int keys = 200;
        int size = 3;
        String due = Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.SECONDS).toString();
        IntFunction<String> body = i -> {
            List<String> calls = new ArrayList<>();
            for (int j = 0; j < size; j++) {
                calls.add(String.format("{\"phone_number\": \"+1202557%04d\", \"scheduled_time\": \"%s\","
                        + " \"reference\": \"%s-%d-%d\"}", i * size + j, due, run, i, j));
            }
            return "{\"calls\": [" + String.join(", ", calls) + "]}";
        };
        Outcomes outcomes = race("/api/calls/batch", keys, body);

        Map<String, List<Long>> stored = callIdsByReference();
        for (int i = 0; i < keys; i++) {
            JsonNode created = outcomes.created(key(i)).get("calls");
            assertEquals(size, created.size(), "calls in the answer of " + key(i));
            for (int j = 0; j < size; j++) {
                assertEquals(run + "-" + i + "-" + j, created.get(j).get("reference").asText(), "order of " + key(i));
                assertEquals(List.of(created.get(j).get("id").asLong()), stored.get(run + "-" + i + "-" + j),
                        "calls of " + key(i) + " item " + j);
            }
        }
        assertEquals((long) keys * size, Postgres.count("true"), "calls stored");
        outcomes.print("POST /api/calls/batch (" + size + " calls each)", keys);
        replaysAndRefusalsAfterwards("/api/calls/batch", keys, body, i -> String.format("{\"calls\": [{\"phone_number\":"
                + " \"+1202557%04d\", \"scheduled_time\": \"%s\"}]}", i * size, due), outcomes);
        assertEquals((long) keys * size, Postgres.count("true"), "calls stored after the replays and the other bodies");
    }

    /** The one POST where a second call would ring a second time: each key's number reaches the Call API once. */
    @Test
    void theSameCallNowOnTwoInstancesAtOnceDialsOncePerKey() throws Exception {
        int keys = 50;
        IntFunction<String> body = i -> String.format("{\"phone_number\": \"+1202558%04d\", \"reference\": \"%s-%d\"}",
                i, run, i);
        Outcomes outcomes = race("/api/call-now", keys, body);

        Set<String> numbers = new TreeSet<>();
        for (int i = 0; i < keys; i++) {
            numbers.add(String.format("+1202558%04d", i));
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> postsPerNumber().keySet().containsAll(numbers) && Postgres.count("status = 'pending'") == 0);
        Map<String, Long> posts = postsPerNumber();
        Map<String, List<Long>> stored = callIdsByReference();
        for (int i = 0; i < keys; i++) {
            JsonNode created = outcomes.created(key(i));
            assertEquals(List.of(created.get("id").asLong()), stored.get(run + "-" + i), "calls of " + key(i));
            assertEquals(1L, posts.get(created.get("phone_number").asText()), "POSTs for " + key(i));
        }
        assertEquals(keys, Postgres.count("true"), "calls stored");
        outcomes.print("POST /api/call-now", keys);
    }

    private String key(int i) {
        return run + "-key-" + i;
    }

    /** One answer to one of the identical requests. */
    private record Answer(String instance, int status, boolean replayed, String location, JsonNode body) {
    }

    /** The answers of a race, by key. */
    private record Outcomes(Map<String, List<Answer>> byKey) {

        Answer creator(String key) {
            List<Answer> created = byKey.get(key).stream().filter(a -> a.status() == 201 && !a.replayed()).toList();
            assertEquals(1, created.size(), key + ": answers that created something, of " + byKey.get(key));
            return created.get(0);
        }

        JsonNode created(String key) {
            return creator(key).body();
        }

        void print(String what, int keys) {
            List<Answer> all = byKey.values().stream().flatMap(List::stream).toList();
            Map<String, Long> createdBy = byKey.keySet().stream()
                    .collect(Collectors.groupingBy(key -> creator(key).instance(), Collectors.counting()));
            System.out.printf("IdempotencyScaleOutIT: %s, %d keys x %d identical requests at once on %d instances:"
                    + " %d created (by instance %s), %d replayed (201, Idempotent-Replayed), %d refused while running (409)%n",
                    what, keys, COPIES * NAMES.size(), NAMES.size(),
                    all.stream().filter(a -> a.status() == 201 && !a.replayed()).count(), createdBy,
                    all.stream().filter(Answer::replayed).count(), all.stream().filter(a -> a.status() == 409).count());
        }
    }

    /**
     * Sends {@code COPIES} identical requests with the same Idempotency-Key to each instance at once, for each of
     * {@code keys} keys, and checks every answer: exactly one per key created something (201), every other one is a
     * replay of it (201, the same Location and body, Idempotent-Replayed: true) or a 409 while it ran.
     */
    private Outcomes race(String path, int keys, IntFunction<String> body) throws Exception {
        Map<String, List<Answer>> byKey = new ConcurrentHashMap<>();
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        List<CompletableFuture<Void>> requests = new ArrayList<>();
        for (int i = 0; i < keys; i++) {
            String key = key(i);
            List<Answer> answers = new CopyOnWriteArrayList<>();
            byKey.put(key, answers);
            inFlight.acquire(COPIES * NAMES.size());
            for (int copy = 0; copy < COPIES; copy++) {
                for (String name : NAMES) {
                    requests.add(send(name, path, key, body.apply(i))
                            .whenComplete((answer, failure) -> inFlight.release())
                            .thenAccept(answers::add));
                }
            }
        }
        CompletableFuture.allOf(requests.toArray(CompletableFuture[]::new)).get();

        Outcomes outcomes = new Outcomes(new LinkedHashMap<>(byKey));
        for (int i = 0; i < keys; i++) {
            String key = key(i);
            Answer first = outcomes.creator(key);
            // A created call has a Location; a batch has none (its calls are listed in the body).
            assertEquals(path.equals("/api/calls/batch"), first.location() == null, key + ": Location of " + first);
            for (Answer answer : byKey.get(key)) {
                if (answer == first) {
                    continue;
                }
                if (answer.status() == 409) {
                    assertTrue(answer.body().get("error").asText().contains("still running"), key + ": " + answer);
                } else {
                    assertEquals(201, answer.status(), key + ": neither a replay nor a 409: " + answer);
                    assertTrue(answer.replayed(), key + ": a second 201 that is not a replay: " + answer);
                    assertEquals(first.location(), answer.location(), key + ": Location of the replay");
                    assertEquals(first.body(), answer.body(), key + ": body of the replay");
                }
            }
        }
        return outcomes;
    }

    /**
     * Once the race is over, the key answers with the first answer on the instance that did not create it, and a
     * request with the same key and another body gets 422 there and on the other instance.
     */
    private void replaysAndRefusalsAfterwards(String path, int keys, IntFunction<String> body,
            IntFunction<String> otherBody, Outcomes outcomes) throws Exception {
        List<CompletableFuture<Void>> checks = new ArrayList<>();
        Semaphore inFlight = new Semaphore(IN_FLIGHT / 3);
        for (int i = 0; i < keys; i++) {
            String key = key(i);
            Answer first = outcomes.creator(key);
            String elsewhere = NAMES.stream().filter(name -> !name.equals(first.instance())).findFirst().orElseThrow();
            inFlight.acquire(3);
            CompletableFuture<Void> replay = send(elsewhere, path, key, body.apply(i)).thenAccept(answer -> {
                assertEquals(201, answer.status(), key + ": the replay on " + elsewhere + ": " + answer);
                assertTrue(answer.replayed(), key + ": Idempotent-Replayed on " + elsewhere);
                assertEquals(first.body(), answer.body(), key + ": the replay's body on " + elsewhere);
            });
            for (String name : List.of(elsewhere, first.instance())) {
                checks.add(send(name, path, key, otherBody.apply(i)).thenAccept(answer -> {
                    assertEquals(422, answer.status(), key + " with another body on " + name + ": " + answer);
                    assertTrue(answer.body().get("error").asText().contains("another request body"), key + ": " + answer);
                }).whenComplete((v, e) -> inFlight.release()));
            }
            checks.add(replay.whenComplete((v, e) -> inFlight.release()));
        }
        CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new)).get();
    }

    private CompletableFuture<Answer> send(String instance, String path, String key, String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(cluster.instance(instance).baseUrl() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(response -> {
            try {
                return new Answer(instance, response.statusCode(),
                        "true".equals(response.headers().firstValue("Idempotent-Replayed").orElse(null)),
                        response.headers().firstValue("Location").orElse(null), JSON.readTree(response.body()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("not JSON from " + instance + ": " + response.body(), e);
            }
        });
    }

    private Map<String, Long> postsPerNumber() {
        return callApi.posts().stream()
                .collect(Collectors.groupingBy(RecordingCallApi.Post::phoneNumber, Collectors.counting()));
    }

    /** The ids of the stored calls, by reference. */
    private static Map<String, List<Long>> callIdsByReference() throws Exception {
        Map<String, List<Long>> ids = new java.util.HashMap<>();
        try (Connection c = Postgres.connect(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("select reference, id from scheduled_calls order by id")) {
            while (r.next()) {
                ids.computeIfAbsent(r.getString(1), reference -> new ArrayList<>()).add(r.getLong(2));
            }
        }
        return ids;
    }
}
