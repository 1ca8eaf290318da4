package org.callscheduler.provider;

/** Body of POST /api/call. */
record CallApiRequest(String phoneNumber) {
}
