package org.callscheduler.call;

import java.time.Instant;

/**
 * A call a dispatcher has claimed and must now dial.
 *
 * @param attempt the number of this dial attempt, 1 for the first
 * @param takenOver true when an earlier claim on it expired: the instance that held it stopped
 *        while dialling, so the Call API may or may not have received that attempt
 * @param previousOwner the instance whose claim expired, when {@code takenOver}
 * @param leaseUntil when the claim runs out and another dispatcher may take the call
 * @param dueAt when this attempt came due (scheduled time, retry time or expiry of an earlier claim)
 */
public record ClaimedCall(long id, String phoneNumber, int attempt, boolean takenOver, String previousOwner,
        Instant leaseUntil, Instant dueAt) {

    /** The key sent to the Call API with every attempt for this call, so it can drop repeats. */
    public String idempotencyKey() {
        return "call-" + id;
    }
}
