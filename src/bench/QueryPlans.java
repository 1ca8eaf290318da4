import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The query plans of GET /api/calls's filters at 1,000,000 calls (README, "Query plans at 1,000,000 rows").
 * <p>
 * Creates the schema from the Flyway migrations in src/main/resources/db/migration (in version order, with the
 * ${random_uuid} placeholder as the application sets it), loads 1,000,000 calls with one INSERT ... SELECT
 * (H2: SYSTEM_RANGE, PostgreSQL: generate_series), ANALYZEs, then for each filter of the list runs the two
 * statements that CallService.list makes Hibernate send, the count for X-Total-Count and the page: it prints the
 * plan (H2: EXPLAIN ANALYZE, PostgreSQL: EXPLAIN (ANALYZE, BUFFERS)) and the median time of 5 runs after one warm-up.
 * <p>
 * The statements are the ones Hibernate logs for the list (quarkus.hibernate-orm.log.sql=true), with literals in
 * place of the bind parameters. The calls: ids 1 to 1,000,000, a call every 2.592 s from 2026-11-01T00:00Z (30 days,
 * 33,333 a day); 200,000 numbers (+1202 and 7 digits), each called 5 times days apart; reference "appt-" + id / 2
 * (2 calls each), none on every tenth call; the first 790,000 completed (85 %) or failed, the next 10,000
 * in-progress, the last 200,000 (from 2026-11-24T08:53Z on) pending.
 * <p>
 * Run with src/bench/query-plans.sh, which puts the JDBC drivers on the class path:
 * <pre>
 *   java -cp h2.jar:postgresql.jar src/bench/QueryPlans.java h2 jdbc:h2:file:/tmp/plans/calls sa ""
 *   QUARKUS_DATASOURCE_PASSWORD=... java -cp h2.jar:postgresql.jar src/bench/QueryPlans.java postgresql \
 *       jdbc:postgresql://localhost/db user
 * </pre>
 * On PostgreSQL everything happens in a schema of its own, query_plans, dropped first; on H2 the file is deleted first.
 */
public class QueryPlans {

    static final int CALLS = 1_000_000;
    static final int RUNS = 5;
    static final int COUNT_CAP = 10_000;

    /** The columns of ScheduledCall, in the order Hibernate selects them. */
    static final String COLUMNS = "sc1_0.id,sc1_0.attempts,sc1_0.call_api_id,sc1_0.call_status,sc1_0.calling_window,"
            + "sc1_0.claim_token,sc1_0.claimed_by,sc1_0.created_at,sc1_0.dial_posts,sc1_0.dialled_at,sc1_0.error_message,"
            + "sc1_0.expires_at,sc1_0.idempotency_key,sc1_0.lease_until,sc1_0.metadata,sc1_0.next_attempt_at,"
            + "sc1_0.phone_number,sc1_0.reference,sc1_0.retried_outcomes,sc1_0.retry_delay_seconds,sc1_0.retry_max,"
            + "sc1_0.retry_on,sc1_0.scheduled_time,sc1_0.sent_at,sc1_0.status,sc1_0.time_zone,sc1_0.updated_at,"
            + "sc1_0.version,sc1_0.wait_reason";

    /** One GET /api/calls: its query string and the WHERE clause Hibernate makes of it. */
    record Case(String query, String where, int page) {
    }

    static final String PHONE = "'+12020123456'";
    static final String REFERENCE = "'appt-123456'";
    static final String HOUR_FROM = "TIMESTAMP WITH TIME ZONE '2026-11-20 09:00:00+00'";
    static final String HOUR_TO = "TIMESTAMP WITH TIME ZONE '2026-11-20 10:00:00+00'";
    static final String DAY_FROM = "TIMESTAMP WITH TIME ZONE '2026-11-27 00:00:00+00'";
    static final String DAY_TO = "TIMESTAMP WITH TIME ZONE '2026-11-28 00:00:00+00'";

