package org.callscheduler.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * Migration V6 moves the webhook outbox out of call_events: deliveries still pending or dead under V4 must survive the
 * upgrade (nothing lost), delivered ones must not be sent again, and call_events must lose its delivery columns.
 */
class OutboxMigrationTest {

    @Test
    void pendingAndDeadDeliveriesOfV4SurviveTheMoveAndDeliveredOnesAreNotSentAgain() throws Exception {
        String url = "jdbc:h2:mem:outbox-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        try (Connection connection = DriverManager.getConnection(url, "sa", "")) {
            migrate(url, "5");
            try (Statement s = connection.createStatement()) {
                s.executeUpdate("INSERT INTO scheduled_calls (id, phone_number, scheduled_time, status, created_at,"
                        + " updated_at, idempotency_key) VALUES (1, '+14155550100',"
                        + " TIMESTAMP WITH TIME ZONE '2026-11-29 10:00:00Z', 'completed', CURRENT_TIMESTAMP,"
                        + " CURRENT_TIMESTAMP, 'key-1')");
                s.executeUpdate("INSERT INTO call_events (id, call_id, at, type, status, attempt, detail, webhook_state,"
                        + " webhook_id, webhook_attempts, webhook_next_at, webhook_error) VALUES"
                        + " (1, 1, TIMESTAMP WITH TIME ZONE '2026-11-29 10:00:00Z', 'created', 'pending', 0, 'c',"
                        + " 'delivered', 'msg_a', 1, NULL, NULL),"
                        + " (2, 1, TIMESTAMP WITH TIME ZONE '2026-11-29 10:00:01Z', 'sent', 'pending', 1, 's',"
                        + " 'dead', 'msg_b', 7, TIMESTAMP WITH TIME ZONE '2026-11-29 10:05:00Z', 'HTTP 410'),"
                        + " (3, 1, TIMESTAMP WITH TIME ZONE '2026-11-29 10:00:02Z', 'accepted', 'in-progress', 1, 'a',"
                        + " 'pending', 'msg_c', 2, TIMESTAMP WITH TIME ZONE '2026-11-29 10:06:00Z', 'HTTP 503'),"
                        + " (4, 1, TIMESTAMP WITH TIME ZONE '2026-11-29 10:00:03Z', 'completed', 'completed', 1, 'd',"
                        + " NULL, NULL, 0, NULL, NULL)");
            }
            migrate(url, "6");

            List<String> rows = new ArrayList<>();
            try (Statement s = connection.createStatement();
                    ResultSet r = s.executeQuery("SELECT event_id, call_id, state, webhook_id, attempts, next_at, claim,"
                            + " error FROM webhook_deliveries ORDER BY event_id")) {
                while (r.next()) {
                    rows.add(r.getLong(1) + " " + r.getLong(2) + " " + r.getString(3) + " " + r.getString(4) + " "
                            + r.getInt(5) + " " + r.getObject(6, java.time.OffsetDateTime.class).toInstant() + " "
                            + r.getString(7) + " " + r.getString(8));
                }
            }
            assertEquals(List.of("2 1 dead msg_b 7 2026-11-29T10:05:00Z null HTTP 410",
                    "3 1 pending msg_c 2 2026-11-29T10:06:00Z null HTTP 503"), rows);
            assertFalse(hasColumn(connection, "CALL_EVENTS", "WEBHOOK_STATE"), "call_events kept its delivery columns");

            // The outbox row goes with its event, and so with its call.
            try (Statement s = connection.createStatement()) {
                s.executeUpdate("DELETE FROM scheduled_calls WHERE id = 1");
                try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM webhook_deliveries")) {
                    r.next();
                    assertEquals(0, r.getLong(1));
                }
            }
        }
    }

    private static void migrate(String url, String target) {
        Flyway.configure().dataSource(url, "sa", "").locations("classpath:db/migration")
                .placeholders(Map.of("random_uuid", "RANDOM_UUID()", "event_id_cache", "1000")).target(target).load().migrate();
    }

    private static boolean hasColumn(Connection connection, String table, String column) throws SQLException {
        try (ResultSet r = connection.getMetaData().getColumns(null, null, table, column)) {
            return r.next();
        }
    }
}
