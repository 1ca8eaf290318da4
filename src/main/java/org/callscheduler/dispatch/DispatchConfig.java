package org.callscheduler.dispatch;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How due calls are claimed and dialled. */
@ConfigMapping(prefix = "call-scheduler.dispatch")
public interface DispatchConfig {

    /** Whether this instance dials due calls at all (an instance may serve the API only). */
    @WithDefault("true")
    boolean enabled();

    /**
     * Name of this instance in claims (at most 100 printable characters); defaults to the host name
     * plus a random suffix. An instance refuses to start while a live instance uses the same id.
     */
    Optional<String> instanceId();

    /** The safety-net sweep for due calls; the dispatcher also wakes at each call's due time. */
    @WithDefault("1s")
    Duration sweepInterval();

    /** Most calls claimed in one database transaction (never more than the dial slots free at that moment). */
    @WithDefault("500")
    int batchSize();

    /** Most dial requests waiting for the Call API at once. */
    @WithDefault("256")
    int maxInFlight();

    /**
     * How long a claim holds without renewal; a call claimed by an instance that died is taken over
     * after this. A live instance renews the leases of the calls it has sent every third of it. It
     * must be at least twice the longest dial (3 connect timeouts + read timeout), or the instance
     * refuses to start.
     */
    @WithDefault("30s")
    Duration lease();

    /** Dial attempts before a call that the Call API keeps failing is marked failed. */
    @WithDefault("5")
    int maxAttempts();

    /**
     * What to do with a call in doubt: its claim expired after its instance had sent the POST and
     * before it recorded the answer (the Call API may or may not have placed it): REDIAL
     * (at-least-once, with the same idempotency key) or FAIL (at-most-once: the call fails with an
     * error_message saying so). Calls claimed and never sent are simply dialled in either case.
     */
    @WithDefault("redial")
    Takeover takeover();

    /** How long a stopping instance waits for the answers to its in-flight dials. */
    @WithDefault("10s")
    Duration shutdownGrace();

    enum Takeover {
        REDIAL,
        FAIL
    }
}
