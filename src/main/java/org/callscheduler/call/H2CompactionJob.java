package org.callscheduler.call;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.h2.api.DatabaseEventListener;
import org.h2.engine.Database;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.RandomAccessStore;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;

/**
 * Keeps the H2 file near the size of its data. H2 writes every commit as a new chunk of pages and leaves the old
 * pages dead in their chunks; its own background writer rewrites the sparse chunks, but that thread runs only with
 * a WRITE_DELAY, and the application sets WRITE_DELAY=0 so that a commit (a claim, before its POST) is in the file
 * before the next step. Without that upkeep the file grew by every commit: 66 KB a call under dispatch, 85 times its
 * data. This job does the upkeep instead: every {@code interval}, step after step for at most {@code max-run-time},
 * it rewrites {@code write-size} of the live pages of the sparsest chunks while the chunks it may rewrite are less
 * than {@code target-fill-rate} percent full, so that the emptied chunks are freed; then, once they are that full,
 * it moves {@code write-size} of chunks from the end of the file into the free space while the file is less used
 * than that (as H2's background writer does), so that the file shrinks back. Nothing happens on PostgreSQL, whose
 * autovacuum does this.
 *
 * <p>When the space of an emptied chunk may be reused. H2 reuses it once the chunk is older than its retention time
 * (45 s by default) and no open transaction reads a version that still uses it. Transactions are protected by that
 * version count, not by the retention time; the retention time stands for the assumption that the operating system
 * has written everything older to the disk by then, as H2 itself never forces the file to disk between opening and
 * closing it. That assumption does not hold in H2 2.4 even at 45 s, as the time counts from the chunk's creation:
 * an old chunk emptied by a commit is free at the next commit, before the commit that emptied it is on the disk, and
 * a power loss then can leave the last state that is on the disk pointing at overwritten pages. Here the order is
 * made explicit instead (the fence, {@link #sync()}): every {@code sync-interval} the job registers a use of the
 * store's current version, waits for every chunk up to that version to be written, forces the file to disk, and only
 * then gives up the use it registered the time before. H2 frees only chunks whose last live page was replaced before
 * the oldest version in use, so a chunk's space is reused only after the chunks holding what replaced it are on the
 * disk; after a power loss the last state forced to disk is whole (the chunks it uses were not overwritten), and H2
 * reopens it or a later one. With the fence the retention time no longer stands for anything that protects the
 * file, and is lowered to {@code retention-time} (2 s), so that emptied chunks are freed and rewritten in seconds
 * instead of 45. What a fence costs: an fsync every second, and H2 keeps the old versions of its maps' roots for that
 * long, as for a transaction open that long. What it does not change: a commit is forced to disk within a second,
 * not when it is acknowledged (WRITE_DELAY=0 only writes it to the operating system, which a kill -9 does not undo),
 * so a power loss can still lose the last second of commits (before: up to the operating system's 30 s or so); and
 * H2 checks a chunk written after the last fsync by its header and footer only, so one torn by the power loss in its
 * middle is not detected (H2's own limit, now for one second of chunks). It relies on the disk keeping what an fsync
 * returned for, as every database does. A process crash (kill -9, out of memory) loses nothing either way: what H2
 * wrote is in the operating system's cache, which the file's next opening reads. Before the first fence (the first
 * second after start) and once the database begins to close, H2's own rules apply; H2 forces the file to disk when
 * it closes, and H2's own moves of chunks (compactMoveChunks) force it before they overwrite anything.
 */
@ApplicationScoped
@Startup // its settings are checked at start, not at its first run
public class H2CompactionJob {

    private final DataSource dataSource;
    private final boolean h2;
    private final int targetFillRate;
    private final int writeSize;
    private final long maxRunNanos;
    private final int retentionMillis;
    private final AtomicLong syncs = new AtomicLong();
    private volatile Fence fence;
    private volatile int fillRate = 100;
    private volatile int fileFillRate = 100;
    private final Timer runs;

