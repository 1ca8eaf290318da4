package org.callscheduler.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.callscheduler.call.CallService;
import org.callscheduler.call.ClaimedCall;
import org.callscheduler.call.DialResult;
import org.callscheduler.provider.CallApiClient;
import org.callscheduler.provider.DialOutcome;

import io.quarkus.logging.Log;

/**
 * Claims due calls in batches and dials them concurrently, at most {@code max-in-flight} at once.
 * <p>
 * The answers arrive on I/O threads; they are queued and written back in batches by one writer
 * thread, so the database sees a few large transactions instead of one per call. Several
 * dispatchers (threads, or instances on one database) can run side by side: a call is claimed by
 * one of them only, see {@link CallService#claimDue}.
 */
final class CallDispatcher {

    private static final int WRITE_BATCH = 500;

    private final String owner;
    private final CallService calls;
    private final CallApiClient api;
    private final DispatchConfig config;
    private final Consumer<Instant> wakeAt;
    private final DispatchMetrics metrics;

    private final Semaphore inFlight;
    private final ConcurrentLinkedQueue<DialResult> results = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushQueued = new AtomicBoolean();
    private final AtomicInteger unrecorded = new AtomicInteger();
    private final AtomicInteger runsInProgress = new AtomicInteger();
    private final Set<Long> claimedNotSent = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService writer;
    private volatile boolean stopping;

    CallDispatcher(String owner, CallService calls, CallApiClient api, DispatchConfig config, Consumer<Instant> wakeAt) {
        this(owner, calls, api, config, wakeAt, DispatchMetrics.none());
    }

