package org.callscheduler.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.quarkus.logging.Log;

/**
 * Writes dial results back on one thread, in batches: the answers of hundreds of dials share one
 * transaction. The same thread renews this instance's leases, so a renewal never races a write.
 * <p>
 * A batch that fails to write because of its data (SQLState class 22 or 23: a value a column cannot
 * hold, a constraint) is split to find the row that cannot be written; that call alone fails with
 * an error_message saying so and is never sent again. Any other failure (no connection, a timeout,
 * a deadlock) is the database's: the results wait and the writer backs off, from 100 ms up to 5 s;
 * the calls' leases are renewed meanwhile, so nobody dials them again. Every failure is caught as an
 * {@code Exception}: a transaction whose commit fails surfaces as a checked RollbackException, and a
 * batch must never be dropped with the task that wrote it.
 */
final class ResultWriter {

    static final int WRITE_BATCH = 500;
    private static final Duration MIN_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final String owner;
    private final DispatchStore store;
    private final Heartbeat heartbeat;
    private final Consumer<Instant> wakeAt;
    private final ConcurrentLinkedQueue<DialResult> results = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushQueued = new AtomicBoolean();
    private final AtomicInteger unrecorded = new AtomicInteger();
    private final ScheduledExecutorService thread;
    /** Written by the writer thread only; read by the threads that hand in results. */
    private volatile Duration backoff = Duration.ZERO;
    private ScheduledFuture<?> renewal;

