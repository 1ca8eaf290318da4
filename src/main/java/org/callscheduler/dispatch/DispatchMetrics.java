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
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;

/**
 * The dispatcher's numbers at /q/metrics: dispatch lag (due time to request sent), retries, poll
 * lateness, and calls by status.
 */
@ApplicationScoped
public class DispatchMetrics {


    private Timer lag;
    private Counter retries;
    private Timer pollLateness;
    private Timer callPollLateness;
    private Counter throttled;
    private final AtomicReference<Map<CallStatus, Long>> counts = new AtomicReference<>();
    private final AtomicReference<Map<String, Long>> waiting = new AtomicReference<>();
    /** Whether the counts were scraped since they were last read from the database. */
    private volatile boolean countsWanted = true;
    private CallService calls;
    private DispatchStore store;

    @Inject
    DispatchMetrics(MeterRegistry registry, CallService calls, DispatchStore store) {
        this.calls = calls;
        this.store = store;
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
            Gauge.builder("callscheduler.calls.waiting", () -> waitingFor(reason))
                    .description("Pending calls waiting past their scheduled time, by reason: window, retry (an outcome"
                            + " retry), backoff (after a failed attempt), throttled (a 429 pause), number_busy (another"
                            + " call to the number is in progress), pacing (due, held back by calls-per-second or"
                            + " max-active-calls)")
                    .tag("reason", reason)
                    .register(registry);
        }
        for (CallStatus status : CallStatus.values()) {
            Gauge.builder("callscheduler.calls", () -> countOf(status))
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

    /**
     * Reads the counts by status and by waiting reason from the database, when they were scraped since the last read.
     * At two million calls each read takes seconds of database work (every pending call is looked at): on this job,
     * at most every {@code call-scheduler.metrics.count-refresh} and only while something scrapes them, a scrape
     * never waits for it; the gauges show the last counts read (NaN until the first).
     */
    @Scheduled(identity = "metrics-counts", every = "{call-scheduler.metrics.count-refresh}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void refreshCounts() {
        if (countsWanted && calls != null) {
            countsWanted = false;
            try {
                counts.set(calls.countByStatus());
                waiting.set(store.countWaiting(DispatchStore.now()));
            } catch (RuntimeException e) {
                Log.warnf("Could not count the calls for the metrics; they show the last counts: %s", e.getMessage());
            }
        }
    }

    private double waitingFor(String reason) {
        countsWanted = true;
        Map<String, Long> current = waiting.get();
        return current == null ? Double.NaN : current.getOrDefault(reason, 0L);
    }

    private double countOf(CallStatus status) {
        countsWanted = true;
        Map<CallStatus, Long> current = counts.get();
        return current == null ? Double.NaN : current.getOrDefault(status, 0L);
    }
}
