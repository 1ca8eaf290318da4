package org.callscheduler.provider;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.time.Duration;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;

import org.eclipse.microprofile.faulttolerance.Retry;
import org.jboss.resteasy.reactive.client.api.QuarkusRestClientProperties;

import com.fasterxml.jackson.core.JsonProcessingException;

import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.smallrye.faulttolerance.api.AsynchronousNonBlocking;
import io.smallrye.mutiny.Uni;

/**
 * The raw REST client behind timeouts, a short in-memory retry (SmallRye Fault Tolerance) and the
 * translation of every failure into a {@link CallApiException} of the right kind.
 * <p>
 * A POST is resent in memory only when the connection could not be opened, so a provider never
 * sees it twice from here; slower retries are the dispatcher's, stored on the call.
 */
@ApplicationScoped
class GuardedCallApi {

    private final CallApiRestClient client;
    private final URI baseUri;

    GuardedCallApi(CallApiConfig config, CallApiTarget target) {
        this.baseUri = target.baseUri();
        this.client = QuarkusRestClientBuilder.newBuilder()
                .baseUri(baseUri)
                .connectTimeout(config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(config.readTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .property(QuarkusRestClientProperties.CONNECTION_POOL_SIZE, config.maxConnections())
                .build(CallApiRestClient.class);
    }

    URI baseUri() {
        return baseUri;
    }

    /** Closes the connections to the Call API: a request still out fails now, and any later one at once. */
    void close() {
        client.close();
    }

    private static final int CREATE_RETRIES = 2;
    private static final long CREATE_RETRY_DELAY_MS = 100;
    private static final long CREATE_RETRY_JITTER_MS = 50;

    /** The longest {@link #create} can take: each of its tries may use the connect timeout, the last one the read timeout too. */
    static Duration longestCreate(CallApiConfig config) {
        return config.connectTimeout().multipliedBy(CREATE_RETRIES + 1)
                .plus(config.readTimeout())
                .plusMillis(CREATE_RETRIES * (CREATE_RETRY_DELAY_MS + CREATE_RETRY_JITTER_MS));
    }

    @AsynchronousNonBlocking
    @Retry(maxRetries = CREATE_RETRIES, delay = CREATE_RETRY_DELAY_MS, jitter = CREATE_RETRY_JITTER_MS,
            retryOn = CallApiException.Unreachable.class)
    Uni<CallApiCall> create(String phoneNumber, String idempotencyKey) {
        return client.create(idempotencyKey, new CallApiRequest(phoneNumber))
                .onFailure().transform(GuardedCallApi::translate);
    }

    static final int GET_RETRIES = 2;
    static final Duration GET_RETRY_DELAY = Duration.ofMillis(200);

    /**
     * A status request, tried again twice, 200 ms apart, when the Call API cannot be reached or fails. The retry is
     * Mutiny's, not Fault Tolerance's: called from the poller's worker thread, an {@code @AsynchronousNonBlocking}
     * method is handed to another worker thread and its answer back, with the request context captured and
     * restored each way; at 2,000 status requests a second that was about a tenth of the application's CPU.
     */
    Uni<CallApiCall> get(String callId) {
        return Uni.createFrom().deferred(() -> client.get(callId))
                .onFailure().transform(GuardedCallApi::translate)
                .onFailure(failure -> failure instanceof CallApiException.Unreachable
                        || failure instanceof CallApiException.Unavailable)
                .retry().withBackOff(GET_RETRY_DELAY, GET_RETRY_DELAY).atMost(GET_RETRIES);
    }

    static CallApiException translate(Throwable failure) {
        if (failure instanceof CallApiException known) {
            return known;
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof JsonProcessingException) {
                return new CallApiException.Unavailable("malformed answer from the Call API", failure);
            }
        }
        if (failure instanceof WebApplicationException web && web.getResponse() != null) {
            int status = web.getResponse().getStatus();
            if (status == 429) {
                java.time.Duration after = RetryAfter.parse(web.getResponse().getHeaderString("Retry-After"),
                        java.time.Instant.now()).orElse(null);
                return new CallApiException.Throttled("the Call API answered HTTP 429 (too many requests"
                        + (after == null ? "" : ", Retry-After " + after.toMillis() / 1000.0 + " s") + ")", after, failure);
            }
            if (status >= 400 && status < 500 && status != 408 && status != 429) {
                return new CallApiException.Rejected(status, "the Call API answered HTTP " + status);
            }
            return new CallApiException.Unavailable("the Call API answered HTTP " + status, failure);
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String name = t.getClass().getName();
            if (t instanceof ConnectException || t instanceof UnknownHostException || t instanceof NoRouteToHostException
                    || name.contains("ConnectTimeout")) {
                return new CallApiException.Unreachable("cannot connect to the Call API (" + t.getMessage() + ")", failure);
            }
            if (t instanceof TimeoutException || name.contains("Timeout")) {
                return new CallApiException.Unavailable("no answer from the Call API within the read timeout", failure);
            }
        }
        return new CallApiException.Unavailable("request to the Call API failed (" + failure + ")", failure);
    }
}
