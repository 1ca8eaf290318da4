package org.callscheduler.simulator;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The simulator's memory: the calls it placed, and a log of the requests it received (bounded,
 * so a long-running demo does not grow without end).
 */
@ApplicationScoped
class SimulatedCalls {

    static final int MAX_REMEMBERED = 200_000;

    private static final List<String> COMPLETED = List.of("initiated", "ringing", "connected", "completed");
    private static final List<String> BUSY = List.of("initiated", "ringing", "busy");
    private static final List<String> NO_ANSWER = List.of("initiated", "ringing", "no-answer");
    private static final List<String> FAILED = List.of("initiated", "failed");

    private final SimulatorConfig config;
    private final Map<String, Call> calls = new ConcurrentHashMap<>();
    private final Map<String, String> byIdempotencyKey = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> order = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<ReceivedRequest> received = new ConcurrentLinkedQueue<>();
    private final AtomicInteger receivedCount = new AtomicInteger();

    SimulatedCalls(SimulatorConfig config) {
        this.config = config;
    }

    record Call(String id, String phoneNumber, long startedNanos, List<String> path) {
    }

    /**
     * One POST the simulator received; {@code replay} when its idempotency key was seen before.
     * Registered for Jackson: it is served only inside a {@code RestResponse<List<...>>}.
     */
    @RegisterForReflection
    record ReceivedRequest(String idempotencyKey, String phoneNumber, String callId, Instant receivedAt, boolean replay) {
    }

    /** Places a call, or returns the one already placed under the same idempotency key. */
    Call place(String phoneNumber, String idempotencyKey) {
        Instant now = Instant.now();
        if (idempotencyKey != null) {
            String existing = byIdempotencyKey.get(idempotencyKey);
            if (existing != null && calls.containsKey(existing)) {
                log(new ReceivedRequest(idempotencyKey, phoneNumber, existing, now, true));
                return calls.get(existing);
            }
        }
        Call call = new Call(UUID.randomUUID().toString(), phoneNumber, System.nanoTime(), pickPath());
        calls.put(call.id(), call);
        order.add(call.id());
        if (idempotencyKey != null) {
            byIdempotencyKey.put(idempotencyKey, call.id());
        }
        log(new ReceivedRequest(idempotencyKey, phoneNumber, call.id(), now, false));
        forgetOldest();
        return call;
    }

    Optional<Call> find(String id) {
        return Optional.ofNullable(calls.get(id));
    }

    /** Where the call is now: one step along its path per configured step. */
    String statusOf(Call call) {
        long stepNanos = Math.max(1, config.step().toNanos());
        int index = (int) Math.min(call.path().size() - 1, (System.nanoTime() - call.startedNanos()) / stepNanos);
        return call.path().get(index);
    }

    List<ReceivedRequest> received() {
        return new ArrayList<>(received);
    }

    void clear() {
        calls.clear();
        byIdempotencyKey.clear();
        order.clear();
        received.clear();
        receivedCount.set(0);
    }

    private void log(ReceivedRequest request) {
        received.add(request);
        if (receivedCount.incrementAndGet() > MAX_REMEMBERED) {
            received.poll();
            receivedCount.decrementAndGet();
        }
    }

    private void forgetOldest() {
        while (calls.size() > MAX_REMEMBERED) {
            String oldest = order.poll();
            if (oldest == null) {
                return;
            }
            calls.remove(oldest);
        }
    }

    private List<String> pickPath() {
        double roll = ThreadLocalRandom.current().nextDouble();
        if (roll < config.failedShare()) {
            return FAILED;
        }
        roll -= config.failedShare();
        if (roll < config.busyShare()) {
            return BUSY;
        }
        roll -= config.busyShare();
        return roll < config.noAnswerShare() ? NO_ANSWER : COMPLETED;
    }
}
