package org.callscheduler.call;

/** The call has been dialled (or is being dialled), so it can no longer be deleted. */
public class CallNotPendingException extends RuntimeException {

    public CallNotPendingException(long id, String why) {
        this(id, "deleted", why);
    }

    /** @param change what was asked: "deleted", "changed" */
    public CallNotPendingException(long id, String change, String why) {
        super("Call " + id + " cannot be " + change + ": " + why);
    }
}
