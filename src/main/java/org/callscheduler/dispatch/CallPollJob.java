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

import org.callscheduler.call.ActiveCall;
import org.callscheduler.call.CallService;
import org.callscheduler.call.StatusReport;
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

    private final CallService calls;
    private final CallApiClient api;
    private final PollConfig config;
    private final long answerWaitMillis;

    private final DispatchMetrics metrics;

    CallPollJob(CallService calls, CallApiClient api, PollConfig config, CallApiConfig apiConfig, DispatchMetrics metrics) {
        this.metrics = metrics;
        this.calls = calls;
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
        calls.failStale(config.maxDuration());
        List<ActiveCall> active = calls.listActive(config.batchSize());
        if (active.isEmpty()) {
            return 0;
        }
        Semaphore permits = new Semaphore(config.maxInFlight());
        CountDownLatch answered = new CountDownLatch(active.size());
        ConcurrentLinkedQueue<StatusReport> reports = new ConcurrentLinkedQueue<>();
        Map<Long, String> unknown = new ConcurrentHashMap<>();
        for (ActiveCall call : active) {
            permits.acquireUninterruptibly();
            api.status(call.callApiId()).subscribe().with(outcome -> {
                permits.release();
                if (outcome instanceof StatusOutcome.Known known) {
                    reports.add(new StatusReport(call.id(), call.callApiId(), known.status()));
                } else if (outcome instanceof StatusOutcome.Unknown missing) {
                    unknown.put(call.id(), missing.reason());
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
        calls.recordStatuses(List.copyOf(reports));
        unknown.forEach(calls::failActive);
        return active.size();
    }
}
