package org.callscheduler.call;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Body of POST /api/schedule. Times stay text here so that a bad one gets our own message; the fields of
 * CONTRACT part 2 ({@code time_zone}, {@code calling_window}, {@code expires_at}, {@code retry}) are optional.
 */
public record ScheduleRequest(
        @NotNull(message = "is required") @Size(max = 64, message = "must be at most 64 characters") String phoneNumber,
        @NotNull(message = "is required") @Size(max = 64, message = "must be at most 64 characters") String scheduledTime,
        @Size(max = 64, message = "must be at most 64 characters") String timeZone,
        CallingWindowJson callingWindow,
        @Size(max = 64, message = "must be at most 64 characters") String expiresAt,
        RetryJson retry,
        String reference,
        JsonNode metadata) implements CallingRulesRequest {

    /** A request with the fields of part 1 only. */
    public ScheduleRequest(String phoneNumber, String scheduledTime) {
        this(phoneNumber, scheduledTime, null, null, null, null, null, null);
    }

    /** A request with the calling rules and no reference or metadata. */
    public ScheduleRequest(String phoneNumber, String scheduledTime, String timeZone, CallingWindowJson callingWindow,
            String expiresAt, RetryJson retry) {
        this(phoneNumber, scheduledTime, timeZone, callingWindow, expiresAt, retry, null, null);
    }
}
