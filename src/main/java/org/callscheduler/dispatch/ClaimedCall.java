package org.callscheduler.dispatch;

import java.time.Instant;

/**
 * A pending call this instance has claimed and will now POST.
 *
 * @param attempt the number of the POST about to be sent for this dial, 1 for the first
 * @param token the claim: every write of this attempt's result must name it
 * @param dueAt when this attempt came due (scheduled time, retry time, or the end of a dead instance's lease)
 * @param previousOwner the instance whose claim on it expired, or null
 * @param inDoubt whether that instance had sent a POST for it and stopped before recording the answer
 */
record ClaimedCall(long id, String phoneNumber, String idempotencyKey, int attempt, String token, Instant dueAt,
        String previousOwner, boolean inDoubt) {
}
