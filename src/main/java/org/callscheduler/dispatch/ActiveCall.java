package org.callscheduler.dispatch;

import java.time.Instant;

/** An in-progress call whose status must be followed at the Call API. */
record ActiveCall(long id, String callApiId, String callStatus, int attempts, Instant dialledAt) {
}
