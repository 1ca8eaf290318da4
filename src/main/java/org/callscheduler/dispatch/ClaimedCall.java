package org.callscheduler.dispatch;

import java.time.Instant;

/**
 * A pending call this instance has claimed and will now POST.
 *
 * @param attempt the number of the POST about to be sent for this call, 1 for the first
 * @param dialAttempt the number of this POST among those of the current dial that count toward max-attempts
 *        (a 429 does not count, and a new dial after a busy or unanswered call starts again at 1)
 * @param token the claim: every write of this attempt's result must name it
 * @param dueAt when this attempt came due (scheduled time, retry time, or the end of a dead instance's lease)
 * @param previousOwner the instance whose claim on it expired, or null
 * @param inDoubt whether that instance had sent a POST for it and stopped before recording the answer
 * @param sendAt when its POST may leave (its slot under calls-per-second), or null for at once
 */
record ClaimedCall(long id, String phoneNumber, String idempotencyKey, int attempt, int dialAttempt, String token,
        Instant dueAt, String previousOwner, boolean inDoubt, Instant sendAt) {

    ClaimedCall withSendAt(Instant slot) {
        return new ClaimedCall(id, phoneNumber, idempotencyKey, attempt, dialAttempt, token, dueAt, previousOwner,
                inDoubt, slot);
    }
}
