package org.callscheduler.provider;

/** What came of asking the Call API to place a call. */
public sealed interface DialOutcome {

    /** The call was placed; {@code callId} is the provider's id for it (at most 128 printable characters). */
    record Accepted(String callId, CallProgress progress) implements DialOutcome {
    }

    /** The provider refused the call as invalid (a 4xx): trying again will not help. */
    record Rejected(String reason) implements DialOutcome {
    }

    /** The provider could not be reached or answered badly (refused, timeout, 5xx, malformed): try later. */
    record Unavailable(String reason) implements DialOutcome {
    }

    /**
     * The provider answered 429, too many requests: it did not place the call, and asks us to slow down for
     * {@code retryAfter} (its Retry-After header; null when it gave none or one that could not be read).
     */
    record Throttled(java.time.Duration retryAfter, String reason) implements DialOutcome {
    }

    /**
     * The provider answered 2xx, so it may well have placed the call, but the answer cannot be kept
     * (a call_id too long or with characters that are not printable, an unknown status). Dialling
     * again could ring the person twice, so the call fails with {@code reason}.
     */
    record Unusable(String reason) implements DialOutcome {
    }
}
