package org.callscheduler.call;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

import com.fasterxml.jackson.databind.JsonNode;

/** Body of POST /api/call-now; the fields of CONTRACT part 2 are optional. */
public record CallNowRequest(
        @NotNull(message = "is required") @Size(max = 64, message = "must be at most 64 characters") String phoneNumber,
        @Size(max = 64, message = "must be at most 64 characters") String timeZone,
        CallingWindowJson callingWindow,
        @Size(max = 64, message = "must be at most 64 characters") String expiresAt,
        RetryJson retry,
        String reference,
        JsonNode metadata) implements CallingRulesRequest {

    /** A request with the fields of part 1 only. */
    public CallNowRequest(String phoneNumber) {
        this(phoneNumber, null, null, null, null, null, null);
    }

    /** A request with the calling rules and no reference or metadata. */
    public CallNowRequest(String phoneNumber, String timeZone, CallingWindowJson callingWindow, String expiresAt,
            RetryJson retry) {
        this(phoneNumber, timeZone, callingWindow, expiresAt, retry, null, null);
    }
}
