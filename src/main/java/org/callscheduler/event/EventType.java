package org.callscheduler.event;

/** What happened to a call; the wire form is the lower-case name of CONTRACT part 2 ("send_failed"). */
public enum EventType {
    CREATED,
    UPDATED,
    DEFERRED,
    SENT,
    ACCEPTED,
    SEND_FAILED,
    RETRY_SCHEDULED,
    STATUS_CHANGED,
    COMPLETED,
    FAILED,
    EXPIRED,
    IN_DOUBT;

    public String value() {
        return name().toLowerCase();
    }
}
