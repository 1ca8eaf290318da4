package org.callscheduler.provider;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** The Call API's view of a call: its id and status. Read by Jackson inside a {@code Uni}, hence registered. */
@RegisterForReflection
record CallApiCall(String callId, String status) {
}
