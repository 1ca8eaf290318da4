package org.callscheduler.provider;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** Body of POST /api/call, written by Jackson in a native executable too. */
@RegisterForReflection
record CallApiRequest(String phoneNumber) {
}
