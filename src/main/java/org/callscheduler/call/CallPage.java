package org.callscheduler.call;

import java.util.List;

/**
 * One page of calls and the number of calls matching the filter: exact, or when {@code capped} only that there are
 * more than {@code total} (the count cap, call-scheduler.calls.count-cap), so that a count never reads millions of rows.
 */
public record CallPage<T>(List<T> calls, long total, boolean capped) {

    public CallPage(List<T> calls, long total) {
        this(calls, total, false);
    }

    /** The count as X-Total-Count and the page show it: "42", or "10000+" past the cap. */
    public String totalText() {
        return capped ? total + "+" : Long.toString(total);
    }
}
