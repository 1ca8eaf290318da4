package org.callscheduler.call;

import java.time.Instant;

/** A call as the API shows it. */
public record CallResponse(
        long id,
        String phoneNumber,
        Instant scheduledTime,
        CallStatus status,
        String callApiId,
        String callStatus,
        Instant createdAt,
        Instant updatedAt,
        String errorMessage) {

    public static CallResponse from(ScheduledCall call) {
        return new CallResponse(call.id, call.phoneNumber, call.scheduledTime, call.status, call.callApiId,
                call.callStatus, call.createdAt, call.updatedAt, call.errorMessage);
    }
}
