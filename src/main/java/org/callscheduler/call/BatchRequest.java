package org.callscheduler.call;

import java.util.List;

/** Body of POST /api/calls/batch: 1 to 1,000 calls, each with the fields of POST /api/schedule. */
public record BatchRequest(List<ScheduleRequest> calls) {
}
