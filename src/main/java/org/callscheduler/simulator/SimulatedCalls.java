package org.callscheduler.simulator;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The simulator's memory: the calls it placed, their idempotency keys, and a log of the requests it
 * received. All three are bounded by {@link SimulatorConfig#maxRemembered()}: the oldest call is
 * forgotten together with its key, and the oldest log entry is dropped, so a long-running demo does not
 * grow without end.
 */
@ApplicationScoped
class SimulatedCalls {

    private static final List<String> COMPLETED = List.of("initiated", "ringing", "connected", "completed");
    private static final List<String> BUSY = List.of("initiated", "ringing", "busy");
    private static final List<String> NO_ANSWER = List.of("initiated", "ringing", "no-answer");
    private static final List<String> FAILED = List.of("initiated", "failed");

    private final SimulatorConfig config;
    private final int maxRemembered;
    /** Read without the lock by status polls; written under it. */
    private final Map<String, Call> calls = new ConcurrentHashMap<>();
    private final Map<String, String> byIdempotencyKey = new ConcurrentHashMap<>();
    private final ArrayDeque<Call> order = new ArrayDeque<>();
    private final ArrayDeque<ReceivedRequest> received = new ArrayDeque<>();

    SimulatedCalls(SimulatorConfig config) {
        this.config = config;
        this.maxRemembered = Math.max(1, config.maxRemembered());
    }

    record Call(String id, String phoneNumber, String idempotencyKey, long startedNanos, List<String> path) {
    }

    /**
     * One POST the simulator received; {@code replay} when its idempotency key was seen before.
     * Registered for Jackson: it is served only inside a {@code RestResponse<List<...>>}.
     */
    @RegisterForReflection
    record ReceivedRequest(String idempotencyKey, String phoneNumber, String callId, Instant receivedAt, boolean replay) {
    }

    /** Places a call, or returns the one already placed under the same idempotency key. */
    synchronized Call place(String phoneNumber, String idempotencyKey) {
        Instant now = Instant.now();
        if (idempotencyKey != null) {
            Call existing = Optional.ofNullable(byIdempotencyKey.get(idempotencyKey)).map(calls::get).orElse(null);
            if (existing != null) {
                log(new ReceivedRequest(idempotencyKey, phoneNumber, existing.id(), now, true));
                return existing;
            }
        }
        Call call = new Call(UUID.randomUUID().toString(), phoneNumber, idempotencyKey, System.nanoTime(), pickPath());
        calls.put(call.id(), call);
        order.addLast(call);
        if (idempotencyKey != null) {
            byIdempotencyKey.put(idempotencyKey, call.id());
        }
        log(new ReceivedRequest(idempotencyKey, phoneNumber, call.id(), now, false));
        while (order.size() > maxRemembered) {
            forget(order.removeFirst());
        }
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

    synchronized List<ReceivedRequest> received() {
        return new ArrayList<>(received);
    }

    /** Empties the request log. The calls go on: their status is still answered until they are forgotten. */
    synchronized void clearLog() {
        received.clear();
    }

    /** How many calls and idempotency keys are remembered now. */
    synchronized int callsRemembered() {
        return calls.size();
    }

    synchronized int idempotencyKeysRemembered() {
        return byIdempotencyKey.size();
    }

    private void log(ReceivedRequest request) {
        received.addLast(request);
        while (received.size() > maxRemembered) {
            received.removeFirst();
        }
    }

    private void forget(Call call) {
        calls.remove(call.id());
        if (call.idempotencyKey() != null) {
            byIdempotencyKey.remove(call.idempotencyKey(), call.id());
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
