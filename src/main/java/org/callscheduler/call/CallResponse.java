package org.callscheduler.call;

import java.time.Instant;

import org.callscheduler.policy.CallingWindow;
import org.callscheduler.policy.OutcomeRetry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

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
        Instant notBefore,
        String reference,
        JsonNode metadata) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static CallResponse from(ScheduledCall call) {
        return new CallResponse(call.id, call.phoneNumber, call.scheduledTime, call.status, call.callApiId,
                call.callStatus, call.createdAt, call.updatedAt, call.errorMessage, call.timeZone,
                call.callingWindow == null ? null : CallingWindowJson.from(CallingWindow.parse(call.callingWindow)),
                call.expiresAt,
                OutcomeRetry.fromColumns(call.retryOn, call.retryMax, call.retryDelaySeconds).map(RetryJson::from)
                        .orElse(null),
                call.attempts, notBefore(call), call.reference, metadata(call.metadata));
    }

    /** Metadata as it was given: stored as its JSON text, checked to be an object when it was. */
    static JsonNode metadata(String stored) {
        if (stored == null) {
            return null;
        }
        try {
            return JSON.readTree(stored);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Stored metadata is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** For a pending call that no dispatcher is sending right now, the earliest instant it will be sent. */
    static Instant notBefore(ScheduledCall call) {
        if (call.status != CallStatus.PENDING || call.claimToken != null || call.nextAttemptAt == null) {
            return null;
        }
        return call.nextAttemptAt;
    }
}
