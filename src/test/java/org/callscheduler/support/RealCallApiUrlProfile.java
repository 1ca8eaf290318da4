package org.callscheduler.support;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * CALL_API_URL set to a provider that is not there, with credentials, a token in the query and a fragment;
 * the background jobs are off, so nothing is dialled.
 */
public class RealCallApiUrlProfile implements QuarkusTestProfile {

    public static final String URL = "http://acme:s3cret@127.0.0.1:9/provider?api_key=s3cret-token#part";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("call-scheduler.call-api.url", URL,
                "call-scheduler.dispatch.enabled", "false",
                "call-scheduler.poll.enabled", "false");
    }
}
