package org.callscheduler.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.callscheduler.provider.CallApiClient;
import org.callscheduler.provider.DialOutcome;

import io.smallrye.mutiny.Uni;

/**
 * Sends claimed calls to the Call API, at most {@code max-in-flight} at once, and hands each outcome
 * to the retry policy and the result writer. The claim loop reserves a dial slot for every call
 * before it claims it, so a claimed call never waits for one.
 */
final class DialSender {

    private final CallApiClient api;
    private final RetryPolicy policy;
    private final ResultWriter writer;
    private final DispatchMetrics metrics;
    private final Semaphore slots;
    private final Duration maxPause;
    private final long slotNanos;
    private volatile Instant pausedUntil;
    private ScheduledExecutorService pacer;
    /** When the pacer last let a POST go (System.nanoTime); only the pacer's thread touches it. */
    private long lastPacedPost = System.nanoTime() - TimeUnit.SECONDS.toNanos(1);

    DialSender(CallApiClient api, RetryPolicy policy, ResultWriter writer, DispatchMetrics metrics, int maxInFlight,
            Duration maxPause, Duration slot) {
        this.maxPause = maxPause;
        this.slotNanos = slot.toNanos();
        this.api = api;
        this.policy = policy;
        this.writer = writer;
        this.metrics = metrics;
        this.slots = new Semaphore(maxInFlight);
    }

    /**
     * Reserves between 1 and {@code most} dial slots, waiting for the first one to come free.
     *
     * @return the number reserved, 0 when {@code stopping} turned true while waiting
     */
    int reserve(int most, BooleanSupplier stopping) {
        try {
            while (!slots.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                if (stopping.getAsBoolean()) {
                    return 0;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
        int more = Math.min(most - 1, slots.availablePermits());
        return 1 + (more > 0 && slots.tryAcquire(more) ? more : 0);
    }

    /** Reserves up to {@code most} of the dial slots free now, without waiting; returns how many. */
    int reserveFree(int most) {
        int free = Math.min(most, slots.availablePermits());
        return free > 0 && slots.tryAcquire(free) ? free : 0;
    }

    /** Gives back slots reserved and not used. */
    void unreserve(int count) {
        if (count > 0) {
            slots.release(count);
        }
    }

    /** POSTs {@code call} in a slot reserved for it; its result reaches the writer whatever happens. */
    void send(ClaimedCall call) {
        writer.expect();
        if (call.sendAt() == null) {
            post(call);
            return;
        }
        // Its slot under calls-per-second, at most the pacing horizon away: on the pacer's one thread, in slot order,
        // and never closer to the POST before than a slot, so that POSTs that fall behind leave spaced, not in a burst.
        long delay = Math.max(0, Duration.between(Instant.now(), call.sendAt()).toNanos());
        pacer().schedule(() -> {
            long wait = lastPacedPost + slotNanos - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            lastPacedPost = System.nanoTime();
            post(call);
        }, delay, TimeUnit.NANOSECONDS);
    }

    private void post(ClaimedCall call) {
        Uni.createFrom().deferred(() -> dial0(call)).subscribe().with(
                outcome -> done(call, outcome),
                failure -> done(call, new DialOutcome.Unavailable(String.valueOf(failure))));
    }

    private synchronized ScheduledExecutorService pacer() {
        if (pacer == null) {
            pacer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "call-pacer");
                thread.setDaemon(true);
                return thread;
            });
        }
        return pacer;
    }

    /** Stops the pacer once the POSTs it holds have left. */
    synchronized void close() {
        if (pacer != null) {
            pacer.shutdown();
        }
    }

    private Uni<DialOutcome> dial0(ClaimedCall call) {
        metrics.dialSent(call.dueAt());
        return api.dial(call.phoneNumber(), call.idempotencyKey());
    }

    /**
     * Until when this instance sends nothing, after a 429 it got itself: at once, before the pause reaches the
     * database (where every instance sees it), so that the next claim of this instance does not send into it.
     */
    Instant pausedUntil() {
        return pausedUntil;
    }

    private void done(ClaimedCall call, DialOutcome outcome) {
        if (outcome instanceof DialOutcome.Throttled throttled) {
            Duration pause = throttled.retryAfter() == null ? Duration.ofSeconds(1)
                    : throttled.retryAfter().compareTo(maxPause) > 0 ? maxPause : throttled.retryAfter();
            Instant until = Instant.now().plus(pause);
            synchronized (this) {
                if (pausedUntil == null || until.isAfter(pausedUntil)) {
                    pausedUntil = until;
                }
            }
        }
        slots.release();
        DialResult result = policy.resultOf(call, outcome, DispatchStore.now());
        if (result instanceof DialResult.Retry) {
            metrics.retryScheduled();
        } else if (result instanceof DialResult.Throttled) {
            metrics.throttled();
        }
        writer.submit(result);
    }
}
