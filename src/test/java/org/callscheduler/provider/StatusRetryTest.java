package org.callscheduler.provider;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import jakarta.inject.Inject;

import org.callscheduler.support.WireMockCallApi;
import org.callscheduler.support.WireMockProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.stubbing.Scenario;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** A status request is tried three times, 200 ms apart, when the Call API fails; an answer that it does not know the call is not retried. */
@QuarkusTest
@TestProfile(WireMockProfile.class)
class StatusRetryTest {

    @Inject
    CallApiClient client;

    @BeforeEach
    void reset() {
        WireMockCallApi.server().resetAll();
    }

    @Test
    void aFailingStatusRequestIsTriedTwiceMore() {
        WireMockCallApi.server().stubFor(get("/api/call/r-1").inScenario("flaky").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503)).willSetStateTo("once"));
        WireMockCallApi.server().stubFor(get("/api/call/r-1").inScenario("flaky").whenScenarioStateIs("once")
                .willReturn(aResponse().withStatus(500)).willSetStateTo("twice"));
        WireMockCallApi.server().stubFor(get("/api/call/r-1").inScenario("flaky").whenScenarioStateIs("twice")
                .willReturn(okJson("{\"call_id\": \"r-1\", \"status\": \"ringing\"}")));

        long start = System.nanoTime();
        StatusOutcome outcome = client.status("r-1").await().atMost(Duration.ofSeconds(10));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertEquals(new StatusOutcome.Known(CallProgress.RINGING), outcome);
        assertEquals(3, WireMockCallApi.server().findAll(getRequestedFor(urlPathEqualTo("/api/call/r-1"))).size());
        assertTrue(took.compareTo(Duration.ofMillis(400)) >= 0, "two retries 200 ms apart took only " + took);
    }

    @Test
    void aStatusRequestFailingThreeTimesIsUnavailableAndAnUnknownCallIsNotRetried() {
        WireMockCallApi.server().stubFor(get("/api/call/r-2").willReturn(aResponse().withStatus(503)));
        WireMockCallApi.server().stubFor(get("/api/call/r-3").willReturn(aResponse().withStatus(404)));

        assertInstanceOf(StatusOutcome.Unavailable.class, client.status("r-2").await().atMost(Duration.ofSeconds(10)));
        assertInstanceOf(StatusOutcome.Unknown.class, client.status("r-3").await().atMost(Duration.ofSeconds(10)));

        assertEquals(3, WireMockCallApi.server().findAll(getRequestedFor(urlPathEqualTo("/api/call/r-2"))).size());
        assertEquals(1, WireMockCallApi.server().findAll(getRequestedFor(urlPathEqualTo("/api/call/r-3"))).size());
    }
}
