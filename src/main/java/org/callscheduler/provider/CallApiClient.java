package org.callscheduler.provider;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;

/**
 * The one way into the Call API. Its answers never fail: every failure comes back as an outcome
 * that says whether trying again makes sense.
 */
@ApplicationScoped
public class CallApiClient {

    /** The longest call_id kept (the column's width); a longer one cannot be stored. */
    static final int MAX_CALL_ID = 128;

    private final GuardedCallApi api;
    private final Duration longestDial;
    private final AtomicReference<Instant> lastAnswer = new AtomicReference<>();
    private final AtomicReference<String> lastFailure = new AtomicReference<>();
    private final AtomicInteger failuresInARow = new AtomicInteger();

    /** Requests out, each counted from its subscription until its outcome (after every retry). */
    private final AtomicInteger inFlight = new AtomicInteger();

    /** How long, on SIGTERM, the requests still out get to end once the connections are closed. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

    /** callscheduler.callapi.requests by operation and outcome, registered once: they are on the dial path. */
    private final Map<String, Timer> requestTimers = new HashMap<>();

    CallApiClient(GuardedCallApi api, CallApiConfig config, MeterRegistry registry) {
        this.api = api;
        this.longestDial = GuardedCallApi.longestCreate(config);
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
        }).onSubscription().invoke(inFlight::incrementAndGet).onTermination().invoke(inFlight::decrementAndGet);
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
        }).onSubscription().invoke(inFlight::incrementAndGet).onTermination().invoke(inFlight::decrementAndGet);
    }

    /**
     * On SIGTERM, after the dispatcher and the poller have stopped (they observe at the default priority, before
     * this): closes the connections, so that a request still out (a status request the poller gave up on) ends now,
     * while the application can still handle its end, rather than after the container has stopped.
     */
    void close(@Observes @Priority(Interceptor.Priority.LIBRARY_AFTER) ShutdownEvent event) {
        api.close();
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (inFlight.get() > 0) {
            Log.warnf("%d requests to the Call API had not ended %s after closing its connections", inFlight.get(),
                    CLOSE_WAIT);
        }
    }

    /** The longest a dial can take from its POST to its outcome: every connect try, the read timeout, the waits between. */
    public Duration longestDial() {
        return longestDial;
    }

    /** The Call API's URL as it may be logged or shown: scheme, host, port and path only. */
    public String displayUri() {
        return CallApiTarget.withoutCredentials(api.baseUri());
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
        if (e instanceof CallApiException.Rejected || e instanceof CallApiException.Throttled) {
            // The provider is there and answering; it refused this request.
            answered(null);
            return;
        }
        lastFailure.set(e.getMessage());
        failuresInARow.incrementAndGet();
    }

    static DialOutcome accepted(CallApiCall call) {
        if (call == null || call.callId() == null || call.callId().isBlank()) {
            return new DialOutcome.Unavailable("malformed answer from the Call API: no call_id");
        }
        String callId = call.callId();
        if (callId.length() > MAX_CALL_ID) {
            return new DialOutcome.Unusable("the Call API answered with a call_id of " + callId.length()
                    + " characters, longer than the " + MAX_CALL_ID + " that can be stored");
        }
        if (!callId.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            return new DialOutcome.Unusable("the Call API answered with a call_id that has characters other than"
                    + " printable ASCII");
        }
        if (call.status() == null) {
            return new DialOutcome.Accepted(callId, CallProgress.INITIATED);
        }
        return CallProgress.of(call.status())
                .<DialOutcome> map(progress -> new DialOutcome.Accepted(callId, progress))
                .orElseGet(() -> new DialOutcome.Unusable("the Call API answered with an unknown status \""
                        + printable(call.status()) + "\" for call_id " + callId));
    }

    /** A provider's text as it may go into a message: printable ASCII only, at most 40 characters. */
    private static String printable(String text) {
        String kept = text.replaceAll("[^\\x20-\\x7e]", "?");
        return kept.length() <= 40 ? kept : kept.substring(0, 40) + "...";
    }

    private static DialOutcome dialFailure(Throwable failure) {
        CallApiException e = GuardedCallApi.translate(failure);
        if (e instanceof CallApiException.Throttled throttled) {
            return new DialOutcome.Throttled(throttled.retryAfter, e.getMessage());
        }
        return e instanceof CallApiException.Rejected
                ? new DialOutcome.Rejected(e.getMessage())
                : new DialOutcome.Unavailable(e.getMessage());
    }

    private static StatusOutcome known(CallApiCall call) {
        return Optional.ofNullable(call).map(CallApiCall::status).flatMap(CallProgress::of)
                .<StatusOutcome> map(StatusOutcome.Known::new)
                .orElseGet(() -> new StatusOutcome.Unavailable("malformed answer from the Call API: status "
                        + (call == null || call.status() == null ? null : printable(call.status()))));
    }

    private static StatusOutcome statusFailure(Throwable failure) {
        CallApiException e = GuardedCallApi.translate(failure);
        if (e instanceof CallApiException.Rejected rejected && rejected.status == 404) {
            return new StatusOutcome.Unknown("the Call API does not know this call (HTTP 404)");
        }
        return new StatusOutcome.Unavailable(e.getMessage());
    }
}
