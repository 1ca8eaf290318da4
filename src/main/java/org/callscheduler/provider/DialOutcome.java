package org.callscheduler.provider;

/** What came of asking the Call API to place a call. */
public sealed interface DialOutcome {

    /** The call was placed; {@code callId} is the provider's id for it. */
    record Accepted(String callId, String status) implements DialOutcome {
    }

    /** The provider refused the call as invalid (a 4xx): trying again will not help. */
    record Rejected(String reason) implements DialOutcome {
    }

    /** The provider could not be reached or answered badly (refused, timeout, 5xx, malformed): try later. */
    record Unavailable(String reason) implements DialOutcome {
    }
}
