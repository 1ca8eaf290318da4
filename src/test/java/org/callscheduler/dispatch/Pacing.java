package org.callscheduler.dispatch;

import java.time.Duration;

/** Pacing settings for a test's own dispatcher. */
record Pacing(double callsPerSecond, int maxActiveCalls, Duration minGapPerNumber, Duration maxPause)
        implements PacingConfig {

    static Pacing none() {
        return new Pacing(0, 0, Duration.ZERO, Duration.ofHours(1));
    }

    static Pacing callsPerSecond(double rate) {
        return new Pacing(rate, 0, Duration.ZERO, Duration.ofHours(1));
    }

    static Pacing maxActiveCalls(int most) {
        return new Pacing(0, most, Duration.ZERO, Duration.ofHours(1));
    }
}
