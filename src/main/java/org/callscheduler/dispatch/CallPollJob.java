package org.callscheduler.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.callscheduler.provider.CallApiClient;
import org.callscheduler.provider.CallApiConfig;
import org.callscheduler.provider.StatusOutcome;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;

/**
 * Follows in-progress calls: asks the Call API for each one's status once an interval, each call at its own time
 * (so the requests are spread over the interval), at most {@code max-in-flight} at once, and records what changed
 * as the answers come. A call with no final status after {@code max-duration} is failed.
 * <p>
 * The schedule is kept in memory. The in-progress calls are read in full once an interval (which also drops the
 * calls no longer in progress); every tick in between reads only the calls that went into progress since the last
 * read. The poller runs as one loop of ticks, started by the scheduler (and started again a second later if it
 * fails): a tick that ran past the scheduler's next check would otherwise make it skip that check, and leave the
 * calls due in the gap a whole tick late.
 * <p>
 * Instances share the calls: each one that dispatches (and so is registered) records at each full read that it
 * polls, and asks only about the calls of its share, by id, among the instances that polled within two intervals and
 * a second ({@link PollShare}). When an instance stops or dies, the others take its share over within that time. An
 * instance that does not dispatch asks about every call.
 * <p>
 * On SIGTERM the poller asks no more, waits up to {@link #STOP_WAIT} for the answers out, records them, and ends
 * before the application goes on stopping; no poll starts after it. (The requests still out are ended by
 * {@link CallApiClient}, which closes its connections once the jobs have stopped.)
 */
@ApplicationScoped
public class CallPollJob {

    /** How long a poll stopped by SIGTERM waits for the answers already asked for. */
    static final Duration STOP_WAIT = Duration.ofSeconds(1);
    /**
     * How far before the last read a read of the calls newly in progress looks (by dialled_at), so that a dial
     * recorded shortly before its transaction committed is still found; an older one is found by the next full read.
     */
    static final Duration NEW_CALLS_OVERLAP = Duration.ofSeconds(2);
    private static final long WAIT_STEP_MILLIS = 50;
    /** The share of the interval over which calls not asked about yet are spread. */
    private static final long SPREAD_PERCENT = 80;
    /** The slowest a poll of every call asks: a few calls are asked about at once. */
    private static final long MIN_RATE = 200;
    /** How often the poller records the answers it has. */
    private static final Duration RECORD_EVERY = Duration.ofMillis(500);

    private final DispatchStore store;
    private final CallApiClient api;
    private final PollConfig config;
    private final DispatchMetrics metrics;
    private final long answerWaitMillis;
    private final long interval;
    private final long tick;

    /** Each in-progress call as last read or recorded, and when it is to be asked about next. */
    private final Map<Long, Plan> plans = new ConcurrentHashMap<>();
    /** One permit for each status request that may be out; a request holds one until it is answered. */
    private final Semaphore permits;
    /** Answers not recorded yet. */
    private final ConcurrentLinkedQueue<StatusReport> reports = new ConcurrentLinkedQueue<>();
    private final Map<ActiveCall, String> unknown = new ConcurrentHashMap<>();

    /** This instance's share of the in-progress calls (read once an interval, with the calls). */
    private volatile Supplier<PollShare> shares;
    private PollShare share = PollShare.ALL;

    /** When the in-progress calls were last read in full (System.nanoTime), and whether they have been. */
    private long lastFullRead;
    private boolean readInFull;
    /** When the in-progress calls were last read at all (the database's clock, as dialled_at). */
    private Instant lastRead;
    private long lastRecord = System.nanoTime();

    /** Held by a tick or a poll of every call. */
    private final ReentrantLock running = new ReentrantLock();
    /** Held by the loop of ticks while it runs. */
    private final ReentrantLock looping = new ReentrantLock();
    private volatile boolean stopping;

