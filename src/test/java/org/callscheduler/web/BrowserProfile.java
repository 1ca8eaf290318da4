package org.callscheduler.web;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** Simulated calls take a few seconds per step, so a person (or a browser test) sees each status. */
public class BrowserProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("call-scheduler.simulator.step", "1500ms");
    }
}
