package org.callscheduler.call;

/** No call has the id asked for. */
public class CallNotFoundException extends RuntimeException {

    public CallNotFoundException(long id) {
        super("Call " + id + " not found");
    }

    public CallNotFoundException(String id) {
        super("Call " + id + " not found");
    }
}
