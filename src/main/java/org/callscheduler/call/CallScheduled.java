package org.callscheduler.call;

import java.time.Instant;

/** Fired after the commit that stored a new pending call, so the dispatcher can wake for it. */
public record CallScheduled(long id, Instant dueAt) {
}
