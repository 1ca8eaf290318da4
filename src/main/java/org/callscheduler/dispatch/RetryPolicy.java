package org.callscheduler.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.callscheduler.provider.CallApiConfig;
import org.callscheduler.provider.DialOutcome;

import io.quarkus.logging.Log;

/**
 * What a dial's outcome means for the call, in one place (as db-scheduler's FailureHandler): an
 * accepted call goes in progress; a rejection or an answer that cannot be kept fails it at once;
 * a failure that may pass (an error answer, a refused connection, a timeout) is retried with
 * exponential back-off until {@code max-attempts} POSTs of the dial have been made.
 */
@ApplicationScoped
class RetryPolicy {

    private final Backoff backoff;
    private final int maxAttempts;
    private final DoubleSupplier random;

    @Inject
    RetryPolicy(CallApiConfig apiConfig, DispatchConfig config) {
        this(Backoff.of(apiConfig.backoff()), config.maxAttempts(), () -> ThreadLocalRandom.current().nextDouble());
    }

    RetryPolicy(Backoff backoff, int maxAttempts, DoubleSupplier random) {
        this.backoff = backoff;
        this.maxAttempts = maxAttempts;
        this.random = random;
    }

    int maxAttempts() {
        return maxAttempts;
    }

    /** The result to record for {@code call} after its POST came to {@code outcome} at {@code now}. */
    DialResult resultOf(ClaimedCall call, DialOutcome outcome, Instant now) {
        if (outcome instanceof DialOutcome.Accepted accepted) {
            Log.debugf("Call %d dialled: call_api_id %s (attempt %d)", call.id(), accepted.callId(), Integer.valueOf(call.attempt()));
            return new DialResult.Accepted(call, accepted.callId(), accepted.progress());
        }
        if (outcome instanceof DialOutcome.Rejected rejected) {
            Log.warnf("Call %d failed: %s", call.id(), rejected.reason());
            return new DialResult.Failed(call, "Rejected by the Call API: " + rejected.reason(), true);
        }
        if (outcome instanceof DialOutcome.Unusable unusable) {
            Log.errorf("Call %d failed, not dialled again: %s", call.id(), unusable.reason());
            return new DialResult.Failed(call, "Answer of the Call API could not be stored: " + unusable.reason()
                    + "; the call may have been placed, so it is not dialled again", true);
        }
        if (outcome instanceof DialOutcome.Throttled throttled) {
            Log.debugf("Call %d: %s", call.id(), throttled.reason());
            return new DialResult.Throttled(call, throttled.retryAfter(), "Attempt " + call.attempt() + ": "
                    + throttled.reason());
        }
        String reason = ((DialOutcome.Unavailable) outcome).reason();
        int attempt = call.dialAttempt();
        if (attempt >= maxAttempts) {
            Log.warnf("Call %d failed after %d attempts: %s", call.id(), attempt, reason);
            return new DialResult.Failed(call, "Call API unavailable after " + attempt + " attempts: " + reason, true);
        }
        Duration delay = backoff.delay(attempt, random.getAsDouble());
        Instant retryAt = now.plus(delay);
        Log.infof("Call %d: attempt %d of %d failed (%s); retrying in %d ms", call.id(), attempt, maxAttempts,
                reason, delay.toMillis());
        Instant shown = retryAt.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        return new DialResult.Retry(call, retryAt,
                "Attempt " + attempt + " of " + maxAttempts + " failed: " + reason + "; retrying at " + shown,
                "Retry " + (attempt + 1) + " of " + maxAttempts + " at " + shown);
    }
}
