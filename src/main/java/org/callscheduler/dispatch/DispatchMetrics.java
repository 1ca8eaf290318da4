package org.callscheduler.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.callscheduler.call.CallService;
import org.callscheduler.call.CallStatus;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The dispatcher's numbers at /q/metrics: dispatch lag (due time to request sent), retries, poll
 * lateness, and calls by status.
 */
@ApplicationScoped
public class DispatchMetrics {

    /** Counts by status are read from the database at most this often, however often metrics are scraped. */
    private static final Duration COUNT_CACHE = Duration.ofSeconds(5);

    private Timer lag;
    private Counter retries;
    private Timer pollLateness;
    private Timer callPollLateness;
    private Counter throttled;
    private final AtomicReference<Counts> counts = new AtomicReference<>();
    private final AtomicReference<Waiting> waiting = new AtomicReference<>();

    private record Waiting(Instant at, Map<String, Long> byReason) {
    }

    private record Counts(Instant at, Map<CallStatus, Long> byStatus) {
    }

    @Inject
    DispatchMetrics(MeterRegistry registry, CallService calls, DispatchStore store) {
        lag = Timer.builder("callscheduler.dispatch.lag")
                .description("Time from a call's due time to its request to the Call API")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(5))
                .register(registry);
        retries = Counter.builder("callscheduler.dispatch.retries")
                .description("Dial attempts that failed and were scheduled again")
                .register(registry);
        pollLateness = Timer.builder("callscheduler.poll.lateness")
                .description("How late each status poll started after its scheduled time")
                .register(registry);
        callPollLateness = Timer.builder("callscheduler.poll.call.lateness")
                .description("How late each in-progress call was asked about: the time since it was last asked,"
                        + " less the poll interval")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        throttled = Counter.builder("callscheduler.callapi.throttled")
                .description("Dials the Call API answered with 429 (slow down)")
                .register(registry);
        for (String reason : DispatchStore.WAIT_REASONS) {
            Gauge.builder("callscheduler.calls.waiting", () -> waitingFor(store, reason))
                    .description("Pending calls waiting past their scheduled time, by reason: window, retry (an outcome"
                            + " retry), backoff (after a failed attempt), throttled (a 429 pause), number_busy (another"
                            + " call to the number is in progress), pacing (due, held back by calls-per-second or"
                            + " max-active-calls)")
                    .tag("reason", reason)
                    .register(registry);
        }
        for (CallStatus status : CallStatus.values()) {
            Gauge.builder("callscheduler.calls", () -> countOf(calls, status))
                    .description("Calls by status")
                    .tag("status", status.value())
                    .register(registry);
        }
    }

    private DispatchMetrics() {
    }

    /** Metrics that go nowhere, for dispatchers built outside CDI. */
    static DispatchMetrics none() {
        return new DispatchMetrics();
    }

    void dialSent(Instant dueAt) {
        if (lag != null && dueAt != null) {
            lag.record(Duration.between(dueAt, Instant.now()));
        }
    }

    void retryScheduled() {
        if (retries != null) {
            retries.increment();
        }
    }

    void throttled() {
        if (throttled != null) {
            throttled.increment();
        }
    }

    void callAsked(long latenessNanos) {
        if (callPollLateness != null) {
            callPollLateness.record(Math.max(0, latenessNanos), java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    void pollStarted(Duration lateness) {
        if (pollLateness != null) {
            pollLateness.record(lateness.isNegative() ? Duration.ZERO : lateness);
        }
    }

    private long waitingFor(DispatchStore store, String reason) {
        Waiting current = waiting.get();
        if (current == null || current.at().plus(COUNT_CACHE).isBefore(Instant.now())) {
            current = new Waiting(Instant.now(), store.countWaiting(DispatchStore.now()));
            waiting.set(current);
        }
        return current.byReason().getOrDefault(reason, 0L);
    }

    private long countOf(CallService calls, CallStatus status) {
        Counts current = counts.get();
        if (current == null || current.at().plus(COUNT_CACHE).isBefore(Instant.now())) {
            current = new Counts(Instant.now(), calls.countByStatus());
            counts.set(current);
        }
        return current.byStatus().getOrDefault(status, 0L);
    }
}
