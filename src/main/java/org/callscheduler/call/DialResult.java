package org.callscheduler.call;

import java.time.Instant;

/** What became of one dial attempt, as the dispatcher reports it back. */
public sealed interface DialResult {

    long callId();

    /** The Call API accepted the call: it is now in progress. */
    record Dialled(long callId, String callApiId, String callStatus) implements DialResult {
    }

    /** The attempt failed for a passing reason: dial again at {@code notBefore}. */
    record Retry(long callId, Instant notBefore, String reason) implements DialResult {
    }

    /** The call cannot be placed: it fails with {@code reason}. */
    record Failed(long callId, String reason) implements DialResult {
    }
}
