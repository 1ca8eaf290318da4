package org.callscheduler.call;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/** Body of POST /api/schedule. The time stays text here so that a bad one gets our own message. */
public record ScheduleRequest(
        @NotNull(message = "is required") @Size(max = 64, message = "must be at most 64 characters") String phoneNumber,
        @NotNull(message = "is required") @Size(max = 64, message = "must be at most 64 characters") String scheduledTime) {
}
