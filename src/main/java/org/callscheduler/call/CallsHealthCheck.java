package org.callscheduler.call;

import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness data on the call backlog: calls waiting, and how late the oldest overdue one is.
 * It reports, it does not judge: a backlog is no reason to take an instance out of service,
 * since that would only slow the backlog down. (The database check is Agroal's own.)
 */
@Readiness
@ApplicationScoped
class CallsHealthCheck implements HealthCheck {

    private final CallConfig config;

    CallsHealthCheck(CallConfig config) {
        this.config = config;
    }

    @Override
    @Transactional
    public HealthCheckResponse call() {
        Instant now = Instant.now();
        long overdueLagMs = ScheduledCall.nextDueTime()
                .filter(due -> due.isBefore(now))
                .map(due -> Duration.between(due, now).toMillis())
                .orElse(0L);
        HealthCheckResponseBuilder response = HealthCheckResponse.named("calls");
        withCount(response, "pending", CallStatus.PENDING);
        withCount(response, "in_progress", CallStatus.IN_PROGRESS);
        return response.withData("oldest_overdue_lag_ms", overdueLagMs).up().build();
    }

    /**
     * The number of calls of {@code status}, or past the count cap the text "10000+": a probe never counts millions
     * of rows.
     */
    private void withCount(HealthCheckResponseBuilder response, String name, CallStatus status) {
        long count = ScheduledCall.countUpTo(status, config.countCap() + 1L);
        if (count > config.countCap()) {
            response.withData(name, config.countCap() + "+");
        } else {
            response.withData(name, count);
        }
    }
}
