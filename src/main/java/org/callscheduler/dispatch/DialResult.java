package org.callscheduler.dispatch;

import java.time.Duration;
import java.time.Instant;

import org.callscheduler.provider.CallProgress;

/** What became of one POST, to be written under the claim that sent it. */
sealed interface DialResult {

    ClaimedCall call();

    default long callId() {
        return call().id();
    }

    /** The Call API accepted the call: it is now in progress. */
    record Accepted(ClaimedCall call, String callApiId, CallProgress progress) implements DialResult {
    }

    /** The attempt failed for a passing reason: dial again at {@code notBefore}. */
    record Retry(ClaimedCall call, Instant notBefore, String reason, String detail) implements DialResult {
    }

    /**
     * The Call API answered 429 (slow down): the call was not placed and stays pending, this POST does not count
     * toward max-attempts, and sending pauses for every instance for {@code retryAfter} (null: a back-off).
     */
    record Throttled(ClaimedCall call, Duration retryAfter, String reason) implements DialResult {
    }

    /**
     * The call cannot be placed: it fails with {@code reason}.
     *
     * @param sendFailed whether a POST was sent and failed (a send_failed event precedes the failure)
     */
    record Failed(ClaimedCall call, String reason, boolean sendFailed) implements DialResult {
    }
}
