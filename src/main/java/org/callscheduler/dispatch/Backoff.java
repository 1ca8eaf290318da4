package org.callscheduler.dispatch;

import java.time.Duration;

import org.callscheduler.provider.CallApiConfig;

/** Exponential back-off with jitter: initial * multiplier^(attempt-1), capped, spread by +-jitter. */
record Backoff(Duration initial, double multiplier, Duration max, double jitter) {

    static Backoff of(CallApiConfig.Backoff config) {
        return new Backoff(config.initial(), config.multiplier(), config.max(), config.jitter());
    }

    /**
     * The wait after failed attempt number {@code attempt} (1 for the first).
     *
     * @param random a number in [0, 1) that places the wait within the jitter band
     */
    Duration delay(int attempt, double random) {
        double base = initial.toMillis() * Math.pow(multiplier, Math.max(0, attempt - 1));
        double capped = Math.min(base, max.toMillis());
        double spread = 1 + jitter * (2 * random - 1);
        return Duration.ofMillis(Math.max(0, Math.round(capped * spread)));
    }
}
