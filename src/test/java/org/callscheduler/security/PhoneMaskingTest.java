package org.callscheduler.security;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.quarkus.logging.Log;
import io.quarkus.test.junit.QuarkusTest;

/** Phone numbers never reach a log line whole. */
@QuarkusTest
class PhoneMaskingTest {

    @Test
    void numbersAreMaskedButCallIdsTimesAndDurationsAreNot() {
        assertEquals("Call 42 to +14*******23 failed", PhoneMaskingFilter.mask("Call 42 to +14155550123 failed"));
        assertEquals("Calling +14*******23.", PhoneMaskingFilter.mask("Calling +14155550123."));
        assertEquals("invalid number 415*****23, or +44********00",
                PhoneMaskingFilter.mask("invalid number 4155550123, or +447911123400"));
        String untouched = "Call 1234567 at 2026-11-25T00:29:33.123Z retried in 2000 ms, sid CA1234567890ab,"
                + " dispatcher vm-64012345693, took 0.123456789 s";
        assertEquals(untouched, PhoneMaskingFilter.mask(untouched));
    }

    @Test
    void theLogFileGetsTheMaskedNumber() throws Exception {
        String marker = UUID.randomUUID().toString();
        Log.warnf("Masking check %s: the Call API refused +14155550123 (%s)", marker, "+447911123400");

        Path log = Path.of("target", "quarkus-test.log");
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(log) && Files.readString(log).contains(marker));
        String line = Files.readAllLines(log).stream().filter(l -> l.contains(marker)).findFirst().orElseThrow();
        assertFalse(line.contains("4155550123"), line);
        assertFalse(line.contains("7911123400"), line);
        assertTrue(line.contains("the Call API refused +14*******23 (+44********00)"), line);
    }
}
