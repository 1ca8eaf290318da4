package org.callscheduler.call;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.RandomAccessStore;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;

/**
 * Keeps the H2 file near the size of its data. H2 writes every commit as a new chunk of pages and leaves the old
 * pages dead in their chunks; its own background writer rewrites the sparse chunks, but that thread runs only with
 * a WRITE_DELAY, and the application sets WRITE_DELAY=0 so that a commit (a claim, before its POST) is in the file
 * before the next step. Without that upkeep the file grew by every commit: 66 KB a call under dispatch, 85 times its
 * data. This job does the upkeep instead: every {@code interval} it rewrites the live pages of the sparsest chunks,
 * at most {@code write-size} a run, until the chunks are {@code target-fill-rate} percent full; the emptied chunks
 * are freed once H2's retention time (45 s) has passed, and the chunks at the end of the file are moved into the free
 * space (as H2's background writer does), so the file shrinks back. Nothing happens on PostgreSQL, whose autovacuum
 * does this.
 */
@ApplicationScoped
public class H2CompactionJob {

    private final DataSource dataSource;
    private final boolean h2;
    private final int targetFillRate;
    private final int writeSize;
    private volatile int fillRate = 100;
    private volatile int fileFillRate = 100;

    H2CompactionJob(DataSource dataSource, @ConfigProperty(name = "quarkus.datasource.db-kind") String dbKind,
            H2CompactionConfig config, MeterRegistry registry) {
        this.dataSource = dataSource;
        this.h2 = "h2".equals(dbKind);
        if (config.targetFillRate() < 0 || config.targetFillRate() > 100) {
            throw new IllegalStateException("call-scheduler.h2.compaction.target-fill-rate must be 0 to 100 (0: off)");
        }
        this.targetFillRate = config.targetFillRate();
        this.writeSize = (int) Math.min(Integer.MAX_VALUE, config.writeSize().asLongValue());
        if (h2) {
            Gauge.builder("callscheduler.h2.fill.rate", () -> fillRate)
                    .description("How full the H2 file's chunks are, in percent, at the last compaction run")
                    .register(registry);
            Gauge.builder("callscheduler.h2.file.fill.rate", () -> fileFillRate)
                    .description("How much of the H2 file its chunks take, in percent, at the last compaction run")
                    .register(registry);
        }
    }

    /** How full the file's chunks were at the last run, in percent. */
    public int fillRate() {
        return fillRate;
    }

    /** How much of the file its chunks took at the last run, in percent. */
    public int fileFillRate() {
        return fileFillRate;
    }

    @Scheduled(identity = "h2-compaction", every = "{call-scheduler.h2.compaction.interval}",
            delayed = "{call-scheduler.h2.compaction.interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void scheduled() {
        if (h2 && targetFillRate > 0) {
            run();
        }
    }

    /** Rewrites the sparsest chunks once, if they are less full than the target; returns whether it rewrote any. */
    public boolean run() {
        return run(targetFillRate);
    }

    /** {@link #run()} to another target. */
    public boolean run(int targetFillRate) {
        try (Connection connection = dataSource.getConnection()) {
            MVStore store = ((SessionLocal) connection.unwrap(JdbcConnection.class).getSession()).getDatabase()
                    .getStore().getMvStore();
            long start = System.nanoTime();
            boolean rewritten = store.compact(targetFillRate, writeSize);
            // The rewritten pages go to the file with the next commit, which also frees the chunks left empty (once
            // they are older than the retention time); the application commits all the time, but not when idle.
            store.commit();
            // Then the chunks are moved into the free space, up to write-size, so that the file shrinks (H2 syncs the
            // file before it overwrites or cuts anything).
            if (store.getFileStore() instanceof RandomAccessStore file) {
                file.compactMoveChunks(targetFillRate, writeSize, store);
                fileFillRate = file.getFillRate();
            }
            fillRate = store.getFileStore().getChunksFillRate();
            if (rewritten) {
                Log.debugf("H2 compaction: chunks %d%% full, file %d%% used after %d ms", fillRate, fileFillRate,
                        Duration.ofNanos(System.nanoTime() - start).toMillis());
            }
            return rewritten;
        } catch (SQLException | RuntimeException e) {
            Log.warnf("H2 compaction failed, the file may grow until it runs again: %s", e.getMessage());
            return false;
        }
    }
}
