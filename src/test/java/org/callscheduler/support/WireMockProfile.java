package org.callscheduler.support;

import java.util.List;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The Call API is a WireMock server, and the background jobs are off: tests run the dispatcher
 * and the poller themselves, so they decide exactly what happens when.
 */
public class WireMockProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "call-scheduler.dispatch.enabled", "false",
                "call-scheduler.poll.enabled", "false",
                "call-scheduler.poll.tick", "250ms",
                "call-scheduler.call-api.read-timeout", "2s",
                "call-scheduler.call-api.connect-timeout", "500ms",
                "call-scheduler.call-api.backoff.initial", "1s",
                "call-scheduler.call-api.backoff.jitter", "0",
                "call-scheduler.dispatch.max-attempts", "3");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(WireMockCallApi.class));
    }
}
