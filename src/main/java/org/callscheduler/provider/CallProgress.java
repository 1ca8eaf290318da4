package org.callscheduler.provider;

import java.util.Optional;

/**
 * Where the Call API says a call stands. The provider's status words stay here: the rest of the
 * application asks whether a status is final and whether the call succeeded.
 */
public enum CallProgress {
    INITIATED("initiated"),
    RINGING("ringing"),
    CONNECTED("connected"),
    COMPLETED("completed"),
    BUSY("busy"),
    NO_ANSWER("no-answer"),
    FAILED("failed");

    private final String word;

    CallProgress(String word) {
        this.word = word;
    }

    /** The Call API's word for it, which the API shows as call_status. */
    public String word() {
        return word;
    }

    /** Whether the call has ended. */
    public boolean isFinal() {
        return ordinal() >= COMPLETED.ordinal();
    }

    /** Whether the call ended with the person answering. */
    public boolean succeeded() {
        return this == COMPLETED;
    }

    static Optional<CallProgress> of(String word) {
        for (CallProgress progress : values()) {
            if (progress.word.equals(word)) {
                return Optional.of(progress);
            }
        }
        return Optional.empty();
    }
}
