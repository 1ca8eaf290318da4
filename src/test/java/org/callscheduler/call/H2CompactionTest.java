package org.callscheduler.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.callscheduler.support.CallFixtures;
import org.callscheduler.support.NoJobsProfile;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The H2 compaction job rewrites the chunks that commits left sparse, until they are as full as it is asked, and
 * the calls are all still there, unchanged.
 */
@QuarkusTest
@TestProfile(NoJobsProfile.class)
class H2CompactionTest {

    @Inject
    CallFixtures fixtures;

    @Inject
    H2CompactionJob job;

    @Inject
    DataSource dataSource;

    private void retentionTime(int millis) {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("SET RETENTION_TIME " + millis);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void rewritesSparseChunksUntilTheyAreFullAndKeepsTheCalls() {
        fixtures.deleteAll();
        Instant due = Instant.now().plus(Duration.ofDays(30));
        List<Long> ids = fixtures.insertPending(2_000, "+14155550000", due);
        // One commit a change, as the dispatcher makes them: each leaves the pages it replaced dead in older chunks.
        for (long id : ids) {
            fixtures.change(id, call -> call.reference = "changed-" + id);
        }

        // H2 rewrites only chunks older than its retention time, 45 s: here every chunk may be rewritten at once.
        retentionTime(0);
        try {
            assertTrue(job.run(95), "the chunks were sparse, so the first run rewrote some");
            for (int run = 0; run < 100 && job.run(95); run++) {
                // each run rewrites at most write-size
            }
        } finally {
            retentionTime(45_000);
        }
        assertTrue(job.fillRate() >= 95, "chunks " + job.fillRate() + "% full");
        assertEquals(2_000, fixtures.count(CallStatus.PENDING));
        assertEquals("changed-" + ids.get(1234), fixtures.find(ids.get(1234)).reference);
    }
}
