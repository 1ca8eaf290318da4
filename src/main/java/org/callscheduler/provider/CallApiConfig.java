package org.callscheduler.provider;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How we reach the external Call API, and how patiently. */
@ConfigMapping(prefix = "call-scheduler.call-api")
public interface CallApiConfig {

    /** Base URL of the Call API (env CALL_API_URL); unset means the built-in simulator of this application. */
    Optional<String> url();

    /** Time allowed to open a connection. */
    @WithDefault("2s")
    Duration connectTimeout();

    /** Time allowed for an answer once the request is sent. */
    @WithDefault("4s")
    Duration readTimeout();

    /** Most connections held open to the Call API at once. */
    @WithDefault("256")
    int maxConnections();

    /** The wait before a failed dial attempt is retried, growing exponentially per attempt. */
    Backoff backoff();

    interface Backoff {

        /** The wait after the first failed attempt. */
        @WithDefault("2s")
        Duration initial();

        /** The factor the wait grows by with each further attempt. */
        @WithDefault("2.0")
        double multiplier();

        /** The longest wait. */
        @WithDefault("5m")
        Duration max();

        /** Random spread of each wait, as a fraction (0.2 means plus or minus 20%). */
        @WithDefault("0.2")
        double jitter();
    }
}
