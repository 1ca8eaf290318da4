package org.callscheduler.provider;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.instanceOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.core.JsonParseException;

/** How each way a request to the Call API can fail is sorted into what may be done about it. */
class FailureTranslationTest {

    @ParameterizedTest
    @ValueSource(ints = { 500, 502, 503, 504, 408 })
    void serverErrorsCanBeRetried(int status) {
        CallApiException e = GuardedCallApi.translate(new WebApplicationException(status));
        assertThat(e, instanceOf(CallApiException.Unavailable.class));
        assertThat(e.getMessage(), containsString(String.valueOf(status)));
    }

    @Test
    void a429IsThrottlingWithItsRetryAfterInSecondsOrAsADate() {
        CallApiException seconds = GuardedCallApi.translate(new WebApplicationException(
                jakarta.ws.rs.core.Response.status(429).header("Retry-After", "12").build()));
        assertThat(seconds, instanceOf(CallApiException.Throttled.class));
        assertEquals(java.time.Duration.ofSeconds(12), ((CallApiException.Throttled) seconds).retryAfter);

        java.time.Instant now = java.time.Instant.now();
        String date = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME
                .format(now.plusSeconds(30).atZone(java.time.ZoneOffset.UTC));
        java.time.Duration fromDate = RetryAfter.parse(date, now).orElseThrow();
        assertTrue(fromDate.compareTo(java.time.Duration.ofSeconds(28)) > 0
                && fromDate.compareTo(java.time.Duration.ofSeconds(31)) < 0, fromDate.toString());

        CallApiException none = GuardedCallApi.translate(new WebApplicationException(429));
        assertThat(none, instanceOf(CallApiException.Throttled.class));
        assertEquals(null, ((CallApiException.Throttled) none).retryAfter);
        assertTrue(RetryAfter.parse("soon", now).isEmpty());
        assertEquals(java.time.Duration.ZERO, RetryAfter.parse("Wed, 21 Oct 2015 07:28:00 GMT", now).orElseThrow());
    }

    @ParameterizedTest
    @ValueSource(ints = { 400, 404, 409, 422 })
    void clientErrorsAreRejections(int status) {
        CallApiException e = GuardedCallApi.translate(new WebApplicationException(status));
        assertThat(e, instanceOf(CallApiException.Rejected.class));
        assertEquals(status, ((CallApiException.Rejected) e).status);
    }

    @Test
    void aRefusedConnectionMeansTheRequestNeverArrived() {
        CallApiException e = GuardedCallApi.translate(new ProcessingException(new ConnectException("Connection refused")));
        assertThat(e, instanceOf(CallApiException.Unreachable.class));
    }

    @Test
    void aTimeoutMayHaveArrived() {
        CallApiException e = GuardedCallApi.translate(new ProcessingException(new TimeoutException("read")));
        assertThat(e, instanceOf(CallApiException.Unavailable.class));
        assertThat(e.getMessage(), containsString("timeout"));
    }

    @Test
    void anUnreadableAnswerIsMalformedEvenWhenReportedAsA400() {
        WebApplicationException wrapped = new WebApplicationException(new JsonParseException(null, "Unexpected end"), 400);
        CallApiException e = GuardedCallApi.translate(wrapped);
        assertThat(e, instanceOf(CallApiException.Unavailable.class));
        assertThat(e.getMessage(), containsString("malformed"));
    }
}