    H2CompactionJob(DataSource dataSource, @ConfigProperty(name = "quarkus.datasource.db-kind") String dbKind,
            H2CompactionConfig config, MeterRegistry registry) {
        this.dataSource = dataSource;
        this.h2 = "h2".equals(dbKind);
        if (config.targetFillRate() < 0 || config.targetFillRate() > 100) {
            throw new IllegalStateException("call-scheduler.h2.compaction.target-fill-rate must be 0 to 100 (0: off)");
        }
        if (config.writeSize().asLongValue() < 64 * 1024 || config.writeSize().asLongValue() > Integer.MAX_VALUE) {
            throw new IllegalStateException("call-scheduler.h2.compaction.write-size must be 64K to 2G, not "
                    + config.writeSize().asLongValue() + " bytes");
        }
        if (config.maxRunTime().isNegative() || config.maxRunTime().compareTo(config.interval()) > 0) {
            throw new IllegalStateException("call-scheduler.h2.compaction.max-run-time (" + config.maxRunTime()
                    + ") must be 0 to call-scheduler.h2.compaction.interval (" + config.interval() + ")");
        }
        if (config.syncInterval().compareTo(Duration.ofMillis(100)) < 0
                || config.syncInterval().compareTo(Duration.ofSeconds(10)) > 0) {
            throw new IllegalStateException("call-scheduler.h2.compaction.sync-interval must be 100ms to 10s, not "
                    + config.syncInterval());
        }
        if (config.retentionTime().compareTo(Duration.ofSeconds(1)) < 0
                || config.retentionTime().compareTo(Duration.ofSeconds(45)) > 0) {
            throw new IllegalStateException("call-scheduler.h2.compaction.retention-time must be 1s to 45s (H2's own), not "
                    + config.retentionTime());
        }
        this.targetFillRate = config.targetFillRate();
        this.writeSize = (int) config.writeSize().asLongValue();
        this.maxRunNanos = config.maxRunTime().toNanos();
        this.retentionMillis = (int) config.retentionTime().toMillis();
        // On PostgreSQL the job does nothing, and has no meters.
        this.runs = h2 ? Timer.builder("callscheduler.h2.compaction")
                .description("The runs of the H2 file's upkeep and the time they took (while a step runs, commits wait)")
                .register(registry) : null;
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

    /** How many times the file was forced to disk by {@link #sync()}. */
    public long syncs() {
        return syncs.get();
    }

    @Scheduled(identity = "h2-compaction", every = "{call-scheduler.h2.compaction.interval}",
            delayed = "{call-scheduler.h2.compaction.interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void scheduled() {
        if (h2 && targetFillRate > 0) {
            run();
        }
    }

    @Scheduled(identity = "h2-sync", every = "{call-scheduler.h2.compaction.sync-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void scheduledSync() {
        if (h2) {
            sync();
        }
    }

    /**
     * Rewrites the sparsest chunks, step after step, while they are less full than the target and the run has time
     * left; returns whether it rewrote any.
     */
    public boolean run() {
        return run(targetFillRate);
    }

    /** {@link #run()} to another target. */
    public boolean run(int targetFillRate) {
        try (Connection connection = dataSource.getConnection()) {
            MVStore store = database(connection).getStore().getMvStore();
            long start = System.nanoTime();
            int steps = 0;
            // A step rewrites up to write-size of the sparsest chunks' live pages while the chunks are less full than
            // the target. A step holds H2's store lock (commits wait for it), and the rewritten pages go to the file
            // with the commit after it, which frees the chunks left empty (see the class comment for when); so:
            // small steps, each committed, for at most max-run-time.
            while (System.nanoTime() - start < maxRunNanos) {
                // The chunks emptied before the last fence are freed (as the next commit would do), so that they
                // count as free space, not as sparse chunks.
                store.executeFilestoreOperation(store.getFileStore()::dropUnusedChunks);
                // The chunks a step empties stay until the next fence, and H2's fill rate counts them as empty
                // chunks: the steps go on only while the chunks that may be rewritten (live, older than the
                // retention time) are below the target, as H2's own background writer decides.
                if (rewritableFillRate(store) >= targetFillRate || !store.compact(targetFillRate, writeSize)) {
                    break;
                }
                store.commit();
                steps++;
            }
            // Then, once a run, up to write-size of chunks are moved from the end of the file into the free space, so
            // that the file shrinks (H2 forces the file to disk before it overwrites or cuts anything). Only when the
            // chunks it may rewrite are as full as the target: run after every step while a test stored batches of
            // 1,000 calls, H2's move (RandomAccessStore.compactMoveChunks) tripped one of its own assertions
            // (FreeSpaceBitSet: free space after the area it reserved; tests run with -ea), which closed the database.
            RandomAccessStore file = store.getFileStore() instanceof RandomAccessStore f ? f : null;
            if (file != null && file.getFillRate() < targetFillRate && rewritableFillRate(store) >= targetFillRate) {
                file.compactMoveChunks(targetFillRate, writeSize, store);
                steps++;
            }
            if (file != null) {
                fileFillRate = file.getFillRate();
            }
            fillRate = store.getFileStore().getChunksFillRate();
            if (steps > 0) {
                Log.debugf("H2 compaction: %d steps, chunks %d%% full, file %d%% used, %d MB, after %d ms", steps,
                        fillRate, fileFillRate, store.getFileStore().size() >> 20,
                        Duration.ofNanos(System.nanoTime() - start).toMillis());
            }
            runs.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            return steps > 0;
        } catch (SQLException | RuntimeException e) {
            Log.warnf("H2 compaction failed, the file may grow until it runs again: %s", e.getMessage());
            return false;
        }
    }

    /**
     * Forces the file to disk and lets H2 reuse the space of the chunks emptied before (the fence, see the class
     * comment); returns whether it did.
     */
    public boolean sync() {
        // The connection is held throughout: while it is open, the database cannot close under the fence.
        try (Connection connection = dataSource.getConnection()) {
            Database database = database(connection);
            Fence current = fence;
            if (current == null || current.database != database) {
                // The first time, or the database was closed and opened again.
                current = new Fence(database, retentionMillis);
                database.setEventListener(current);
                fence = current;
            }
            if (current.advance()) {
                syncs.incrementAndGet();
                return true;
            }
            return false;
        } catch (SQLException | RuntimeException e) {
            Log.warnf("Forcing the H2 file to disk failed; the space it frees is not reused until it succeeds: %s",
                    e.getMessage());
            return false;
        }
    }

    /** How full the chunks H2 may rewrite are, in percent (H2 shows it as info.CHUNKS_FILL_RATE_RW). */
    private static int rewritableFillRate(MVStore store) {
        int[] rate = { 100 };
        store.getFileStore().populateInfo((name, value) -> {
            if ("info.CHUNKS_FILL_RATE_RW".equals(name)) {
                rate[0] = Integer.parseInt(value);
            }
        });
        return rate[0];
    }

    private static Database database(Connection connection) throws SQLException {
        return ((SessionLocal) connection.unwrap(JdbcConnection.class).getSession()).getDatabase();
    }

    /**
     * The use of a version registered for one open database: H2 frees no chunk emptied in that version or after it
     * while it is held. Given up when the database closes, before H2 closes the store (which expects no version in
     * use then, and forces the file to disk itself).
     */
    static final class Fence implements DatabaseEventListener {

        final Database database;
        private final MVStore store;
        private final int retentionMillis;
        private MVStore.TxCounter held;
        private boolean closing;

        Fence(Database database, int retentionMillis) {
            this.database = database;
            this.store = database.getStore().getMvStore();
            this.retentionMillis = retentionMillis;
        }

        synchronized boolean advance() {
            if (closing || store.isClosed()) {
                return false;
            }
            MVStore.TxCounter next = store.registerVersionUsage();
            try {
                // Every chunk up to next's version is written (a commit may be writing one right now), then the
                // file is forced to disk: what replaced the pages of any chunk emptied before that version is there.
                store.executeFilestoreOperation(() -> { });
                if (store.getFileStore().lastChunkVersion() < next.version) {
                    // The wait was cut short (H2 ignores an interrupt there): keep the fence where it was.
                    store.deregisterVersionUsage(next);
                    return false;
                }
                store.sync();
            } catch (RuntimeException e) {
                store.deregisterVersionUsage(next);
                throw e;
            }
            if (held == null) {
                // From the first fence on, the retention time no longer stands for the disk's writes.
                store.setRetentionTime(retentionMillis);
            } else {
                store.deregisterVersionUsage(held);
            }
            held = next;
            return true;
        }

        @Override
        public synchronized void closingDatabase() {
            closing = true;
            if (held != null) {
                store.deregisterVersionUsage(held);
                held = null;
            }
        }
    }
}
