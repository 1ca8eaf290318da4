import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Call Scheduler benchmark. Starts the packaged application (target/quarkus-app) with its built-in
 * Call API simulator answering after 50 ms, on a fresh H2 file, and measures:
 * <ol>
 * <li>POST /api/schedule throughput and latency with 64 concurrent clients;</li>
 * <li>10,000 calls due at the same instant: time until all are dialled, dial rate, dispatch lag
 * (due time to the simulator receiving the POST), duplicates; 2,000 calls are dialled first to
 * warm up the JIT, as in a service that has been running;</li>
 * <li>dispatch lag for 100 calls due at scattered times;</li>
 * <li>pacing: 1,000 calls due at one instant on an application of its own (a fresh H2 file) with
 * {@code call-scheduler.pacing.calls-per-second=100}: the most POSTs the simulator received in any one
 * second (at most 100 expected) and the time from the first to the last (about 10 s).</li>
 * </ol>
 * Prints one JSON object. Needs only the JDK: run it with {@code java src/bench/Benchmark.java}
 * (or src/bench/run.sh, which packages first). Arguments pick phases (schedule, batch, burst, scattered,
 * pacing by default; active and startup on request); BENCH_APP_OPTS adds JVM options or -D settings to the
 * application's command, and BENCH_JAVA names the java that runs it (default: the one running this program).
 * The application runs in target/quarkus-app, as in the container image, so a relative path in BENCH_APP_OPTS
 * (-XX:SharedArchiveFile=app-cds.jsa, -XX:AOTCache=app.aot) is relative to it. Talks to 127.0.0.1 only.
 * <p>
 * The phase {@code startup} starts the application 10 times, about a minute: 5 rounds of a first start on an
 * empty H2 file and a restart on the file it left. For each kind it prints the median, min and max of the time
 * from launching java to the first answer of GET /q/health/ready (which is its first 200: Quarkus opens the HTTP
 * port once start-up is done), RSS 2 s later (and RssAnon, RSS less mapped files), Quarkus' own "started in" and
 * the time to stop on SIGTERM, with the java, its options and the machine's load average. BENCH_PORT fixes the
 * application's port (default: a free one).
 * <p>
 * The phase {@code instances} is run on its own, on the PostgreSQL build (run.sh --postgresql
 * instances): for 1, 2 and 3 instances sharing one database it measures 10,000 calls due at one
 * instant, scheduled round-robin through the instances' APIs and dialled to one Call API (the
 * simulator of the first instance), and prints one JSON object per round. The database is
 * BENCH_PG_URL (default jdbc:postgresql://localhost:5432/callscheduler_bench), user BENCH_PG_USER
 * (default callscheduler), password QUARKUS_DATASOURCE_PASSWORD; every call in it is deleted
 * before each round, through the PostgreSQL driver that run.sh puts on the class path.
 * <p>
 * The phase {@code instances-io} is the same on the same build with the dial slots as the limit: a Call API that
 * answers in 300 ms, 16 dial slots per instance ({@code call-scheduler.dispatch.max-in-flight}), 3,000 calls
 * (500 dialled first as a warm-up); one instance can then send about 16 / 0.3 s = 53 a second, and n instances n
 * times that. Besides the figures of {@code instances} it prints the POSTs the simulator received in each second
 * from the first POST, the longest time without a POST between the first and the last, the seconds with fewer
 * POSTs than half the steady rate (the median second), the speed-up over one instance, and the mean time each
 * instance waited for a dial's answer (a simulator that keeps up answers in about 300 ms). A call POSTed twice
 * breaks the dial promise: the phase then fails, after printing its round.
 * <p>
 * BENCH_PORT_BASE (for example 18790) puts the instances of both phases on the ports from there up, instead of
 * ports the system picks; BENCH_INSTANCES (for example "1,3") picks their rounds.
 */
public class Benchmark {

    static final int CLIENTS = 64;
    static final Duration SCHEDULE_WARMUP = Duration.ofSeconds(5);
    static final Duration SCHEDULE_MEASURE = Duration.ofSeconds(15);
    static final int BURST = 10_000;
    /** The instances phases: how many calls, the Call API's answer time, the dial slots of each instance. */
    record InstancesRun(String phase, String key, int calls, int warmUp, Duration lead, Duration latency,
            Integer slots) {
    }

    static final InstancesRun INSTANCES_CPU = new InstancesRun("instances", "burst_10000", BURST, 2_000,
            // Longer than the single burst's 25 s: on PostgreSQL, with up to 3 instances, the
            // scheduling must still end before the due time when the 2 cores are busy.
            Duration.ofSeconds(45), Duration.ofMillis(50), null);
    static final InstancesRun INSTANCES_IO = new InstancesRun("instances-io", "io_3000_slots_16_api_300ms", 3_000, 500,
            Duration.ofSeconds(20), Duration.ofMillis(300), 16);
    static final int SCATTERED = 100;
    static final int PACED = 1_000;
    static final int PACED_PER_SECOND = 100;
    /** A POST the simulator received: its phone number (each call here has its own) and when. */
    static final Pattern REQUEST = Pattern.compile(
            "\"phone_number\":\"(\\+\\d+)\"[^}]*?\"received_at\":\"([^\"]+)\"");
    /** The call each phone number was scheduled for. */
    static final Map<String, Long> CALL_OF_PHONE = new java.util.concurrent.ConcurrentHashMap<>();
    static final Pattern ID = Pattern.compile("\"id\":(\\d+)");

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newFixedThreadPool(8, r -> {
                Thread thread = new Thread(r);
                thread.setDaemon(true);
                return thread;
            })).build();
    static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    /** The rounds of the instances phases: 1, 2 and 3 instances, or BENCH_INSTANCES (for example "3" or "1,3"). */
    static final List<Integer> INSTANCES = java.util.Arrays.stream(
            System.getenv().getOrDefault("BENCH_INSTANCES", "1,2,3").split(",")).map(String::trim).map(Integer::valueOf).toList();
    /** The java that runs the application: BENCH_JAVA, or the one running this benchmark. */
    static final String JAVA = System.getenv().getOrDefault("BENCH_JAVA",
            Path.of(System.getProperty("java.home"), "bin", "java").toString());
    /** Starts per file in the startup phase: one on an empty H2 file, then as many restarts on it. */
    static final int STARTS = 5;
    static final Pattern DIALS_ACCEPTED = Pattern.compile(
            "^callscheduler_callapi_requests_seconds_count\\{([^}]*)\\}\\s+(\\S+)", Pattern.MULTILINE);
    static final Pattern DIAL_TIMES = Pattern.compile(
            "^callscheduler_callapi_requests_seconds_(count|sum)\\{([^}]*)\\}\\s+(\\S+)", Pattern.MULTILINE);
    /** The application that serves the Call API simulator the benchmark reads. */
    static String base;
    /** The process of {@link #base}, when the benchmark started it on H2 (for its CPU time). */
    static Process baseApp;

    public static void main(String[] args) throws Exception {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException("Build first: ./mvnw package -DskipTests");
        }
        List<String> phases = args.length == 0 ? List.of("schedule", "batch", "burst", "scattered", "pacing") : List.of(args);
        for (String phase : phases) {
            if (!List.of("schedule", "batch", "burst", "scattered", "pacing", "active", "startup", "instances",
                    "instances-io", "large").contains(phase)) {
                throw new IllegalArgumentException("unknown phase " + phase
                        + ": schedule, batch, burst, scattered, pacing, active, startup, large, instances or instances-io");
            }
        }
        if (phases.contains("large") && "postgresql".equals(System.getenv("BENCH_DB"))) {
            if (phases.size() > 1) {
                throw new IllegalArgumentException("large on PostgreSQL runs alone: the other phases need the H2 build");
            }
            System.out.println(toJson(Map.of("machine", machine(), "large_on_postgresql", large(true)), ""));
            System.exit(0);
        }
        if (phases.contains("instances") || phases.contains("instances-io")) {
            if (phases.stream().anyMatch(phase -> !phase.startsWith("instances"))) {
                throw new IllegalArgumentException("instances and instances-io run without the other phases: they need"
                        + " the PostgreSQL build, the others the H2 one");
            }
            for (String phase : phases) {
                instances(phase.equals("instances") ? INSTANCES_CPU : INSTANCES_IO);
            }
        } else {
            onH2(phases);
        }
        System.exit(0);
    }

    /**
     * The phases schedule, burst and scattered, on one instance with a fresh H2 file; then pacing, on an instance of
     * its own (its calls-per-second would slow the others down).
     */
    static void onH2(List<String> phases) throws Exception {
        Map<String, Object> result = new HashMap<>();
        result.put("machine", machine());
        if (phases.contains("startup")) {
            result.put("startup", startup());
        }
        if (phases.contains("schedule") || phases.contains("batch") || phases.contains("burst")
                || phases.contains("scattered")) {
            Process app = startOnH2(List.of(), Path.of("target/benchmark-app.log"));
            try {
                if (phases.contains("schedule")) {
                    result.put("schedule_throughput", scheduleThroughput());
                }
                if (phases.contains("batch")) {
                    result.put("batch_1000_per_request", batchThroughput());
                }
                if (phases.contains("burst")) {
                    result.put("burst_10000_due_at_once", burst());
                }
                if (phases.contains("scattered")) {
                    result.put("scattered_100", scattered());
                }
            } finally {
                stop(List.of(app));
            }
        }
        if (phases.contains("pacing")) {
            Process app = startOnH2(List.of("-Dcall-scheduler.pacing.calls-per-second=" + PACED_PER_SECOND),
                    Path.of("target/benchmark-pacing-app.log"));
            try {
                result.put("pacing_1000_due_at_once_" + PACED_PER_SECOND + "_per_second", pacing());
            } finally {
                stop(List.of(app));
            }
        }
        if (phases.contains("active")) {
            // Simulated calls last three minutes (three steps of a minute), so all 10,000 stay in progress.
            Process app = startOnH2(List.of("-Dcall-scheduler.simulator.step=60s"),
                    Path.of("target/benchmark-active-app.log"));
            baseApp = app;
            try {
                result.put("active_10000_polled_every_5s", active());
            } finally {
                stop(List.of(app));
            }
        }
        if (phases.contains("large")) {
            result.put("large_on_h2", large(false));
        }
        System.out.println(toJson(result, ""));
    }

    /**
     * (6) 10,000 calls in progress at once, each to be asked about every poll interval (5 s): after they are all
     * dialled, a minute and a half of polling, then how late each call was asked (the app's
     * callscheduler_poll_call_lateness_seconds: time since the call was last asked, less the interval; its quantiles
     * cover the last two minutes).
     */
    static Map<String, Object> active() throws Exception {
        Burst burst = scheduleBurst(List.of(base), Duration.ofSeconds(25));
        Map<Long, List<Instant>> received = awaitDialled(burst.ids(), burst.due().plusSeconds(120));
        double asksBefore = statusRequests(get(base + "/q/metrics"));
        long cpuBefore = cpuMillis(baseApp);
        long startNanos = System.nanoTime();
        Thread.sleep(90_000);
        String metrics = get(base + "/q/metrics");
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        long cpu = cpuMillis(baseApp) - cpuBefore;
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("calls_dialled", received.size());
        HttpResponse<Void> inProgress = HTTP.send(HttpRequest.newBuilder(
                URI.create(base + "/api/calls?status=in-progress&size=1")).build(), HttpResponse.BodyHandlers.discarding());
        out.put("calls_in_progress_at_the_end", inProgress.headers().firstValue("X-Total-Count").orElse("?"));
        out.put("poll_lateness_ms_p50", metricMillis(metrics, "callscheduler_poll_call_lateness_seconds{quantile=\"0.5\"}"));
        out.put("poll_lateness_ms_p99", metricMillis(metrics, "callscheduler_poll_call_lateness_seconds{quantile=\"0.99\"}"));
        out.put("poll_lateness_ms_max", metricMillis(metrics, "callscheduler_poll_call_lateness_seconds_max"));
        out.put("calls_asked_again", metricValue(metrics, "callscheduler_poll_call_lateness_seconds_count"));
        out.put("status_requests_per_second", round((statusRequests(metrics) - asksBefore) / seconds));
        // CPU of the application (poller, REST client and the simulator it serves) over the 90 s, in cores.
        out.put("app_cpu_cores", cpu < 0 ? "?" : round(cpu / 1000.0 / seconds * 100) / 100.0);
        out.put("load_average", loadAverage());
        return out;
    }

    /** Each instance's status requests to the Call API so far. */
    static List<Double> statusRequests(List<String> apps) throws Exception {
        List<Double> asks = new ArrayList<>();
        for (String app : apps) {
            asks.add(statusRequests(get(app + "/q/metrics")));
        }
        return asks;
    }

    /** Status requests to the Call API so far, whatever their outcome. */
    static double statusRequests(String metrics) {
        double total = 0;
        Matcher m = Pattern.compile("^callscheduler_callapi_requests_seconds_count\\{([^}]*)\\}\\s+(\\S+)",
                Pattern.MULTILINE).matcher(metrics);
        while (m.find()) {
            if (m.group(1).contains("operation=\"status\"")) {
                total += Double.parseDouble(m.group(2));
            }
        }
        return total;
    }

    /** User and system CPU time of {@code process} so far (Linux /proc), or -1 where it cannot be read. */
    static long cpuMillis(Process process) {
        try {
            String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // utime and stime, fields 14 and 15 of stat, in clock ticks of 10 ms.
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10;
        } catch (Exception e) {
            return -1;
        }
    }

    static final int LARGE = Integer.parseInt(System.getenv().getOrDefault("BENCH_LARGE_CALLS", "2000000"));
    static final String LARGE_HEAP = System.getenv().getOrDefault("BENCH_LARGE_HEAP", "-Xmx256m");
    static final Duration LARGE_READS = Duration.ofSeconds(60);
    static final int LARGE_SCHEDULES_PER_SECOND = 200;
    static final int LARGE_READERS = 2;

    /**
     * (7) A year of calls: {@code LARGE} (2,000,000) calls stored through POST /api/calls/batch on an application
     * started with {@code LARGE_HEAP} (-Xmx256m), then a minute of reads (every filter of GET /api/calls, the page's
     * table, /q/health/ready) by two clients while 200 calls a second are scheduled, due 2 s later, dialled and
     * followed; then the application is started again on the same store with calls lasting three minutes, 10,000 calls
     * are put in progress and the reads are measured again while they are polled every 5 s. Reports the latencies,
     * the bytes the store takes per call (H2: the file, then compacted; PostgreSQL: the tables with their indexes), the
     * memory (RSS, heap), and any OutOfMemoryError in the logs.
     */
    static Map<String, Object> large(boolean postgresql) throws Exception {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("calls_loaded", LARGE);
        out.put("heap", LARGE_HEAP);
        Path data = Files.createTempDirectory("call-scheduler-bench-large-");
        String pgUrl = System.getenv().getOrDefault("BENCH_PG_URL", "jdbc:postgresql://localhost:5432/callscheduler_bench");
        String pgUser = System.getenv().getOrDefault("BENCH_PG_USER", "callscheduler");
        String pgPassword = System.getenv("QUARKUS_DATASOURCE_PASSWORD");
        List<String> store = new ArrayList<>();
        if (postgresql) {
            emptyTables(pgUrl, pgUser, pgPassword);
            store.addAll(List.of("-Dquarkus.datasource.jdbc.url=" + pgUrl, "-Dquarkus.datasource.username=" + pgUser));
        } else {
            store.addAll(List.of("-Dquarkus.profile=prod", "-Dcall-scheduler.data-dir=" + data));
        }
        List<String> settings = new ArrayList<>(store);
        settings.add(LARGE_HEAP);
        Path log = Path.of("target/benchmark-large-app.log");
        Process app = startAt(settings, log);
        Map<String, Object> loading = new java.util.LinkedHashMap<>();
        try {
            long start = System.nanoTime();
            AtomicInteger errors = new AtomicInteger();
            loadCalls(LARGE, errors);
            double seconds = (System.nanoTime() - start) / 1e9;
            loading.put("seconds", round(seconds));
            loading.put("calls_per_second", round(LARGE / seconds));
            loading.put("errors", errors.get());
            loading.put("memory_after", memory(app));
            out.put("load", loading);
            out.put("reads_while_200_scheduled_and_dialled_per_second", readsUnderLoad(true));
            if (!postgresql) {
                out.put("h2_upkeep_while_loading_and_reading", h2Upkeep(start));
            }
            out.put("memory_after_reads", memory(app));
            out.put("store_after_reads", storeSize(postgresql, data, pgUrl, pgUser, pgPassword));
        } finally {
            stop(List.of(app));
        }
        out.put("out_of_memory_errors", outOfMemoryErrors(log));
        // Again on the same store: simulated calls last three minutes (three steps of a minute), so all 10,000 stay
        // in progress and are asked about every 5 s.
        settings.add("-Dcall-scheduler.simulator.step=60s");
        Path activeLog = Path.of("target/benchmark-large-active-app.log");
        long restart = System.nanoTime();
        app = startAt(settings, activeLog);
        out.put("restart_seconds_until_ready", round((System.nanoTime() - restart) / 1e9));
        try {
            Burst burst = scheduleBurst(List.of(base), Duration.ofSeconds(25));
            Map<Long, List<Instant>> received = awaitDialled(burst.ids(), burst.due().plusSeconds(120));
            Map<String, Object> active = new java.util.LinkedHashMap<>();
            active.put("calls_dialled", received.size());
            active.put("reads", readsUnderLoad(false));
            String metrics = get(base + "/q/metrics");
            active.put("poll_lateness_ms_p50", metricMillis(metrics, "callscheduler_poll_call_lateness_seconds{quantile=\"0.5\"}"));
            active.put("poll_lateness_ms_p99", metricMillis(metrics, "callscheduler_poll_call_lateness_seconds{quantile=\"0.99\"}"));
            active.put("calls_asked", metricValue(metrics, "callscheduler_poll_call_lateness_seconds_count"));
            if (!postgresql) {
                active.put("h2_upkeep", h2Upkeep(restart));
            }
            active.put("memory", memory(app));
            out.put("with_10000_in_progress", active);
        } finally {
            stop(List.of(app));
        }
        out.put("out_of_memory_errors", (long) out.get("out_of_memory_errors") + outOfMemoryErrors(activeLog));
        out.put("store_after_stop", storeSize(postgresql, data, pgUrl, pgUser, pgPassword));
        if (!postgresql) {
            out.put("store_compacted", compactedH2(data));
        }
        try (var files = Files.list(data)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(data);
        return out;
    }

    /**
     * What the H2 file's upkeep (H2CompactionJob) took since the application started, about {@code since}
     * (System.nanoTime): its runs and their seconds, against the seconds passed. Commits wait while a step runs.
     */
    static Map<String, Object> h2Upkeep(long since) throws Exception {
        String metrics = get(base + "/q/metrics");
        Map<String, Object> upkeep = new java.util.LinkedHashMap<>();
        upkeep.put("runs", (long) metricValue(metrics, "callscheduler_h2_compaction_seconds_count"));
        upkeep.put("seconds", round(metricValue(metrics, "callscheduler_h2_compaction_seconds_sum")));
        upkeep.put("longest_ms", round(metricValue(metrics, "callscheduler_h2_compaction_seconds_max") * 1000));
        upkeep.put("of_seconds", round((System.nanoTime() - since) / 1e9));
        return upkeep;
    }

    /** Starts the application on a free port with {@code settings}; it becomes {@link #base}. */
    static Process startAt(List<String> settings, Path log) throws Exception {
        int port = freePorts(1).get(0);
        base = "http://127.0.0.1:" + port;
        Process app = startApp(port, settings, log);
        try {
            waitUntilReady(app, base, log, Duration.ofMinutes(5));
        } catch (IllegalStateException e) {
            stop(List.of(app));
            throw e;
        }
        return app;
    }

    /**
     * Stores {@code count} calls through POST /api/calls/batch, 1,000 a request from {@code BATCH_CLIENTS} clients:
     * one every 365 days / count from tomorrow on (none comes due during the benchmark), a number of its own each,
     * the reference "r-" + index / 2 (two calls each).
     */
    static void loadCalls(int count, AtomicInteger errors) throws Exception {
        Instant first = Instant.now().plus(Duration.ofDays(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        long spacingMillis = Duration.ofDays(365).toMillis() / count;
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(BATCH_CLIENTS);
        for (int c = 0; c < BATCH_CLIENTS; c++) {
            pool.submit(() -> {
                try (Connection connection = new Connection(base)) {
                    int from;
                    while ((from = next.getAndAdd(1000)) < count) {
                        StringBuilder body = new StringBuilder("{\"calls\":[");
                        for (int i = from; i < Math.min(count, from + 1000); i++) {
                            body.append(i == from ? "" : ",").append("{\"phone_number\":\"").append(largePhone(i))
                                    .append("\",\"scheduled_time\":\"").append(first.plusMillis(i * spacingMillis))
                                    .append("\",\"reference\":\"r-").append(i / 2).append("\"}");
                        }
                        body.append("]}");
                        String[] response = connection.post("/api/calls/batch", body.toString());
                        if (!response[0].equals("201")) {
                            errors.incrementAndGet();
                            System.err.println("batch answered " + response[0] + ": " + response[1]);
                        }
                    }
                } catch (Exception e) {
                    errors.incrementAndGet();
                    System.err.println("batch client failed: " + e);
                }
                return null;
            });
        }
        pool.shutdown();
        pool.awaitTermination(2, TimeUnit.HOURS);
    }

    static String largePhone(int index) {
        return String.format("+1202%07d", 2_000_000 + index % 7_000_000);
    }

    /**
     * For {@code LARGE_READS}, {@code LARGE_READERS} clients each read the list with every filter, the page's table and
     * readiness, one after the other, while (when {@code scheduling}) 200 calls a second are scheduled, due 2 s later.
     * Returns each read's p50, p99 and max in ms and the schedules sent.
     */
    static Map<String, Object> readsUnderLoad(boolean scheduling) throws Exception {
        Instant someDay = Instant.now().plus(Duration.ofDays(100)).truncatedTo(java.time.temporal.ChronoUnit.DAYS);
        Map<String, String> reads = new java.util.LinkedHashMap<>();
        reads.put("list", "/api/calls");
        reads.put("list_status_pending", "/api/calls?status=pending");
        reads.put("list_status_completed", "/api/calls?status=completed");
        reads.put("list_status_in_progress", "/api/calls?status=in-progress");
        reads.put("list_status_pending_page_100", "/api/calls?status=pending&page=100");
        reads.put("list_phone_number", "/api/calls?phone_number=" + largePhone(1_234_567).replace("+", "%2B"));
        reads.put("list_reference", "/api/calls?reference=r-617283");
        reads.put("list_an_hour", "/api/calls?scheduled_from=" + someDay + "&scheduled_to=" + someDay.plusSeconds(3600));
        reads.put("list_a_day_status_pending", "/api/calls?status=pending&scheduled_from=" + someDay
                + "&scheduled_to=" + someDay.plus(Duration.ofDays(1)));
        reads.put("page_table", "/calls-table");
        reads.put("page_table_status_pending", "/calls-table?status=pending");
        reads.put("health_ready", "/q/health/ready");
        reads.put("metrics", "/q/metrics");
        Map<String, ConcurrentLinkedQueue<Long>> latencies = new java.util.concurrent.ConcurrentHashMap<>();
        reads.keySet().forEach(name -> latencies.put(name, new ConcurrentLinkedQueue<>()));
        AtomicInteger errors = new AtomicInteger();
        AtomicInteger scheduled = new AtomicInteger();
        long end = System.nanoTime() + LARGE_READS.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(LARGE_READERS + 1);
        if (scheduling) {
            pool.submit(() -> {
                try (Connection connection = new Connection(base)) {
                    long started = System.nanoTime();
                    while (System.nanoTime() < end) {
                        long behind = (System.nanoTime() - started) * LARGE_SCHEDULES_PER_SECOND / 1_000_000_000L
                                - scheduled.get();
                        if (behind <= 0) {
                            Thread.sleep(2);
                            continue;
                        }
                        String[] response = connection.post("/api/schedule",
                                schedule(phone(), Instant.now().plusSeconds(2).toString()));
                        if (!response[0].equals("201")) {
                            errors.incrementAndGet();
                        }
                        scheduled.incrementAndGet();
                    }
                }
                return null;
            });
        }
        for (int r = 0; r < LARGE_READERS; r++) {
            pool.submit(() -> {
                try (Connection connection = new Connection(base)) {
                    while (System.nanoTime() < end) {
                        for (Map.Entry<String, String> read : reads.entrySet()) {
                            long t0 = System.nanoTime();
                            String[] response = connection.get(read.getValue());
                            if (!response[0].equals("200")) {
                                errors.incrementAndGet();
                                System.err.println(read.getValue() + " answered " + response[0]);
                            }
                            latencies.get(read.getKey()).add(System.nanoTime() - t0);
                        }
                    }
                }
                return null;
            });
        }
        pool.shutdown();
        pool.awaitTermination(LARGE_READS.toSeconds() + 120, TimeUnit.SECONDS);
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        for (String name : reads.keySet()) {
            List<Long> sorted = new ArrayList<>(latencies.get(name));
            Collections.sort(sorted);
            out.put(name, Map.of("requests", sorted.size(), "ms_p50", round(percentile(sorted, 50) / 1e6),
                    "ms_p99", round(percentile(sorted, 99) / 1e6), "ms_max", round(sorted.get(sorted.size() - 1) / 1e6)));
        }
        out.put("errors", errors.get());
        if (scheduling) {
            out.put("scheduled", scheduled.get());
        }
        return out;
    }

    /** The application's resident memory (VmRSS, peak VmHWM) and heap in use, in MB. */
    static Map<String, Object> memory(Process app) throws Exception {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + app.pid() + "/status"))) {
            if (line.startsWith("VmRSS:") || line.startsWith("VmHWM:")) {
                out.put(line.substring(0, 5).toLowerCase(Locale.ROOT) + "_mb",
                        round(Long.parseLong(line.replaceAll("\\D", "")) / 1024.0));
            }
        }
        double heap = 0;
        Matcher m = Pattern.compile("^jvm_memory_used_bytes\\{area=\"heap\"[^}]*\\}\\s+(\\S+)", Pattern.MULTILINE)
                .matcher(get(base + "/q/metrics"));
        while (m.find()) {
            heap += Double.parseDouble(m.group(1));
        }
        out.put("heap_used_mb", round(heap / 1024 / 1024));
        return out;
    }

    static long outOfMemoryErrors(Path log) throws IOException {
        try (var lines = Files.lines(log)) {
            return lines.filter(line -> line.contains("OutOfMemoryError")).count();
        }
    }

    /** The bytes the store takes per call: H2's file, PostgreSQL's tables with their indexes and TOAST. */
    static Map<String, Object> storeSize(boolean postgresql, Path data, String url, String user, String password)
            throws Exception {
        long bytes;
        long calls;
        if (postgresql) {
            try (java.sql.Connection db = java.sql.DriverManager.getConnection(url, user, password);
                    java.sql.Statement statement = db.createStatement();
                    java.sql.ResultSet row = statement.executeQuery("select (select count(*) from scheduled_calls),"
                            + " pg_total_relation_size('scheduled_calls') + pg_total_relation_size('call_events')"
                            + " + pg_total_relation_size('webhook_deliveries') + pg_total_relation_size('idempotent_requests')")) {
                row.next();
                calls = row.getLong(1);
                bytes = row.getLong(2);
            }
        } else {
            bytes = Files.size(data.resolve("call-scheduler.mv.db"));
            calls = LARGE;
        }
        return Map.of("bytes", bytes, "mb", round(bytes / 1024.0 / 1024), "bytes_per_call", round((double) bytes / calls));
    }

    /** H2's file once compacted (SHUTDOWN COMPACT on the stopped application's file): the live data. */
    static Map<String, Object> compactedH2(Path data) throws Exception {
        long start = System.nanoTime();
        try (java.sql.Connection db = java.sql.DriverManager.getConnection(
                "jdbc:h2:file:" + data.resolve("call-scheduler"), "sa", "");
                java.sql.Statement statement = db.createStatement()) {
            statement.execute("SHUTDOWN COMPACT");
        }
        long bytes = Files.size(data.resolve("call-scheduler.mv.db"));
        return Map.of("bytes", bytes, "mb", round(bytes / 1024.0 / 1024), "bytes_per_call", round((double) bytes / LARGE),
                "seconds", round((System.nanoTime() - start) / 1e9));
    }

    /** Empties every table of the calls (run.sh puts the PostgreSQL driver on the class path). */
    static void emptyTables(String url, String user, String password) throws Exception {
        if (password == null) {
            throw new IllegalStateException("set QUARKUS_DATASOURCE_PASSWORD to the password of " + user);
        }
        if (url.replaceAll("\\?.*$", "").endsWith("/callscheduler")) {
            throw new IllegalStateException("the benchmark empties " + url + ": give it a database of its own in BENCH_PG_URL");
        }
        try (java.sql.Connection db = java.sql.DriverManager.getConnection(url, user, password);
                java.sql.Statement statement = db.createStatement()) {
            try (java.sql.ResultSet table = statement.executeQuery("select to_regclass('webhook_deliveries')")) {
                table.next();
                if (table.getString(1) == null) {
                    return; // a new database: Flyway creates the tables
                }
            }
            statement.executeUpdate("truncate scheduled_calls, call_events, webhook_deliveries, idempotent_requests");
        }
    }

    /**
     * (7) Start-up, {@link #STARTS} rounds of two starts each: the first on an empty H2 file (Flyway creates the schema),
     * then a restart on the file the first left behind, the usual case. Each start is timed from launching java to the
     * first answer of GET /q/health/ready (any status: the HTTP server is up) and to its first 200 (the database is
     * migrated and the dispatcher runs: what a readiness probe and a load balancer wait for), polling every 10 ms;
     * RSS is /proc/PID/status VmRSS (and RssAnon, the part not mapped from files) 2 s after that first 200, with no
     * request in between. Then SIGTERM.
     */
    static Map<String, Object> startup() throws Exception {
        Map<String, List<Long>> first = new HashMap<>();
        Map<String, List<Long>> restart = new HashMap<>();
        String loadBefore = loadAverage();
        for (int round = 0; round < STARTS; round++) {
            Path data = Files.createTempDirectory("startup-");
            try {
                timeStart(data, first);
                timeStart(data, restart);
            } finally {
                try (var files = Files.walk(data)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        }
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("java", JAVA);
        out.put("java_version", javaVersion());
        out.put("jvm_options", System.getenv().getOrDefault("BENCH_APP_OPTS", "").trim());
        out.put("rounds", STARTS);
        out.put("first_start_on_empty_file", summary(first));
        out.put("restart_on_existing_file", summary(restart));
        out.put("load_average_before", loadBefore);
        out.put("load_average_after", loadAverage());
        return out;
    }

    /**
     * One start on {@code data}: adds its figures (first_answer_ms, ready_ms, rss_mb, rss_anon_mb, started_in_ms, stop_ms)
     * to {@code figures}.
     */
    static void timeStart(Path data, Map<String, List<Long>> figures) throws Exception {
        int port = Integer.parseInt(System.getenv().getOrDefault("BENCH_PORT", "0"));
        if (port == 0) {
            port = freePorts(1).get(0);
        }
        Path log = Path.of("target/benchmark-startup-app.log");
        long launched = System.nanoTime();
        Process app = startApp(port, List.of("-Dquarkus.profile=prod", "-Dcall-scheduler.data-dir=" + data), log);
        try {
            long firstAnswer = -1;
            long deadline = launched + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                if (!app.isAlive()) {
                    throw new IllegalStateException("the application exited; see " + log);
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the application did not become ready in 60 s; see " + log);
                }
                int status = statusOf(port, "/q/health/ready");
                if (status > 0 && firstAnswer < 0) {
                    firstAnswer = System.nanoTime();
                }
                if (status == 200) {
                    break;
                }
                Thread.sleep(10);
            }
            long ready = System.nanoTime();
            figures.computeIfAbsent("first_answer_ms", k -> new ArrayList<>()).add((firstAnswer - launched) / 1_000_000);
            figures.computeIfAbsent("ready_ms", k -> new ArrayList<>()).add((ready - launched) / 1_000_000);
            Thread.sleep(2000);
            figures.computeIfAbsent("rss_mb", k -> new ArrayList<>()).add(statusKb(app.pid(), "VmRSS") / 1024);
            // Of which the process' own memory (heap, metaspace, code, stacks): RSS less mapped files such as an
            // AppCDS archive or AOT cache, whose pages the kernel can share and drop.
            figures.computeIfAbsent("rss_anon_mb", k -> new ArrayList<>()).add(statusKb(app.pid(), "RssAnon") / 1024);
            Matcher started = Pattern.compile("started in (\\d+)\\.(\\d{3})s").matcher(Files.readString(log));
            if (started.find()) {
                figures.computeIfAbsent("started_in_ms", k -> new ArrayList<>())
                        .add(Long.parseLong(started.group(1)) * 1000 + Long.parseLong(started.group(2)));
            }
        } finally {
            long stopping = System.nanoTime();
            stop(List.of(app));
            figures.computeIfAbsent("stop_ms", k -> new ArrayList<>()).add((System.nanoTime() - stopping) / 1_000_000);
        }
    }

    /**
     * The status of a GET on 127.0.0.1:{@code port}, or 0 if nothing answers yet; through a plain socket, to cost the
     * application's cores little.
     */
    static int statusOf(int port, String path) {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
            return line == null ? 0 : Integer.parseInt(line.split(" ")[1]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** A figure in kB of /proc/PID/status: VmRSS, RssAnon, ... */
    static long statusKb(long pid, String name) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(name + ":")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no " + name + " for " + pid);
    }

    /** Median, min and max of each figure. */
    static Map<String, Object> summary(Map<String, List<Long>> figures) {
        Map<String, Object> out = new HashMap<>();
        figures.forEach((name, values) -> {
            List<Long> sorted = new ArrayList<>(values);
            Collections.sort(sorted);
            out.put(name, Map.of("median", sorted.get(sorted.size() / 2), "min", sorted.get(0),
                    "max", sorted.get(sorted.size() - 1)));
        });
        return out;
    }

    /** The version of {@link #JAVA}, from its release file. */
    static String javaVersion() throws IOException {
        Path release = Path.of(JAVA).toRealPath().getParent().getParent().resolve("release");
        if (Files.exists(release)) {
            Matcher m = Pattern.compile("JAVA_VERSION=\"([^\"]+)\"").matcher(Files.readString(release));
            if (m.find()) {
                return m.group(1);
            }
        }
        return "?";
    }

    /** A value of /q/metrics (Prometheus text), by the start of its line. */
    static double metricValue(String metrics, String name) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        throw new IllegalStateException("no " + name + " in /q/metrics");
    }

    static double metricMillis(String metrics, String name) {
        return round(metricValue(metrics, name) * 1000);
    }

    /** Starts the application on a fresh H2 file and a free port, with {@code settings}; it becomes {@link #base}. */
    static Process startOnH2(List<String> settings, Path log) throws Exception {
        Path data = Files.createTempDirectory("call-scheduler-bench-");
        int port = freePorts(1).get(0);
        base = "http://127.0.0.1:" + port;
        List<String> all = new ArrayList<>(settings);
        // The prod profile keeps a jar built for PostgreSQL (run.sh --postgresql) from starting on the
        // database it was built for: it cannot open the H2 file and exits, instead of filling a shared database.
        all.addAll(List.of("-Dquarkus.profile=prod", "-Dcall-scheduler.data-dir=" + data));
        Process app = startApp(port, all, log);
        try {
            waitUntilReady(app, base, log);
        } catch (IllegalStateException e) {
            stop(List.of(app));
            throw new IllegalStateException(e.getMessage() + " (a jar built by run.sh --postgresql runs the instances phase only)");
        }
        return app;
    }

    /**
     * Starts the packaged application on {@code port} with the benchmark's settings, {@code settings} and BENCH_APP_OPTS,
     * on BENCH_JAVA.
     */
    static Process startApp(int port, List<String> settings, Path log) throws IOException {
        List<String> command = new ArrayList<>(List.of(JAVA,
                "-Dquarkus.http.port=" + port,
                "-Dcall-scheduler.simulator.latency=50ms",
                "-Dcall-scheduler.simulator.step=2s",
                // One load client from one address measures throughput, not the per-client limit.
                "-Dcall-scheduler.security.rate-limit.enabled=false"));
        command.addAll(settings);
        String extra = System.getenv().getOrDefault("BENCH_APP_OPTS", "").trim();
        if (!extra.isEmpty()) {
            command.addAll(List.of(extra.split("\\s+")));
        }
        // From its own folder, as in the image (/deployments) and as the AppCDS and AOT cache files expect: they hold
        // the class path as it was when they were written (quarkus-run.jar), and relative paths in BENCH_APP_OPTS
        // (-XX:SharedArchiveFile=app-cds.jsa) are relative to it.
        command.addAll(List.of("-jar", JAR.getFileName().toString()));
        Process app = new ProcessBuilder(command).directory(JAR.getParent().toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(app::destroyForcibly));
        return app;
    }

    /** Stops the applications with SIGTERM, as a deployment would, and waits for them to exit. */
    static void stop(List<Process> apps) throws InterruptedException {
        apps.forEach(Process::destroy);
        for (Process app : apps) {
            app.waitFor(30, TimeUnit.SECONDS);
            app.destroyForcibly();
            app.waitFor();
        }
    }

    static Map<String, Object> machine() {
        return Map.of("cores", Runtime.getRuntime().availableProcessors(), "java", System.getProperty("java.version"));
    }

    /** (1) 64 clients posting schedules as fast as they can. */
    static Map<String, Object> scheduleThroughput() throws Exception {
        String future = Instant.now().plus(Duration.ofDays(1)).toString();
        runClients(SCHEDULE_WARMUP, future, null);
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        AtomicInteger errors = new AtomicInteger();
        long start = System.nanoTime();
        runClients(SCHEDULE_MEASURE, future, latencies, errors);
        double seconds = (System.nanoTime() - start) / 1e9;
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        Map<String, Object> out = new HashMap<>();
        out.put("clients", CLIENTS);
        out.put("seconds", round(seconds));
        out.put("requests", sorted.size());
        out.put("errors", errors.get());
        out.put("requests_per_second", round(sorted.size() / seconds));
        out.put("latency_ms_p50", round(percentile(sorted, 50) / 1e6));
        out.put("latency_ms_p99", round(percentile(sorted, 99) / 1e6));
        out.put("latency_ms_max", round(sorted.get(sorted.size() - 1) / 1e6));
        return out;
    }

    /** Calls stored per second through POST /api/calls/batch, 1,000 a request, by {@code BATCH_CLIENTS} clients. */
    static Map<String, Object> batchThroughput() throws Exception {
        String future = Instant.now().plus(Duration.ofDays(1)).toString();
        postBatches(2, future, new ConcurrentLinkedQueue<>(), new AtomicInteger()); // warm-up
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        AtomicInteger errors = new AtomicInteger();
        long start = System.nanoTime();
        postBatches(BATCHES, future, latencies, errors);
        double seconds = (System.nanoTime() - start) / 1e9;
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        Map<String, Object> out = new HashMap<>();
        out.put("clients", BATCH_CLIENTS);
        out.put("requests", sorted.size());
        out.put("errors", errors.get());
        out.put("seconds", round(seconds));
        out.put("calls_per_second", round(sorted.size() * 1000 / seconds));
        out.put("request_ms_p50", round(percentile(sorted, 50) / 1e6));
        out.put("request_ms_max", round(sorted.get(sorted.size() - 1) / 1e6));
        return out;
    }

    static final int BATCHES = 40;
    static final int BATCH_CLIENTS = 2;

    static void postBatches(int count, String time, ConcurrentLinkedQueue<Long> latencies, AtomicInteger errors)
            throws Exception {
        AtomicInteger left = new AtomicInteger(count);
        ExecutorService pool = Executors.newFixedThreadPool(BATCH_CLIENTS);
        for (int c = 0; c < BATCH_CLIENTS; c++) {
            pool.submit(() -> {
                try (Connection connection = new Connection(base)) {
                    while (left.getAndDecrement() > 0) {
                        StringBuilder body = new StringBuilder("{\"calls\":[");
                        for (int i = 0; i < 1000; i++) {
                            body.append(i == 0 ? "" : ",").append(schedule(phone(), time));
                        }
                        body.append("]}");
                        long t0 = System.nanoTime();
                        String[] response = connection.post("/api/calls/batch", body.toString());
                        if (!response[0].equals("201")) {
                            errors.incrementAndGet();
                        } else {
                            latencies.add(System.nanoTime() - t0);
                        }
                    }
                } catch (Exception e) {
                    errors.incrementAndGet();
                    System.err.println("batch client failed: " + e);
                }
                return null;
            });
        }
        pool.shutdown();
        pool.awaitTermination(10, TimeUnit.MINUTES);
    }

    static void runClients(Duration length, String time, ConcurrentLinkedQueue<Long> latencies) throws Exception {
        runClients(length, time, latencies, new AtomicInteger());
    }

    static void runClients(Duration length, String time, ConcurrentLinkedQueue<Long> latencies, AtomicInteger errors)
            throws Exception {
        long end = System.nanoTime() + length.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        for (int c = 0; c < CLIENTS; c++) {
            pool.submit(() -> {
                try (Connection connection = new Connection(base)) {
                    while (System.nanoTime() < end) {
                        long t0 = System.nanoTime();
                        String[] response = connection.post("/api/schedule", schedule(phone(), time));
                        if (!response[0].equals("201")) {
                            errors.incrementAndGet();
                        } else if (latencies != null) {
                            latencies.add(System.nanoTime() - t0);
                        }
                    }
                }
                return null;
            });
        }
        pool.shutdown();
        pool.awaitTermination(length.toSeconds() + 60, TimeUnit.SECONDS);
    }

    /**
     * Dials 2,000 calls before the measured burst, so that the dial path (REST client, simulator,
     * result writes) is compiled by the JIT as it is in a service that has been running for a while.
     */
    static int warmUpDialling(List<String> apps) throws Exception {
        return warmUpDialling(apps, 2_000);
    }

    static int warmUpDialling(List<String> apps, int calls) throws Exception {
        clearSimulator();
        List<Long> ids = scheduleAll(apps, calls, i -> Instant.now());
        return awaitDialled(ids, Instant.now().plusSeconds(120)).values().stream().mapToInt(List::size).sum();
    }

    /** (2) 10,000 calls all due at one instant. */
    static Map<String, Object> burst() throws Exception {
        warmUpDialling(List.of(base));
        Burst burst = scheduleBurst(List.of(base), Duration.ofSeconds(25));
        return burstFigures(burst, awaitDialled(burst.ids(), burst.due().plusSeconds(120)));
    }

    record Burst(List<Long> ids, Instant due) {
    }

    /** Schedules 10,000 calls due at one instant {@code lead} from now, round-robin through {@code apps}. */
    static Burst scheduleBurst(List<String> apps, Duration lead) throws Exception {
        return scheduleBurst(apps, BURST, lead);
    }

    /** Schedules {@code count} calls due at one instant {@code lead} from now, round-robin through {@code apps}. */
    static Burst scheduleBurst(List<String> apps, int count, Duration lead) throws Exception {
        clearSimulator();
        Instant due = Instant.now().plus(lead);
        List<Long> ids = scheduleAll(apps, count, i -> due);
        Instant inserted = Instant.now();
        if (inserted.isAfter(due)) {
            throw new IllegalStateException("scheduling " + count + " calls took past their due time");
        }
        return new Burst(ids, due);
    }

    /** The burst's figures from the POSTs the simulator received. */
    static Map<String, Object> burstFigures(Burst burst, Map<Long, List<Instant>> received) {
        Instant due = burst.due();
        Map<Long, Instant> dueAt = new HashMap<>();
        burst.ids().forEach(id -> dueAt.put(id, due));
        Map<String, Object> out = lagFigures(received, dueAt, burst.ids().size());
        Instant last = received.values().stream().map(l -> l.get(0)).max(Instant::compareTo).orElse(due);
        Instant first = received.values().stream().map(l -> l.get(0)).min(Instant::compareTo).orElse(due);
        double allDialledSeconds = Duration.between(due, last).toNanos() / 1e9;
        out.put("seconds_until_all_dialled", round(allDialledSeconds));
        out.put("dialled_per_second", round(received.size() / Math.max(0.001, Duration.between(due, last).toNanos() / 1e9)));
        out.put("seconds_first_to_last_dial", round(Duration.between(first, last).toNanos() / 1e9));
        return out;
    }

    /** (3) 100 calls due at scattered times over 20 seconds. */
    static Map<String, Object> scattered() throws Exception {
        clearSimulator();
        Instant start = Instant.now().plusSeconds(3);
        Map<Integer, Instant> times = new HashMap<>();
        for (int i = 0; i < SCATTERED; i++) {
            times.put(i, start.plusMillis(ThreadLocalRandom.current().nextLong(20_000)));
        }
        List<Long> ids = scheduleAll(List.of(base), SCATTERED, times::get);
        Map<Long, Instant> dueAt = new HashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            dueAt.put(ids.get(i), times.get(i));
        }
        Map<Long, List<Instant>> received = awaitDialled(ids, start.plusSeconds(60));
        return lagFigures(received, dueAt, ids.size());
    }

    /**
     * (4) 1,000 calls due at one instant, sent at most 100 a second: after 200 calls dialled to warm up (2 s at that
     * pace), the most POSTs the simulator received within any one second, [t, t + 1 s), and in 990 ms (one send
     * interval less: the slots are exactly 10 ms apart, so a millisecond of jitter moves a 101st POST into one
     * second), and the time from the first POST to the last (999 intervals of 10 ms: 9.99 s).
     */
    static Map<String, Object> pacing() throws Exception {
        clearSimulator();
        awaitDialled(scheduleAll(List.of(base), 2 * PACED_PER_SECOND, i -> Instant.now()), Instant.now().plusSeconds(60));
        clearSimulator();
        Instant due = Instant.now().plusSeconds(5);
        List<Long> ids = scheduleAll(List.of(base), PACED, i -> due);
        if (Instant.now().isAfter(due)) {
            throw new IllegalStateException("scheduling 1,000 calls took past their due time");
        }
        Map<Long, List<Instant>> received = awaitDialled(ids, due.plusSeconds(60));
        Map<Long, Instant> dueAt = new HashMap<>();
        ids.forEach(id -> dueAt.put(id, due));
        Map<String, Object> out = lagFigures(received, dueAt, ids.size());
        List<Instant> posts = received.values().stream().flatMap(List::stream).sorted().toList();
        Duration interval = Duration.ofSeconds(1).dividedBy(PACED_PER_SECOND);
        out.put("calls_per_second_setting", PACED_PER_SECOND);
        out.put("max_posts_in_any_1s", maxWithin(posts, Duration.ofSeconds(1)));
        out.put("max_posts_in_any_" + Duration.ofSeconds(1).minus(interval).toMillis() + "ms",
                maxWithin(posts, Duration.ofSeconds(1).minus(interval)));
        if (!posts.isEmpty()) {
            double seconds = Duration.between(posts.get(0), posts.get(posts.size() - 1)).toNanos() / 1e9;
            out.put("seconds_first_to_last_dial", Math.round(seconds * 1000) / 1000.0);
            // Send slots are 1.02 / calls-per-second apart (DispatchStore.SLOT_MARGIN).
            out.put("expected_seconds_first_to_last_dial", round((PACED - 1) * 1.02 / PACED_PER_SECOND * 100) / 100);
            out.put("dialled_per_second", round((posts.size() - 1) / Math.max(0.001, seconds)));
            out.put("seconds_until_all_dialled", round(Duration.between(due, posts.get(posts.size() - 1)).toNanos() / 1e9));
        }
        return out;
    }

    /** The most of {@code sorted} within {@code window} of each other: in any [t, t + window). */
    static int maxWithin(List<Instant> sorted, Duration window) {
        int most = 0;
        int from = 0;
        for (int to = 0; to < sorted.size(); to++) {
            while (!sorted.get(from).plus(window).isAfter(sorted.get(to))) {
                from++;
            }
            most = Math.max(most, to - from + 1);
        }
        return most;
    }

    /**
     * (5) The burst of (2) on 1, 2 and 3 instances sharing one PostgreSQL database, each round on an
     * emptied table; one JSON object per round. With {@link #INSTANCES_IO}: (6), the dial slots as the limit.
     */
    static void instances(InstancesRun run) throws Exception {
        String url = System.getenv().getOrDefault("BENCH_PG_URL", "jdbc:postgresql://localhost:5432/callscheduler_bench");
        String user = System.getenv().getOrDefault("BENCH_PG_USER", "callscheduler");
        String password = System.getenv("QUARKUS_DATASOURCE_PASSWORD");
        if (password == null) {
            throw new IllegalStateException("set QUARKUS_DATASOURCE_PASSWORD to the password of " + user);
        }
        if (url.replaceAll("\\?.*$", "").endsWith("/callscheduler")) {
            throw new IllegalStateException("the benchmark deletes every call in " + url
                    + ": give it a database of its own in BENCH_PG_URL");
        }
        Double oneInstancePerSecond = null;
        for (int n : INSTANCES) {
            deleteAllCalls(url, user, password);
            List<Integer> ports = instancePorts(n);
            List<String> apps = ports.stream().map(port -> "http://127.0.0.1:" + port).toList();
            // One Call API for all: the simulator of the first instance sees every POST, whoever sends it.
            base = apps.get(0);
            List<Process> processes = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    Path log = Path.of("target/benchmark-" + run.phase() + "-" + n + "-instances-" + i + ".log");
                    List<String> settings = new ArrayList<>(List.of(
                            "-Dquarkus.datasource.jdbc.url=" + url,
                            "-Dquarkus.datasource.username=" + user,
                            "-Dcall-scheduler.dispatch.instance-id=bench-" + i,
                            // After the benchmark's 50 ms: the last setting of a property wins.
                            "-Dcall-scheduler.simulator.latency=" + run.latency().toMillis() + "ms"));
                    if (run.slots() != null) {
                        settings.add("-Dcall-scheduler.dispatch.max-in-flight=" + run.slots());
                    }
                    // The first instance serves the simulator and uses it as its Call API (no URL set: a set URL
                    // turns the simulator off); the others send their calls there.
                    if (i > 0) {
                        settings.add("-Dcall-scheduler.call-api.url=" + base + "/simulator");
                        settings.add("-Dcall-scheduler.simulator.enabled=false");
                    }
                    processes.add(startApp(ports.get(i), settings, log));
                    // One at a time: each start (Flyway, the JIT) has the cores to itself.
                    try {
                        waitUntilReady(processes.get(i), apps.get(i), log);
                    } catch (IllegalStateException e) {
                        throw new IllegalStateException(e.getMessage() + " (the instances phases need the jar built by run.sh --postgresql)");
                    }
                }
                // The instances are new: their counters hold the warm-up dials once all answers are in.
                int warmUpPosts = warmUpDialling(apps, run.warmUp());
                List<Long> before = dialledSince(apps, Collections.nCopies(n, 0L), warmUpPosts);
                List<double[]> timesBefore = dialTimes(apps);
                List<Double> asksBefore = statusRequests(apps);
                long roundStart = System.nanoTime();
                String loadBefore = loadAverage();
                Burst burst = scheduleBurst(apps, run.calls(), run.lead());
                awaitDialled(burst.ids(), burst.due().plusSeconds(120));
                // A second POST for a call (a retry after a timeout, a take-over after an expired claim)
                // may come after the last first one: count them once no call is pending any more.
                long pending = awaitNoPending(url, user, password, Instant.now().plusSeconds(120));
                Map<Long, List<Instant>> received = awaitDialled(burst.ids(), Instant.now());
                Map<String, Object> out = burstFigures(burst, received);
                out.put("pending_when_counted", pending);
                out.put("instances", n);
                out.put("load_average_before", loadBefore);
                out.put("load_average_after", loadAverage());
                out.put("dialled_by_instance", dialledSince(apps, before, (int) out.get("dialled") + (int) out.get("duplicates")));
                // The instances share the status polling: together they ask about each call once an interval.
                List<Double> asksAfter = statusRequests(apps);
                double roundSeconds = (System.nanoTime() - roundStart) / 1e9;
                List<Long> asks = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    asks.add(Math.round(asksAfter.get(i) - asksBefore.get(i)));
                }
                out.put("status_requests_by_instance", asks);
                out.put("status_requests_per_second", round(asks.stream().mapToLong(Long::longValue).sum() / roundSeconds));
                if (run.slots() != null) {
                    out.put("dial_slots_per_instance", run.slots());
                    out.put("call_api_latency_ms", run.latency().toMillis());
                    out.put("dial_answer_ms_mean_by_instance", dialAnswerMillis(timesBefore, dialTimes(apps)));
                    out.putAll(profile(received.values().stream().flatMap(List::stream).sorted().toList()));
                    double perSecond = (double) out.get("dialled_per_second");
                    if (n == 1) {
                        oneInstancePerSecond = perSecond;
                    } else if (oneInstancePerSecond != null) {
                        out.put("speed_up_vs_1_instance", Math.round(perSecond / oneInstancePerSecond * 100) / 100.0);
                    }
                }
                System.out.println(toJson(Map.of("machine", machine(), run.key() + "_on_" + n + "_instances", out), ""));
                if ((int) out.get("duplicates") > 0) {
                    throw new IllegalStateException("the dial promise is broken: " + out.get("duplicates")
                            + " second POSTs of calls on " + n + " instances");
                }
            } finally {
                stop(processes);
            }
        }
    }

    /**
     * POSTs per second over time: the POSTs in each second from the first (the last second may be partial), the
     * longest time without a POST between the first and the last, and the seconds (the last one aside) with fewer
     * POSTs than half the steady rate, the median of those seconds.
     */
    static Map<String, Object> profile(List<Instant> posts) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        if (posts.size() < 2) {
            return out;
        }
        Instant first = posts.get(0);
        List<Integer> perSecond = new ArrayList<>();
        long longestGap = 0;
        for (int i = 0; i < posts.size(); i++) {
            int second = (int) (Duration.between(first, posts.get(i)).toNanos() / 1_000_000_000L);
            while (perSecond.size() <= second) {
                perSecond.add(0);
            }
            perSecond.set(second, perSecond.get(second) + 1);
            if (i > 0) {
                longestGap = Math.max(longestGap, Duration.between(posts.get(i - 1), posts.get(i)).toMillis());
            }
        }
        List<Integer> whole = perSecond.subList(0, Math.max(1, perSecond.size() - 1));
        List<Integer> sorted = new ArrayList<>(whole);
        Collections.sort(sorted);
        int steady = sorted.get(sorted.size() / 2);
        long slow = whole.stream().filter(count -> count < steady / 2.0).count();
        out.put("posts_per_second", perSecond);
        out.put("posts_per_second_steady_median", steady);
        out.put("posts_per_second_min_max", List.of(sorted.get(0), sorted.get(sorted.size() - 1)));
        out.put("seconds_below_half_steady", slow);
        out.put("longest_gap_ms", longestGap);
        return out;
    }

    /** The system's load averages (1, 5, 15 minutes), as uptime prints them. */
    static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException e) {
            return "?";
        }
    }

    /** The ports of {@code n} instances: from BENCH_PORT_BASE up when it is set, else picked by the system. */
    static List<Integer> instancePorts(int n) throws IOException {
        String from = System.getenv("BENCH_PORT_BASE");
        if (from == null || from.isBlank()) {
            return freePorts(n);
        }
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int port = Integer.parseInt(from.trim()) + i;
            try (ServerSocket socket = new ServerSocket(port)) {
                ports.add(port);
            } catch (IOException e) {
                throw new IllegalStateException("port " + port + " (BENCH_PORT_BASE + " + i + ") is in use", e);
            }
        }
        return ports;
    }

    /** Each instance's accepted dials: count and total seconds waited for their answers, from /q/metrics. */
    static List<double[]> dialTimes(List<String> apps) throws Exception {
        List<double[]> times = new ArrayList<>();
        for (String app : apps) {
            String metrics = get(app + "/q/metrics");
            double[] countAndSum = new double[2];
            Matcher m = DIAL_TIMES.matcher(metrics);
            while (m.find()) {
                if (m.group(2).contains("operation=\"dial\"") && m.group(2).contains("outcome=\"accepted\"")) {
                    countAndSum[m.group(1).equals("count") ? 0 : 1] = Double.parseDouble(m.group(3));
                }
            }
            times.add(countAndSum);
        }
        return times;
    }

    /** The mean time from POST to answer of each instance's dials between two {@link #dialTimes} readings. */
    static List<Double> dialAnswerMillis(List<double[]> before, List<double[]> after) {
        List<Double> means = new ArrayList<>();
        for (int i = 0; i < after.size(); i++) {
            double count = after.get(i)[0] - before.get(i)[0];
            means.add(count == 0 ? 0 : round((after.get(i)[1] - before.get(i)[1]) / count * 1000));
        }
        return means;
    }

    /** Empties the table the instances share, through JDBC (run.sh puts the PostgreSQL driver on the class path). */
    static void deleteAllCalls(String url, String user, String password) throws Exception {
        try (java.sql.Connection db = java.sql.DriverManager.getConnection(url, user, password);
                java.sql.Statement statement = db.createStatement()) {
            try (java.sql.ResultSet table = statement.executeQuery("select to_regclass('scheduled_calls')")) {
                table.next();
                if (table.getString(1) == null) {
                    return; // a new database: the first instance's Flyway creates the table
                }
            }
            statement.executeUpdate("delete from scheduled_calls");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot empty " + url + " (run it through src/bench/run.sh, which puts the"
                    + " PostgreSQL driver on the class path): " + e.getMessage(), e);
        }
    }

    /** Waits until no call in the database is pending (due, claimed or waiting for a retry); returns how many still are. */
    static long awaitNoPending(String url, String user, String password, Instant deadline) throws Exception {
        try (java.sql.Connection db = java.sql.DriverManager.getConnection(url, user, password);
                java.sql.Statement statement = db.createStatement()) {
            while (true) {
                try (java.sql.ResultSet count = statement.executeQuery(
                        "select count(*) from scheduled_calls where status = 'pending'")) {
                    count.next();
                    long pending = count.getLong(1);
                    if (pending == 0 || Instant.now().isAfter(deadline)) {
                        return pending;
                    }
                }
                Thread.sleep(1000);
            }
        }
    }

    /**
     * Dials each instance has had accepted since {@code before}, from its /q/metrics. The counter moves
     * when the answer arrives, after the simulator logged the request: waits (10 s at most) until the
     * counts add up to {@code posts}. Taken before the burst without that wait, the baseline missed
     * answers still on their way, and the split added up to more than the burst.
     */
    static List<Long> dialledSince(List<String> apps, List<Long> before, int posts) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            List<Long> dialled = new ArrayList<>();
            for (int i = 0; i < apps.size(); i++) {
                dialled.add(dialsAccepted(apps.get(i)) - before.get(i));
            }
            if (dialled.stream().mapToLong(Long::longValue).sum() >= posts || System.nanoTime() > deadline) {
                return dialled;
            }
            Thread.sleep(200);
        }
    }

    /** callscheduler_callapi_requests_seconds_count{operation="dial",outcome="accepted"} of one instance. */
    static long dialsAccepted(String app) throws Exception {
        Matcher m = DIALS_ACCEPTED.matcher(get(app + "/q/metrics"));
        while (m.find()) {
            if (m.group(1).contains("operation=\"dial\"") && m.group(1).contains("outcome=\"accepted\"")) {
                return (long) Double.parseDouble(m.group(2));
            }
        }
        return 0;
    }

    static Map<String, Object> lagFigures(Map<Long, List<Instant>> received, Map<Long, Instant> dueAt, int expected) {
        List<Long> lags = new ArrayList<>();
        int duplicates = 0;
        int early = 0;
        for (Map.Entry<Long, List<Instant>> e : received.entrySet()) {
            duplicates += e.getValue().size() - 1;
            long lagMicros = Duration.between(dueAt.get(e.getKey()), e.getValue().get(0)).toNanos() / 1000;
            if (lagMicros < 0) {
                early++;
            }
            lags.add(lagMicros);
        }
        Collections.sort(lags);
        Map<String, Object> out = new HashMap<>();
        out.put("calls", expected);
        out.put("dialled", received.size());
        out.put("duplicates", duplicates);
        out.put("dialled_before_due", early);
        if (!lags.isEmpty()) {
            out.put("lag_ms_min", round(lags.get(0) / 1000.0));
            out.put("lag_ms_p50", round(percentile(lags, 50) / 1000.0));
            out.put("lag_ms_p99", round(percentile(lags, 99) / 1000.0));
            out.put("lag_ms_max", round(lags.get(lags.size() - 1) / 1000.0));
        }
        return out;
    }

    interface TimeOf {
        Instant at(int index);
    }

    /** Schedules {@code count} calls, call i through {@code apps[i % apps.size()]}; returns their ids in order. */
    static List<Long> scheduleAll(List<String> apps, int count, TimeOf time) throws Exception {
        List<Long> ids = Collections.synchronizedList(new ArrayList<>());
        Long[] byIndex = new Long[count];
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        for (int c = 0; c < CLIENTS; c++) {
            pool.submit(() -> {
                List<Connection> connections = new ArrayList<>();
                try {
                    for (String app : apps) {
                        connections.add(new Connection(app));
                    }
                    int i;
                    while ((i = next.getAndIncrement()) < count) {
                        String phone = phone();
                        String[] response = connections.get(i % apps.size())
                                .post("/api/schedule", schedule(phone, time.at(i).toString()));
                        if (!response[0].equals("201")) {
                            throw new IllegalStateException("schedule answered " + response[0] + ": " + response[1]);
                        }
                        Matcher m = ID.matcher(response[1]);
                        m.find();
                        byIndex[i] = Long.parseLong(m.group(1));
                        CALL_OF_PHONE.put(phone, byIndex[i]);
                    }
                } finally {
                    for (Connection connection : connections) {
                        connection.close();
                    }
                }
                return null;
            });
        }
        pool.shutdown();
        pool.awaitTermination(10, TimeUnit.MINUTES);
        for (Long id : byIndex) {
            ids.add(id);
        }
        return ids;
    }

    /** Waits until the simulator has received a POST for every id, or the deadline; returns receive times per id. */
    static Map<Long, List<Instant>> awaitDialled(List<Long> ids, Instant deadline) throws Exception {
        java.util.Set<Long> wanted = new java.util.HashSet<>(ids);
        while (true) {
            Map<Long, List<Instant>> received = new HashMap<>();
            Matcher m = REQUEST.matcher(get(base + "/simulator/requests"));
            while (m.find()) {
                Long id = CALL_OF_PHONE.get(m.group(1));
                if (id != null && wanted.contains(id)) {
                    received.computeIfAbsent(id, k -> new ArrayList<>()).add(Instant.parse(m.group(2)));
                }
            }
            if (received.size() == wanted.size() || Instant.now().isAfter(deadline)) {
                received.values().forEach(Collections::sort);
                return received;
            }
            Thread.sleep(1000);
        }
    }

    static void clearSimulator() throws Exception {
        HTTP.send(HttpRequest.newBuilder(URI.create(base + "/simulator/requests")).DELETE().build(),
                HttpResponse.BodyHandlers.discarding());
    }

    static String get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /**
     * A minimal HTTP/1.1 client on one keep-alive socket, one per load thread: it costs far less
     * CPU than java.net.http, leaving the shared cores to the application under test (like wrk).
     */
    static final class Connection implements AutoCloseable {
        private final java.net.Socket socket;
        private final java.io.OutputStream out;
        private final java.io.BufferedInputStream in;
        private final String host;

        Connection(String app) throws IOException {
            URI uri = URI.create(app);
            socket = new java.net.Socket(uri.getHost(), uri.getPort());
            socket.setTcpNoDelay(true);
            out = socket.getOutputStream();
            in = new java.io.BufferedInputStream(socket.getInputStream(), 16384);
            host = uri.getHost() + ":" + uri.getPort();
        }

        /** Sends a JSON POST and returns the status code and body. */
        String[] post(String path, String json) throws IOException {
            byte[] body = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            String head = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n";
            out.write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            return answer();
        }

        /** Sends a GET and returns the status code and body. */
        String[] get(String path) throws IOException {
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.flush();
            return answer();
        }

        private String[] answer() throws IOException {
            String status = readLine();
            int length = 0;
            boolean chunked = false;
            String line;
            while (!(line = readLine()).isEmpty()) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                    length = Integer.parseInt(line.substring(colon + 1).trim());
                } else if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("transfer-encoding")
                        && line.substring(colon + 1).trim().equalsIgnoreCase("chunked")) {
                    chunked = true;
                }
            }
            byte[] answer;
            if (chunked) {
                // A large answer (a batch's) comes in chunks: size line, data, CRLF; a 0 size ends it.
                java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
                for (int size; (size = Integer.parseInt(readLine().trim().split(";")[0], 16)) > 0;) {
                    all.write(in.readNBytes(size));
                    readLine();
                }
                readLine();
                answer = all.toByteArray();
            } else {
                answer = in.readNBytes(length);
            }
            return new String[] { status.split(" ")[1], new String(answer, java.nio.charset.StandardCharsets.UTF_8) };
        }

        private String readLine() throws IOException {
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                if (c != '\r') {
                    sb.append((char) c);
                }
            }
            if (c == -1) {
                throw new IOException("connection closed");
            }
            return sb.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    static String schedule(String phone, String time) {
        return "{\"phone_number\":\"" + phone + "\",\"scheduled_time\":\"" + time + "\"}";
    }

    static final AtomicLong PHONE = new AtomicLong();

    static String phone() {
        // A number of its own for every call, so the simulator's log (by number) tells the calls apart.
        return String.format("+1415%07d", 2_000_000 + PHONE.getAndIncrement() % 7_000_000);
    }

    static void waitUntilReady(Process app, String url, Path log) throws Exception {
        waitUntilReady(app, url, log, Duration.ofSeconds(60));
    }

    static void waitUntilReady(Process app, String url, Path log, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!app.isAlive()) {
                throw new IllegalStateException("the application exited; see " + log);
            }
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create(url + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the application did not become ready in " + timeout.toSeconds() + " s; see " + log);
    }

    static long percentile(List<Long> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }

    /** {@code count} distinct free ports: the sockets are held open until all are picked. */
    static List<Integer> freePorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                sockets.add(new ServerSocket(0));
            }
            return sockets.stream().map(ServerSocket::getLocalPort).toList();
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }

    @SuppressWarnings("unchecked")
    static String toJson(Object value, String indent) {
        if (value instanceof Map<?, ?> map) {
            StringBuilder sb = new StringBuilder("{\n");
            List<String> keys = new ArrayList<>((java.util.Set<String>) map.keySet());
            Collections.sort(keys);
            for (int i = 0; i < keys.size(); i++) {
                sb.append(indent).append("  \"").append(keys.get(i)).append("\": ")
                        .append(toJson(map.get(keys.get(i)), indent + "  "))
                        .append(i < keys.size() - 1 ? ",\n" : "\n");
            }
            return sb.append(indent).append("}").toString();
        }
        if (value instanceof String s) {
            return "\"" + s + "\"";
        }
        return String.format(Locale.ROOT, "%s", value);
    }
}
