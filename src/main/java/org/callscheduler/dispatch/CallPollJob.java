package org.callscheduler.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.callscheduler.provider.CallApiClient;
import org.callscheduler.provider.CallApiConfig;
import org.callscheduler.provider.StatusOutcome;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;

/**
 * Follows in-progress calls: asks the Call API for each one's status once an interval, the requests spread evenly
 * over most of the interval and at most {@code max-in-flight} at once, and records what changed as the answers
 * come. A call with no final status after {@code max-duration} is failed.
 * <p>
 * On SIGTERM a poll in progress asks no more, waits up to {@link #STOP_WAIT} for the answers out, records
 * them, and ends before the application goes on stopping; no poll starts after it. (The requests still out
 * are ended by {@link CallApiClient}, which closes its connections once the jobs have stopped.)
 */
@ApplicationScoped
public class CallPollJob {

    /** How long a poll stopped by SIGTERM waits for the answers already asked for. */
    static final Duration STOP_WAIT = Duration.ofSeconds(1);
    private static final long WAIT_STEP_MILLIS = 50;
    /** The share of the interval over which a poll's requests are spread. */
    private static final long SPREAD_PERCENT = 80;
    /** The slowest a poll asks: a few calls are asked about at once. */
    private static final long MIN_RATE = 200;
    /** How often a poll records the answers it has. */
    private static final Duration RECORD_EVERY = Duration.ofMillis(500);

    private final DispatchStore store;
    private final CallApiClient api;
    private final PollConfig config;
    private final long answerWaitMillis;

    private final DispatchMetrics metrics;

    /** When each in-progress call is to be asked about next. */
    private final Map<Long, Plan> plans = new ConcurrentHashMap<>();

    /** Held by the poll in progress. */
    private final ReentrantLock running = new ReentrantLock();
    private volatile boolean stopping;

    CallPollJob(DispatchStore store, CallApiClient api, PollConfig config, CallApiConfig apiConfig, DispatchMetrics metrics) {
        this.metrics = metrics;
        this.store = store;
        this.api = api;
        this.config = config;
        // An answer cannot take longer than connect + read timeout, three tries over.
        this.answerWaitMillis = 3 * (apiConfig.connectTimeout().toMillis() + apiConfig.readTimeout().toMillis()) + 1000;
        if (config.tick().compareTo(config.interval()) > 0 || config.tick().isNegative() || config.tick().isZero()) {
            throw new IllegalStateException("call-scheduler.poll.tick (" + config.tick()
                    + ") must be more than 0 and no longer than call-scheduler.poll.interval (" + config.interval() + ")");
        }
    }

    @Scheduled(identity = "call-poll", every = "{call-scheduler.poll.tick}", delayed = "{call-scheduler.poll.tick}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void scheduledPoll(ScheduledExecution execution) {
        if (config.enabled()) {
            metrics.pollStarted(Duration.between(execution.getScheduledFireTime(), Instant.now()));
            pollDue();
        }
    }

    /**
     * Asks about the in-progress calls due before the next tick, each at its own time: one interval after it was
     * last asked. A call not asked yet (just dialled, or found after a restart) gets a time spread over the interval,
     * so that a burst of dials does not come back as a burst of status requests.
     *
     * @return the number of calls asked about
     */
    int pollDue() {
        return locked(false);
    }

    /**
     * Asks the Call API once about every in-progress call (up to the batch size) and records the
     * answers.
     *
     * @return the number of calls asked about
     */
    public int poll() {
        return locked(true);
    }

    private int locked(boolean all) {
        running.lock();
        try {
            return stopping ? 0 : pollOnce(all);
        } finally {
            running.unlock();
        }
    }

