package org.callscheduler.call;

import java.util.List;
import java.util.concurrent.CompletionStage;

import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.RestResponse;

import io.smallrye.mutiny.Uni;

/** The JSON API of ../shared/CONTRACT.md. Thin: parse, call {@link CallService}, map. */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class CallResource {

    static final String TOTAL_COUNT = "X-Total-Count";

    @Inject
    CallService service;

    @POST
    @Path("/schedule")
    public Uni<RestResponse<CallResponse>> schedule(
            @Valid @NotNull(message = "a JSON object is required") ScheduleRequest request) {
        return created(service.schedule(request));
    }

    @POST
    @Path("/call-now")
    public Uni<RestResponse<CallResponse>> callNow(
            @Valid @NotNull(message = "a JSON object is required") CallNowRequest request) {
        return created(service.callNow(request));
    }

    @GET
    @Path("/calls")
    public RestResponse<List<CallResponse>> list(@QueryParam("status") String status, @QueryParam("page") String page,
            @QueryParam("size") String size) {
        CallPage result = service.list(status, page, size);
        return RestResponse.ResponseBuilder.ok(result.calls()).header(TOTAL_COUNT, result.total()).build();
    }

    @GET
    @Path("/calls/{id}")
    public CallResponse get(@PathParam("id") String id) {
        return CallResponse.from(service.get(id));
    }

    @DELETE
    @Path("/calls/{id}")
    public RestResponse<Void> delete(@PathParam("id") String id) {
        service.delete(id);
        return RestResponse.noContent();
    }

    /** Creation does not hold a thread while the call waits for its group commit. */
    private static Uni<RestResponse<CallResponse>> created(CompletionStage<ScheduledCall> stored) {
        // The contract gives the path alone; a relative Location is valid HTTP (RFC 9110).
        return Uni.createFrom().completionStage(stored)
                .map(call -> RestResponse.ResponseBuilder.create(RestResponse.Status.CREATED, CallResponse.from(call))
                        .header("Location", "/api/calls/" + call.id)
                        .build());
    }
}
