package org.callscheduler.call;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;

/**
 * Idempotent POSTs (CONTRACT part 2, "Idempotent requests"): the first request with a client's key runs and its
 * answer is kept for 24 h; a later one with the same key and body gets that answer again, with another body 422,
 * and while the first is still running 409. The keys live in the database, so this holds across instances: the
 * primary key (client, key) lets exactly one request begin. Public for the page's CSV import, whose batches carry a
 * key each so that one sent again after a network error stores nothing twice.
 */
@ApplicationScoped
public class IdempotentRequests {

    /** How long a key is kept. */
    static final Duration KEPT = Duration.ofHours(24);
    /** A request that has run this long without an answer is taken to have died with its instance. */
    static final Duration ABANDONED_AFTER = Duration.ofMinutes(2);

    private final DataSource dataSource;

    IdempotentRequests(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** What to do with a request that carries a key. */
    public sealed interface Start {
        /** Run it: this request owns the key. */
        public record Proceed() implements Start {
        }

        /** Give the first answer again. */
        public record Replay(int status, String location, String body) implements Start {
        }

        /** 409: the first request with this key is still running. */
        public record Running() implements Start {
        }

        /** 422: the key was used with another body. */
        public record OtherBody() implements Start {
        }
    }

    /** The SHA-256 of a request's canonical form, in hex. */
    public static String hash(String canonical) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Claims {@code key} for this request, or says what became of the request that claimed it first. */
    public Start begin(String client, String key, String requestHash) {
        try {
            return tryBegin(client, key, requestHash);
        } catch (RuntimeException e) {
            if (!isUniqueViolation(e)) {
                throw e;
            }
            // Another request inserted the key between our look and our insert: it is the first one.
            return tryBegin(client, key, requestHash);
        }
    }

    @Transactional(Transactional.TxType.REQUIRES_NEW)
    Start tryBegin(String client, String key, String requestHash) {
        Instant now = Instant.now();
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement select = connection.prepareStatement("SELECT request_hash, created_at, status,"
                    + " location, response_body FROM idempotent_requests WHERE client = ? AND idem_key = ? FOR UPDATE")) {
                select.setString(1, client);
                select.setString(2, key);
                try (ResultSet row = select.executeQuery()) {
                    if (row.next()) {
                        Instant created = row.getObject(2, java.time.OffsetDateTime.class).toInstant();
                        boolean expired = created.plus(KEPT).isBefore(now);
                        boolean abandoned = row.getObject(3) == null && created.plus(ABANDONED_AFTER).isBefore(now);
                        if (!expired && !abandoned) {
                            if (!row.getString(1).equals(requestHash)) {
                                return new Start.OtherBody();
                            }
                            if (row.getObject(3) == null) {
                                return new Start.Running();
                            }
                            return new Start.Replay(row.getInt(3), row.getString(4), row.getString(5));
                        }
                        try (PreparedStatement restart = connection.prepareStatement("UPDATE idempotent_requests"
                                + " SET request_hash = ?, created_at = ?, status = NULL, location = NULL, response_body = NULL"
                                + " WHERE client = ? AND idem_key = ?")) {
                            restart.setString(1, requestHash);
                            restart.setObject(2, now.atOffset(ZoneOffset.UTC));
                            restart.setString(3, client);
                            restart.setString(4, key);
                            restart.executeUpdate();
                        }
                        return new Start.Proceed();
                    }
                }
            }
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO idempotent_requests"
                    + " (client, idem_key, request_hash, created_at) VALUES (?, ?, ?, ?)")) {
                insert.setString(1, client);
                insert.setString(2, key);
                insert.setString(3, requestHash);
                insert.setObject(4, now.atOffset(ZoneOffset.UTC));
                insert.executeUpdate();
            }
            return new Start.Proceed();
        } catch (SQLException e) {
            throw new IllegalStateException("Could not record Idempotency-Key: " + e.getMessage(), e);
        }
    }

    /** Keeps the answer of the request that owns {@code key}, to be given again. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void complete(String client, String key, int status, String location, String body) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement update = connection.prepareStatement("UPDATE idempotent_requests SET status = ?,"
                        + " location = ?, response_body = ? WHERE client = ? AND idem_key = ?")) {
            update.setInt(1, status);
            update.setString(2, location);
            update.setString(3, body);
            update.setString(4, client);
            update.setString(5, key);
            update.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Could not keep the answer for Idempotency-Key: " + e.getMessage(), e);
        }
    }

    /** Frees {@code key} after its request failed on our side (5xx): a retry with it runs again. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void abandon(String client, String key) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement delete = connection.prepareStatement(
                        "DELETE FROM idempotent_requests WHERE client = ? AND idem_key = ? AND status IS NULL")) {
            delete.setString(1, client);
            delete.setString(2, key);
            delete.executeUpdate();
        } catch (SQLException e) {
            Log.warnf("Could not free an Idempotency-Key after a failed request (%s); it frees itself after %s",
                    e.getMessage(), ABANDONED_AFTER);
        }
    }

    /** Removes keys older than 24 h, at most {@code limit} at a time. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    int purge(Instant now, int limit) {
        try (Connection connection = dataSource.getConnection()) {
            java.util.List<Object[]> old = new java.util.ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT client, idem_key FROM idempotent_requests"
                    + " WHERE created_at < ? ORDER BY created_at LIMIT ?")) {
                select.setObject(1, now.minus(KEPT).atOffset(ZoneOffset.UTC));
                select.setInt(2, limit);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        old.add(new Object[] { rows.getString(1), rows.getString(2) });
                    }
                }
            }
            try (PreparedStatement delete = connection.prepareStatement(
                    "DELETE FROM idempotent_requests WHERE client = ? AND idem_key = ? AND created_at < ?")) {
                for (Object[] row : old) {
                    delete.setString(1, (String) row[0]);
                    delete.setString(2, (String) row[1]);
                    delete.setObject(3, now.minus(KEPT).atOffset(ZoneOffset.UTC));
                    delete.addBatch();
                }
                if (!old.isEmpty()) {
                    delete.executeBatch();
                }
            }
            return old.size();
        } catch (SQLException e) {
            throw new IllegalStateException("Could not remove old Idempotency-Keys: " + e.getMessage(), e);
        }
    }

    /** Removes expired keys, in batches of 1,000, every 10 minutes. */
    @Scheduled(identity = "idempotency-cleanup", every = "10m", delayed = "1m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void cleanUp() {
        int removed;
        int total = 0;
        do {
            removed = purge(Instant.now(), 1000);
            total += removed;
        } while (removed == 1000);
        if (total > 0) {
            Log.infof("Removed %d Idempotency-Keys older than %s", total, KEPT);
        }
    }

    static boolean isUniqueViolation(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
