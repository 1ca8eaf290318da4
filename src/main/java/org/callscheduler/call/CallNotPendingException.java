package org.callscheduler.call;

/** The call has been dialled (or is being dialled), so it can no longer be deleted. */
public class CallNotPendingException extends RuntimeException {

    public CallNotPendingException(long id, String why) {
        super("Call " + id + " cannot be deleted: " + why);
    }
}
