package org.callscheduler.provider;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.instanceOf;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
    @ValueSource(ints = { 500, 502, 503, 504, 408, 429 })
    void serverErrorsAndThrottlingCanBeRetried(int status) {
        CallApiException e = GuardedCallApi.translate(new WebApplicationException(status));
        assertThat(e, instanceOf(CallApiException.Unavailable.class));
        assertThat(e.getMessage(), containsString(String.valueOf(status)));
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
