package org.callscheduler.call;

import java.util.Arrays;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Where a scheduled call is in its life: waiting, being dialled and followed, or over.
 */
public enum CallStatus {
    PENDING("pending"),
    IN_PROGRESS("in-progress"),
    COMPLETED("completed"),
    FAILED("failed");

    private final String value;

    CallStatus(String value) {
        this.value = value;
    }

    /** The wire and database form, for example {@code in-progress}. */
    @JsonValue
    public String value() {
        return value;
    }

    public static Optional<CallStatus> parse(String value) {
        return Arrays.stream(values()).filter(s -> s.value.equals(value)).findFirst();
    }

    @Override
    public String toString() {
        return value;
    }
}
