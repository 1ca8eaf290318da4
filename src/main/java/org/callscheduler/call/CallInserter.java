package org.callscheduler.call;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;

import org.callscheduler.event.CallEvents;
import org.callscheduler.event.EventType;
import org.callscheduler.event.NewEvent;
import org.hibernate.Session;

import io.quarkus.logging.Log;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Group commit for new calls. Requests hand their call to one writer thread, which stores all the
 * calls waiting at that moment in a single transaction and then answers each request. A call is
 * acknowledged only once its transaction has committed, yet hundreds of requests share one commit
 * (one file write on H2, one fsync on PostgreSQL) instead of paying for one each.
 */
@ApplicationScoped
class CallInserter {

    private static final int MAX_BATCH = 500;

    private record Insert(ScheduledCall call, CompletableFuture<ScheduledCall> stored) {
    }

    private final BlockingQueue<Insert> queue = new LinkedBlockingQueue<>();
    private final Event<CallScheduled> scheduled;
    private volatile boolean running;
    private Thread writer;

    private final CallEvents history;

    CallInserter(Event<CallScheduled> scheduled, CallEvents history) {
        this.scheduled = scheduled;
        this.history = history;
    }

    void start(@Observes StartupEvent event) {
        running = true;
        writer = new Thread(this::writeLoop, "call-inserter");
        writer.setDaemon(true);
        writer.start();
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        running = false;
        if (writer != null) {
            writer.join(TimeUnit.SECONDS.toMillis(10));
        }
    }

    /** Stores {@code call}; the stage completes once it is committed. */
    CompletionStage<ScheduledCall> insert(ScheduledCall call) {
        if (!running) {
            return CompletableFuture.failedFuture(new IllegalStateException("The application is stopping"));
        }
        Insert insert = new Insert(call, new CompletableFuture<>());
        queue.add(insert);
        return insert.stored();
    }

    private void writeLoop() {
        List<Insert> batch = new ArrayList<>(MAX_BATCH);
        // Keeps going after stop() until the queue is empty, so no accepted request is dropped.
        while (running || !queue.isEmpty()) {
            try {
                Insert first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                write(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                batch.clear();
            }
        }
    }

    /** The first events of each new call, in the transaction that stores it: created, and deferred when it waits for its window. */
    private void recordCreated(List<Insert> batch) {
        List<NewEvent> events = new ArrayList<>(batch.size());
        for (Insert insert : batch) {
            ScheduledCall call = insert.call();
            events.add(new NewEvent(call.id, EventType.CREATED, call.status.value(), null, 0,
                    "Scheduled for " + call.scheduledTime + (call.expiresAt == null ? "" : "; expires at " + call.expiresAt)));
            if (call.deferral != null) {
                events.add(new NewEvent(call.id, EventType.DEFERRED, call.status.value(), null, 0, call.deferral));
            }
        }
        ScheduledCall.getEntityManager().unwrap(Session.class)
                .doWork(connection -> history.append(connection, batch.get(0).call().createdAt, events));
    }

    private void write(List<Insert> batch) {
        try {
            QuarkusTransaction.requiringNew().run(() -> {
                for (Insert insert : batch) {
                    insert.call().persist();
                }
                ScheduledCall.flush();
                recordCreated(batch);
                // One event for the whole batch: the dispatcher only needs the earliest due time.
                scheduled.fire(new CallScheduled(batch.size(), batch.stream()
                        .map(insert -> insert.call().nextAttemptAt).min(Instant::compareTo).orElseThrow()));
            });
        } catch (RuntimeException e) {
            Log.errorf(e, "Could not store %d new calls", batch.size());
            batch.forEach(insert -> insert.stored().completeExceptionally(e));
            return;
        }
        for (Insert insert : batch) {
            Log.debugf("Call %d scheduled for %s", insert.call().id, insert.call().scheduledTime);
            insert.stored().complete(insert.call());
        }
    }
}