    static final List<Case> CASES = List.of(
            new Case("phone_number=%2B12020123456", "sc1_0.phone_number=" + PHONE, 0),
            new Case("phone_number=%2B12020123456&status=completed",
                    "sc1_0.status='completed' and sc1_0.phone_number=" + PHONE, 0),
            new Case("reference=appt-123456", "sc1_0.reference=" + REFERENCE, 0),
            new Case("reference=appt-123456&status=pending", "sc1_0.status='pending' and sc1_0.reference=" + REFERENCE, 0),
            new Case("scheduled_from=2026-11-20T09:00:00Z&scheduled_to=2026-11-20T10:00:00Z",
                    "sc1_0.scheduled_time>=" + HOUR_FROM + " and sc1_0.scheduled_time<" + HOUR_TO, 0),
            new Case("scheduled_from=2026-11-20T09:00:00Z&scheduled_to=2026-11-20T10:00:00Z&status=failed",
                    "sc1_0.status='failed' and sc1_0.scheduled_time>=" + HOUR_FROM + " and sc1_0.scheduled_time<" + HOUR_TO, 0),
            new Case("scheduled_from=2026-11-27T00:00:00Z&scheduled_to=2026-11-28T00:00:00Z&status=pending&page=100",
                    "sc1_0.status='pending' and sc1_0.scheduled_time>=" + DAY_FROM + " and sc1_0.scheduled_time<" + DAY_TO,
                    100),
            new Case("scheduled_from=2026-11-27T00:00:00Z&page=10", "sc1_0.scheduled_time>=" + DAY_FROM, 10),
            new Case("phone_number=%2B12020123456&reference=appt-123456&status=completed&scheduled_from=2026-11-01T00:00:00Z",
                    "sc1_0.status='completed' and sc1_0.phone_number=" + PHONE + " and sc1_0.reference=" + REFERENCE
                            + " and sc1_0.scheduled_time>=TIMESTAMP WITH TIME ZONE '2026-11-01 00:00:00+00'", 0),
            // Part 1's lists, for comparison: no filter, and a status alone.
            new Case("(no filter)", null, 0),
            new Case("status=pending", "sc1_0.status='pending'", 0),
            new Case("status=completed", "sc1_0.status='completed'", 0));

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: QueryPlans h2|postgresql JDBC_URL USER [PASSWORD], or the password in"
                    + " QUARKUS_DATASOURCE_PASSWORD");
            System.exit(2);
        }
        boolean h2 = args[0].equals("h2");
        String url = args[1];
        // The password from the environment, not the command line (which every user of the machine can read).
        String password = args.length > 3 ? args[3] : System.getenv().getOrDefault("QUARKUS_DATASOURCE_PASSWORD", "");
        if (!h2) {
            try (Connection c = DriverManager.getConnection(url, args[2], password);
                    Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS query_plans CASCADE");
                s.execute("CREATE SCHEMA query_plans");
            }
            url += (url.contains("?") ? "&" : "?") + "currentSchema=query_plans";
        }
        try (Connection c = DriverManager.getConnection(url, args[2], password);
                Statement s = c.createStatement()) {
            System.out.println("# " + c.getMetaData().getDatabaseProductName() + " "
                    + c.getMetaData().getDatabaseProductVersion());
            if (h2) {
                // H2 would otherwise answer a repeated statement from its result cache, and the times would mean nothing.
                s.execute("SET OPTIMIZE_REUSE_RESULTS 0");
            }
            long start = System.nanoTime();
            migrate(s, h2);
            s.execute(h2 ? H2_LOAD : PG_LOAD);
            long loaded = System.nanoTime();
            s.execute(h2 ? "ANALYZE" : "VACUUM ANALYZE scheduled_calls");
            System.out.printf("# %,d calls loaded in %.1f s, analysed in %.1f s%n%n", CALLS, (loaded - start) / 1e9,
                    (System.nanoTime() - loaded) / 1e9);
            for (Case each : CASES) {
                String where = each.where() == null ? "" : " where " + each.where();
                // The count, capped at call-scheduler.calls.count-cap (ScheduledCall.countMatching).
                String count = "select sc1_0.id from scheduled_calls sc1_0" + where + " fetch first " + COUNT_CAP
                        + " rows only";
                String page = "select " + COLUMNS + " from scheduled_calls sc1_0" + where
                        + " order by " + leadingColumn(each.where()) + "sc1_0.scheduled_time desc,sc1_0.id desc"
                        + " offset " + each.page() * 50 + " rows fetch first 50 rows only";
                System.out.println("## GET /api/calls?" + each.query());
                for (String sql : List.of(count, page)) {
                    System.out.println(sql.replace(COLUMNS, "<every column>"));
                    explain(s, h2, sql);
                    System.out.printf("-- median of %d runs: %.2f ms, %d rows%n%n", RUNS, median(s, sql), rows(s, sql));
                }
            }
        }
    }

    /**
     * The column an equality filter fixes, which leads the page's order as in ScheduledCall.newestFirstOrder: the
     * phone number, else the reference, else the status.
     */
    static String leadingColumn(String where) {
        if (where == null) {
            return "";
        }
        for (String column : List.of("phone_number", "reference", "status")) {
            if (where.contains("sc1_0." + column + "=")) {
                return "sc1_0." + column + " desc,";
            }
        }
        return "";
    }

    /** Runs every migration, in version order, as the application's Flyway would. */
    static void migrate(Statement s, boolean h2) throws Exception {
        Path folder = Path.of("src/main/resources/db/migration");
        List<Path> migrations;
        try (var files = Files.list(folder)) {
            migrations = files.filter(f -> f.getFileName().toString().matches("V\\d+__.*\\.sql"))
                    .sorted(Comparator.comparingInt(f -> Integer.parseInt(f.getFileName().toString().replaceAll("^V(\\d+)__.*", "$1"))))
                    .toList();
        }
        for (Path migration : migrations) {
            // The placeholders of application.properties (quarkus.flyway.placeholders.*), for each database.
            String sql = Files.readString(migration).replace("${random_uuid}", h2 ? "RANDOM_UUID()" : "gen_random_uuid()")
                    .replace("${event_id_cache}", h2 ? "1000" : "1");
            s.execute(sql);
        }
        System.out.println("# schema: " + migrations.stream().map(m -> m.getFileName().toString()).toList());
    }

    static final String H2_LOAD = """
            INSERT INTO scheduled_calls (id, phone_number, scheduled_time, status, created_at, updated_at,
                idempotency_key, reference, next_attempt_at, attempts, call_api_id, call_status)
            SELECT X,
                '+1202' || LPAD(CAST(MOD(X * 7919, 200000) AS VARCHAR), 7, '0'),
                T,
                CASE WHEN X > 800000 THEN 'pending' WHEN X > 790000 THEN 'in-progress'
                     WHEN MOD(X, 20) < 17 THEN 'completed' ELSE 'failed' END,
                T - INTERVAL '1' DAY,
                T - INTERVAL '1' DAY,
                CAST(RANDOM_UUID() AS VARCHAR),
                CASE WHEN MOD(X, 10) = 0 THEN NULL ELSE 'appt-' || CAST(X / 2 AS VARCHAR) END,
                CASE WHEN X > 800000 THEN T END,
                CASE WHEN X > 800000 THEN 0 ELSE 1 END,
                CASE WHEN X > 800000 THEN NULL ELSE 'sid-' || CAST(X AS VARCHAR) END,
                CASE WHEN X > 800000 THEN NULL WHEN X > 790000 THEN 'ringing' WHEN MOD(X, 20) < 17 THEN 'completed'
                     ELSE 'busy' END
            FROM (SELECT X, DATEADD(MILLISECOND, X * 2592, TIMESTAMP WITH TIME ZONE '2026-11-01 00:00:00+00') AS T
                  FROM SYSTEM_RANGE(1, 1000000))
            """;;

    static final String PG_LOAD = """
            INSERT INTO scheduled_calls (id, phone_number, scheduled_time, status, created_at, updated_at,
                idempotency_key, reference, next_attempt_at, attempts, call_api_id, call_status)
            SELECT x,
                '+1202' || lpad(((x::bigint * 7919) % 200000)::text, 7, '0'),
                TIMESTAMPTZ '2026-11-01 00:00:00+00' + x * INTERVAL '2.592 seconds',
                CASE WHEN x > 800000 THEN 'pending' WHEN x > 790000 THEN 'in-progress'
                     WHEN x % 20 < 17 THEN 'completed' ELSE 'failed' END,
                TIMESTAMPTZ '2026-10-31 00:00:00+00' + x * INTERVAL '2.592 seconds',
                TIMESTAMPTZ '2026-10-31 00:00:00+00' + x * INTERVAL '2.592 seconds',
                gen_random_uuid()::text,
                CASE WHEN x % 10 = 0 THEN NULL ELSE 'appt-' || (x / 2) END,
                CASE WHEN x > 800000 THEN TIMESTAMPTZ '2026-11-01 00:00:00+00' + x * INTERVAL '2.592 seconds' END,
                CASE WHEN x > 800000 THEN 0 ELSE 1 END,
                CASE WHEN x > 800000 THEN NULL ELSE 'sid-' || x END,
                CASE WHEN x > 800000 THEN NULL WHEN x > 790000 THEN 'ringing' WHEN x % 20 < 17 THEN 'completed'
                     ELSE 'busy' END
            FROM generate_series(1, 1000000) AS x
            """;

    static void explain(Statement s, boolean h2, String sql) throws SQLException {
        try (ResultSet plan = s.executeQuery((h2 ? "EXPLAIN ANALYZE " : "EXPLAIN (ANALYZE, BUFFERS) ") + sql)) {
            while (plan.next()) {
                String line = plan.getString(1);
                System.out.println(SELECT_LIST.matcher(line).replaceFirst("SELECT <every column> FROM"));
            }
        }
    }

    /** H2 prints the statement with its select list: every column of the table, one per line. */
    static final Pattern SELECT_LIST = Pattern.compile("(?s)SELECT\\s+\"SC1_0\"\\.\"ID\".*?\\sFROM");

    static double median(Statement s, String sql) throws SQLException {
        rows(s, sql);
        double[] millis = new double[RUNS];
        for (int i = 0; i < RUNS; i++) {
            long start = System.nanoTime();
            rows(s, sql);
            millis[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(millis);
        return millis[RUNS / 2];
    }

    static int rows(Statement s, String sql) throws SQLException {
        int rows = 0;
        try (ResultSet r = s.executeQuery(sql)) {
            while (r.next()) {
                rows++;
            }
        }
        return rows;
    }
}
