package org.callscheduler.call;

/** One bad field of a request: its JSON name and what is wrong with it. */
public record Violation(String field, String message) {
}
