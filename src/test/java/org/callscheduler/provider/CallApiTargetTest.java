package org.callscheduler.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;

import org.junit.jupiter.api.Test;

/** The Call API's URL is logged and shown in health data without credentials, query or fragment. */
class CallApiTargetTest {

    @Test
    void credentialsInTheUrlAreLeftOut() {
        assertEquals("https://localhost:9443/v1",
                CallApiTarget.withoutCredentials(URI.create("https://acme:s3cret@localhost:9443/v1")));
        assertEquals("http://127.0.0.1:8080/simulator",
                CallApiTarget.withoutCredentials(URI.create("http://127.0.0.1:8080/simulator")));
    }

    @Test
    void theQueryAndTheFragmentAreLeftOut() {
        assertEquals("https://calls.example.com/v1",
                CallApiTarget.withoutCredentials(URI.create("https://acme:s3cret@calls.example.com/v1?api_key=s3cret&x=1#part")));
        assertEquals("https://calls.example.com",
                CallApiTarget.withoutCredentials(URI.create("https://calls.example.com?token=s3cret")));
        assertEquals("http://[::1]:8080/v1", CallApiTarget.withoutCredentials(URI.create("http://u:p@[::1]:8080/v1#x")));
    }

    @Test
    void aUrlWithoutAHostIsCutToo() {
        assertEquals("calls.example.com:8080/v1",
                CallApiTarget.withoutCredentials(URI.create("calls.example.com:8080/v1?token=s3cret")));
        assertEquals("http:///v1", CallApiTarget.withoutCredentials(URI.create("http://user:s3cret@/v1?token=s3cret")));
    }
}
