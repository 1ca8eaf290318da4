package org.callscheduler.call;

import java.util.Optional;

/**
 * Why a pending call waits past its scheduled time, as the dispatcher records it in the {@code wait_reason} column.
 * Kept out of the API's response (CONTRACT fixes its fields); the page shows it.
 */
public enum WaitReason {
    /** Its calling window is closed; it waits for the window to open. */
    WINDOW,
    /** A dial ended with an outcome that is retried (busy, no-answer, failed); a new dial waits for the delay. */
    RETRY,
    /** A POST failed (timeout, 5xx, connection); the next one waits for the back-off. */
    BACKOFF,
    /** The Call API answered 429; sending waits for its Retry-After. */
    THROTTLED;

    /** The reason stored in the column ("window", ...), or empty for none or a word this version does not know. */
    static Optional<WaitReason> ofColumn(String column) {
        if (column == null) {
            return Optional.empty();
        }
        for (WaitReason reason : values()) {
            if (reason.name().equalsIgnoreCase(column)) {
                return Optional.of(reason);
            }
        }
        return Optional.empty();
    }
}
