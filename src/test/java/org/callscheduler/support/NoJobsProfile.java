package org.callscheduler.support;

import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The app without its dispatch and poll jobs, for tests of what is shown: rows that fixtures put in progress stay
 * so, instead of being asked about at the Call API (which does not know them) and failed. A test that needs a
 * setting more extends it: {@code super(Map.of("call-scheduler.calls.count-cap", "3"))}.
 */
public class NoJobsProfile implements QuarkusTestProfile {

    private final Map<String, String> settings;

    public NoJobsProfile() {
        this(Map.of());
    }

    /** The jobs off, and {@code more} settings. */
    protected NoJobsProfile(Map<String, String> more) {
        Map<String, String> all = new HashMap<>(Map.of(
                "call-scheduler.dispatch.enabled", "false",
                "call-scheduler.poll.enabled", "false"));
        all.putAll(more);
        this.settings = Map.copyOf(all);
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return settings;
    }
}
