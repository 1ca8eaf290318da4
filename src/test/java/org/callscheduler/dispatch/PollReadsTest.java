package org.callscheduler.dispatch;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;

import jakarta.inject.Inject;

import javax.sql.DataSource;

import org.callscheduler.call.CallStatus;
import org.callscheduler.support.CallFixtures;
import org.callscheduler.support.WireMockCallApi;
import org.callscheduler.support.WireMockProfile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The poller reads the in-progress calls in full once an interval (1 s here), not at every tick (250 ms): between
 * two full reads it reads only the calls that went into progress since the last read, so such a call is still asked
 * about at the next tick, and a call that ended is no longer asked about. The reads are counted by H2's own
 * statement statistics.
 */
@QuarkusTest
@TestProfile(WireMockProfile.class)
class PollReadsTest {

    @Inject
    CallFixtures fixtures;

    @Inject
    CallPollJob poller;

    @Inject
    DataSource dataSource;

    @BeforeEach
    void reset() throws SQLException {
        fixtures.deleteAll();
        WireMockCallApi.server().resetAll();
        WireMockCallApi.server().stubFor(get(urlPathMatching("/api/call/.+"))
                .willReturn(okJson("{\"call_id\": \"{{request.pathSegments.[2]}}\", \"status\": \"ringing\"}")
                        .withTransformers("response-template")));
        statistics(true);
    }

    @AfterEach
    void statisticsOff() throws SQLException {
        statistics(false);
    }

    @Test
    void theInProgressCallsAreReadInFullOnceAnIntervalNotAtEveryTick() throws SQLException {
        for (int i = 0; i < 20; i++) {
            fixtures.insertInProgress("reads-" + i, Instant.now().minusSeconds(10));
        }
        poller.poll(); // warm: the connections to the Call API are open
        statistics(true);
        long start = System.nanoTime();

        // A poll of every call reads them all; the next two ticks of 250 ms, within the interval of 1 s (on a
        // machine that is not too slow), read only the calls new since the last read.
        assertEquals(20, poller.poll());
        poller.pollDue();
        poller.pollDue();

        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(3, fullReads() + newCallReads(), "reads of the in-progress calls: one a poll or tick");
        assertTrue(fullReads() <= 1 + millis / 1000, fullReads() + " full reads in " + millis + " ms");
    }

    @Test
    void aCallNewlyInProgressIsAskedAboutAtTheNextTickAndACallThatEndedIsNotAskedAgain() {
        WireMockCallApi.server().stubFor(get(urlPathMatching("/api/call/ends-1"))
                .willReturn(okJson("{\"call_id\": \"ends-1\", \"status\": \"completed\"}")));
        fixtures.insertInProgress("ends-1", Instant.now().minusSeconds(10));
        assertEquals(1, poller.poll());
        assertEquals(1, fixtures.count(CallStatus.COMPLETED));
        fixtures.insertInProgress("new-1", Instant.now());

        assertEquals(1, poller.pollDue(), "the call newly in progress, asked at once");
        assertEquals(1, requests("new-1"));

        // Asked again an interval later; the call that ended is not asked about again.
        await().atMost(Duration.ofSeconds(3)).until(() -> poller.pollDue() >= 0 && requests("new-1") == 2);
        assertEquals(1, requests("ends-1"), "requests about the call that ended");
    }

    private static int requests(String callApiId) {
        return WireMockCallApi.server().findAll(getRequestedFor(urlPathMatching("/api/call/" + callApiId))).size();
    }

    /** Turns H2's statement statistics on (emptied) or off. */
    private void statistics(boolean on) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("SET QUERY_STATISTICS FALSE");
            if (on) {
                statement.execute("SET QUERY_STATISTICS TRUE");
            }
        }
    }

    private long fullReads() throws SQLException {
        return executions("%FROM scheduled_calls WHERE status = 'in-progress' ORDER BY%");
    }

    private long newCallReads() throws SQLException {
        return executions("%FROM scheduled_calls WHERE status = 'in-progress' AND dialled_at >= ?%");
    }

    private long executions(String like) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                var select = connection.prepareStatement("SELECT COALESCE(SUM(EXECUTION_COUNT), 0)"
                        + " FROM INFORMATION_SCHEMA.QUERY_STATISTICS WHERE SQL_STATEMENT LIKE ?")) {
            select.setString(1, like);
            try (ResultSet row = select.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }
}
