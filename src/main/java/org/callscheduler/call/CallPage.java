package org.callscheduler.call;

import java.util.List;

/** One page of calls and the number of calls matching the filter. */
public record CallPage<T>(List<T> calls, long total) {
}
