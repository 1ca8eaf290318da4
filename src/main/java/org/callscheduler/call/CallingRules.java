package org.callscheduler.call;

import java.time.Instant;

import org.callscheduler.policy.CallingWindow;
import org.callscheduler.policy.OutcomeRetry;

/**
 * The rules of CONTRACT part 2 that decide when a new call may be placed, read from a request and the
 * configured defaults.
 *
 * @param timeZone the callee's zone, given or derived; null when only the country is known
 * @param window the calling window, or null for any hour
 * @param retry the outcome retry, or null for none
 * @param notBefore when the call may first be sent: its due time, or its window's opening
 * @param deferral why it waits past its due time ("Calling window ... closed ..."), or null
 * @param reference the client's reference, or null
 * @param metadata the client's metadata as compact JSON text, or null
 */
record CallingRules(String timeZone, CallingWindow window, Instant expiresAt, OutcomeRetry retry, Instant notBefore,
        String deferral, String reference, String metadata) {

    void applyTo(ScheduledCall call) {
        call.timeZone = timeZone;
        call.callingWindow = window == null ? null : window.toString();
        call.expiresAt = expiresAt;
        if (retry != null) {
            call.retryOn = retry.onColumn();
            call.retryMax = retry.maxRetries();
            call.retryDelaySeconds = retry.delay().toSeconds();
        }
        call.nextAttemptAt = notBefore;
        call.waitReason = deferral == null ? null : "window";
        call.deferral = deferral;
        call.reference = reference;
        call.metadata = metadata;
    }
}
