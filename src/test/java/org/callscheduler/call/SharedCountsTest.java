package org.callscheduler.call;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** The page's counts are made once per sharing time, and on every request when that time is 0. */
class SharedCountsTest {

    private final AtomicInteger counted = new AtomicInteger();

    private Map<String, String> count() {
        return Map.of("pending", Integer.toString(counted.incrementAndGet()));
    }

    @Test
    void requestsWithinTheSharingTimeGetTheSameCounts() {
        MutableClock clock = new MutableClock();
        SharedCounts counts = new SharedCounts(clock, Duration.ofSeconds(1));

        assertEquals("1", counts.get(this::count).get("pending"));
        clock.now = clock.now.plusMillis(999);
        assertEquals("1", counts.get(this::count).get("pending"));
        clock.now = clock.now.plusMillis(1);
        assertEquals("2", counts.get(this::count).get("pending"));
        assertEquals(2, counted.get());
    }

    @Test
    void aSharingTimeOfZeroCountsEveryTime() {
        SharedCounts counts = new SharedCounts(new MutableClock(), Duration.ZERO);

        counts.get(this::count);
        counts.get(this::count);

        assertEquals(2, counted.get());
    }

    private static final class MutableClock extends Clock {
        Instant now = Instant.parse("2027-01-01T09:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
