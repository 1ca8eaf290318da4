package org.callscheduler.webhook;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness data about webhook delivery: the receiver, the backlog, dead deliveries, and since when deliveries
 * fail. Always UP: a failing receiver is the receiver's trouble, and the outbox keeps its events meanwhile.
 */
@Readiness
@ApplicationScoped
class WebhookHealthCheck implements HealthCheck {

    private final WebhookDeliveryJob delivery;

    WebhookHealthCheck(WebhookDeliveryJob delivery) {
        this.delivery = delivery;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("webhooks").up()
                .withData("enabled", delivery.isEnabled());
        if (!delivery.isEnabled()) {
            return response.build();
        }
        WebhookBacklog backlog = delivery.backlog();
        response.withData("url", delivery.displayUrl())
                .withData("pending", backlog.pending())
                .withData("dead", backlog.dead());
        backlog.oldestPending().ifPresent(oldest -> response.withData("oldest_pending", oldest.toString()));
        delivery.failingSince().ifPresent(since -> response.withData("failing_since", since.toString()));
        delivery.lastError().ifPresent(error -> response.withData("last_error", error));
        return response.build();
    }
}
