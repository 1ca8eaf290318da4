package org.callscheduler.scaleout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.callscheduler.support.AppProcess;
import org.callscheduler.support.Burst;

/**
 * Several instances of the packaged application (built for PostgreSQL) on one database, all dialling
 * one {@link RecordingCallApi}. They are started one after the other, so their start times differ.
 */
final class Cluster implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private final Map<String, AppProcess> instances = new java.util.LinkedHashMap<>();
    private RecordingCallApi callApi;

    /** Starts {@code names.length} instances, each with its name as instance id, plus {@code settings}. */
    static Cluster start(RecordingCallApi callApi, Map<String, String> settings, String... names) {
        Cluster cluster = new Cluster();
        cluster.callApi = callApi;
        try {
            for (String name : names) {
                Map<String, String> all = new HashMap<>(settings);
                all.put("call-scheduler.call-api.url", callApi.baseUrl());
                all.put("call-scheduler.dispatch.instance-id", name);
                // The tests schedule thousands of calls from one address.
                all.put("call-scheduler.security.rate-limit.enabled", "false");
                // Log time with the date and offset, to compare with the Call API's clock.
                all.put("quarkus.log.console.format", "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5p [%c{2.}] (%t) %s%e%n");
                all.putIfAbsent("call-scheduler.poll.interval", "2s");
                // Several instances, the Call API and the tests share two cores: fewer connections each.
                all.putIfAbsent("call-scheduler.call-api.max-connections", "64");
                all.putIfAbsent("call-scheduler.dispatch.max-in-flight", "64");
                all.putIfAbsent("call-scheduler.poll.max-in-flight", "16");
                cluster.instances.put(name, AppProcess.start("scaleout-" + name, all));
            }
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    AppProcess instance(String name) {
        return instances.get(name);
    }

    List<String> names() {
        return List.copyOf(instances.keySet());
    }

    /**
     * Schedules {@code count} calls to distinct numbers due at {@code dueAt} (or at once, if scheduling
     * took longer than that), round-robin over the running instances, 64 requests at a time.
     *
     * @return call id to due time
     */
    Map<Long, Instant> schedule(int count, Instant dueAt, List<String> via) throws InterruptedException {
        return schedule(count, dueAt, via, 0);
    }

    /** As {@link #schedule(int, Instant, List)}, with the numbers from +1202555{@code first} on. */
    Map<Long, Instant> schedule(int count, Instant dueAt, List<String> via, int first) throws InterruptedException {
        Map<Long, Burst.Scheduled> calls = Burst.schedule(via.stream().map(instances::get).toList(), count, dueAt, first);
        Map<Long, Instant> dueTimes = new HashMap<>();
        calls.forEach((id, call) -> {
            callApi.expect(call.phoneNumber(), id);
            dueTimes.put(id, call.scheduledTime());
        });
        return dueTimes;
    }

    /** DELETE /api/calls/{id} on {@code instance}: the status code. */
    int delete(String instance, long id) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(instances.get(instance).baseUrl() + "/api/calls/" + id))
                .DELETE().build();
        return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Dials the Call API accepted from {@code instance}, from its Prometheus metrics. */
    long acceptedDials(String instance) throws IOException, InterruptedException {
        String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(instances.get(instance).baseUrl() + "/q/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines()
                .filter(line -> line.startsWith("callscheduler_callapi_requests_seconds_count{")
                        && line.contains("operation=\"dial\"") && line.contains("outcome=\"accepted\""))
                .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    /** Stops every instance still running (SIGTERM). */
    @Override
    public void close() {
        for (AppProcess instance : instances.values()) {
            try {
                instance.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
