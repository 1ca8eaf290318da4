package org.callscheduler.dispatch;

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

/**
 * The counts behind callscheduler_calls_waiting: calls due but not sent, because their number is busy or held back by
 * pacing, and calls waiting for a reason past their time. (With no job running, nothing claims or asks about them.)
 */
@QuarkusTest
@TestProfile(NoJobsProfile.class)
class WaitingCountTest {

    @Inject
    CallFixtures fixtures;

    @Inject
    DispatchStore store;

    @Test
    void dueCallsAreCountedAsNumberBusyOrPacingAndWaitingOnesByTheirReason() {
        fixtures.deleteAll();
        Instant now = DispatchStore.now();
        String busyNumber = fixtures.find(fixtures.insertInProgress("busy", now.minusSeconds(5))).phoneNumber;
        fixtures.insertPending(1, busyNumber, now.minusSeconds(1));
        fixtures.insertPending(3, "+14155550100", now.minusSeconds(1));
        long deferred = fixtures.insertPending(1, "+14155550200", now.minusSeconds(60)).get(0);
        fixtures.change(deferred, call -> {
            call.nextAttemptAt = now.plus(Duration.ofHours(1));
            call.waitReason = "window";
        });

        Map<String, Long> waiting = store.countWaiting(now);

        assertEquals(1L, waiting.get("number_busy"), waiting.toString());
        assertEquals(3L, waiting.get("pacing"), waiting.toString());
        assertEquals(1L, waiting.get("window"), waiting.toString());
    }
}
