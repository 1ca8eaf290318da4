package org.callscheduler.event;

/**
 * An event to append to a call's history.
 *
 * @param status the call's status after the change (its wire form)
 * @param callStatus the Call API's last status for it, or null
 * @param attempt how many times the call had been POSTed when this happened
 * @param detail what happened, in words a person understands
 */
public record NewEvent(long callId, EventType type, String status, String callStatus, int attempt, String detail) {
}
