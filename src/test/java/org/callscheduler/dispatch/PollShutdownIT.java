package org.callscheduler.dispatch;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.callscheduler.support.AppProcess;
import org.callscheduler.support.Burst;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.WireMockServer;

/**
 * SIGTERM while the status poller waits on a Call API that answers status requests slowly (the poller would wait
 * up to three tries of connect + read timeout): the poller asks nothing more, the process exits within 5 s, no
 * status request reaches the Call API after it (no retry runs in a stopped application), and no error is logged
 * (before, each request still out failed after the CDI container had stopped, logging "No CDI container is
 * available"). Quarkus's own "stopped in" line is not waited for: the JVM may end before the main thread logs it.
 */
class PollShutdownIT {

    private static final int CALLS = 100;
    private static final String NAME = "poll-shutdown-it";

    private WireMockServer callApi;
    private Path dataDir;

    @BeforeEach
    void startCallApi() throws Exception {
        callApi = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().containerThreads(120));
        callApi.start();
        callApi.stubFor(post("/api/call").willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"call_id\": \"sid-{{request.headers.[Idempotency-Key]}}\", \"status\": \"initiated\"}")
                .withTransformers("response-template")));
        // Status answers come after the read timeout: every poll request waits, and is tried again.
        callApi.stubFor(get(urlPathMatching("/api/call/.+")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"call_id\": \"x\", \"status\": \"in-progress\"}")
                .withFixedDelay(30_000)));
        dataDir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), NAME + "-");
        Files.deleteIfExists(log());
    }

    @AfterEach
    void stopCallApi() {
        callApi.stop();
    }

    @Test
    void sigtermStopsAPollWaitingOnASlowCallApiAndTheProcessExitsQuietlyWithinFiveSeconds() throws Exception {
        int exitCode;
        long exitMillis;
        try (AppProcess app = AppProcess.start(NAME, Map.of(
                "call-scheduler.data-dir", dataDir.toString(),
                "call-scheduler.call-api.url", callApi.baseUrl(),
                "call-scheduler.poll.interval", "1s",
                "call-scheduler.poll.max-in-flight", "16",
                "call-scheduler.security.rate-limit.enabled", "false"))) {
            Burst.schedule(List.of(app), CALLS, Instant.now());
            // A poll is under way: its first 16 requests are out, waiting for answers that are 30 s away.
            await().atMost(Duration.ofSeconds(60)).until(() -> statusRequests() >= 16);

            Instant sigterm = Instant.now();
            exitCode = app.terminate(Duration.ofSeconds(30));
            exitMillis = Duration.between(sigterm, Instant.now()).toMillis();
        }
        int atExit = statusRequests();
        // Retries of the requests that were out would come within a read timeout (4 s) and its back-off.
        await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(8)).until(() -> statusRequests() == atExit);
        int later = statusRequests();
        List<String> lines = Files.readAllLines(log());
        int startedLine = lastIndexContaining(lines, "started in");
        List<String> errors = lines.subList(Math.max(0, startedLine), lines.size()).stream()
                .filter(line -> line.contains("ERROR") || line.contains("Exception")).toList();
        System.out.printf("PollShutdownIT: exit %d after %d ms; status requests %d at exit, %d six seconds later;"
                + " %d errors logged%n", exitCode, exitMillis, atExit, later, errors.size());

        assertTrue(exitCode == 0 || exitCode == 143, "exit code " + exitCode);
        assertTrue(exitMillis < 5_000, "took " + exitMillis + " ms to exit after SIGTERM");
        assertEquals(atExit, later, "status requests reached the Call API after the process had exited");
        assertTrue(lines.stream().anyMatch(line -> line.contains("answers still missing at SIGTERM")),
                "no poll was stopped by the SIGTERM: this test shows nothing");
        assertEquals(List.of(), errors, "errors logged while running and stopping");
    }

    private int statusRequests() {
        return callApi.findAll(getRequestedFor(urlPathMatching("/api/call/.+"))).size();
    }

    private static Path log() {
        return Path.of("target", NAME + ".log");
    }

    private static int lastIndexContaining(List<String> lines, String text) {
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).contains(text)) {
                return i;
            }
        }
        return -1;
    }
}
