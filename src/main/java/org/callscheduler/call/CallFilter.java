package org.callscheduler.call;

import java.time.Instant;
import java.util.Optional;

/** The filters of GET /api/calls, each optional, all combined. */
record CallFilter(Optional<CallStatus> status, Optional<String> phoneNumber, Optional<String> reference,
        Optional<Instant> scheduledFrom, Optional<Instant> scheduledTo) {

    static CallFilter none() {
        return new CallFilter(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** The calls of one status. */
    static CallFilter status(CallStatus status) {
        return new CallFilter(Optional.of(status), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }
}
