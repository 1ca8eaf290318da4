package org.callscheduler.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class BackoffTest {

    private final Backoff backoff = new Backoff(Duration.ofSeconds(2), 2.0, Duration.ofMinutes(1), 0.2);

    @Test
    void doublesWithEachAttempt() {
        assertEquals(Duration.ofSeconds(2), backoff.delay(1, 0.5));
        assertEquals(Duration.ofSeconds(4), backoff.delay(2, 0.5));
        assertEquals(Duration.ofSeconds(8), backoff.delay(3, 0.5));
        assertEquals(Duration.ofSeconds(16), backoff.delay(4, 0.5));
    }

    @Test
    void staysWithinTheCap() {
        assertEquals(Duration.ofMinutes(1), backoff.delay(10, 0.5));
        assertEquals(Duration.ofMinutes(1), backoff.delay(1000, 0.5));
    }

    @Test
    void jitterSpreadsTheWaitBothWays() {
        assertEquals(Duration.ofMillis(1600), backoff.delay(1, 0.0));
        assertEquals(Duration.ofMillis(2400), backoff.delay(1, 1.0));
        assertEquals(Duration.ofMillis(48_000), backoff.delay(20, 0.0));
    }
}
