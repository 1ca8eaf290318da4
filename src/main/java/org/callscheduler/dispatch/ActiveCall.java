package org.callscheduler.dispatch;

import java.time.Instant;

/**
 * An in-progress call whose status must be followed at the Call API, with what decides whether its end is
 * retried: its outcome retry ({@code retryOn} null for none), the outcomes already retried, and its expiry.
 */
record ActiveCall(long id, String callApiId, String callStatus, int attempts, Instant dialledAt, String retryOn,
        int retryMax, long retryDelaySeconds, String retriedOutcomes, Instant expiresAt) {

    /** A call without an outcome retry. */
    ActiveCall(long id, String callApiId, String callStatus, int attempts, Instant dialledAt) {
        this(id, callApiId, callStatus, attempts, dialledAt, null, 0, 0, null, null);
    }
}
