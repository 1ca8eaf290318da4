package org.callscheduler.scaleout;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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

    /**
     * Empties the table, when the applications' Flyway migration has created it, and clears the pacing state
     * every instance shares (a 429 pause or send slots left by an earlier test).
     */
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
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet exists = s.executeQuery("select to_regclass('dispatch_pacing') is not null")) {
            exists.next();
            if (exists.getBoolean(1)) {
                s.executeUpdate("update dispatch_pacing set next_send_at = null, paused_until = null,"
                        + " throttled_in_a_row = 0");
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

    /**
     * For each call, how many of its POSTs the dial promise allows beyond the first: one per failed
     * attempt (a send_failed event: a timeout, an error answer) and one per in_doubt event.
     */
    static Map<Long, Long> allowedRepeats() throws SQLException {
        Map<Long, Long> allowed = new HashMap<>();
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("select call_id, count(*) from call_events"
                        + " where type in ('send_failed', 'in_doubt') group by call_id")) {
            while (r.next()) {
                allowed.put(r.getLong(1), r.getLong(2));
            }
        }
        return allowed;
    }

    /**
     * The calls POSTed more often than the dial promise allows (call id to POSTs), given the POSTs the
     * Call API received per call.
     */
    static Map<Long, Long> repeatedWithoutReason(Map<Long, Long> postsPerCall) throws SQLException {
        Map<Long, Long> allowed = allowedRepeats();
        Map<Long, Long> broken = new HashMap<>();
        postsPerCall.forEach((id, posts) -> {
            if (posts > 1 + allowed.getOrDefault(id, 0L)) {
                broken.put(id, posts);
            }
        });
        return broken;
    }

    /** How many events of {@code type} the calls have. */
    static long events(String type) throws SQLException {
        try (Connection c = connect();
                java.sql.PreparedStatement s = c.prepareStatement("select count(*) from call_events where type = ?")) {
            s.setString(1, type);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    static long count(String where) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("select count(*) from scheduled_calls where " + where)) {
            r.next();
            return r.getLong(1);
        }
    }

    /** The cluster .ci/run started ("15 main"), to stop and start the server in a test. */
    private static final String CLUSTER = env("PG_CLUSTER", "15 main");
    /** The server's log file (.ci/run passes it; pg_lsclusters shows it). */
    private static final String LOG_FILE = env("PG_LOG_FILE", "/var/log/postgresql/postgresql-15-main.log");

    /** Stops the PostgreSQL server (fast shutdown: open connections are cut, as in a crash or failover). */
    static void stopServer() throws Exception {
        pgCtlCluster("stop", "--", "-m", "fast");
    }

    static void startServer() throws Exception {
        pgCtlCluster("start");
    }

    private static void pgCtlCluster(String... action) throws Exception {
        List<String> command = new ArrayList<>(List.of("pg_ctlcluster"));
        command.addAll(List.of(CLUSTER.trim().split("\\s+")));
        command.add(action[0]);
        command.addAll(List.of(action).subList(1, action.length));
        Process process = new ProcessBuilder(command).inheritIO().start();
        if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed");
        }
    }

    /** Where the server's log ends now, to read what it logs after. */
    static long logPosition() throws java.io.IOException {
        java.nio.file.Path log = java.nio.file.Path.of(LOG_FILE);
        return java.nio.file.Files.exists(log) ? java.nio.file.Files.size(log) : 0;
    }

    /** The server log's lines written since {@code position} that report a deadlock. */
    static List<String> deadlocksSince(long position) throws java.io.IOException {
        java.nio.file.Path log = java.nio.file.Path.of(LOG_FILE);
        if (!java.nio.file.Files.isReadable(log)) {
            throw new IllegalStateException("Cannot read the PostgreSQL server log " + LOG_FILE
                    + " (set PG_LOG_FILE to the file pg_lsclusters shows)");
        }
        try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(log.toFile(), "r")) {
            file.seek(Math.min(position, file.length()));
            byte[] rest = new byte[(int) (file.length() - file.getFilePointer())];
            file.readFully(rest);
            return new String(rest, java.nio.charset.StandardCharsets.UTF_8).lines()
                    .filter(line -> line.contains("deadlock detected"))
                    .toList();
        }
    }

    private static String env(String name, String fallback) {
        return Optional.ofNullable(System.getenv(name)).filter(v -> !v.isBlank()).orElse(fallback);
    }
}
