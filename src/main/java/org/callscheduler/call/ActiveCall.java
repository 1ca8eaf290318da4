package org.callscheduler.call;

import java.time.Instant;

/** An in-progress call whose status must be followed at the Call API. */
public record ActiveCall(long id, String callApiId, Instant dialledAt) {
}
