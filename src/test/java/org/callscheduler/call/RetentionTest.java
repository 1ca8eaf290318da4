package org.callscheduler.call;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import org.callscheduler.support.CallFixtures;
import org.callscheduler.support.NoJobsProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The retention job removes finished calls older than the max age (90 days by default) with their events and
 * webhook deliveries, in batches (of 2 here), and nothing else: not a pending or in-progress call however old, not a
 * call that finished recently after an old schedule.
 */
@QuarkusTest
@TestProfile(RetentionTest.SmallBatches.class)
class RetentionTest {

    public static class SmallBatches extends NoJobsProfile {
        public SmallBatches() {
            super(Map.of("call-scheduler.retention.batch-size", "2"));
        }
    }

    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MICROS);
    private static final Instant OLD = NOW.minus(Duration.ofDays(91));

    @Inject
    CallFixtures fixtures;

    @Inject
    RetentionJob retention;

    @BeforeEach
    void empty() {
        fixtures.deleteAll();
    }

    @Test
    void finishedCallsPastTheMaxAgeGoWithTheirEventsAndEverythingElseStays() {
        List<Long> gone = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            gone.add(finished(CallStatus.COMPLETED, "+1415555010" + i, OLD, OLD));
        }
        gone.add(finished(CallStatus.FAILED, "+14155550110", OLD, OLD));
        gone.add(finished(CallStatus.FAILED, "+14155550111", OLD.minus(Duration.ofDays(400)), OLD));
        Set<Long> kept = new TreeSet<>();
        // Scheduled long ago, finished ten days ago (retried for weeks): kept until 90 days after it finished.
        kept.add(finished(CallStatus.COMPLETED, "+14155550120", OLD, NOW.minus(Duration.ofDays(10))));
        kept.add(finished(CallStatus.COMPLETED, "+14155550121", NOW.minus(Duration.ofDays(89)), NOW.minus(Duration.ofDays(89))));
        long oldPending = fixtures.insertPending(1, "+14155550122", OLD).get(0);
        fixtures.change(oldPending, call -> call.updatedAt = OLD);
        kept.add(oldPending);
        long oldInProgress = fixtures.insertInProgress("sid-old", OLD);
        fixtures.change(oldInProgress, call -> call.updatedAt = OLD);
        kept.add(oldInProgress);
        for (long id : gone) {
            addEventAndDeadDelivery(id);
        }
        addEventAndDeadDelivery(kept.iterator().next());

        assertEquals(gone.size(), retention.run(NOW));

        assertEquals(kept, ids("SELECT id FROM scheduled_calls"));
        assertEquals(Set.of(kept.iterator().next()), ids("SELECT call_id FROM call_events"));
        assertEquals(1, ids("SELECT event_id FROM webhook_deliveries").size());
        assertEquals(0, retention.run(NOW), "removed again");
    }

    private long finished(CallStatus status, String phone, Instant scheduled, Instant updated) {
        long id = fixtures.insertFinished(status, phone);
        fixtures.change(id, call -> {
            call.scheduledTime = scheduled;
            call.updatedAt = updated;
        });
        return id;
    }

    @Transactional
    void addEventAndDeadDelivery(long callId) {
        var em = ScheduledCall.getEntityManager();
        em.createNativeQuery("INSERT INTO call_events (call_id, at, type, status, attempt, detail)"
                + " VALUES (?1, ?2, 'completed', 'completed', 1, 'done')").setParameter(1, callId)
                .setParameter(2, OLD).executeUpdate();
        em.createNativeQuery("INSERT INTO webhook_deliveries (event_id, call_id, state, next_at)"
                + " SELECT MAX(id), call_id, 'dead', MAX(at) FROM call_events WHERE call_id = ?1 GROUP BY call_id")
                .setParameter(1, callId).executeUpdate();
    }

    @Transactional
    Set<Long> ids(String sql) {
        Set<Long> ids = new TreeSet<>();
        for (Object id : ScheduledCall.getEntityManager().createNativeQuery(sql).getResultList()) {
            ids.add(((Number) id).longValue());
        }
        return ids;
    }
}
