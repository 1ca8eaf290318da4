package org.callscheduler.event;

import java.time.Instant;

/** One entry of a call's history, as GET /api/calls/{id}/events shows it. */
public record CallEvent(long id, long callId, Instant at, String type, String status, String callStatus, int attempt,
        String detail) {
}
