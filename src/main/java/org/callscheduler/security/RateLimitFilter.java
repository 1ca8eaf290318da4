package org.callscheduler.security;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.callscheduler.call.ApiError;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.quarkus.logging.Log;
import io.vertx.core.http.HttpServerRequest;

/**
 * A token bucket per client on the resource methods marked {@link RateLimited} (the ones that create calls).
 * A client is the API key that {@link AccessFilter} checked when keys are configured (the X-API-Key header
 * of an API request, or the password of the page's basic auth), its address otherwise (behind a proxy, turn
 * on quarkus.http.proxy.proxy-address-forwarding so the address is the caller's). A header that nobody
 * checked never names a client. Over the limit: 429 with Retry-After in seconds.
 */
@ApplicationScoped
public class RateLimitFilter {

    /** Clients remembered at most; the least recently seen are forgotten first. */
    private static final long MAX_CLIENTS = 100_000;

    private final SecurityConfig config;
    private final Cache<String, Bucket> buckets;

    @Inject
    RateLimitFilter(SecurityConfig config) {
        this.config = config;
        this.buckets = Caffeine.newBuilder()
                .expireAfterAccess(config.rateLimit().idleExpiry())
                .maximumSize(MAX_CLIENTS)
                .build();
    }

    @RateLimited
    @ServerRequestFilter(priority = Priorities.AUTHENTICATION + 100)
    Response limit(ContainerRequestContext request, HttpServerRequest http) {
        if (!config.rateLimit().enabled()) {
            return null;
        }
        String client = AccessFilter.clientOf(request)
                .orElseGet(() -> http.remoteAddress() == null ? "unknown" : "address:" + http.remoteAddress().hostAddress());
        ConsumptionProbe probe = buckets.get(client, key -> newBucket()).tryConsumeAndReturnRemaining(1);
        if (probe.isConsumed()) {
            return null;
        }
        long retryAfter = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill() + 999_999_999L));
        Log.debugf("Rate limit: scheduling request refused, retry after %d s", retryAfter);
        // JSON for the API and the page alike: the page's script reads only the status and Retry-After.
        return Response.status(Response.Status.TOO_MANY_REQUESTS)
                .header(HttpHeaders.RETRY_AFTER, retryAfter)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(ApiError.of("Too many requests: try again in " + retryAfter + " s"))
                .build();
    }

    /** Forgets every client, as if all were new: for tests that each start with a full burst. */
    void forgetClients() {
        buckets.invalidateAll();
    }

    private Bucket newBucket() {
        SecurityConfig.RateLimit limit = config.rateLimit();
        long refillEvery = Math.max(1, Math.round(1_000_000_000.0 / limit.perSecond()));
        return Bucket.builder()
                .addLimit(Bandwidth.builder()
                        .capacity(limit.burst())
                        .refillGreedy(1, Duration.ofNanos(refillEvery))
                        .build())
                .build();
    }
}
