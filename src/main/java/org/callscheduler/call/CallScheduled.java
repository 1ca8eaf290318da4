package org.callscheduler.call;

import java.time.Instant;

/**
 * Fired after the commit that stored new pending calls, so the dispatcher can wake for the
 * earliest of them.
 */
public record CallScheduled(int count, Instant earliestDueAt) {
}
