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

    /** Most calls in one transaction (a batch request of up to 1,000 always goes whole, in one). */
    private static final int MAX_BATCH = 500;

    /** The calls of one request, stored together or not at all. */
    private record Insert(List<ScheduledCall> calls, CompletableFuture<List<ScheduledCall>> stored) {
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
        return insertAll(List.of(call)).thenApply(stored -> stored.get(0));
    }

    /** Stores {@code calls} in one transaction, all or none; the stage completes once they are committed. */
    CompletionStage<List<ScheduledCall>> insertAll(List<ScheduledCall> calls) {
        if (!running) {
            return CompletableFuture.failedFuture(new IllegalStateException("The application is stopping"));
        }
        Insert insert = new Insert(calls, new CompletableFuture<>());
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
                int calls = first.calls().size();
                for (Insert next = queue.peek(); next != null && calls + next.calls().size() <= MAX_BATCH;
                        next = queue.peek()) {
                    batch.add(queue.poll());
                    calls += next.calls().size();
                }
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
        for (ScheduledCall call : calls(batch)) {
            events.add(new NewEvent(call.id, EventType.CREATED, call.status.value(), null, 0,
                    "Scheduled for " + call.scheduledTime + (call.expiresAt == null ? "" : "; expires at " + call.expiresAt)));
            if (call.deferral != null) {
                events.add(new NewEvent(call.id, EventType.DEFERRED, call.status.value(), null, 0, call.deferral));
            }
        }
        ScheduledCall.getEntityManager().unwrap(Session.class)
                .doWork(connection -> history.append(connection, batch.get(0).calls().get(0).createdAt, events));
    }

    private void write(List<Insert> batch) {
        List<ScheduledCall> calls = calls(batch);
        try {
            QuarkusTransaction.requiringNew().run(() -> {
                for (ScheduledCall call : calls) {
                    call.persist();
                }
                ScheduledCall.flush();
                recordCreated(batch);
                // One event for the whole batch: the dispatcher only needs the earliest due time.
                scheduled.fire(new CallScheduled(calls.size(), calls.stream()
                        .map(call -> call.nextAttemptAt).min(Instant::compareTo).orElseThrow()));
            });
        } catch (RuntimeException e) {
            Log.errorf(e, "Could not store %d new calls", calls.size());
            batch.forEach(insert -> insert.stored().completeExceptionally(e));
            return;
        }
        for (Insert insert : batch) {
            insert.calls().forEach(call -> Log.debugf("Call %d scheduled for %s", call.id, call.scheduledTime));
            insert.stored().complete(insert.calls());
        }
    }

    private static List<ScheduledCall> calls(List<Insert> batch) {
        List<ScheduledCall> calls = new ArrayList<>();
        batch.forEach(insert -> calls.addAll(insert.calls()));
        return calls;
    }
}
