package org.callscheduler.call;

/** The status the Call API gave for one of our in-progress calls. */
public record StatusReport(long callId, String callApiId, String callStatus) {
}
