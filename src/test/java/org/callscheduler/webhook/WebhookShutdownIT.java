package org.callscheduler.webhook;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.callscheduler.support.AppProcess;
import org.callscheduler.support.Burst;
import org.callscheduler.support.WebhookReceiver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM while webhook deliveries are out, on the packaged application: it waits up to {@code shutdown-grace} for
 * the receiver's answers and records them, so nothing the receiver took is sent again after a restart; what is still
 * unanswered then is given back, and sent again (same webhook-id) as soon as an instance runs, not after the lease.
 */
class WebhookShutdownIT {

    /** As many as the receiver's threads, so that it holds them all at once. */
    private static final int CALLS = 8;
    /** Long, so that a claim left behind would hold its event well past these tests. */
    private static final Duration LEASE = Duration.ofSeconds(30);

    private WebhookReceiver receiver;
    private Path dataDir;

    @BeforeEach
    void start() throws Exception {
        receiver = new WebhookReceiver(WebhookReceiver.SECRET);
        dataDir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "webhook-shutdown-it-");
    }

    @AfterEach
    void stop() {
        receiver.down();
    }

    @Test
    void sigtermWaitsForTheDeliveriesOutAndRecordsThem() throws Exception {
        // Answers 3 s after each message: longer than the app takes to stop when it does not wait, within the 5 s grace.
        receiver.delay(Duration.ofSeconds(3));
        try (AppProcess app = AppProcess.start("webhook-shutdown-it-wait", settings(Map.of()))) {
            // Due in an hour: each call's created event only, all claimed and POSTed in one run.
            Burst.schedule(List.of(app), CALLS, Instant.now().plusSeconds(3600));
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> receiver.arrived() >= CALLS);
            int answeredAtSigterm = receiver.received().size();
            Instant sigterm = Instant.now();
            int exitCode = app.terminate(Duration.ofSeconds(30));
            System.out.printf("WebhookShutdownIT: SIGTERM with %d messages out (%d answered); exit %d after %d ms%n",
                    CALLS, answeredAtSigterm, exitCode, Duration.between(sigterm, Instant.now()).toMillis());
            assertTrue(answeredAtSigterm < CALLS, "every message was answered before SIGTERM: this test shows nothing");
            assertTrue(exitCode == 0 || exitCode == 143, "exit code " + exitCode);
        }

        List<Row> events = readEvents();
        assertEquals(CALLS, events.size());
        assertEquals(List.of(), events.stream().filter(e -> !"delivered".equals(e.state())).toList(),
                "events the receiver answered 200 but not recorded as delivered: sent again after a restart");
        assertEquals(CALLS, receiver.delivered().size());
        assertTrue(receiver.received().stream().allMatch(WebhookReceiver.Received::signatureValid));
    }

    @Test
    void sigtermGivesBackTheDeliveriesStillUnansweredAfterTheGraceAndTheyAreSentAgainAtOnce() throws Exception {
        // Far slower than the 1 s grace: the claims are given back, and the answers come after the app is gone.
        receiver.delay(Duration.ofSeconds(10));
        Map<String, String> settings = settings(Map.of("call-scheduler.webhooks.shutdown-grace", "1s"));
        try (AppProcess app = AppProcess.start("webhook-shutdown-it-give-back", settings)) {
            Burst.schedule(List.of(app), CALLS, Instant.now().plusSeconds(3600));
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> receiver.arrived() >= CALLS);
            Instant sigterm = Instant.now();
            int exitCode = app.terminate(Duration.ofSeconds(30));
            Duration exit = Duration.between(sigterm, Instant.now());
            System.out.printf("WebhookShutdownIT: SIGTERM with %d messages out, grace 1 s; exit %d after %d ms%n", CALLS,
                    exitCode, exit.toMillis());
            assertTrue(exitCode == 0 || exitCode == 143, "exit code " + exitCode);
            assertTrue(exit.compareTo(Duration.ofSeconds(6)) < 0, "waited for the answers past the grace: " + exit);
        }

        List<Row> events = readEvents();
        assertEquals(CALLS, events.size());
        assertEquals(List.of(), events.stream().filter(e -> e.claim() != null).toList(),
                "events left claimed after the app stopped: held until their lease ends");
        Set<String> givenBack = events.stream().filter(e -> "pending".equals(e.state())).map(Row::webhookId)
                .collect(Collectors.toSet());
        assertFalse(givenBack.isEmpty(), "nothing was out at SIGTERM: this test shows nothing");

        receiver.delay(Duration.ZERO);
        await().atMost(Duration.ofSeconds(20)).until(() -> receiver.received().size() >= CALLS);
        int firstRun = receiver.received().size();
        try (AppProcess again = AppProcess.start("webhook-shutdown-it-again", settings)) {
            Instant ready = Instant.now();
            await().atMost(LEASE.dividedBy(2)).pollInterval(Duration.ofMillis(100))
                    .until(() -> receiver.received().size() >= firstRun + givenBack.size());
            System.out.printf("WebhookShutdownIT: %d deliveries given back at SIGTERM, all sent again %d ms after the"
                    + " restart%n", givenBack.size(), Duration.between(ready, Instant.now()).toMillis());
        }
        List<WebhookReceiver.Received> again = receiver.received().subList(firstRun, receiver.received().size());
        assertEquals(givenBack, again.stream().map(WebhookReceiver.Received::webhookId).collect(Collectors.toSet()),
                "sent again under the same webhook-ids");
        assertTrue(again.stream().allMatch(WebhookReceiver.Received::signatureValid));
    }

    private Map<String, String> settings(Map<String, String> more) {
        Map<String, String> settings = new HashMap<>(more);
        settings.put("call-scheduler.data-dir", dataDir.toString());
        settings.put("call-scheduler.security.rate-limit.enabled", "false");
        settings.put("call-scheduler.webhooks.url", receiver.url());
        settings.put("call-scheduler.webhooks.secret", WebhookReceiver.SECRET);
        settings.put("call-scheduler.webhooks.lease", LEASE.toSeconds() + "s");
        return settings;
    }

    private record Row(long id, String state, String claim, String webhookId) {
    }

    /** The events and their outbox rows, read from the H2 file once the application has stopped. */
    private List<Row> readEvents() throws Exception {
        List<Row> rows = new ArrayList<>();
        try (Connection connection = DriverManager.getConnection("jdbc:h2:file:" + dataDir.resolve("call-scheduler"), "sa", "");
                Statement statement = connection.createStatement();
                // A delivered event has no outbox row any more.
                ResultSet rs = statement.executeQuery("SELECT e.id, COALESCE(d.state, 'delivered'), d.claim, d.webhook_id"
                        + " FROM call_events e LEFT JOIN webhook_deliveries d ON d.event_id = e.id ORDER BY e.id")) {
            while (rs.next()) {
                rows.add(new Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)));
            }
        }
        return rows;
    }
}
