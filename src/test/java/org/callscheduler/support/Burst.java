package org.callscheduler.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

import io.restassured.path.json.JsonPath;

/** Schedules many calls through the API of one or more applications, each call to its own number, 64 requests at a time. */
public final class Burst {

    private Burst() {
    }

    /** A call as the API answered its scheduling. */
    public record Scheduled(String phoneNumber, Instant scheduledTime) {
    }

    /**
     * Schedules {@code count} calls to +1202555nnnn (nnnn from 0, so at most 10,000), due at
     * {@code dueAt} (or at once, when scheduling took longer than that on a busy machine), call i
     * through {@code via[i % via.size()]}.
     *
     * @return call id to the call, in id order
     */
    public static Map<Long, Scheduled> schedule(List<AppProcess> via, int count, Instant dueAt)
            throws InterruptedException {
        return schedule(via, count, dueAt, 0);
    }

    /** As {@link #schedule(List, int, Instant)}, with the numbers from +1202555{@code first} on. */
    public static Map<Long, Scheduled> schedule(List<AppProcess> via, int count, Instant dueAt, int first)
            throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Semaphore concurrency = new Semaphore(64);
        Map<Long, Scheduled> calls = new ConcurrentHashMap<>();
        List<CompletableFuture<Void>> requests = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Instant now = Instant.now();
            String body = String.format("{\"phone_number\": \"+1202555%04d\", \"scheduled_time\": \"%s\"}", first + i,
                    now.isAfter(dueAt) ? now : dueAt);
            HttpRequest request = HttpRequest.newBuilder(URI.create(via.get(i % via.size()).baseUrl() + "/api/schedule"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build();
            concurrency.acquire();
            requests.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                    .whenComplete((response, failure) -> concurrency.release())
                    .thenAccept(response -> {
                        if (response.statusCode() != 201) {
                            throw new IllegalStateException("POST /api/schedule answered " + response.statusCode()
                                    + ": " + response.body());
                        }
                        JsonPath json = JsonPath.from(response.body());
                        calls.put(json.getLong("id"), new Scheduled(json.getString("phone_number"),
                                Instant.parse(json.getString("scheduled_time"))));
                    }));
        }
        CompletableFuture.allOf(requests.toArray(CompletableFuture[]::new)).join();
        assertEquals(count, calls.size(), "calls scheduled");
        return new TreeMap<>(calls);
    }
}
