package org.callscheduler.call;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** What the API accepts when a call is scheduled. */
@ConfigMapping(prefix = "call-scheduler.calls")
public interface CallConfig {

    /** ISO 3166 region assumed for phone numbers written without a leading + (for example US, GB, DE). */
    @WithDefault("US")
    String defaultRegion();

    /** How far in the past a scheduled_time may lie and still be accepted (it is then dialled at once). */
    @WithDefault("60s")
    Duration maxPast();

    /** How far in the future a call may be scheduled. */
    @WithDefault("P3660D")
    Duration maxAhead();

    /**
     * The calling window of a call that gives none, in the callee's local time: {@code 08:00-21:00}, optionally
     * with days ({@code 09:00-20:00 MON-FRI}, {@code 10:00-14:00 SAT,SUN}). None by default: any hour.
     */
    Optional<String> callingWindow();

    /**
     * How late a call may still be sent, when it gives no {@code expires_at}: counted from the moment it first
     * became due (its scheduled time, or its window's opening). A call not sent by then fails as expired.
     */
    @WithDefault("1h")
    Duration maxLateness();

    /**
     * The most calls a count goes up to: beyond it, a count is shown as this number and a plus ("10000+"), so that
     * counting never reads more than this many index entries, however many calls are stored.
     */
    @WithDefault("10000")
    int countCap();

    /**
     * How long the page's counts per status are shared by the requests that ask for them (every open page does at
     * each refresh, every 3 s); 0 counts on every request.
     */
    @WithDefault("1s")
    Duration countSharing();

    /** The outcome retry of a call that gives none. */
    Retry retry();

    interface Retry {
        /** Outcomes that are dialled again: any of busy, no-answer, failed. None by default: no outcome retry. */
        Optional<List<String>> on();

        /** How many new dials at most (0 to 10). */
        @WithDefault("1")
        int maxRetries();

        /** The wait before each new dial (at least PT1M). */
        @WithDefault("PT10M")
        Duration delay();
    }
}
