package org.callscheduler.call;

import java.util.List;

/** Answer of POST /api/calls/batch: the stored calls, in the order given. */
public record BatchResponse(List<CallResponse> calls) {
}
