package org.callscheduler.dispatch;

import org.callscheduler.provider.CallProgress;

/** The status the Call API gave for one of our in-progress calls. */
record StatusReport(ActiveCall call, CallProgress progress) {
}
