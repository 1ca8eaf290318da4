package org.callscheduler.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;

import org.junit.jupiter.api.Test;

/** The Call API's URL is logged and shown in health data without any credentials in it. */
class CallApiTargetTest {

    @Test
    void credentialsInTheUrlAreLeftOut() {
        assertEquals("https://***@localhost:9443/v1",
                CallApiTarget.withoutCredentials(URI.create("https://acme:s3cret@localhost:9443/v1")));
        assertEquals("http://127.0.0.1:8080/simulator",
                CallApiTarget.withoutCredentials(URI.create("http://127.0.0.1:8080/simulator")));
    }
}
