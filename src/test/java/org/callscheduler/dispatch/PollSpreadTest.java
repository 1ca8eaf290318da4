package org.callscheduler.dispatch;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.callscheduler.call.CallStatus;
import org.callscheduler.support.CallFixtures;
import org.callscheduler.support.WireMockCallApi;
import org.callscheduler.support.WireMockProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * A poll asks about each in-progress call once, its requests spread over most of the interval (1 s here) instead of
 * all at once, and records the answers as they come.
 */
@QuarkusTest
@TestProfile(WireMockProfile.class)
class PollSpreadTest {

    private static final int CALLS = 200;

    @Inject
    CallFixtures fixtures;

    @Inject
    CallPollJob poller;

    @BeforeEach
    void reset() {
        fixtures.deleteAll();
        WireMockCallApi.server().resetAll();
        WireMockCallApi.server().stubFor(get(urlPathMatching("/api/call/.+"))
                .willReturn(okJson("{\"call_id\": \"{{request.pathSegments.[2]}}\", \"status\": \"completed\"}")
                        .withTransformers("response-template")));
    }

    @Test
    void aPollAsksAboutEveryCallOnceWithItsRequestsSpreadOverTheInterval() {
        Set<String> sids = new java.util.TreeSet<>();
        for (int i = 0; i < CALLS; i++) {
            String sid = "spread-" + i;
            fixtures.insertInProgress(sid, Instant.now().minusSeconds(10));
            sids.add(sid);
        }

        assertEquals(CALLS, poller.poll());

        List<LoggedRequest> requests = new ArrayList<>(WireMockCallApi.server()
                .findAll(getRequestedFor(urlPathMatching("/api/call/.+"))));
        requests.sort(Comparator.comparing(LoggedRequest::getLoggedDate));
        Map<String, Long> perCall = requests.stream().collect(Collectors.groupingBy(
                r -> r.getUrl().substring(r.getUrl().lastIndexOf('/') + 1), TreeMap::new, Collectors.counting()));
        assertEquals(sids, perCall.keySet(), "the calls asked about");
        assertTrue(perCall.values().stream().allMatch(n -> n == 1), "a call asked about twice: " + perCall);
        Duration spread = Duration.between(requests.get(0).getLoggedDate().toInstant(),
                requests.get(requests.size() - 1).getLoggedDate().toInstant());
        // 80% of the 1 s interval, 4 ms apart; all at once would take a few tens of milliseconds.
        assertTrue(spread.compareTo(Duration.ofMillis(600)) >= 0, "requests spread over only " + spread);
        long busiestTenth = requests.stream()
                .collect(Collectors.groupingBy(r -> r.getLoggedDate().getTime() / 100, Collectors.counting()))
                .values().stream().mapToLong(Long::longValue).max().orElse(0);
        assertTrue(busiestTenth <= CALLS / 4, busiestTenth + " requests in one tenth of a second");
        assertEquals(CALLS, fixtures.count(CallStatus.COMPLETED), "answers recorded");
    }

    @Test
    void theScheduledPollAsksEachCallOneIntervalAfterTheLastTimeAndNotBefore() {
        WireMockCallApi.server().stubFor(get(urlPathMatching("/api/call/steady-.+"))
                .willReturn(okJson("{\"call_id\": \"steady-1\", \"status\": \"in-progress\"}")));
        // Just dialled: between two full reads, a tick reads the calls that went into progress since the last read.
        fixtures.insertInProgress("steady-1", Instant.now());

        assertEquals(1, poller.pollDue(), "a call not asked yet is asked at once");
        long firstAsk = System.nanoTime();
        // Asked again one interval (1 s) later, not at the next tick (250 ms).
        assertEquals(0, poller.pollDue(), "asked again before its interval");
        await().atMost(Duration.ofSeconds(3)).until(() -> poller.pollDue() == 1);
        Duration between = Duration.ofNanos(System.nanoTime() - firstAsk);
        assertTrue(between.compareTo(Duration.ofMillis(900)) >= 0, "asked again after " + between);
        assertEquals(2, WireMockCallApi.server().findAll(getRequestedFor(urlPathMatching("/api/call/steady-1"))).size());
    }
}
