package org.callscheduler.call;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The page's counts per status, shared for a short time by every request that asks: each open page asks for them at
 * every refresh (every 3 s), and each count reads up to count-cap index entries. With a time of 0 every request
 * counts.
 */
final class SharedCounts {

    private record Counted(Instant at, Map<String, String> counts) {
    }

    private final Clock clock;
    private final Duration time;
    private volatile Counted last;

    SharedCounts(Clock clock, Duration time) {
        this.clock = clock;
        this.time = time;
    }

    /** The counts made less than the sharing time ago, else new ones from {@code count}. */
    Map<String, String> get(Supplier<Map<String, String>> count) {
        Counted current = last;
        Instant now = clock.instant();
        if (current != null && !time.isZero() && !time.isNegative() && now.isBefore(current.at().plus(time))) {
            return current.counts();
        }
        Map<String, String> counts = Map.copyOf(count.get());
        last = new Counted(now, counts);
        return counts;
    }
}