    CallDispatcher(String owner, CallService calls, CallApiClient api, DispatchConfig config, Consumer<Instant> wakeAt,
            DispatchMetrics metrics) {
        this.owner = owner;
        this.metrics = metrics;
        this.calls = calls;
        this.api = api;
        this.config = config;
        this.wakeAt = wakeAt;
        this.inFlight = new Semaphore(config.maxInFlight());
        this.writer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "dial-results-" + owner);
            thread.setDaemon(true);
            return thread;
        });
    }

    String owner() {
        return owner;
    }

    /**
     * Claims and dials every call that is due now. Returns once each claimed call has been sent;
     * the answers are recorded in the background (see {@link #unrecorded()}).
     *
     * @return the number of calls claimed
     */
    int dispatchDue() {
        runsInProgress.incrementAndGet();
        try {
            return claimAndSend();
        } finally {
            runsInProgress.decrementAndGet();
        }
    }

    private int claimAndSend() {
        int claimedTotal = 0;
        while (!stopping) {
            long started = System.nanoTime();
            List<ClaimedCall> batch = calls.claimDue(owner, config.batchSize(), config.lease());
            if (!batch.isEmpty()) {
                Log.debugf("Dispatcher %s claimed %d calls in %d ms", owner, batch.size(),
                        (System.nanoTime() - started) / 1_000_000);
            }
            batch.forEach(call -> claimedNotSent.add(call.id()));
            claimedTotal += batch.size();
            for (ClaimedCall call : batch) {
                if (stopping) {
                    break;
                }
                send(call);
            }
            // Not "fewer than a batch": when dispatchers race, each gets only the rows it won, so a
            // short batch does not mean nothing else is due.
            if (batch.isEmpty()) {
                break;
            }
        }
        if (stopping) {
            releaseUnsent();
        }
        return claimedTotal;
    }

    /** Dial attempts whose result is not yet in the database. */
    int unrecorded() {
        return unrecorded.get();
    }

    /**
     * Stops claiming, lets the run in progress end after the call it is sending, gives back the
     * claims not yet sent, and waits for the answers to the requests already sent; all of it within
     * the shutdown grace.
     */
    void stop() {
        stopping = true;
        long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
        // Until the run has ended it may still send the call it holds a dial slot for; waiting for
        // answers before that could miss this last one.
        awaitUntil(() -> runsInProgress.get() == 0, deadline);
        releaseUnsent();
        awaitUntil(() -> {
            flushNow();
            return unrecorded.get() == 0;
        }, deadline);
        if (runsInProgress.get() > 0) {
            Log.warnf("Dispatcher %s: its dispatch run had not ended after %s", owner, config.shutdownGrace());
        }
        if (unrecorded.get() > 0) {
            Log.warnf("Dispatcher %s stopped with %d dial results unrecorded; their claims expire after %s",
                    owner, unrecorded.get(), config.lease());
        }
        writer.shutdown();
    }

    private static void awaitUntil(BooleanSupplier done, long deadlineNanos) {
        while (!done.getAsBoolean() && System.nanoTime() < deadlineNanos) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void send(ClaimedCall call) {
        if (call.takenOver()) {
            if (config.takeover() == DispatchConfig.Takeover.FAIL) {
                if (claimedNotSent.remove(call.id())) {
                    unrecorded.incrementAndGet();
                    Log.warnf("Call %d: instance %s stopped while dialling it; failing it (takeover=fail)",
                            call.id(), call.previousOwner());
                    record(new DialResult.Failed(call.id(), "Dial outcome unknown: instance " + call.previousOwner()
                            + " stopped while dialling this call, and at-most-once delivery is configured"));
                }
                return;
            }
            Log.warnf("Call %d: instance %s stopped while dialling it; dialling again with idempotency key %s",
                    call.id(), call.previousOwner(), call.idempotencyKey());
        }
        inFlight.acquireUninterruptibly();
        // Either this sends the call or releaseUnsent() gives its claim back, never both.
        if (!claimedNotSent.remove(call.id())) {
            inFlight.release();
            return;
        }
        // A request sent this late could still be waiting for its answer when the lease ends and
        // another dispatcher takes the call over: give the claim back instead, the call stays due.
        if (Instant.now().plus(config.lease().dividedBy(2)).isAfter(call.leaseUntil())) {
            inFlight.release();
            Log.warnf("Call %d: waited too long for a free dial slot; giving its claim back", call.id());
            giveBack(List.of(call.id()));
            return;
        }
        unrecorded.incrementAndGet();
        metrics.dialSent(call.dueAt());
        api.dial(call.phoneNumber(), call.idempotencyKey()).subscribe().with(
                outcome -> {
                    inFlight.release();
                    record(resultOf(call, outcome));
                },
                failure -> {
                    inFlight.release();
                    record(resultOf(call, new DialOutcome.Unavailable(String.valueOf(failure))));
                });
    }

    private DialResult resultOf(ClaimedCall call, DialOutcome outcome) {
        if (outcome instanceof DialOutcome.Accepted accepted) {
            Log.debugf("Call %d dialled: call_api_id %s (attempt %d)", call.id(), accepted.callId(),
                    Integer.valueOf(call.attempt()));
            return new DialResult.Dialled(call.id(), accepted.callId(), accepted.status());
        }
        if (outcome instanceof DialOutcome.Rejected rejected) {
            Log.warnf("Call %d failed: %s", call.id(), rejected.reason());
            return new DialResult.Failed(call.id(), "Rejected by the Call API: " + rejected.reason());
        }
        String reason = ((DialOutcome.Unavailable) outcome).reason();
        if (call.attempt() >= config.maxAttempts()) {
            Log.warnf("Call %d failed after %d attempts: %s", call.id(), call.attempt(), reason);
            return new DialResult.Failed(call.id(),
                    "Call API unavailable after " + call.attempt() + " attempts: " + reason);
        }
        metrics.retryScheduled();
        Duration delay = api.retryDelay(call.attempt());
        Instant retryAt = Instant.now().plus(delay);
        Log.infof("Call %d: attempt %d of %d failed (%s); retrying in %d ms", call.id(), call.attempt(),
                config.maxAttempts(), reason, delay.toMillis());
        return new DialResult.Retry(call.id(), retryAt,
                "Attempt " + call.attempt() + " of " + config.maxAttempts() + " failed: " + reason + "; retrying at "
                        + retryAt);
    }

    private void record(DialResult result) {
        results.add(result);
        flushNow();
    }

    private void flushNow() {
        if (flushQueued.compareAndSet(false, true)) {
            writer.execute(this::flush);
        }
    }

    private void flush() {
        flushQueued.set(false);
        List<DialResult> batch = new ArrayList<>(WRITE_BATCH);
        DialResult next;
        while ((next = results.poll()) != null) {
            batch.add(next);
            if (batch.size() == WRITE_BATCH) {
                write(batch);
                batch = new ArrayList<>(WRITE_BATCH);
            }
        }
        if (!batch.isEmpty()) {
            write(batch);
        }
    }

    private void write(List<DialResult> batch) {
        try {
            calls.recordDialResults(owner, batch);
            unrecorded.addAndGet(-batch.size());
            batch.stream()
                    .filter(DialResult.Retry.class::isInstance)
                    .map(r -> ((DialResult.Retry) r).notBefore())
                    .min(Instant::compareTo)
                    .ifPresent(wakeAt);
        } catch (RuntimeException e) {
            // The database is unwell: keep the results and try again shortly. The claims hold
            // meanwhile; should this instance die, they expire and the calls are taken over.
            Log.errorf(e, "Dispatcher %s could not record %d dial results; retrying in 1 s", owner, batch.size());
            results.addAll(batch);
            writer.schedule(this::flushNow, 1, TimeUnit.SECONDS);
        }
    }

    private void releaseUnsent() {
        List<Long> unsent = new ArrayList<>();
        for (Long id : List.copyOf(claimedNotSent)) {
            if (claimedNotSent.remove(id)) {
                unsent.add(id);
            }
        }
        giveBack(unsent);
    }

    private void giveBack(List<Long> unsent) {
        if (unsent.isEmpty()) {
            return;
        }
        try {
            int released = calls.releaseClaims(owner, unsent);
            Log.infof("Dispatcher %s gave back %d claimed calls it had not sent", owner, released);
        } catch (RuntimeException e) {
            Log.errorf(e, "Dispatcher %s could not give back %d claims; they expire after %s", owner, unsent.size(),
                    config.lease());
        }
    }
}
