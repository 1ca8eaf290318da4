package org.callscheduler.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

import io.quarkus.logging.Log;

/**
 * Claims due calls and hands them to the sender, as many at a time as there are free dial slots
 * (db-scheduler's fetch size), counted once the claim holds the pacing row, so a claimed call never
 * waits and nothing is given back. Before the POSTs leave, the claim is marked sent in one
 * statement: a call can only be in doubt after a crash if it was marked so.
 */
final class ClaimLoop {

    private final String owner;
    private final DispatchStore store;
    private final DialSender sender;
    private final ResultWriter writer;
    private final Heartbeat heartbeat;
    private final DispatchConfig config;
    private final int maxAttempts;
    private final PacingConfig pacing;
    private final Consumer<Instant> wakeAt;
    private final AtomicInteger runsInProgress = new AtomicInteger();
    private volatile boolean stopping;

    ClaimLoop(String owner, DispatchStore store, DialSender sender, ResultWriter writer, Heartbeat heartbeat,
            DispatchConfig config, int maxAttempts, PacingConfig pacing, Consumer<Instant> wakeAt) {
        this.owner = owner;
        this.store = store;
        this.sender = sender;
        this.writer = writer;
        this.heartbeat = heartbeat;
        this.config = config;
        this.maxAttempts = maxAttempts;
        this.pacing = pacing;
        this.wakeAt = wakeAt;
    }

    /**
     * Claims and sends every call that is due now. Returns once each claimed call has been sent;
     * the answers are recorded in the background.
     *
     * @return the number of calls claimed
     */
    int run() {
        runsInProgress.incrementAndGet();
        try {
            int total = 0;
            while (!stopping) {
                heartbeat.beat();
                int slots = sender.reserve(config.batchSize(), () -> stopping);
                if (slots == 0) {
                    break;
                }
                Instant paused = sender.pausedUntil();
                if (paused != null && paused.isAfter(Instant.now())) {
                    sender.unreserve(slots);
                    wakeAt.accept(paused);
                    break;
                }
                DispatchStore.Claim claim = claim(slots);
                List<ClaimedCall> batch = claim.calls();
                if (claim.waitUntil() != null) {
                    // Paced, or paused by a 429: the next run comes when sending may go on.
                    wakeAt.accept(claim.waitUntil());
                    break;
                }
                if (claim.examined() == 0) {
                    // Not "fewer than asked for": when dispatchers race, each gets only the rows it won.
                    break;
                }
                total += batch.size();
                for (ClaimedCall call : batch) {
                    sender.send(call);
                }
            }
            return total;
        } finally {
            runsInProgress.decrementAndGet();
        }
    }

    /**
     * Claims calls for the {@code reserved} slots, and for those that come free before the claim holds the pacing row
     * (up to the batch size); gives back the slots it got no call for.
     */
    private DispatchStore.Claim claim(int reserved) {
        DispatchStore.Claim claim;
        Instant now = DispatchStore.now();
        Duration lease = config.lease();
        int[] slots = { reserved };
        IntSupplier freedMeanwhile = () -> {
            int more = sender.reserveFree(config.batchSize() - slots[0]);
            slots[0] += more;
            return more;
        };
        try {
            claim = store.claim(owner, reserved, freedMeanwhile, now, now.plus(lease), heartbeat.mayTakeOver(now, lease),
                    config.takeover() == DispatchConfig.Takeover.FAIL ? DispatchStore.InDoubt.FAIL
                            : DispatchStore.InDoubt.REDIAL,
                    maxAttempts, pacing);
        } catch (Exception e) {
            sender.unreserve(slots[0]);
            heartbeat.databaseFailed();
            throw unchecked(e);
        }
        List<ClaimedCall> batch = claim.calls();
        sender.unreserve(slots[0] - batch.size());
        if (batch.isEmpty()) {
            return claim;
        }
        for (ClaimedCall call : batch) {
            if (call.inDoubt()) {
                Log.warnf("Call %d: instance %s stopped after sending attempt %d, before recording the answer;"
                        + " dialling again (takeover=redial) with the same Idempotency-Key", call.id(),
                        call.previousOwner(), call.attempt() - 1);
            } else if (call.previousOwner() != null) {
                Log.infof("Call %d: instance %s stopped before sending it; dialling it now", call.id(),
                        call.previousOwner());
            }
        }
        try {
            store.markSent(batch.get(0).token(), DispatchStore.now());
        } catch (Exception e) {
            // Nothing was sent. The mark may have committed all the same (the connection can fail after the
            // commit reached the database), so the claim is given back whole, as soon as the database takes it.
            sender.unreserve(batch.size());
            heartbeat.databaseFailed();
            writer.releaseClaim(batch.get(0).token());
            throw unchecked(e);
        }
        return claim;
    }

    /** A commit that fails surfaces as a checked RollbackException through the transactional proxy. */
    private static RuntimeException unchecked(Exception e) {
        return e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
    }

    boolean isRunning() {
        return runsInProgress.get() > 0;
    }

    /** Stops claiming; the run in progress ends after the calls it has claimed are sent. */
    void stop() {
        stopping = true;
    }

    /** Gives back the calls claimed and not sent. */
    void releaseUnsent() {
        try {
            int released = store.releaseUnsent(owner, DispatchStore.now());
            if (released > 0) {
                Log.infof("Dispatcher %s gave back %d claimed calls it had not sent", owner, released);
            }
        } catch (Exception e) {
            Log.errorf("Dispatcher %s could not give back its unsent claims (%s); they are dialled when their lease"
                    + " ends", owner, e.getMessage());
        }
    }
}
