package org.callscheduler.dispatch;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.callscheduler.provider.CallApiClient;
import org.callscheduler.provider.DialOutcome;

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

    DialSender(CallApiClient api, RetryPolicy policy, ResultWriter writer, DispatchMetrics metrics, int maxInFlight) {
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

    /** Gives back slots reserved and not used. */
    void unreserve(int count) {
        if (count > 0) {
            slots.release(count);
        }
    }

    /** POSTs {@code call} in a slot reserved for it; its result reaches the writer whatever happens. */
    void send(ClaimedCall call) {
        writer.expect();
        metrics.dialSent(call.dueAt());
        api.dial(call.phoneNumber(), call.idempotencyKey()).subscribe().with(
                outcome -> done(call, outcome),
                failure -> done(call, new DialOutcome.Unavailable(String.valueOf(failure))));
    }

    private void done(ClaimedCall call, DialOutcome outcome) {
        slots.release();
        DialResult result = policy.resultOf(call, outcome, DispatchStore.now());
        if (result instanceof DialResult.Retry) {
            metrics.retryScheduled();
        }
        writer.submit(result);
    }
}