    /** On SIGTERM, before the datasource and the REST client close: stops polling, and waits for a poll in progress. */
    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        try {
            if (running.tryLock(STOP_WAIT.toMillis() + 2000, TimeUnit.MILLISECONDS)) {
                running.unlock();
            } else {
                Log.warn("Status poll still running after SIGTERM; stopping without it");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** When a call is to be asked about next (System.nanoTime), and whether it has been asked before. */
    private record Plan(long at, boolean repeat) {
    }

    private record Ask(ActiveCall call, long at, boolean repeat) {
    }

    private int pollOnce(boolean all) {
        Instant now = DispatchStore.now();
        int stale = store.failStale(now.minus(config.maxDuration()),
                "status timeout: no final status from the Call API within " + config.maxDuration(), now);
        if (stale > 0) {
            Log.warnf("%d in-progress calls failed: no final status from the Call API within %s", stale,
                    config.maxDuration());
        }
        List<ActiveCall> active = store.listActive(config.batchSize());
        plans.keySet().retainAll(active.stream().map(ActiveCall::id).collect(Collectors.toSet()));
        if (active.isEmpty()) {
            return 0;
        }
        long start = System.nanoTime();
        long interval = config.interval().toNanos();
        List<Ask> asks = new ArrayList<>();
        if (all) {
            // Every call now, evenly over most of the interval (a few calls at once: at least 200 a second).
            long spacing = Math.min(interval * SPREAD_PERCENT / 100 / active.size(), 1_000_000_000L / MIN_RATE);
            for (ActiveCall call : active) {
                Plan plan = plans.get(call.id());
                asks.add(new Ask(call, start + asks.size() * spacing, plan != null && plan.repeat()));
            }
        } else {
            long fresh = active.stream().filter(call -> !plans.containsKey(call.id())).count();
            long freshSpacing = fresh == 0 ? 0 : interval * SPREAD_PERCENT / 100 / fresh;
            long next = start;
            for (ActiveCall call : active) {
                Plan plan = plans.get(call.id());
                if (plan == null) {
                    plan = new Plan(next, false);
                    next += freshSpacing;
                    plans.put(call.id(), plan);
                }
                if (plan.at() - start <= config.tick().toNanos()) {
                    asks.add(new Ask(call, plan.at(), plan.repeat()));
                }
            }
            asks.sort(java.util.Comparator.comparingLong(Ask::at));
        }
        // Each request holds a permit until it is answered: holding them all again means every answer is in.
        Semaphore permits = new Semaphore(config.maxInFlight());
        ConcurrentLinkedQueue<StatusReport> reports = new ConcurrentLinkedQueue<>();
        Map<ActiveCall, String> unknown = new ConcurrentHashMap<>();
        int asked = 0;
        long lastRecord = start;
        for (Ask ask : asks) {
            if (!waitUntil(ask.at()) || !permitToAsk(permits)) {
                break;
            }
            asked++;
            long askedAt = System.nanoTime();
            if (ask.repeat()) {
                metrics.callAsked(askedAt - ask.at());
            }
            // Next time one interval on from now: a call asked late is not asked twice in a row to catch up.
            plans.put(ask.call().id(), new Plan(Math.max(ask.at(), askedAt - interval / 10) + interval, true));
            ActiveCall call = ask.call();
            api.status(call.callApiId()).subscribe().with(outcome -> {
                if (outcome instanceof StatusOutcome.Known known) {
                    reports.add(new StatusReport(call, known.progress()));
                } else if (outcome instanceof StatusOutcome.Unknown missing) {
                    unknown.put(call, missing.reason());
                } else {
                    Log.debugf("Call %d: no status this time: %s", call.id(), ((StatusOutcome.Unavailable) outcome).reason());
                }
                permits.release();
            });
            if (System.nanoTime() - lastRecord >= RECORD_EVERY.toNanos()) {
                // A long poll records as it goes: a call's new status shows within a second.
                record(reports, unknown);
                lastRecord = System.nanoTime();
            }
        }
        if (!allAnswered(permits, System.currentTimeMillis() + answerWaitMillis)) {
            Log.warnf("Status poll: %d of %d answers still missing%s; recording the others",
                    config.maxInFlight() - permits.availablePermits(), asked, stopping ? " at SIGTERM" : "");
        }
        record(reports, unknown);
        return asked;
    }

    /** Records the answers received so far, and takes them off the queues. */
    private void record(ConcurrentLinkedQueue<StatusReport> reports, Map<ActiveCall, String> unknown) {
        List<StatusReport> batch = new ArrayList<>();
        for (StatusReport report; (report = reports.poll()) != null;) {
            batch.add(report);
        }
        if (!batch.isEmpty()) {
            store.recordStatuses(batch, DispatchStore.now());
        }
        for (ActiveCall call : List.copyOf(unknown.keySet())) {
            String reason = unknown.remove(call);
            if (store.failActive(call, reason, DispatchStore.now())) {
                Log.warnf("Call %d failed: %s", call.id(), reason);
            }
        }
    }

    /** Waits until {@code nanoTime}: false once SIGTERM has come. */
    private boolean waitUntil(long nanoTime) {
        try {
            for (long left; !stopping && (left = nanoTime - System.nanoTime()) > 0;) {
                TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(WAIT_STEP_MILLIS)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return !stopping;
    }

    /** Takes a permit to ask about one more call: false once SIGTERM has come. */
    private boolean permitToAsk(Semaphore permits) {
        try {
            while (!stopping) {
                if (permits.tryAcquire(WAIT_STEP_MILLIS, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    /**
     * Waits until every request is answered (all permits are back) or {@code deadline} (epoch millis) passes; once
     * SIGTERM has come, for {@link #STOP_WAIT} at most.
     *
     * @return whether every answer is in
     */
    private boolean allAnswered(Semaphore permits, long deadline) {
        int all = config.maxInFlight();
        long until = deadline;
        boolean stopSeen = false;
        try {
            while (true) {
                long now = System.currentTimeMillis();
                if (stopping && !stopSeen) {
                    stopSeen = true;
                    until = Math.min(until, now + STOP_WAIT.toMillis());
                }
                if (permits.tryAcquire(all, Math.max(0, Math.min(WAIT_STEP_MILLIS, until - now)), TimeUnit.MILLISECONDS)) {
                    return true;
                }
                if (System.currentTimeMillis() >= until) {
                    return false;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
