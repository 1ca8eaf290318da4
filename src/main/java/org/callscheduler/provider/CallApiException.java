package org.callscheduler.provider;

/** A failed request to the Call API, sorted by what may be done about it. */
class CallApiException extends RuntimeException {

    CallApiException(String message, Throwable cause) {
        super(message, cause, false, false);
    }

    /** The connection could not be opened: the request was certainly not received, so resending is safe. */
    static class Unreachable extends CallApiException {
        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Timeout after sending, 5xx, or an unreadable answer: the provider may have acted on the request. */
    static class Unavailable extends CallApiException {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * A 429 answer: the provider refused the request for now and asks us to slow down, for {@code retryAfter}
     * when it said how long (null otherwise).
     */
    static class Throttled extends CallApiException {
        final java.time.Duration retryAfter;

        Throttled(String message, java.time.Duration retryAfter, Throwable cause) {
            super(message, cause);
            this.retryAfter = retryAfter;
        }
    }

    /** A 4xx answer: the provider refused the request. */
    static class Rejected extends CallApiException {
        final int status;

        Rejected(int status, String message) {
            super(message, null);
            this.status = status;
        }
    }
}
