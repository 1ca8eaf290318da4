package org.callscheduler.provider;

/** What came of asking the Call API about a call. */
public sealed interface StatusOutcome {

    /** The provider's current status of the call. */
    record Known(CallProgress progress) implements StatusOutcome {
    }

    /** The provider does not know the call (404). */
    record Unknown(String reason) implements StatusOutcome {
    }

    /** No usable answer this time: ask again at the next poll. */
    record Unavailable(String reason) implements StatusOutcome {
    }
}
