package org.callscheduler.dispatch;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.callscheduler.support.AppProcess;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM while the application dials its own built-in simulator, with a call coming due every 5 ms and hundreds in
 * progress being polled: every dial and status request goes to this very server. Quarkus waits for the HTTP requests
 * in progress before it stops the application; a dispatcher and a poller that went on sending until then kept that
 * wait from ending, and the process took quarkus.shutdown.timeout (10 s) and more to exit, logging "Timed out waiting
 * for graceful shutdown". They stop as SIGTERM arrives now: the process exits within 5 s, logging no error, and no
 * call is left claimed.
 */
class SimulatorShutdownIT {

    private static final String NAME = "simulator-shutdown-it";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private Path dataDir;

    @BeforeEach
    void prepare() throws Exception {
        dataDir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), NAME + "-");
        Files.deleteIfExists(log());
    }

    @Test
    void sigtermWhileDiallingTheBuiltInSimulatorExitsWithinFiveSecondsAndLogsNoError() throws Exception {
        Map<String, String> settings = Map.of(
                "call-scheduler.data-dir", dataDir.toString(),
                // Calls stay in progress, so the poller asks about each of them every second.
                "call-scheduler.simulator.step", "60s",
                "call-scheduler.poll.interval", "1s",
                "call-scheduler.security.rate-limit.enabled", "false");
        int exitCode;
        long exitMillis;
        long sentBeforeSigterm;
        try (AppProcess app = AppProcess.start(NAME, settings)) {
            // 4,000 calls, one due every 5 ms from 2 s on: 20 s of dialling, a dial every 5 ms.
            Instant first = Instant.now().plusSeconds(2);
            for (int batch = 0; batch < 4; batch++) {
                scheduleBatch(app, batch, first);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> count(app, "in-progress") >= 300);
            sentBeforeSigterm = count(app, "in-progress");
            assertTrue(count(app, "pending") > 1000, "the calls must still be coming due at SIGTERM, or this shows nothing");

            Instant sigterm = Instant.now();
            exitCode = app.terminate(Duration.ofSeconds(30));
            exitMillis = Duration.between(sigterm, Instant.now()).toMillis();
        }
        List<String> lines = Files.readAllLines(log());
        List<String> errors = lines.stream().filter(line -> line.contains("ERROR") || line.contains("Exception")).toList();
        System.out.printf("SimulatorShutdownIT: exit %d after %d ms with at least %d calls in progress; %d errors logged%n",
                exitCode, exitMillis, sentBeforeSigterm, errors.size());

        assertTrue(exitCode == 0 || exitCode == 143, "exit code " + exitCode);
        assertTrue(exitMillis < 5_000, "took " + exitMillis + " ms to exit after SIGTERM");
        assertEquals(List.of(), errors, "errors logged while running and stopping");

        assertEquals(0, claimedAndPending(), "pending calls still claimed after the app stopped");
    }

    /** Pending calls the stopped application left claimed, read straight from its H2 file. */
    private long claimedAndPending() throws Exception {
        String url = "jdbc:h2:file:" + dataDir.resolve("call-scheduler");
        try (Connection connection = DriverManager.getConnection(url, "sa", "");
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT count(*) FROM scheduled_calls"
                        + " WHERE status = 'pending' AND (claimed_by IS NOT NULL OR lease_until IS NOT NULL)")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Schedules 1,000 calls to +1312(200 + batch)nnnn, call i of the batch due 5 ms after the one before. */
    private static void scheduleBatch(AppProcess app, int batch, Instant first) throws Exception {
        List<String> calls = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            Instant due = first.plusMillis(5L * (batch * 1000 + i));
            calls.add(String.format("{\"phone_number\": \"+1312%03d%04d\", \"scheduled_time\": \"%s\"}", 200 + batch, i, due));
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/calls/batch"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"calls\": [" + String.join(",", calls) + "]}"))
                .build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(201, response.statusCode(), response.body());
    }

    /** How many calls have {@code status} (the exact count, up to the API's cap). */
    private static long count(AppProcess app, String status) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/calls?per_page=1&status=" + status))
                .build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        String total = response.headers().firstValue("X-Total-Count").orElseThrow();
        return Long.parseLong(total.replace("+", ""));
    }

    private static Path log() {
        return Path.of("target", NAME + ".log");
    }
}
