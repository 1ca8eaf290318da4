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
 * in-progress, the last 200,000 (from 2026-11-24T08:53Z on) pending. Two groups of 10,000 share one scheduled time,
 * as a burst and a batch import make them: the calls in progress (all at 2026-11-25T00:00Z, dialled together), and
 * the newest calls, ids 990,001 on, all at 2026-12-01T00:00Z with the reference "batch-1".
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

    /** The calls loaded: 1,000,000, or PLANS_CALLS (the shape scales: 30 days, the same shares and groups). */
    static final int CALLS = Integer.parseInt(System.getenv().getOrDefault("PLANS_CALLS", "1000000"));
    /**
     * PLANS_UPGRADE_FROM: the last migration applied before the load (for example 7); the later ones are applied to the
     * loaded table and timed, as an upgrade of a full database. Unset: every migration before the load.
     */
    static final int UPGRADE_FROM = Integer.parseInt(System.getenv().getOrDefault("PLANS_UPGRADE_FROM", "999999"));
    static final int RUNS = 5;
    static final int COUNT_CAP = 10_000;

    /** The columns of ScheduledCall, in the order Hibernate selects them. */
    static final String COLUMNS = "sc1_0.id,sc1_0.attempts,sc1_0.call_api_id,sc1_0.call_status,sc1_0.calling_window,"
            + "sc1_0.claim_token,sc1_0.claimed_by,sc1_0.created_at,sc1_0.dial_posts,sc1_0.dialled_at,sc1_0.error_message,"
            + "sc1_0.expires_at,sc1_0.idempotency_key,sc1_0.lease_until,sc1_0.metadata,sc1_0.next_attempt_at,"
            + "sc1_0.phone_number,sc1_0.reference,sc1_0.retried_outcomes,sc1_0.retry_delay_seconds,sc1_0.retry_max,"
            + "sc1_0.retry_on,sc1_0.scheduled_time,sc1_0.sent_at,sc1_0.status,sc1_0.time_zone,sc1_0.updated_at,"
            + "sc1_0.version,sc1_0.wait_reason";

    /**
     * One GET /api/calls: its query string, the WHERE clause Hibernate makes of it, the page and its size; or, when
     * {@code keyset}, one chunk of the CSV export (ScheduledCall.listNewestFirstAfter: no count, no offset).
     */
    record Case(String query, String where, int page, int size, boolean keyset) {
        Case(String query, String where, int page) {
            this(query, where, page, 50, false);
        }
    }

    static final String PHONE = "'+12020123456'";
    static final String REFERENCE = "'appt-123456'";
    static final String HOUR_FROM = "TIMESTAMP WITH TIME ZONE '2026-11-20 09:00:00+00'";
    static final String HOUR_TO = "TIMESTAMP WITH TIME ZONE '2026-11-20 10:00:00+00'";
    static final String DAY_FROM = "TIMESTAMP WITH TIME ZONE '2026-11-27 00:00:00+00'";
    static final String DAY_TO = "TIMESTAMP WITH TIME ZONE '2026-11-28 00:00:00+00'";
    /** The scheduled time the 10,000 calls in progress share (a burst), and the one the newest 10,000 share (a batch). */
    static final String BURST = "TIMESTAMP WITH TIME ZONE '2026-11-25 00:00:00+00'";
    static final String BATCH = "TIMESTAMP WITH TIME ZONE '2026-12-01 00:00:00+00'";
    /** The scheduled time of call CALLS / 2. */
    static final String MIDDLE = "TIMESTAMP WITH TIME ZONE '2026-11-16 00:00:00+00'";

    /** The keyset condition of the export's next chunk after the call {@code id} scheduled at {@code time}. */
    static String after(String time, long id) {
        return "sc1_0.scheduled_time<=" + time + " and (sc1_0.scheduled_time<" + time + " or sc1_0.scheduled_time=" + time
                + " and sc1_0.id<" + id + ")";
    }

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
            // 10,000 calls at one scheduled time: a burst in progress, a batch with one reference.
            new Case("status=in-progress", "sc1_0.status='in-progress'", 0),
            new Case("reference=batch-1", "sc1_0.reference='batch-1'", 0),
            // The CSV export's chunks of 500 (keyset, ScheduledCall.listNewestFirstAfter): from the middle of the batch,
            // of the burst, and of the whole list.
            new Case("(no filter), CSV export from the middle of the batch", after(BATCH, CALLS - 5000), 0, 500, true),
            new Case("status=in-progress, CSV export from the middle of the burst", "sc1_0.status='in-progress' and "
                    + after(BURST, CALLS / 10 * 8 - 5000), 0, 500, true),
            new Case("(no filter), CSV export from the middle of the list", after(MIDDLE, CALLS / 2), 0, 500, true),
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
            List<Path> later = migrate(s, h2);
            s.execute(load(h2));
            long loaded = System.nanoTime();
            s.execute(h2 ? "ANALYZE" : "VACUUM ANALYZE scheduled_calls");
            System.out.printf("# %,d calls loaded in %.1f s, analysed in %.1f s%n", CALLS, (loaded - start) / 1e9,
                    (System.nanoTime() - loaded) / 1e9);
            for (Path migration : later) {
                long upgrade = System.nanoTime();
                s.execute(migrationSql(migration, h2));
                if (h2) {
                    // Written to the file, as a commit of the application (WRITE_DELAY=0) would be.
                    s.execute("CHECKPOINT");
                }
                System.out.printf("# %s applied to the %,d calls in %.1f s%n", migration.getFileName(), CALLS,
                        (System.nanoTime() - upgrade) / 1e9);
                s.execute(h2 ? "ANALYZE" : "ANALYZE scheduled_calls");
            }
            System.out.println();
            for (Case each : CASES) {
                String where = each.where() == null ? "" : " where " + each.where();
                // The count up to call-scheduler.calls.count-cap + 1 (ScheduledCall.countMatching, in SQL).
                String count = "SELECT COUNT(*) FROM (SELECT 1 FROM scheduled_calls sc1_0" + where + " LIMIT "
                        + (COUNT_CAP + 1) + ") capped";
                String page = "select " + COLUMNS + " from scheduled_calls sc1_0" + where
                        + " order by " + leadingColumn(each.where()) + "sc1_0.scheduled_time desc,sc1_0.id desc"
                        + (each.keyset() ? "" : " offset " + each.page() * each.size() + " rows")
                        + " fetch first " + each.size() + " rows only";
                System.out.println("## GET /api/calls?" + each.query());
                for (String sql : each.keyset() ? List.of(page) : List.of(count, page)) {
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

    /**
     * Runs every migration up to PLANS_UPGRADE_FROM, in version order, as the application's Flyway would; returns the
     * later ones.
     */
    static List<Path> migrate(Statement s, boolean h2) throws Exception {
        Path folder = Path.of("src/main/resources/db/migration");
        List<Path> migrations;
        try (var files = Files.list(folder)) {
            migrations = files.filter(f -> f.getFileName().toString().matches("V\\d+__.*\\.sql"))
                    .sorted(Comparator.comparingInt(QueryPlans::version))
                    .toList();
        }
        List<Path> before = migrations.stream().filter(m -> version(m) <= UPGRADE_FROM).toList();
        for (Path migration : before) {
            s.execute(migrationSql(migration, h2));
        }
        System.out.println("# schema: " + before.stream().map(m -> m.getFileName().toString()).toList());
        return migrations.subList(before.size(), migrations.size());
    }

    static int version(Path migration) {
        return Integer.parseInt(migration.getFileName().toString().replaceAll("^V(\\d+)__.*", "$1"));
    }

    /** The migration's SQL with the placeholders of application.properties (quarkus.flyway.placeholders.*). */
    static String migrationSql(Path migration, boolean h2) throws Exception {
        return Files.readString(migration).replace("${random_uuid}", h2 ? "RANDOM_UUID()" : "gen_random_uuid()")
                .replace("${event_id_cache}", h2 ? "1000" : "1")
                .replace("${status_index_columns}", h2 ? "status, scheduled_time" : "status, scheduled_time, id");
    }

    /**
     * The INSERT ... SELECT of the calls: call x at 2026-11-01T00:00Z + x * 30 days / CALLS, except the two groups that
     * share a time: the 10,000 in progress (up to id 0.8 * CALLS) at the time of the last of them, and the newest
     * 10,000 (reference "batch-1") at the time of the last call.
     */
    static String load(boolean h2) {
        int inProgressTo = CALLS / 10 * 8;
        int completedTo = inProgressTo - 10_000;
        int batchFrom = CALLS - 10_000;
        return (h2 ? H2_LOAD : PG_LOAD).replace("{calls}", Integer.toString(CALLS))
                .replace("{in_progress_to}", Integer.toString(inProgressTo))
                .replace("{completed_to}", Integer.toString(completedTo))
                .replace("{batch_from}", Integer.toString(batchFrom))
                .replace("{step_micros}", Long.toString(30L * 86_400_000_000L / CALLS));
    }

    static final String H2_LOAD = """
            INSERT INTO scheduled_calls (id, phone_number, scheduled_time, status, created_at, updated_at,
                idempotency_key, reference, next_attempt_at, attempts, call_api_id, call_status)
            SELECT X,
                '+1202' || LPAD(CAST(MOD(X * 7919, 200000) AS VARCHAR), 7, '0'),
                T,
                CASE WHEN X > {in_progress_to} THEN 'pending' WHEN X > {completed_to} THEN 'in-progress'
                     WHEN MOD(X, 20) < 17 THEN 'completed' ELSE 'failed' END,
                T - INTERVAL '1' DAY,
                T - INTERVAL '1' DAY,
                CAST(RANDOM_UUID() AS VARCHAR),
                CASE WHEN X > {batch_from} THEN 'batch-1' WHEN MOD(X, 10) = 0 THEN NULL
                     ELSE 'appt-' || CAST(X / 2 AS VARCHAR) END,
                CASE WHEN X > {in_progress_to} THEN T END,
                CASE WHEN X > {in_progress_to} THEN 0 ELSE 1 END,
                CASE WHEN X > {in_progress_to} THEN NULL ELSE 'sid-' || CAST(X AS VARCHAR) END,
                CASE WHEN X > {in_progress_to} THEN NULL WHEN X > {completed_to} THEN 'ringing'
                     WHEN MOD(X, 20) < 17 THEN 'completed' ELSE 'busy' END
            FROM (SELECT X, DATEADD(MICROSECOND, CAST({step_micros} AS BIGINT) * CASE WHEN X > {batch_from} THEN {calls}
                      WHEN X > {completed_to} AND X <= {in_progress_to} THEN {in_progress_to} ELSE X END,
                      TIMESTAMP WITH TIME ZONE '2026-11-01 00:00:00+00') AS T
                  FROM SYSTEM_RANGE(1, {calls}))
            """;

    static final String PG_LOAD = """
            INSERT INTO scheduled_calls (id, phone_number, scheduled_time, status, created_at, updated_at,
                idempotency_key, reference, next_attempt_at, attempts, call_api_id, call_status)
            SELECT x,
                '+1202' || lpad(((x::bigint * 7919) % 200000)::text, 7, '0'),
                t,
                CASE WHEN x > {in_progress_to} THEN 'pending' WHEN x > {completed_to} THEN 'in-progress'
                     WHEN x % 20 < 17 THEN 'completed' ELSE 'failed' END,
                t - INTERVAL '1 day',
                t - INTERVAL '1 day',
                gen_random_uuid()::text,
                CASE WHEN x > {batch_from} THEN 'batch-1' WHEN x % 10 = 0 THEN NULL ELSE 'appt-' || (x / 2) END,
                CASE WHEN x > {in_progress_to} THEN t END,
                CASE WHEN x > {in_progress_to} THEN 0 ELSE 1 END,
                CASE WHEN x > {in_progress_to} THEN NULL ELSE 'sid-' || x END,
                CASE WHEN x > {in_progress_to} THEN NULL WHEN x > {completed_to} THEN 'ringing'
                     WHEN x % 20 < 17 THEN 'completed' ELSE 'busy' END
            FROM (SELECT x, TIMESTAMPTZ '2026-11-01 00:00:00+00' + {step_micros} * INTERVAL '1 microsecond'
                      * CASE WHEN x > {batch_from} THEN {calls}
                             WHEN x > {completed_to} AND x <= {in_progress_to} THEN {in_progress_to} ELSE x END AS t
                  FROM generate_series(1, {calls}) AS x) calls
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