    CallPollJob(DispatchStore store, DispatchJob dispatch, CallApiClient api, PollConfig config, CallApiConfig apiConfig,
            DispatchMetrics metrics) {
        this.metrics = metrics;
        this.store = store;
        // An instance that has not polled for two intervals and a second has stopped or died: its share is taken over.
        Duration liveFor = config.interval().multipliedBy(2).plusSeconds(1);
        this.shares = () -> dispatch.pollShare(liveFor);
        this.api = api;
        this.config = config;
        // An answer cannot take longer than connect + read timeout, three tries over.
        this.answerWaitMillis = 3 * (apiConfig.connectTimeout().toMillis() + apiConfig.readTimeout().toMillis()) + 1000;
        if (config.tick().compareTo(config.interval()) > 0 || config.tick().isNegative() || config.tick().isZero()) {
            throw new IllegalStateException("call-scheduler.poll.tick (" + config.tick()
                    + ") must be more than 0 and no longer than call-scheduler.poll.interval (" + config.interval() + ")");
        }
        this.interval = config.interval().toNanos();
        this.tick = config.tick().toNanos();
        this.permits = new Semaphore(config.maxInFlight());
    }

    /** Starts the loop of ticks, which runs until SIGTERM; if it fails, the next check starts it again. */
    @Scheduled(identity = "call-poll", every = "{call-scheduler.poll.tick}", delayed = "{call-scheduler.poll.tick}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void scheduledPoll(ScheduledExecution execution) {
        if (!config.enabled() || !looping.tryLock()) {
            return;
        }
        try {
            metrics.pollStarted(Duration.between(execution.getScheduledFireTime(), Instant.now()));
            while (!stopping) {
                pollDue();
            }
            // SIGTERM: the answers out are recorded now. (After a failure they are left to the next loop.)
            running.lock();
            try {
                settle();
            } finally {
                running.unlock();
            }
        } finally {
            looping.unlock();
        }
    }

    /**
     * One tick: reads the in-progress calls (in full once an interval, otherwise only those new since the last
     * read), then asks about each call due before the tick ends at its own time, one interval after it was last
     * asked. A call not asked yet (just dialled, or found after a restart) gets a time spread over the interval, so
     * that a burst of dials does not come back as a burst of status requests. Returns at the end of the tick,
     * without waiting for the last answers: the next tick records them.
     *
     * @return the number of calls asked about
     */
    int pollDue() {
        return locked(false);
    }

    /**
     * Asks the Call API once about every in-progress call (up to the batch size), and records the answers.
     *
     * @return the number of calls asked about
     */
    public int poll() {
        return locked(true);
    }

    private int locked(boolean all) {
        running.lock();
        try {
            return stopping ? 0 : all ? pollAll() : pollTick();
        } finally {
            running.unlock();
        }
    }

    /**
     * On SIGTERM, before Quarkus waits for the HTTP requests in progress to finish: polling stops. With the built-in
     * simulator every status request goes to this very server, and a poller that kept asking kept that wait going.
     */
    void stopBeforeTheHttpDrain(@Observes ShutdownDelayInitiatedEvent event) {
        stop();
    }

    /** On SIGTERM, before the datasource and the REST client close, if polling has not stopped yet. */
    void stop(@Observes ShutdownEvent event) {
        stop();
    }

