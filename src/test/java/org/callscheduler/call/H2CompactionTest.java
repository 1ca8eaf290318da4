package org.callscheduler.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * The H2 compaction job rewrites the chunks that commits left sparse, until they are as full as it is asked, moves
 * chunks into the space freed so that the file shrinks, and the calls are all still there, unchanged.
 */
@QuarkusTest
@TestProfile(NoJobsProfile.class)
class H2CompactionTest {

    private static final Path FILE = Path.of("target/test-data/call-scheduler.mv.db");

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
    void rewritesSparseChunksUntilTheyAreFullAndKeepsTheCalls() throws IOException {
        fixtures.deleteAll();
        Instant due = Instant.now().plus(Duration.ofDays(30));
        List<Long> ids = fixtures.insertPending(2_000, "+14155550000", due);
        // One commit a change, as the dispatcher makes them: each leaves the pages it replaced dead in older chunks.
        for (long id : ids) {
            fixtures.change(id, call -> call.reference = "changed-" + id);
        }

        long sizeBefore = Files.size(FILE);
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
        assertTrue(job.fileFillRate() >= 95, "file " + job.fileFillRate() + "% used");
        assertTrue(Files.size(FILE) < sizeBefore, "the file shrank from " + sizeBefore + " to " + Files.size(FILE) + " bytes");
        assertEquals(2_000, fixtures.count(CallStatus.PENDING));
        assertEquals("changed-" + ids.get(1234), fixtures.find(ids.get(1234)).reference);
    }
}
