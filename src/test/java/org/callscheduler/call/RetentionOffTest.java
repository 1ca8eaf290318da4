package org.callscheduler.call;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import jakarta.inject.Inject;

import org.callscheduler.support.CallFixtures;
import org.callscheduler.support.NoJobsProfile;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** {@code call-scheduler.retention.max-age=0} keeps every call for ever. */
@QuarkusTest
@TestProfile(RetentionOffTest.KeepForEver.class)
class RetentionOffTest {

    public static class KeepForEver extends NoJobsProfile {
        public KeepForEver() {
            super(Map.of("call-scheduler.retention.max-age", "0"));
        }
    }

    @Inject
    CallFixtures fixtures;

    @Inject
    RetentionJob retention;

    @Test
    void aMaxAgeOfZeroRemovesNothing() {
        fixtures.deleteAll();
        long id = fixtures.insertFinished(CallStatus.COMPLETED, "+14155550130");
        Instant longAgo = Instant.now().minus(Duration.ofDays(3650));
        fixtures.change(id, call -> {
            call.scheduledTime = longAgo;
            call.updatedAt = longAgo;
        });

        assertEquals(0, retention.run(Instant.now()));
        assertEquals(1, fixtures.count(CallStatus.COMPLETED));
    }
}
