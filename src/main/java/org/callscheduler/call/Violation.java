package org.callscheduler.call;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** One bad field of a request: its JSON name and what is wrong with it. */
@RegisterForReflection
public record Violation(String field, String message) {
}
