package org.callscheduler.call;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/** Body of POST /api/call-now. */
public record CallNowRequest(
        @NotNull(message = "is required") @Size(max = 64, message = "must be at most 64 characters") String phoneNumber) {
}
