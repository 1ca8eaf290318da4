package org.callscheduler.call;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.configuration.MemorySize;

/** Settings of the H2 file's upkeep that would not keep it safe or small are refused at start, by name. */
class H2CompactionSettingsTest {

    record Settings(Duration interval, int targetFillRate, MemorySize writeSize, Duration maxRunTime,
            Duration syncInterval, Duration retentionTime) implements H2CompactionConfig {

        static Settings defaults() {
            return new Settings(Duration.ofSeconds(1), 80, new MemorySize(java.math.BigInteger.valueOf(4L << 20)), Duration.ofMillis(250),
                    Duration.ofSeconds(1), Duration.ofSeconds(2));
        }
    }

    private static String refused(Settings settings) {
        return assertThrows(IllegalStateException.class,
                () -> new H2CompactionJob(null, "h2", settings, new SimpleMeterRegistry())).getMessage();
    }

    @Test
    void acceptsTheDefaults() {
        assertDoesNotThrow(() -> new H2CompactionJob(null, "h2", Settings.defaults(), new SimpleMeterRegistry()));
    }

    @Test
    void refusesARetentionTimeOfLessThanASecond() {
        Settings d = Settings.defaults();
        String message = refused(new Settings(d.interval(), d.targetFillRate(), d.writeSize(), d.maxRunTime(),
                d.syncInterval(), Duration.ZERO));
        assertTrue(message.contains("call-scheduler.h2.compaction.retention-time must be 1s to 45s"), message);
    }

    @Test
    void refusesASyncIntervalOutsideItsRange() {
        Settings d = Settings.defaults();
        String message = refused(new Settings(d.interval(), d.targetFillRate(), d.writeSize(), d.maxRunTime(),
                Duration.ofMinutes(1), d.retentionTime()));
        assertTrue(message.contains("call-scheduler.h2.compaction.sync-interval must be 100ms to 10s"), message);
    }

    @Test
    void refusesARunLongerThanItsInterval() {
        Settings d = Settings.defaults();
        String message = refused(new Settings(d.interval(), d.targetFillRate(), d.writeSize(), Duration.ofSeconds(2),
                d.syncInterval(), d.retentionTime()));
        assertTrue(message.contains("call-scheduler.h2.compaction.max-run-time"), message);
    }

    @Test
    void refusesATargetFillRateOver100() {
        Settings d = Settings.defaults();
        String message = refused(new Settings(d.interval(), 101, d.writeSize(), d.maxRunTime(), d.syncInterval(),
                d.retentionTime()));
        assertTrue(message.contains("call-scheduler.h2.compaction.target-fill-rate must be 0 to 100"), message);
    }
}
