package org.callscheduler.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import org.callscheduler.provider.CallApiClient;
import org.callscheduler.provider.CallApiConfig;
import org.callscheduler.provider.StatusOutcome;

import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;

/**
 * Follows in-progress calls: asks the Call API for each one's status, concurrently and bounded,
 * and records what changed. A call with no final status after {@code max-duration} is failed.
 */
@ApplicationScoped
public class CallPollJob {

    private final DispatchStore store;
    private final CallApiClient api;
    private final PollConfig config;
    private final long answerWaitMillis;

    private final DispatchMetrics metrics;

    CallPollJob(DispatchStore store, CallApiClient api, PollConfig config, CallApiConfig apiConfig, DispatchMetrics metrics) {
        this.metrics = metrics;
        this.store = store;
        this.api = api;
        this.config = config;
        // An answer cannot take longer than connect + read timeout, three tries over.
        this.answerWaitMillis = 3 * (apiConfig.connectTimeout().toMillis() + apiConfig.readTimeout().toMillis()) + 1000;
    }

    @Scheduled(identity = "call-poll", every = "{call-scheduler.poll.interval}", delayed = "{call-scheduler.poll.interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void scheduledPoll(ScheduledExecution execution) {
        if (config.enabled()) {
            metrics.pollStarted(Duration.between(execution.getScheduledFireTime(), Instant.now()));
            poll();
        }
    }

    /**
     * Asks the Call API once about every in-progress call (up to the batch size) and records the
     * answers.
     *
     * @return the number of calls asked about
     */
    public int poll() {
        Instant now = DispatchStore.now();
        int stale = store.failStale(now.minus(config.maxDuration()),
                "status timeout: no final status from the Call API within " + config.maxDuration(), now);
        if (stale > 0) {
            Log.warnf("%d in-progress calls failed: no final status from the Call API within %s", stale,
                    config.maxDuration());
        }
        List<ActiveCall> active = store.listActive(config.batchSize());
        if (active.isEmpty()) {
            return 0;
        }
        Semaphore permits = new Semaphore(config.maxInFlight());
        CountDownLatch answered = new CountDownLatch(active.size());
        ConcurrentLinkedQueue<StatusReport> reports = new ConcurrentLinkedQueue<>();
        Map<ActiveCall, String> unknown = new ConcurrentHashMap<>();
        for (ActiveCall call : active) {
            permits.acquireUninterruptibly();
            api.status(call.callApiId()).subscribe().with(outcome -> {
                permits.release();
                if (outcome instanceof StatusOutcome.Known known) {
                    reports.add(new StatusReport(call, known.progress()));
                } else if (outcome instanceof StatusOutcome.Unknown missing) {
                    unknown.put(call, missing.reason());
                } else {
                    Log.debugf("Call %d: no status this time: %s", call.id(), ((StatusOutcome.Unavailable) outcome).reason());
                }
                answered.countDown();
            });
        }
        try {
            if (!answered.await(answerWaitMillis, TimeUnit.MILLISECONDS)) {
                Log.warnf("Status poll: %d of %d answers still missing; recording the others",
                        answered.getCount(), active.size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        store.recordStatuses(List.copyOf(reports), DispatchStore.now());
        unknown.forEach((call, reason) -> {
            if (store.failActive(call, reason, DispatchStore.now())) {
                Log.warnf("Call %d failed: %s", call.id(), reason);
            }
        });
        return active.size();
    }
}
