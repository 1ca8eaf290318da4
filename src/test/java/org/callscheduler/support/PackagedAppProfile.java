package org.callscheduler.support;

import java.nio.file.Path;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Settings for the packaged application under {@code @QuarkusIntegrationTest} (the jar, or the native
 * executable with -Dnative). It runs in the prod profile, so application.properties' %test values do
 * not apply; Quarkus passes these to the launched process as -D options instead. The application gets
 * its own H2 folder under target, and the built-in simulator moves fast and lets every call complete.
 */
public class PackagedAppProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "call-scheduler.data-dir", Path.of("target", "it-data").toAbsolutePath().toString(),
                "call-scheduler.simulator.step", "200ms",
                "call-scheduler.simulator.busy-share", "0",
                "call-scheduler.simulator.no-answer-share", "0",
                "call-scheduler.simulator.failed-share", "0",
                "call-scheduler.poll.interval", "1s");
    }
}
