package org.callscheduler.simulator;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.RestResponse;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/**
 * A stand-in for the external Call API (same endpoints and statuses as the contract), served by
 * this application under /simulator while it is the Call API in use: enabled, and no Call API URL
 * set. Otherwise every path under /simulator answers 404. Calls move initiated, ringing, connected,
 * completed one step at a time; a configurable share ends busy, no-answer or failed. It honours an
 * Idempotency-Key header: a repeated key returns the call placed the first time. Answers wait the
 * configured latency without holding a thread.
 */
@Path("/simulator")
@Produces(MediaType.APPLICATION_JSON)
public class SimulatorResource {

    /** Longer than any phone number, formatted or not; a longer one is refused, not remembered. */
    static final int MAX_PHONE_NUMBER_LENGTH = 32;
    /** As the contract allows the app's own Idempotency-Key header. */
    static final int MAX_IDEMPOTENCY_KEY_LENGTH = 255;

    private final SimulatedCalls calls;
    private final SimulatorConfig config;
    private final boolean serving;

    SimulatorResource(SimulatedCalls calls, SimulatorConfig config,
            @ConfigProperty(name = "call-scheduler.call-api.url") Optional<String> callApiUrl) {
        this.calls = calls;
        this.config = config;
        this.serving = config.enabled() && callApiUrl.map(String::isBlank).orElse(true);
    }

    record PlaceRequest(String phoneNumber) {
    }

    /** Returned as {@code RestResponse<Object>}, so Quarkus cannot see it from the signature. */
    @RegisterForReflection
    record CallView(String callId, String status) {
    }

    @POST
    @Path("/api/call")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<RestResponse<Object>> place(@HeaderParam("Idempotency-Key") String idempotencyKey, PlaceRequest request) {
        if (!serving) {
            return answer(RestResponse.notFound());
        }
        if (request == null || request.phoneNumber() == null || request.phoneNumber().isBlank()) {
            return answer(badRequest("phone_number is required"));
        }
        if (request.phoneNumber().length() > MAX_PHONE_NUMBER_LENGTH) {
            return answer(badRequest("phone_number is longer than " + MAX_PHONE_NUMBER_LENGTH + " characters"));
        }
        if (idempotencyKey != null && idempotencyKey.length() > MAX_IDEMPOTENCY_KEY_LENGTH) {
            return answer(badRequest("Idempotency-Key is longer than " + MAX_IDEMPOTENCY_KEY_LENGTH + " characters"));
        }
        SimulatedCalls.Call call = calls.place(request.phoneNumber(), idempotencyKey);
        return answer(RestResponse.ok(new CallView(call.id(), calls.statusOf(call))));
    }

    @GET
    @Path("/api/call/{callId}")
    public Uni<RestResponse<Object>> status(@PathParam("callId") String callId) {
        if (!serving) {
            return answer(RestResponse.notFound());
        }
        return answer(calls.find(callId)
                .<RestResponse<Object>> map(call -> RestResponse.ok(new CallView(call.id(), calls.statusOf(call))))
                .orElseGet(() -> RestResponse.status(RestResponse.Status.NOT_FOUND, Map.of("error", "no call " + callId))));
    }

    /**
     * The POSTs received, oldest first (at most the last {@code max-remembered}): for tests and the
     * benchmark. It names every number dialled, so it needs an API key when keys are configured.
     */
    @GET
    @Path("/requests")
    public RestResponse<List<SimulatedCalls.ReceivedRequest>> received() {
        return serving ? RestResponse.ok(calls.received()) : RestResponse.notFound();
    }

    /** Empties the request log. The calls placed go on, and their status is still answered. */
    @DELETE
    @Path("/requests")
    public RestResponse<Void> clear() {
        if (!serving) {
            return RestResponse.notFound();
        }
        calls.clearLog();
        return RestResponse.noContent();
    }

    private static RestResponse<Object> badRequest(String message) {
        return RestResponse.status(RestResponse.Status.BAD_REQUEST, Map.of("error", message));
    }

    private <T> Uni<T> answer(T response) {
        Duration latency = config.latency();
        Uni<T> uni = Uni.createFrom().item(response);
        return latency.isZero() ? uni : uni.onItem().delayIt().by(latency);
    }
}
