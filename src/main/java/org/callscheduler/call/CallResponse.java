package org.callscheduler.call;

import java.time.Instant;

import org.callscheduler.policy.CallingWindow;
import org.callscheduler.policy.OutcomeRetry;

/** A call as the API shows it: the fields of CONTRACT part 1, then those of part 2 (null when not set). */
public record CallResponse(
        long id,
        String phoneNumber,
        Instant scheduledTime,
        CallStatus status,
        String callApiId,
        String callStatus,
        Instant createdAt,
        Instant updatedAt,
        String errorMessage,
        String timeZone,
        CallingWindowJson callingWindow,
        Instant expiresAt,
        RetryJson retry,
        int attempts,
        Instant notBefore) {

    public static CallResponse from(ScheduledCall call) {
        return new CallResponse(call.id, call.phoneNumber, call.scheduledTime, call.status, call.callApiId,
                call.callStatus, call.createdAt, call.updatedAt, call.errorMessage, call.timeZone,
                call.callingWindow == null ? null : CallingWindowJson.from(CallingWindow.parse(call.callingWindow)),
                call.expiresAt,
                OutcomeRetry.fromColumns(call.retryOn, call.retryMax, call.retryDelaySeconds).map(RetryJson::from)
                        .orElse(null),
                call.attempts, notBefore(call));
    }

    /** For a pending call that no dispatcher is sending right now, the earliest instant it will be sent. */
    static Instant notBefore(ScheduledCall call) {
        if (call.status != CallStatus.PENDING || call.claimToken != null || call.nextAttemptAt == null) {
            return null;
        }
        return call.nextAttemptAt;
    }
}
