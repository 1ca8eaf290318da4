package org.callscheduler.webhook;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Where every event of every call is POSTed, signed the Standard Webhooks way (CONTRACT part 2, "Webhooks"). */
@ConfigMapping(prefix = "call-scheduler.webhooks")
public interface WebhookConfig {

    /** The receiver's URL (http or https); unset: no webhooks. */
    Optional<String> url();

    /** The signing secret: {@code whsec_} and base64 (from a Kubernetes Secret); required with a URL. */
    Optional<String> secret();

    /** The event types sent (created, sent, accepted, ...); unset: all of them. */
    Optional<List<String>> events();

    /** Time allowed to open a connection to the receiver. */
    @WithDefault("2s")
    Duration connectTimeout();

    /** Time allowed for the receiver's answer; later, the delivery is tried again. */
    @WithDefault("10s")
    Duration timeout();

    /** How long an event is retried; older, it is marked dead. */
    @WithDefault("24h")
    Duration maxAge();

    /** How often the delivery job looks for events to send. */
    @WithDefault("1s")
    Duration interval();

    /** Most events POSTed at once (each call's events go one after another). */
    @WithDefault("32")
    int maxInFlight();

    /** How long a claim on an event holds; an instance that died leaves its events to others after it. */
    @WithDefault("30s")
    Duration lease();

    /** The first wait after a failed delivery; it doubles with each failure in a row. */
    @WithDefault("1s")
    Duration backoffInitial();

    /** The longest wait between tries: a receiver back after an outage gets its events within this. */
    @WithDefault("60s")
    Duration backoffMax();

    /**
     * How long a stopping instance waits for the deliveries in flight to be answered and recorded; those still
     * unanswered then are given back, to be sent again (same webhook-id) at once rather than after the lease.
     */
    @WithDefault("5s")
    Duration shutdownGrace();
}
