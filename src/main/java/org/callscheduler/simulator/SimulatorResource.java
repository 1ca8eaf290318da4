package org.callscheduler.simulator;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.RestResponse;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/**
 * A stand-in for the external Call API (same endpoints and statuses as the contract), served by
 * this application under /simulator. Calls move initiated, ringing, connected, completed one step
 * at a time; a configurable share ends busy, no-answer or failed. It honours an Idempotency-Key
 * header: a repeated key returns the call placed the first time. Answers wait the configured
 * latency without holding a thread.
 */
@Path("/simulator")
@Produces(MediaType.APPLICATION_JSON)
public class SimulatorResource {

    private final SimulatedCalls calls;
    private final SimulatorConfig config;

    SimulatorResource(SimulatedCalls calls, SimulatorConfig config) {
        this.calls = calls;
        this.config = config;
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
        if (!config.enabled()) {
            return answer(RestResponse.notFound());
        }
        if (request == null || request.phoneNumber() == null || request.phoneNumber().isBlank()) {
            return answer(RestResponse.status(RestResponse.Status.BAD_REQUEST, Map.of("error", "phone_number is required")));
        }
        SimulatedCalls.Call call = calls.place(request.phoneNumber(), idempotencyKey);
        return answer(RestResponse.ok(new CallView(call.id(), calls.statusOf(call))));
    }

    @GET
    @Path("/api/call/{callId}")
    public Uni<RestResponse<Object>> status(@PathParam("callId") String callId) {
        if (!config.enabled()) {
            return answer(RestResponse.notFound());
        }
        return answer(calls.find(callId)
                .<RestResponse<Object>> map(call -> RestResponse.ok(new CallView(call.id(), calls.statusOf(call))))
                .orElseGet(() -> RestResponse.status(RestResponse.Status.NOT_FOUND,
                        Map.of("error", "no call " + callId))));
    }

    /** The POSTs received, oldest first (at most the last 200,000): for tests and the benchmark. */
    @GET
    @Path("/requests")
    public RestResponse<List<SimulatedCalls.ReceivedRequest>> received() {
        return config.enabled() ? RestResponse.ok(calls.received()) : RestResponse.notFound();
    }

    /** Forgets every simulated call and received request. */
    @DELETE
    @Path("/requests")
    public RestResponse<Void> clear() {
        if (!config.enabled()) {
            return RestResponse.notFound();
        }
        calls.clear();
        return RestResponse.noContent();
    }

    private <T> Uni<T> answer(T response) {
        Duration latency = config.latency();
        Uni<T> uni = Uni.createFrom().item(response);
        return latency.isZero() ? uni : uni.onItem().delayIt().by(latency);
    }
}
