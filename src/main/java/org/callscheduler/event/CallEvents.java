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
import java.util.Collection;
import java.util.List;

/**
 * Appends to the calls' history (table call_events). Callers pass the connection of the transaction
 * that makes the change, so an event is committed with its change or not at all. Events are never
 * updated; they go only with their call (ON DELETE CASCADE).
 */
public final class CallEvents {

    /** The longest detail kept; longer ones are cut. */
    public static final int MAX_DETAIL = 1000;

    private static final String INSERT = "INSERT INTO call_events (call_id, at, type, status, call_status, attempt, detail)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?)";

    private CallEvents() {
    }

    /** Appends {@code events}, all at {@code at}, in one JDBC batch. */
    public static void append(Connection connection, Instant at, Collection<NewEvent> events) throws SQLException {
        if (events.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
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
        }
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
