package org.callscheduler.security;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Who may use the API and the page, and how fast one client may schedule calls. */
@ConfigMapping(prefix = "call-scheduler.security")
public interface SecurityConfig {

    /**
     * API keys accepted (comma-separated; env CALL_SCHEDULER_SECURITY_API_KEYS, from a Secret in Kubernetes).
     * None: the API and the page are open, as suits the embedded demo. Any: the API needs one in the API key
     * header and the page asks for HTTP basic auth with one as the password.
     */
    Optional<List<String>> apiKeys();

    /** Request header that carries the API key. */
    @WithDefault("X-API-Key")
    String apiKeyHeader();

    /** Mask phone numbers in log lines (keep the first three and last two characters). */
    @WithDefault("true")
    boolean maskPhoneNumbers();

    /** Per-client limit on the scheduling endpoints (POST /api/schedule, /api/call-now and the page's form). */
    RateLimit rateLimit();

    interface RateLimit {

        /** Whether scheduling requests beyond the limit are answered 429 with Retry-After. */
        @WithDefault("true")
        boolean enabled();

        /** Requests one client may make in a burst. */
        @WithDefault("200")
        int burst();

        /** Requests per second one client may make once its burst is spent. */
        @WithDefault("50")
        double perSecond();

        /** A client unseen this long is forgotten (its burst is full again anyway). */
        @WithDefault("10m")
        Duration idleExpiry();
    }
}
