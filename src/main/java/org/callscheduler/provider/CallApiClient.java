package org.callscheduler.provider;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;

/**
 * The one way into the Call API. Its answers never fail: every failure comes back as an outcome
 * that says whether trying again makes sense.
 */
@ApplicationScoped
public class CallApiClient {

    /** Every status the contract lets the Call API report. */
    static final Set<String> STATUSES = Set.of("initiated", "ringing", "connected", "completed", "busy", "no-answer",
            "failed");

    private final GuardedCallApi api;
    private final Backoff backoff;
    private final AtomicReference<Instant> lastAnswer = new AtomicReference<>();
    private final AtomicReference<String> lastFailure = new AtomicReference<>();
    private final AtomicInteger failuresInARow = new AtomicInteger();

    /** callscheduler.callapi.requests by operation and outcome, registered once: they are on the dial path. */
    private final Map<String, Timer> requestTimers = new HashMap<>();

    CallApiClient(GuardedCallApi api, CallApiConfig config, MeterRegistry registry) {
        this.api = api;
        this.backoff = Backoff.of(config.backoff());
        for (Class<?> outcome : DialOutcome.class.getPermittedSubclasses()) {
            registerTimer(registry, "dial", outcome);
        }
        for (Class<?> outcome : StatusOutcome.class.getPermittedSubclasses()) {
            registerTimer(registry, "status", outcome);
        }
    }

    private void registerTimer(MeterRegistry registry, String operation, Class<?> outcome) {
        requestTimers.put(operation + outcome.getSimpleName(), Timer.builder("callscheduler.callapi.requests")
                .description("Requests to the Call API, by operation and outcome")
                .tag("operation", operation)
                .tag("outcome", outcome.getSimpleName().toLowerCase())
                .register(registry));
    }

    /** Asks the Call API to place a call to {@code phoneNumber}. */
    public Uni<DialOutcome> dial(String phoneNumber, String idempotencyKey) {
        return Uni.createFrom().deferred(() -> {
            long started = System.nanoTime();
            return api.create(phoneNumber, idempotencyKey)
                    .invoke(this::answered)
                    .map(CallApiClient::accepted)
                    .onFailure().invoke(this::failed)
                    .onFailure().recoverWithItem(CallApiClient::dialFailure)
                    .invoke(outcome -> timed("dial", outcome.getClass().getSimpleName(), started));
        });
    }

    /** Asks the Call API how a call it placed is going. */
    public Uni<StatusOutcome> status(String callApiId) {
        return Uni.createFrom().deferred(() -> {
            long started = System.nanoTime();
            return api.get(callApiId)
                    .invoke(this::answered)
                    .map(CallApiClient::known)
                    .onFailure().invoke(this::failed)
                    .onFailure().recoverWithItem(CallApiClient::statusFailure)
                    .invoke(outcome -> timed("status", outcome.getClass().getSimpleName(), started));
        });
    }

    /** How long to wait before retrying after failed dial attempt number {@code attempt}. */
    public Duration retryDelay(int attempt) {
        return backoff.delay(attempt, ThreadLocalRandom.current().nextDouble());
    }

    public URI baseUri() {
        return api.baseUri();
    }

    /** When the Call API last answered a request at all (any answer but a failure), if it has. */
    public Optional<Instant> lastAnswer() {
        return Optional.ofNullable(lastAnswer.get());
    }

    /** Why the last failed request failed, if one has. */
    public Optional<String> lastFailure() {
        return Optional.ofNullable(lastFailure.get());
    }

    /** Requests that failed one after another since the last answer. */
    public int failuresInARow() {
        return failuresInARow.get();
    }

    private void timed(String operation, String outcome, long startedNanos) {
        requestTimers.get(operation + outcome).record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
    }

    private void answered(CallApiCall call) {
        lastAnswer.set(Instant.now());
        failuresInARow.set(0);
    }

    private void failed(Throwable failure) {
        CallApiException e = GuardedCallApi.translate(failure);
        if (e instanceof CallApiException.Rejected) {
            // The provider is there and answering; it refused this request.
            answered(null);
            return;
        }
        lastFailure.set(e.getMessage());
        failuresInARow.incrementAndGet();
    }

    private static DialOutcome accepted(CallApiCall call) {
        if (call == null || call.callId() == null || call.callId().isBlank()) {
            return new DialOutcome.Unavailable("malformed answer from the Call API: no call_id");
        }
        String status = call.status() != null && STATUSES.contains(call.status()) ? call.status() : "initiated";
        return new DialOutcome.Accepted(call.callId(), status);
    }

    private static DialOutcome dialFailure(Throwable failure) {
        CallApiException e = GuardedCallApi.translate(failure);
        return e instanceof CallApiException.Rejected
                ? new DialOutcome.Rejected(e.getMessage())
                : new DialOutcome.Unavailable(e.getMessage());
    }

    private static StatusOutcome known(CallApiCall call) {
        if (call == null || call.status() == null || !STATUSES.contains(call.status())) {
            return new StatusOutcome.Unavailable("malformed answer from the Call API: status "
                    + (call == null ? null : call.status()));
        }
        return new StatusOutcome.Known(call.status());
    }

    private static StatusOutcome statusFailure(Throwable failure) {
        CallApiException e = GuardedCallApi.translate(failure);
        if (e instanceof CallApiException.Rejected rejected && rejected.status == 404) {
            return new StatusOutcome.Unknown("the Call API does not know this call (HTTP 404)");
        }
        return new StatusOutcome.Unavailable(e.getMessage());
    }
}
