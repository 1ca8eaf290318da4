package org.callscheduler.call;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.callscheduler.support.CallFixtures;
import org.callscheduler.support.NoJobsProfile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.scheduler.Scheduler;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The H2 compaction job rewrites the chunks that commits left sparse, until they are as full as it is asked, moves
 * chunks into the space freed so that the file shrinks, and the calls are all still there, unchanged; the space of
 * what commits emptied is reused only after the job forced those commits to disk.
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
    H2CompactionConfig config;

    @Inject
    DataSource dataSource;

    @Inject
    Scheduler scheduler;

    @Inject
    MeterRegistry registry;

    private long retentionBefore;

    /** The test runs the job itself, so that no scheduled run moves the fence or frees space in between. */
    @BeforeEach
    void pauseTheJob() {
        scheduler.pause("h2-sync");
        scheduler.pause("h2-compaction");
        // The fence is in place, with the retention time it sets.
        assertTrue(job.sync());
        retentionBefore = setting("RETENTION_TIME");
    }

    @AfterEach
    void resumeTheJob() {
        retentionTime((int) retentionBefore);
        scheduler.resume("h2-sync");
        scheduler.resume("h2-compaction");
    }

    private void retentionTime(int millis) {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("SET RETENTION_TIME " + millis);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private long info(String name) {
        return setting("info." + name);
    }

    private long setting(String name) {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(
                        "SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME = '" + name + "'")) {
            assertTrue(row.next(), name);
            return Long.parseLong(row.getString(1));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void lowersTheRetentionTimeOnceTheFileIsForcedToDisk() {
        // H2's own is 45 s; the job sets its own with the first fence (each test restores what it found).
        assertEquals(config.retentionTime().toMillis(), setting("RETENTION_TIME"));
        assertTrue(job.syncs() > 0);
    }

    @Test
    void reusesTheSpaceOfWhatCommitsEmptiedOnlyAfterTheyWereForcedToDisk() {
        fixtures.deleteAll();
        long id = fixtures.insertPending(1, "+14155550000", Instant.now().plus(Duration.ofDays(30))).get(0);
        // Every chunk older than 0 ms may be freed: only the fence holds them back.
        retentionTime(0);
        long fenced = info("CURRENT_VERSION");
        long chunksBefore = info("CHUNK_COUNT");
        // One commit a change: each writes a chunk and empties (most of) the one before.
        for (int i = 0; i < 50; i++) {
            int n = i;
            fixtures.change(id, call -> call.reference = "changed-" + n);
        }
        assertTrue(info("OLDEST_VERS_TO_KEEP") <= fenced, "versions after the last sync are kept");
        long chunksKept = info("CHUNK_COUNT");
        assertTrue(chunksKept >= chunksBefore + 50, "the emptied chunks are kept: " + chunksBefore + " -> " + chunksKept);

        assertTrue(job.sync());
        // H2 frees them at the next commit (unless a transaction of another job still reads an older version).
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            fixtures.change(id, call -> call.reference = "after the sync");
            long chunksAfter = info("CHUNK_COUNT");
            assertTrue(chunksAfter < chunksKept - 40, "the emptied chunks are freed: " + chunksKept + " -> " + chunksAfter);
        });
        assertEquals("after the sync", fixtures.find(id).reference);
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
        Timer runs = registry.get("callscheduler.h2.compaction").timer();
        long runsBefore = runs.count();
        double secondsBefore = runs.totalTime(TimeUnit.SECONDS);
        // H2 rewrites only chunks older than its retention time: here every chunk may be rewritten at once.
        retentionTime(0);
        assertTrue(job.run(95), "the chunks were sparse, so the first run rewrote some");
        // Each run rewrites at most max-run-time's worth; what it empties is freed after the next sync.
        for (int run = 0; run < 100 && (job.sync() & job.run(95)); run++) {
            // until a run finds nothing to rewrite
        }
        job.sync();
        job.run(95);
        // The chunks H2 may rewrite (all but the newest); the newest stay as they are.
        assertTrue(info("CHUNKS_FILL_RATE_RW") >= 95, "chunks " + info("CHUNKS_FILL_RATE_RW") + "% full");
        assertTrue(job.fileFillRate() >= 95, "file " + job.fileFillRate() + "% used");
        assertTrue(Files.size(FILE) < sizeBefore, "the file shrank from " + sizeBefore + " to " + Files.size(FILE) + " bytes");
        // Each run is timed (callscheduler_h2_compaction_seconds): the upkeep's cost shows in /q/metrics.
        assertTrue(runs.count() >= runsBefore + 2, runsBefore + " -> " + runs.count() + " runs");
        assertTrue(runs.totalTime(TimeUnit.SECONDS) > secondsBefore);
        assertEquals(2_000, fixtures.count(CallStatus.PENDING));
        assertEquals("changed-" + ids.get(1234), fixtures.find(ids.get(1234)).reference);
    }
}
