package org.callscheduler.event;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Appends to the calls' history (table call_events). Callers pass the connection of the transaction
 * that makes the change, so an event is committed with its change or not at all. Events are never
 * updated; they go only with their call (ON DELETE CASCADE).
 * <p>
 * When a webhook receiver is configured, an event of a type it takes also gets a row in the outbox
 * (table webhook_deliveries) in the same transaction, and org.callscheduler.webhook delivers it.
 */
@ApplicationScoped
public class CallEvents {

    /** The longest detail kept; longer ones are cut. */
    public static final int MAX_DETAIL = 1000;

    private static final String INSERT = "INSERT INTO call_events (call_id, at, type, status, call_status, attempt, detail)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?)";

    private static final String INSERT_DELIVERY = "INSERT INTO webhook_deliveries (event_id, call_id, state, next_at)"
            + " VALUES (?, ?, 'pending', ?)";

    /** The event types sent to the webhook receiver: none when there is none. */
    private final Set<String> webhookTypes;

    CallEvents(@ConfigProperty(name = "call-scheduler.webhooks.url") Optional<String> url,
            @ConfigProperty(name = "call-scheduler.webhooks.events") Optional<List<String>> types) {
        if (url.filter(u -> !u.isBlank()).isEmpty()) {
            this.webhookTypes = Set.of();
        } else {
            Set<String> all = Arrays.stream(EventType.values()).map(EventType::value).collect(Collectors.toSet());
            Set<String> chosen = types.map(list -> list.stream().map(String::trim).filter(t -> !t.isEmpty())
                    .map(t -> t.startsWith("call.") ? t.substring(5) : t).collect(Collectors.toSet())).orElse(all);
            for (String type : chosen) {
                if (!all.contains(type)) {
                    throw new IllegalStateException("call-scheduler.webhooks.events lists " + type
                            + ", which is not an event type (" + String.join(", ", new TreeSet<>(all)) + ")");
                }
            }
            this.webhookTypes = Set.copyOf(chosen);
        }
    }

    /** Whether events of {@code type} are sent to the webhook receiver. */
    public boolean sentToWebhook(EventType type) {
        return webhookTypes.contains(type.value());
    }

    /** Appends {@code events}, all at {@code at}, in one JDBC batch, and queues those the webhook receiver takes. */
    public void append(Connection connection, Instant at, Collection<NewEvent> events) throws SQLException {
        if (events.isEmpty()) {
            return;
        }
        boolean queue = events.stream().anyMatch(event -> sentToWebhook(event.type()));
        try (PreparedStatement insert = queue ? connection.prepareStatement(INSERT, new String[] {"id"})
                : connection.prepareStatement(INSERT)) {
            for (NewEvent event : events) {
                insert.setLong(1, event.callId());
                insert.setObject(2, at.atOffset(ZoneOffset.UTC));
                insert.setString(3, event.type().value());
                insert.setString(4, event.status());
                if (event.callStatus() == null) {
                    insert.setNull(5, Types.VARCHAR);
                } else {
                    insert.setString(5, event.callStatus());
                }
                insert.setInt(6, event.attempt());
                insert.setString(7, cut(event.detail()));
                insert.addBatch();
            }
            insert.executeBatch();
            if (queue) {
                queueDeliveries(connection, at, events, insert.getGeneratedKeys());
            }
        }
    }

    /** Writes the outbox rows of the events just inserted, whose ids are {@code keys} in the order of {@code events}. */
    private void queueDeliveries(Connection connection, Instant at, Collection<NewEvent> events, ResultSet keys)
            throws SQLException {
        try (keys; PreparedStatement delivery = connection.prepareStatement(INSERT_DELIVERY)) {
            for (NewEvent event : events) {
                if (!keys.next()) {
                    throw new SQLException("The database returned fewer event ids than events were inserted");
                }
                if (sentToWebhook(event.type())) {
                    delivery.setLong(1, keys.getLong(1));
                    delivery.setLong(2, event.callId());
                    delivery.setObject(3, at.atOffset(ZoneOffset.UTC));
                    delivery.addBatch();
                }
            }
            delivery.executeBatch();
        }
    }

    /**
     * Queues for the webhook receiver the {@code type} events at {@code at} of the calls that {@code callsSql} selects
     * (a SELECT of call ids whose parameters {@code bind} sets from index 3 on): for events written by INSERT ... SELECT.
     */
    public void queueInserted(Connection connection, EventType type, Instant at, String callsSql, SqlBinder bind)
            throws SQLException {
        if (!sentToWebhook(type)) {
            return;
        }
        try (PreparedStatement delivery = connection.prepareStatement("INSERT INTO webhook_deliveries"
                + " (event_id, call_id, state, next_at) SELECT e.id, e.call_id, 'pending', e.at FROM call_events e"
                + " WHERE e.type = ? AND e.at = ? AND e.call_id IN (" + callsSql + ")"
                + " AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id)")) {
            delivery.setString(1, type.value());
            delivery.setObject(2, at.atOffset(ZoneOffset.UTC));
            bind.bind(delivery);
            delivery.executeUpdate();
        }
    }

    /** Sets a statement's parameters. */
    @FunctionalInterface
    public interface SqlBinder {
        void bind(PreparedStatement statement) throws SQLException;
    }

    /** The most events of one call that are listed, oldest first (a call has a few dozen at most in practice). */
    public static final int MAX_LISTED = 10_000;

    /** The history of call {@code callId}, oldest first. */
    public static List<CallEvent> list(Connection connection, long callId) throws SQLException {
        List<CallEvent> events = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT id, call_id, at, type, status, call_status,"
                + " attempt, detail FROM call_events WHERE call_id = ? ORDER BY call_id, id LIMIT " + MAX_LISTED)) {
            select.setLong(1, callId);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    events.add(new CallEvent(rows.getLong(1), rows.getLong(2),
                            rows.getObject(3, OffsetDateTime.class).toInstant(), rows.getString(4), rows.getString(5),
                            rows.getString(6), rows.getInt(7), rows.getString(8)));
                }
            }
        }
        return events;
    }

    /** A text cut to fit a column of {@code max} characters. */
    public static String cut(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max - 3) + "...";
    }

    static String cut(String text) {
        return cut(text, MAX_DETAIL);
    }
}
