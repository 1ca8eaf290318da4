package org.callscheduler.call;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;

/**
 * Removes finished calls older than {@code call-scheduler.retention.max-age} (and, by cascade, their events and
 * webhook deliveries), in small batches of their own transactions, so that the store does not grow for ever and no
 * removal holds locks for long. A pending or in-progress call is never removed, however old.
 */
@ApplicationScoped
public class RetentionJob {

    /** Oldest scheduled first, through the index on (status, scheduled_time). */
    private static final String DELETE_BATCH = "DELETE FROM scheduled_calls WHERE id IN (SELECT id FROM scheduled_calls"
            + " WHERE status = ? AND scheduled_time < ? AND updated_at < ? ORDER BY scheduled_time LIMIT ?)";

    private final DataSource dataSource;
    private final RetentionConfig config;
    private final Counter removed;

    RetentionJob(DataSource dataSource, RetentionConfig config, MeterRegistry registry) {
        this.dataSource = dataSource;
        this.config = config;
        if (config.maxAge().isNegative() || config.batchSize() < 1) {
            throw new IllegalStateException("call-scheduler.retention.max-age must be 0 or more, and batch-size 1 or more");
        }
        this.removed = Counter.builder("callscheduler.retention.removed")
                .description("Finished calls removed by the retention job, with their events")
                .register(registry);
    }

    @Scheduled(identity = "retention", every = "{call-scheduler.retention.interval}", delayed = "1m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void scheduled() {
        run(Instant.now());
    }

    /**
     * Removes the calls finished before {@code now} minus the max age, batch by batch, until none is left or the run
     * has taken {@code max-run-time}.
     *
     * @return how many calls were removed
     */
    public long run(Instant now) {
        if (config.maxAge().isZero()) {
            return 0;
        }
        Instant cutoff = now.minus(config.maxAge());
        long deadline = System.nanoTime() + config.maxRunTime().toNanos();
        long total = 0;
        for (String status : new String[] {CallStatus.COMPLETED.value(), CallStatus.FAILED.value()}) {
            int batch;
            do {
                batch = removeBatch(status, cutoff);
                total += batch;
                removed.increment(batch);
            } while (batch == config.batchSize() && System.nanoTime() < deadline);
        }
        if (total > 0) {
            Log.infof("Retention: removed %d calls finished before %s (max age %s)", total, cutoff, config.maxAge());
        }
        return total;
    }

    @Transactional(Transactional.TxType.REQUIRES_NEW)
    int removeBatch(String status, Instant cutoff) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement delete = connection.prepareStatement(DELETE_BATCH)) {
            delete.setString(1, status);
            delete.setObject(2, cutoff.atOffset(ZoneOffset.UTC));
            delete.setObject(3, cutoff.atOffset(ZoneOffset.UTC));
            delete.setInt(4, config.batchSize());
            return delete.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Could not remove finished calls: " + e.getMessage(), e);
        }
    }
}
