package org.callscheduler.provider;

/** The Call API's view of a call: its id and status. */
record CallApiCall(String callId, String status) {
}
