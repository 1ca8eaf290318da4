package org.callscheduler.webhook;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.callscheduler.event.CallEvent;
import org.callscheduler.event.CallEvents;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The SQL of webhook delivery, over the outbox (table webhook_deliveries, a row per event to send, written with the
 * event): claim the deliveries that are due (for each call only its oldest pending one, so that a call's events
 * arrive in order), and record what became of each under the claim that sent it: a delivered row is deleted. Claims work as for calls: a token per claim, a lease, and on PostgreSQL
 * {@code FOR UPDATE SKIP LOCKED}, so several instances deliver each event once.
 */
@ApplicationScoped
class WebhookStore {

    private final DataSource dataSource;
    private final boolean postgresql;

    WebhookStore(DataSource dataSource, @ConfigProperty(name = "quarkus.datasource.db-kind") String dbKind) {
        this.dataSource = dataSource;
        this.postgresql = dbKind.toLowerCase().startsWith("postgres");
    }

    /** An event claimed for delivery. */
    record Claimed(CallEvent event, String webhookId, int attempts, String token) {
    }

    /** Claims up to {@code limit} due events until {@code leaseUntil}, the oldest undelivered one of each call. */
    @Transactional
    List<Claimed> claim(int limit, Instant now, Instant leaseUntil) {
        String token = UUID.randomUUID().toString();
        record Due(CallEvent event, String webhookId, int attempts) {
        }
        List<Due> due = new ArrayList<>();
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement select = connection.prepareStatement("SELECT e.id, e.call_id, e.at, e.type, e.status,"
                    + " e.call_status, e.attempt, e.detail, d.webhook_id, d.attempts FROM webhook_deliveries d"
                    + " JOIN call_events e ON e.id = d.event_id"
                    + " WHERE d.state = 'pending' AND d.next_at <= ? AND (d.claim IS NULL OR d.lease_until < ?)"
                    + " AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.call_id = d.call_id"
                    + " AND p.event_id < d.event_id AND p.state = 'pending')"
                    + " ORDER BY d.state, d.next_at LIMIT ?" + (postgresql ? " FOR UPDATE OF d SKIP LOCKED" : ""))) {
                select.setObject(1, utc(now));
                select.setObject(2, utc(now));
                select.setInt(3, limit);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        due.add(new Due(new CallEvent(rows.getLong(1), rows.getLong(2), instant(rows, 3), rows.getString(4),
                                rows.getString(5), rows.getString(6), rows.getInt(7), rows.getString(8)),
                                rows.getString(9), rows.getInt(10)));
                    }
                }
            }
            if (due.isEmpty()) {
                return List.of();
            }
            due.sort(Comparator.comparingLong(d -> d.event().id()));
            List<String> ids = new ArrayList<>();
            try (PreparedStatement update = connection.prepareStatement("UPDATE webhook_deliveries SET claim = ?,"
                    + " lease_until = ?, webhook_id = COALESCE(webhook_id, ?) WHERE event_id = ?"
                    + " AND state = 'pending' AND (claim IS NULL OR lease_until < ?)")) {
                for (Due d : due) {
                    String id = d.webhookId() != null ? d.webhookId() : "msg_" + UUID.randomUUID().toString().replace("-", "");
                    ids.add(id);
                    update.setString(1, token);
                    update.setObject(2, utc(leaseUntil));
                    update.setString(3, id);
                    update.setLong(4, d.event().id());
                    update.setObject(5, utc(now));
                    update.addBatch();
                }
                update.executeBatch();
            }
            // Which rows this claim got, read back by its token (H2's batch counts cannot be trusted under contention).
            Set<Long> won = new HashSet<>();
            try (PreparedStatement mine = connection.prepareStatement(
                    "SELECT event_id FROM webhook_deliveries WHERE claim = ? AND state = 'pending'")) {
                mine.setString(1, token);
                try (ResultSet rows = mine.executeQuery()) {
                    while (rows.next()) {
                        won.add(rows.getLong(1));
                    }
                }
            }
            List<Claimed> claimed = new ArrayList<>();
            for (int i = 0; i < due.size(); i++) {
                Due d = due.get(i);
                if (won.contains(d.event().id())) {
                    claimed.add(new Claimed(d.event(), ids.get(i), d.attempts(), token));
                }
            }
            return claimed;
        } catch (SQLException e) {
            throw new IllegalStateException("Could not claim webhook deliveries: " + e.getMessage(), e);
        }
    }

    /** What became of one delivery. */
    sealed interface Outcome {
        Claimed claimed();

        record Delivered(Claimed claimed) implements Outcome {
        }

        /** Tried again at {@code nextAt}. */
        record Failed(Claimed claimed, String error, Instant nextAt) implements Outcome {
        }

        /** Never tried again: 410 Gone, or older than the max age. */
        record Dead(Claimed claimed, String error) implements Outcome {
        }
    }

    /** Records outcomes, each only where its claim still holds the event. */
    @Transactional
    void record(List<Outcome> outcomes) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement delivered = connection.prepareStatement(
                        "DELETE FROM webhook_deliveries WHERE event_id = ? AND claim = ?");
                PreparedStatement failed = connection.prepareStatement("UPDATE webhook_deliveries SET next_at = ?,"
                        + " attempts = attempts + 1, error = ?, claim = NULL, lease_until = NULL"
                        + " WHERE event_id = ? AND claim = ?");
                PreparedStatement dead = connection.prepareStatement("UPDATE webhook_deliveries SET state = 'dead',"
                        + " attempts = attempts + 1, error = ?, claim = NULL, lease_until = NULL"
                        + " WHERE event_id = ? AND claim = ?")) {
            List<Outcome> sorted = new ArrayList<>(outcomes);
            sorted.sort(Comparator.comparingLong(o -> o.claimed().event().id()));
            for (Outcome outcome : sorted) {
                Claimed c = outcome.claimed();
                if (outcome instanceof Outcome.Delivered) {
                    delivered.setLong(1, c.event().id());
                    delivered.setString(2, c.token());
                    delivered.addBatch();
                } else if (outcome instanceof Outcome.Failed f) {
                    failed.setObject(1, utc(f.nextAt()));
                    failed.setString(2, CallEvents.cut(f.error(), 1000));
                    failed.setLong(3, c.event().id());
                    failed.setString(4, c.token());
                    failed.addBatch();
                } else {
                    dead.setString(1, CallEvents.cut(((Outcome.Dead) outcome).error(), 1000));
                    dead.setLong(2, c.event().id());
                    dead.setString(3, c.token());
                    dead.addBatch();
                }
            }
            delivered.executeBatch();
            failed.executeBatch();
            dead.executeBatch();
        } catch (SQLException e) {
            throw new IllegalStateException("Could not record " + outcomes.size() + " webhook deliveries: " + e.getMessage(), e);
        }
    }

    /** Gives back the claims of {@code tokens} (on shutdown): due again at once. */
    @Transactional
    void release(Set<String> tokens) {
        if (tokens.isEmpty()) {
            return;
        }
        try (Connection connection = dataSource.getConnection();
                PreparedStatement release = connection.prepareStatement("UPDATE webhook_deliveries SET claim = NULL,"
                        + " lease_until = NULL WHERE claim = ? AND state = 'pending'")) {
            for (String token : tokens) {
                release.setString(1, token);
                release.addBatch();
            }
            release.executeBatch();
        } catch (SQLException e) {
            throw new IllegalStateException("Could not give back webhook claims: " + e.getMessage(), e);
        }
    }

    @Transactional
    WebhookBacklog backlog() {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement counts = connection.prepareStatement("SELECT d.state, COUNT(*), MIN(e.at)"
                        + " FROM webhook_deliveries d JOIN call_events e ON e.id = d.event_id GROUP BY d.state");
                ResultSet rows = counts.executeQuery()) {
            long pending = 0;
            long dead = 0;
            Instant oldest = null;
            while (rows.next()) {
                if ("pending".equals(rows.getString(1))) {
                    pending = rows.getLong(2);
                    oldest = instant(rows, 3);
                } else {
                    dead = rows.getLong(2);
                }
            }
            return new WebhookBacklog(pending, dead, Optional.ofNullable(oldest));
        } catch (SQLException e) {
            throw new IllegalStateException("Could not count webhook deliveries: " + e.getMessage(), e);
        }
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(ResultSet rows, int column) throws SQLException {
        OffsetDateTime time = rows.getObject(column, OffsetDateTime.class);
        return time == null ? null : time.toInstant();
    }
}