    /** Stops polling, and waits for the poller to end. */
    private void stop() {
        if (stopping) {
            return;
        }
        stopping = true;
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_WAIT.toMillis() + 2000);
            if (looping.tryLock(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                looping.unlock();
                if (running.tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    running.unlock();
                    return;
                }
            }
            Log.warn("Status poll still running after SIGTERM; stopping without it");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Takes its share from {@code shares} (a dispatcher a test started) instead of this instance's: for tests. */
    void shareAs(Supplier<PollShare> shares) {
        this.shares = shares;
    }

    /** An in-progress call, when it is to be asked about next (System.nanoTime), and whether it has been asked. */
    private record Plan(ActiveCall call, long at, boolean repeat) {
    }

    private int pollTick() {
        long start = System.nanoTime();
        long end = start + tick;
        if (!readInFull || start - lastFullRead >= interval) {
            readAll(start);
        } else {
            Instant now = DispatchStore.now();
            add(store.listActiveSince(lastRead.minus(NEW_CALLS_OVERLAP), config.batchSize(), share), start);
            lastRead = now;
        }
        List<Plan> due = new ArrayList<>();
        for (Plan plan : plans.values()) {
            if (plan.at() - end <= 0) {
                due.add(plan);
            }
        }
        due.sort(Comparator.comparingLong(Plan::at));
        int asked = 0;
        for (Plan plan : due) {
            if (!waitUntil(plan.at()) || !permitToAsk()) {
                return asked;
            }
            if (ask(plan.call(), plan.at(), plan.repeat())) {
                asked++;
            } else {
                permits.release();
            }
        }
        waitUntil(end);
        record();
        return asked;
    }

    private int pollAll() {
        long start = System.nanoTime();
        readAll(start);
        List<Plan> all = new ArrayList<>(plans.values());
        all.sort(Comparator.comparingLong(plan -> plan.call().dialledAt() == null ? 0 : plan.call().dialledAt().toEpochMilli()));
        int asked = 0;
        if (!all.isEmpty()) {
            // Every call now, evenly over most of the interval (a few calls at once: at least 200 a second).
            long spacing = Math.min(interval * SPREAD_PERCENT / 100 / all.size(), 1_000_000_000L / MIN_RATE);
            for (Plan plan : all) {
                long at = start + asked * spacing;
                if (!waitUntil(at) || !permitToAsk()) {
                    break;
                }
                if (ask(plan.call(), at, plan.repeat())) {
                    asked++;
                } else {
                    permits.release();
                }
            }
        }
        settle();
        return asked;
    }

    /**
     * Fails the calls past their max-duration, reads every in-progress call, and drops the plans of the calls no
     * longer in progress.
     */
    private void readAll(long start) {
        Instant now = DispatchStore.now();
        int stale = store.failStale(now.minus(config.maxDuration()),
                "status timeout: no final status from the Call API within " + config.maxDuration(), now);
        if (stale > 0) {
            Log.warnf("%d in-progress calls failed: no final status from the Call API within %s", stale,
                    config.maxDuration());
        }
        PollShare next = shares.get();
        if (!next.equals(share)) {
            Log.infof("Status poll: this instance now asks about %s of the in-progress calls, by id (%s before)", next,
                    share);
            share = next;
        }
        List<ActiveCall> active = store.listActive(config.batchSize(), share);
        Set<Long> ids = new HashSet<>(active.size() * 2);
        for (ActiveCall call : active) {
            ids.add(call.id());
        }
        plans.keySet().retainAll(ids);
        add(active, start);
        readInFull = true;
        lastFullRead = start;
        lastRead = now;
    }

    /**
     * Takes in calls just read: a call not planned yet gets a time spread over most of the interval from
     * {@code start}; a planned one keeps its time and takes the row as read (the database has the latest status).
     */
    private void add(List<ActiveCall> active, long start) {
        long fresh = 0;
        for (ActiveCall call : active) {
            if (!plans.containsKey(call.id())) {
                fresh++;
            }
        }
        long spacing = fresh == 0 ? 0 : interval * SPREAD_PERCENT / 100 / fresh;
        long next = start;
        for (ActiveCall call : active) {
            Plan plan = plans.get(call.id());
            if (plan == null) {
                if (plans.size() < config.batchSize()) {
                    plans.put(call.id(), new Plan(call, next, false));
                    next += spacing;
                }
            } else if (!plan.call().equals(call)) {
                plans.put(call.id(), new Plan(call, plan.at(), plan.repeat()));
            }
        }
    }

    /**
     * Sends one status request (its permit taken), and plans the next one interval on from now: a call asked late
     * is not asked twice in a row to catch up.
     *
     * @return false if the call is no longer followed (nothing was sent)
     */
    private boolean ask(ActiveCall call, long at, boolean repeat) {
        long askedAt = System.nanoTime();
        if (plans.replace(call.id(), new Plan(call, Math.max(at, askedAt - interval / 10) + interval, true)) == null) {
            return false;
        }
        if (repeat) {
            metrics.callAsked(askedAt - at);
        }
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
        if (askedAt - lastRecord >= RECORD_EVERY.toNanos()) {
            // Answers are recorded as they come: a call's new status shows within a second.
            record();
        }
        return true;
    }

    /** Waits for the answers out (up to {@link #STOP_WAIT} after SIGTERM), and records them. */
    private void settle() {
        int out = config.maxInFlight() - permits.availablePermits();
        if (!allAnswered(System.currentTimeMillis() + answerWaitMillis)) {
            Log.warnf("Status poll: %d of %d answers still missing%s; recording the others",
                    config.maxInFlight() - permits.availablePermits(), out, stopping ? " at SIGTERM" : "");
        }
        record();
    }

    /**
     * Records the answers received so far, and takes them off the queues; a call that ended is no longer followed,
     * one that goes on is followed with its new status.
     */
    private void record() {
        lastRecord = System.nanoTime();
        List<StatusReport> batch = new ArrayList<>();
        for (StatusReport report; (report = reports.poll()) != null;) {
            batch.add(report);
        }
        if (!batch.isEmpty()) {
            store.recordStatuses(batch, DispatchStore.now());
            for (StatusReport report : batch) {
                ActiveCall call = report.call();
                String word = report.progress().word();
                if (report.progress().isFinal()) {
                    plans.computeIfPresent(call.id(), (id, plan) -> sameDial(plan, call) ? null : plan);
                } else if (!word.equals(call.callStatus())) {
                    plans.computeIfPresent(call.id(), (id, plan) -> sameDial(plan, call)
                            ? new Plan(withStatus(plan.call(), word), plan.at(), plan.repeat())
                            : plan);
                }
            }
        }
        for (ActiveCall call : List.copyOf(unknown.keySet())) {
            String reason = unknown.remove(call);
            plans.computeIfPresent(call.id(), (id, plan) -> sameDial(plan, call) ? null : plan);
            if (store.failActive(call, reason, DispatchStore.now())) {
                Log.warnf("Call %d failed: %s", call.id(), reason);
            }
        }
    }

    private static boolean sameDial(Plan plan, ActiveCall call) {
        return plan.call().callApiId().equals(call.callApiId());
    }

    private static ActiveCall withStatus(ActiveCall call, String callStatus) {
        return new ActiveCall(call.id(), call.callApiId(), callStatus, call.attempts(), call.dialledAt(), call.retryOn(),
                call.retryMax(), call.retryDelaySeconds(), call.retriedOutcomes(), call.expiresAt());
    }

    /** Waits until {@code nanoTime}, recording the answers meanwhile: false once SIGTERM has come. */
    private boolean waitUntil(long nanoTime) {
        try {
            for (long left; !stopping && (left = nanoTime - System.nanoTime()) > 0;) {
                if (System.nanoTime() - lastRecord >= RECORD_EVERY.toNanos()) {
                    record();
                    continue;
                }
                long untilRecord = lastRecord + RECORD_EVERY.toNanos() - System.nanoTime();
                TimeUnit.NANOSECONDS.sleep(Math.max(0, Math.min(Math.min(left, untilRecord),
                        TimeUnit.MILLISECONDS.toNanos(WAIT_STEP_MILLIS))));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return !stopping;
    }

    /** Takes a permit to ask about one more call: false once SIGTERM has come. */
    private boolean permitToAsk() {
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
    private boolean allAnswered(long deadline) {
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
                    permits.release(all);
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
