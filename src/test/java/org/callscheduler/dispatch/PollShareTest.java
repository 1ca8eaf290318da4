package org.callscheduler.dispatch;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.callscheduler.support.CallFixtures;
import org.callscheduler.support.WireMockCallApi;
import org.callscheduler.support.WireMockProfile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Instances that dispatch and poll share the in-progress calls: each asks the Call API about the calls of its share
 * only, and together they ask about every call once. An instance that has not polled lately (it died, or does not
 * poll) has no share; one that stopped leaves its share at once. Two dispatchers registered under their own instance
 * ids stand for two instances on one database.
 */
@QuarkusTest
@TestProfile(WireMockProfile.class)
class PollShareTest {

    @Inject
    CallFixtures fixtures;

    @Inject
    CallPollJob poller;

    @Inject
    DispatchJob job;

    /** How long an instance counts as polling after it last did (two intervals and a second, as the poller's). */
    private static final Duration LIVE_FOR = Duration.ofSeconds(3);

    @Inject
    DataSource dataSource;

    private final Map<String, Long> calls = new HashMap<>();
    private CallDispatcher first;
    private CallDispatcher second;

    @BeforeEach
    void twentyCallsInProgress() throws SQLException {
        fixtures.deleteAll();
        // No registration left by another test's dispatchers: only this test's instances share the calls.
        try (Connection connection = dataSource.getConnection();
                PreparedStatement delete = connection.prepareStatement("DELETE FROM dispatch_instances")) {
            delete.executeUpdate();
        }
        WireMockCallApi.server().resetAll();
        WireMockCallApi.server().stubFor(get(urlPathMatching("/api/call/.+"))
                .willReturn(okJson("{\"call_id\": \"{{request.pathSegments.[2]}}\", \"status\": \"ringing\"}")
                        .withTransformers("response-template")));
        calls.clear();
        for (int i = 0; i < 20; i++) {
            calls.put("share-" + i, fixtures.insertInProgress("share-" + i, Instant.now().minusSeconds(10)));
        }
    }

    @AfterEach
    void stopTheInstances() {
        poller.shareAs(() -> job.pollShare(LIVE_FOR));
        for (CallDispatcher dispatcher : new CallDispatcher[] { first, second }) {
            if (dispatcher != null) {
                dispatcher.stop();
            }
        }
        first = null;
        second = null;
    }

    @Test
    void twoInstancesThatPollAskAboutEachCallOnceBetweenThem() {
        startBoth();
        assertEquals(new PollShare(0, 2), first.pollShare(LIVE_FOR));
        assertEquals(new PollShare(1, 2), second.pollShare(LIVE_FOR));

        Set<String> askedByFirst = askedAs(first);
        Set<String> askedBySecond = askedAs(second);

        // By id: the first the even ids, the second the odd ones; each call asked about by one of them.
        assertEquals(idsWith(0), askedByFirst);
        assertEquals(idsWith(1), askedBySecond);
        assertTrue(askedByFirst.size() >= 5 && askedBySecond.size() >= 5, askedByFirst + " " + askedBySecond);
        Set<String> both = new HashSet<>(askedByFirst);
        both.addAll(askedBySecond);
        assertEquals(calls.keySet(), both);
    }

    @Test
    void anInstanceThatHasNotPolledLatelyLeavesItsShareToTheOthers() throws SQLException {
        startBoth();
        // The first died (kill -9): it polled last longer ago than the others count it.
        polledAt("poll-share-a", Instant.now().minus(LIVE_FOR).minusSeconds(1));

        assertEquals(PollShare.ALL, second.pollShare(LIVE_FOR));
        assertEquals(calls.keySet(), askedAs(second));
    }

    @Test
    void anInstanceThatDoesNotPollHasNoShare() {
        // Both dispatch; only the second polls (the first never records a poll).
        first = job.newDispatcher("poll-share-a");
        first.start();
        second = job.newDispatcher("poll-share-b");
        second.start();

        assertEquals(PollShare.ALL, second.pollShare(LIVE_FOR));
        assertEquals(calls.keySet(), askedAs(second));
    }

    @Test
    void anInstanceThatStoppedLeavesItsShareAtOnce() {
        startBoth();
        assertEquals(idsWith(1), askedAs(second));

        first.stop(); // deregisters
        first = null;
        assertEquals(calls.keySet(), askedAs(second));
    }

    /** Two instances that dispatch and poll: each has polled once. */
    private void startBoth() {
        first = job.newDispatcher("poll-share-a");
        first.start();
        second = job.newDispatcher("poll-share-b");
        second.start();
        first.pollShare(LIVE_FOR);
        second.pollShare(LIVE_FOR);
    }

    /** The calls (by Call API id) whose id modulo 2 is {@code remainder}. */
    private Set<String> idsWith(int remainder) {
        return calls.entrySet().stream().filter(call -> call.getValue() % 2 == remainder).map(Map.Entry::getKey)
                .collect(Collectors.toSet());
    }

    /** The calls a poll of every call asks about, as the instance of {@code dispatcher}. */
    private Set<String> askedAs(CallDispatcher dispatcher) {
        poller.shareAs(() -> dispatcher.pollShare(LIVE_FOR));
        WireMockCallApi.server().resetRequests();
        int asked = poller.poll();
        Set<String> ids = WireMockCallApi.server().getAllServeEvents().stream()
                .map(event -> event.getRequest()).map(LoggedRequest::getUrl)
                .map(url -> url.substring(url.lastIndexOf('/') + 1)).collect(Collectors.toSet());
        assertEquals(asked, ids.size(), "calls asked about: " + ids);
        return ids;
    }

    private void polledAt(String instanceId, Instant at) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement update = connection.prepareStatement(
                        "UPDATE dispatch_instances SET polled_at = ? WHERE instance_id = ?")) {
            update.setObject(1, at.atOffset(ZoneOffset.UTC));
            update.setString(2, instanceId);
            assertEquals(1, update.executeUpdate());
        }
    }
}
