package org.callscheduler.call;

import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness data on the call backlog: calls waiting, and how late the oldest overdue one is.
 * It reports, it does not judge: a backlog is no reason to take an instance out of service,
 * since that would only slow the backlog down. (The database check is Agroal's own.)
 */
@Readiness
@ApplicationScoped
class CallsHealthCheck implements HealthCheck {

    @Override
    @Transactional
    public HealthCheckResponse call() {
        Instant now = Instant.now();
        long pending = ScheduledCall.count("status", CallStatus.PENDING);
        long overdueLagMs = ScheduledCall.nextDueTime()
                .filter(due -> due.isBefore(now))
                .map(due -> Duration.between(due, now).toMillis())
                .orElse(0L);
        return HealthCheckResponse.named("calls")
                .withData("pending", pending)
                .withData("in_progress", ScheduledCall.count("status", CallStatus.IN_PROGRESS))
                .withData("oldest_overdue_lag_ms", overdueLagMs)
                .up()
                .build();
    }
}
