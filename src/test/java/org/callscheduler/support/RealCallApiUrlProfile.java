package org.callscheduler.support;

import java.util.Map;


/**
 * CALL_API_URL set to a provider that is not there, with credentials, a token in the query and a fragment;
 * the background jobs are off, so nothing is dialled.
 */
public class RealCallApiUrlProfile extends NoJobsProfile {

    public static final String URL = "http://acme:s3cret@127.0.0.1:9/provider?api_key=s3cret-token#part";

    public RealCallApiUrlProfile() {
        super(Map.of("call-scheduler.call-api.url", URL));
    }
}
