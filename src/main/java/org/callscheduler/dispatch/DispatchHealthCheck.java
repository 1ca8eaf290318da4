package org.callscheduler.dispatch;

import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Startup;

/**
 * Liveness and start-up of the dispatcher: it has started, and its heartbeat is recent. Every pass
 * of the claim loop, every write of results and every lease renewal beats it, so an instance
 * working through a long backlog is alive; a silence of 30 sweeps means it is stuck.
 */
@Liveness
@Startup
@ApplicationScoped
class DispatchHealthCheck implements HealthCheck {

    private static final int MISSED_SWEEPS = 30;

    private final DispatchJob job;
    private final DispatchConfig config;

    DispatchHealthCheck(DispatchJob job, DispatchConfig config) {
        this.job = job;
        this.config = config;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("dispatcher").withData("enabled", config.enabled());
        if (!config.enabled()) {
            return response.up().build();
        }
        response.withData("instance", job.owner());
        if (!job.isRunning()) {
            return response.down().withData("reason", "not started").build();
        }
        Duration silence = job.lastBeat().map(last -> Duration.between(last, Instant.now())).orElse(Duration.ZERO);
        response.withData("last_heartbeat", job.lastBeat().map(Instant::toString).orElse("none yet"));
        if (silence.compareTo(config.sweepInterval().multipliedBy(MISSED_SWEEPS)) > 0) {
            return response.down().withData("reason", "no sign of life for " + silence.toSeconds() + " s").build();
        }
        return response.up().build();
    }
}
