package org.callscheduler.call;

/** Fired after the commit that deleted a pending call, so the dispatcher can recompute its next wake-up. */
public record CallRemoved(long id) {
}
