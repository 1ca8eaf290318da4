package org.callscheduler.security;

import java.time.Duration;
import java.util.Set;
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
 * A token bucket per client on the endpoints that create calls. A client is its API key when keys are
 * configured, its address otherwise (behind a proxy, turn on quarkus.http.proxy.proxy-address-forwarding so the address
 * is the caller's). Over the limit: 429 with Retry-After in seconds.
 */
@ApplicationScoped
public class RateLimitFilter {

    private static final Set<String> LIMITED = Set.of("/api/schedule", "/api/call-now", "/calls");
    /** Clients remembered at most; the least recently seen are forgotten first. */
    private static final long MAX_CLIENTS = 100_000;

    private final SecurityConfig config;
    private final Cache<String, Bucket> buckets;
    private final boolean keysChecked;

    @Inject
    RateLimitFilter(SecurityConfig config) {
        this.config = config;
        this.buckets = Caffeine.newBuilder()
                .expireAfterAccess(config.rateLimit().idleExpiry())
                .maximumSize(MAX_CLIENTS)
                .build();
        this.keysChecked = config.apiKeys().map(keys -> keys.stream().anyMatch(k -> !k.isBlank())).orElse(false);
    }

    @ServerRequestFilter(preMatching = true, priority = Priorities.AUTHENTICATION + 100)
    Response limit(ContainerRequestContext request, HttpServerRequest http) {
        if (!config.rateLimit().enabled() || !"POST".equals(request.getMethod())
                || !LIMITED.contains(request.getUriInfo().getPath())) {
            return null;
        }
        String client = clientOf(request, http);
        ConsumptionProbe probe = buckets.get(client, key -> newBucket()).tryConsumeAndReturnRemaining(1);
        if (probe.isConsumed()) {
            return null;
        }
        long retryAfter = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill() + 999_999_999L));
        Log.debugf("Rate limit: scheduling request refused, retry after %d s", retryAfter);
        boolean api = request.getUriInfo().getPath().startsWith("/api/");
        return Response.status(Response.Status.TOO_MANY_REQUESTS)
                .header(HttpHeaders.RETRY_AFTER, retryAfter)
                .type(api ? MediaType.APPLICATION_JSON_TYPE : MediaType.TEXT_PLAIN_TYPE)
                .entity(api ? ApiError.of("Too many requests: try again in " + retryAfter + " s")
                        : "Too many requests: try again in " + retryAfter + " s")
                .build();
    }

    private String clientOf(ContainerRequestContext request, HttpServerRequest http) {
        // A key is an identity only when keys are checked; otherwise any made-up key would dodge the limit.
        String key = request.getHeaderString(config.apiKeyHeader());
        if (keysChecked && key != null && !key.isBlank()) {
            return "key:" + key;
        }
        return http.remoteAddress() == null ? "unknown" : "address:" + http.remoteAddress().hostAddress();
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
