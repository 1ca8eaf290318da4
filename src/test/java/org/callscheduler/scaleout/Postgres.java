package org.callscheduler.scaleout;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The PostgreSQL the scale-out tests and the applications they start share. Same variables as the
 * application: QUARKUS_DATASOURCE_JDBC_URL, QUARKUS_DATASOURCE_USERNAME, QUARKUS_DATASOURCE_PASSWORD.
 */
final class Postgres {

    static final String URL = env("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://localhost:5432/callscheduler");
    static final String USER = env("QUARKUS_DATASOURCE_USERNAME", "callscheduler");

    /** One call as the database has it. */
    record Row(long id, String status, int attempts, String callApiId, Instant scheduledTime, String claimedBy,
            String errorMessage) {
    }

    private Postgres() {
    }

    static Connection connect() throws SQLException {
        return DriverManager.getConnection(URL, USER, env("QUARKUS_DATASOURCE_PASSWORD", ""));
    }

    /** Empties the table, when the applications' Flyway migration has created it. */
    static void deleteAllCalls() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet exists = s.executeQuery("select to_regclass('scheduled_calls') is not null")) {
            exists.next();
            if (exists.getBoolean(1)) {
                s.executeUpdate("delete from scheduled_calls");
                // Registrations left by instances killed in an earlier test: their ids are free.
                s.executeUpdate("delete from dispatch_instances");
            }
        }
    }

    static Map<Long, Row> calls() throws SQLException {
        Map<Long, Row> rows = new HashMap<>();
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("select id, status, attempts, call_api_id, scheduled_time, claimed_by,"
                        + " error_message from scheduled_calls")) {
            while (r.next()) {
                rows.put(r.getLong(1), new Row(r.getLong(1), r.getString(2), r.getInt(3), r.getString(4),
                        r.getTimestamp(5).toInstant(), r.getString(6), r.getString(7)));
            }
        }
        return rows;
    }

    /** The calls with an in_doubt event: sent by an instance that stopped before recording the answer. */
    static java.util.Set<Long> inDoubtCalls() throws SQLException {
        java.util.Set<Long> ids = new java.util.HashSet<>();
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("select distinct call_id from call_events where type = 'in_doubt'")) {
            while (r.next()) {
                ids.add(r.getLong(1));
            }
        }
        return ids;
    }

    static long count(String where) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("select count(*) from scheduled_calls where " + where)) {
            r.next();
            return r.getLong(1);
        }
    }

    private static String env(String name, String fallback) {
        return Optional.ofNullable(System.getenv(name)).filter(v -> !v.isBlank()).orElse(fallback);
    }
}
