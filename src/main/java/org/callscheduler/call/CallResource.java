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

import org.callscheduler.security.RateLimited;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

import io.quarkus.resteasy.reactive.jackson.CustomDeserialization;
import io.smallrye.mutiny.Uni;

/** The JSON API of ../shared/CONTRACT.md. Thin: parse, call {@link CallService}, map. */
@Tag(name = "Calls", description = "Schedule, list and delete outbound calls")
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@CustomDeserialization(StrictJson.class)
public class CallResource {

    static final String TOTAL_COUNT = "X-Total-Count";
    private static final String INVALID = "Invalid input; violations names each bad field";
    private static final String INVALID_EXAMPLE = "{\"error\": \"Invalid request\", \"violations\": [{\"field\":"
            + " \"phone_number\", \"message\": \"must be a valid phone number, for example +14155550123\"}]}";
    private static final String CALL_EXAMPLE = "{\"id\": 42, \"phone_number\": \"+14155550123\", \"scheduled_time\":"
            + " \"2026-11-24T21:30:00Z\", \"status\": \"in-progress\", \"call_api_id\": \"c-7f3a\", \"call_status\":"
            + " \"ringing\", \"created_at\": \"2026-11-24T21:00:00Z\", \"updated_at\": \"2026-11-24T21:30:02Z\","
            + " \"error_message\": null}";

    @Inject
    CallService service;

    @POST
    @Path("/schedule")
    @RateLimited
    @Operation(summary = "Schedule a call", description = "Stores a call to be dialled at scheduled_time (an ISO-8601"
            + " instant with an offset, not more than 60 s in the past). The phone number is normalised to E.164.")
    @RequestBody(content = @Content(examples = @ExampleObject(name = "schedule",
            value = "{\"phone_number\": \"+1 (415) 555-0123\", \"scheduled_time\": \"2026-11-24T21:30:00Z\"}")))
    @APIResponse(responseCode = "201", description = "The stored call; Location: /api/calls/{id}",
            content = @Content(schema = @Schema(implementation = CallResponse.class), examples = @ExampleObject(
                    name = "pending", value = CALL_EXAMPLE)))
    @APIResponse(responseCode = "400", description = INVALID, content = @Content(
            schema = @Schema(implementation = ApiError.class), examples = @ExampleObject(name = "invalid", value = INVALID_EXAMPLE)))
    @APIResponse(responseCode = "415", description = "The body is not application/json",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Uni<RestResponse<CallResponse>> schedule(
            @Valid @NotNull(message = "a JSON object is required") ScheduleRequest request) {
        return created(service.schedule(request));
    }

    @POST
    @Path("/call-now")
    @RateLimited
    @Operation(summary = "Call now", description = "Stores a call and dials it at once: it reaches the Call API within 1 s.")
    @RequestBody(content = @Content(examples = @ExampleObject(name = "call-now", value = "{\"phone_number\": \"+14155550123\"}")))
    @APIResponse(responseCode = "201", description = "The stored call; Location: /api/calls/{id}",
            content = @Content(schema = @Schema(implementation = CallResponse.class)))
    @APIResponse(responseCode = "400", description = INVALID, content = @Content(
            schema = @Schema(implementation = ApiError.class), examples = @ExampleObject(name = "invalid", value = INVALID_EXAMPLE)))
    @APIResponse(responseCode = "415", description = "The body is not application/json",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Uni<RestResponse<CallResponse>> callNow(
            @Valid @NotNull(message = "a JSON object is required") CallNowRequest request) {
        return created(service.callNow(request));
    }

    @GET
    @Path("/calls")
    @Operation(summary = "List calls", description = "Newest scheduled_time first; X-Total-Count gives the number of"
            + " calls matching the filter.")
    @APIResponse(responseCode = "200", description = "A page of calls",
            headers = @Header(name = TOTAL_COUNT, description = "Calls matching the filter", schema = @Schema(type = SchemaType.INTEGER)),
            content = @Content(schema = @Schema(implementation = CallResponse.class, type = SchemaType.ARRAY)))
    @APIResponse(responseCode = "400", description = "Unknown status, or a bad page or size",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public RestResponse<List<CallResponse>> list(
            @Parameter(description = "pending, in-progress, completed or failed") @QueryParam("status") String status,
            @Parameter(description = "0-based page, default 0") @QueryParam("page") String page,
            @Parameter(description = "1 to 500, default 50") @QueryParam("size") String size) {
        CallPage<CallResponse> result = service.list(status, page, size);
        return RestResponse.ResponseBuilder.ok(result.calls()).header(TOTAL_COUNT, result.total()).build();
    }

    @GET
    @Path("/calls/{id}")
    @Operation(summary = "Get a call")
    @APIResponse(responseCode = "200", description = "The call",
            content = @Content(schema = @Schema(implementation = CallResponse.class), examples = @ExampleObject(
                    name = "in-progress", value = CALL_EXAMPLE)))
    @APIResponse(responseCode = "404", description = "No such call", content = @Content(
            schema = @Schema(implementation = ApiError.class), examples = @ExampleObject(name = "not found",
                    value = "{\"error\": \"Call 42 not found\"}")))
    public CallResponse get(@PathParam("id") String id) {
        return CallResponse.from(service.get(id));
    }

    @DELETE
    @Path("/calls/{id}")
    @Operation(summary = "Delete a pending call", description = "The call is gone and is never dialled.")
    @APIResponse(responseCode = "204", description = "Deleted")
    @APIResponse(responseCode = "404", description = "No such call", content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "409", description = "The call is not pending (dialled, being dialled, or over)",
            content = @Content(schema = @Schema(implementation = ApiError.class), examples = @ExampleObject(
                    name = "not pending", value = "{\"error\": \"Call 42 cannot be deleted: it is in-progress\"}")))
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
