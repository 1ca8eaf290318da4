package org.callscheduler.provider;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Whether the Call API answers, as data, from the requests the dispatcher and poller make anyway
 * (a probe never calls the provider itself).
 * <p>
 * Deliberately always UP: when the Call API is down, calls are kept and retried, and the API and
 * page can still take new ones. Marking every instance unready would take the whole service away
 * from people for a fault it already handles.
 */
@Readiness
@ApplicationScoped
class CallApiHealthCheck implements HealthCheck {

    private final CallApiClient client;

    CallApiHealthCheck(CallApiClient client) {
        this.client = client;
    }

    @Override
    public HealthCheckResponse call() {
        int failures = client.failuresInARow();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("call-api")
                .withData("url", client.displayUri())
                .withData("reachable", failures == 0)
                .withData("failures_in_a_row", failures)
                .withData("last_answer", client.lastAnswer().map(Object::toString).orElse("none yet"));
        client.lastFailure().ifPresent(reason -> response.withData("last_failure", reason));
        return response.up().build();
    }
}
