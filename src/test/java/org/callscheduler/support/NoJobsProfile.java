package org.callscheduler.support;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The app without its dispatch and poll jobs, for tests of what is shown: rows that fixtures put in progress stay
 * so, instead of being asked about at the Call API (which does not know them) and failed.
 */
public class NoJobsProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "call-scheduler.dispatch.enabled", "false",
                "call-scheduler.poll.enabled", "false");
    }
}