    ResultWriter(String owner, DispatchStore store, Heartbeat heartbeat, Consumer<Instant> wakeAt) {
        this.owner = owner;
        this.store = store;
        this.heartbeat = heartbeat;
        this.wakeAt = wakeAt;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dial-results-" + owner);
            t.setDaemon(true);
            return t;
        });
    }

    /** A POST is about to leave: its result is owed from now on. */
    void expect() {
        unrecorded.incrementAndGet();
    }

    /** Results owed and not yet in the database. */
    int unrecorded() {
        return unrecorded.get();
    }

    void submit(DialResult result) {
        results.add(result);
        flushSoon();
    }

    /** Renews this instance's leases every {@code every} (with {@code renew}), on the writer's thread. */
    synchronized void renewEvery(Duration every, Runnable renew) {
        renewal = thread.scheduleWithFixedDelay(() -> {
            try {
                renew.run();
                heartbeat.beat();
            } catch (Exception e) {
                heartbeat.databaseFailed();
                Log.errorf("Dispatcher %s could not renew its leases: %s", owner, e.getMessage());
            }
        }, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Writes what is queued now; used while stopping. */
    void flushSoon() {
        if (flushQueued.compareAndSet(false, true)) {
            if (backoff.isZero()) {
                thread.execute(this::flush);
            } else {
                thread.schedule(this::flush, backoff.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /**
     * Gives back claim {@code token}, whose POSTs never left, retrying with back-off until the database
     * takes it; until then the lease of its calls is renewed like any other (they may be marked sent).
     */
    void releaseClaim(String token) {
        thread.execute(() -> tryRelease(token, MIN_BACKOFF));
    }

    private void tryRelease(String token, Duration wait) {
        try {
            int released = store.releaseClaim(token, DispatchStore.now());
            Log.infof("Dispatcher %s gave back %d calls it had claimed and not sent", owner, released);
        } catch (Exception e) {
            heartbeat.databaseFailed();
            if (!thread.isShutdown()) {
                thread.schedule(() -> tryRelease(token, min(wait.multipliedBy(2), MAX_BACKOFF)), wait.toMillis(),
                        TimeUnit.MILLISECONDS);
            }
        }
    }

    synchronized void stop() {
        if (renewal != null) {
            renewal.cancel(false);
        }
        thread.shutdown();
    }

    private void flush() {
        flushQueued.set(false);
        List<DialResult> batch = new ArrayList<>(WRITE_BATCH);
        DialResult next;
        while ((next = results.poll()) != null) {
            batch.add(next);
            if (batch.size() == WRITE_BATCH) {
                if (!write(batch)) {
                    return;
                }
                batch = new ArrayList<>(WRITE_BATCH);
            }
        }
        if (!batch.isEmpty()) {
            write(batch);
        }
    }

    /** @return false when the database is unwell: the batch and everything after it wait for a back-off */
    private boolean write(List<DialResult> batch) {
        try {
            writeOrSplit(batch);
            backoff = Duration.ZERO;
            heartbeat.beat();
            return true;
        } catch (DatabaseUnwell e) {
            heartbeat.databaseFailed();
            backoff = backoff.isZero() ? MIN_BACKOFF : min(backoff.multipliedBy(2), MAX_BACKOFF);
            Log.errorf("Dispatcher %s could not record %d dial results (%s); trying again in %d ms", owner,
                    e.remaining.size(), e.getMessage(), backoff.toMillis());
            // Back at the head of the queue, in their order.
            List<DialResult> rest = new ArrayList<>(e.remaining);
            DialResult next;
            while ((next = results.poll()) != null) {
                rest.add(next);
            }
            results.addAll(rest);
            flushQueued.set(false);
            flushSoon();
            return false;
        }
    }

    private void writeOrSplit(List<DialResult> batch) {
        try {
            Instant now = DispatchStore.now();
            List<DialResult> lost = store.recordResults(batch, now);
            unrecorded.addAndGet(-batch.size());
            lost.forEach(r -> Log.warnf("Call %d: result of attempt %d not recorded: the claim that sent it is gone (%s)",
                    r.callId(), r.call().attempt(), r));
            batch.stream()
                    .filter(DialResult.Retry.class::isInstance)
                    .map(r -> ((DialResult.Retry) r).notBefore())
                    .min(Instant::compareTo)
                    .ifPresent(wakeAt);
            return;
        } catch (Exception e) {
            // Only a data error (a value the column cannot hold, a constraint) is looked for row by row;
            // anything else (no connection, a timeout, a deadlock) is the database's and waits for it.
            if (!DispatchStore.isDataError(e) || !store.isReachable()) {
                throw new DatabaseUnwell(e, batch);
            }
            if (batch.size() == 1) {
                failUnrecordable(batch.get(0), e);
                return;
            }
            Log.warnf("Dispatcher %s: a batch of %d dial results failed to write (%s); splitting it to find the bad one",
                    owner, batch.size(), e.getMessage());
        }
        int half = batch.size() / 2;
        List<DialResult> first = batch.subList(0, half);
        List<DialResult> second = batch.subList(half, batch.size());
        try {
            writeOrSplit(first);
        } catch (DatabaseUnwell e) {
            List<DialResult> remaining = new ArrayList<>(e.remaining);
            remaining.addAll(second);
            throw new DatabaseUnwell(e, remaining);
        }
        writeOrSplit(second);
    }

    private void failUnrecordable(DialResult result, Exception cause) {
        String reason = "The dial result could not be stored (" + cause.getMessage()
                + "); the call may have been placed, so it is not dialled again";
        try {
            if (!store.failUnrecordable(result.call(), reason, DispatchStore.now())) {
                Log.warnf("Call %d: result not recorded: the claim that sent it is gone", result.callId());
            } else {
                Log.errorf("Call %d failed: %s", result.callId(), reason);
            }
            unrecorded.decrementAndGet();
        } catch (Exception e) {
            throw new DatabaseUnwell(e, List.of(result));
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** The database did not take a write, and nothing wrong with the data could be found. */
    private static final class DatabaseUnwell extends RuntimeException {
        final List<DialResult> remaining;

        DatabaseUnwell(Exception cause, List<DialResult> remaining) {
            super(cause.getMessage(), cause, false, false);
            this.remaining = List.copyOf(remaining);
        }
    }
}
