package org.callscheduler.provider;

/** What came of asking the Call API about a call. */
public sealed interface StatusOutcome {

    /** One of initiated, ringing, connected, completed, busy, no-answer, failed. */
    record Known(String status) implements StatusOutcome {
    }

    /** The provider does not know the call (404). */
    record Unknown(String reason) implements StatusOutcome {
    }

    /** No usable answer this time: ask again at the next poll. */
    record Unavailable(String reason) implements StatusOutcome {
    }
}
