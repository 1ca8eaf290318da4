package org.callscheduler.call;

import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

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
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.callscheduler.event.CallEvent;
import org.callscheduler.security.AccessFilter;
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

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.resteasy.reactive.jackson.CustomDeserialization;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

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
            + " \"error_message\": null, \"time_zone\": \"America/Los_Angeles\", \"calling_window\": {\"start\":"
            + " \"09:00\", \"end\": \"20:00\", \"days\": [\"MON\", \"TUE\", \"WED\", \"THU\", \"FRI\"]},"
            + " \"expires_at\": \"2026-11-24T22:30:00Z\", \"retry\": {\"on\": [\"busy\"], \"max_retries\": 2,"
            + " \"delay\": \"PT10M\"}, \"attempts\": 1, \"not_before\": null}";

    private static final String EVENTS_EXAMPLE = "[{\"id\": 101, \"call_id\": 42, \"at\": \"2026-11-24T21:00:00Z\","
            + " \"type\": \"created\", \"status\": \"pending\", \"call_status\": null, \"attempt\": 0, \"detail\":"
            + " \"Scheduled for 2026-11-24T21:30:00Z; expires at 2026-11-24T22:30:00Z\"},"
            + " {\"id\": 102, \"call_id\": 42, \"at\": \"2026-11-24T21:30:00.012Z\", \"type\": \"sent\", \"status\":"
            + " \"pending\", \"call_status\": null, \"attempt\": 1, \"detail\": \"POST to the Call API, attempt 1\"},"
            + " {\"id\": 103, \"call_id\": 42, \"at\": \"2026-11-24T21:30:00.090Z\", \"type\": \"accepted\","
            + " \"status\": \"in-progress\", \"call_status\": \"initiated\", \"attempt\": 1, \"detail\": \"Call API"
            + " accepted attempt 1: call_id c-7f3a, initiated\"},"
            + " {\"id\": 104, \"call_id\": 42, \"at\": \"2026-11-24T21:30:15Z\", \"type\": \"status_changed\","
            + " \"status\": \"pending\", \"call_status\": \"busy\", \"attempt\": 1, \"detail\": \"Call API reported"
            + " busy\"},"
            + " {\"id\": 105, \"call_id\": 42, \"at\": \"2026-11-24T21:30:15Z\", \"type\": \"retry_scheduled\","
            + " \"status\": \"pending\", \"call_status\": \"busy\", \"attempt\": 1, \"detail\": \"Call ended busy;"
            + " retry 1 of 2 at 2026-11-24T21:40:15Z, a new dial with a new Idempotency-Key\"}]";

    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    static final String REPLAYED = "Idempotent-Replayed";

    @Inject
    CallService service;

    @Inject
    IdempotentRequests idempotentRequests;

    @Inject
    ObjectMapper json;

    @POST
    @Path("/schedule")
    @RateLimited
    @Operation(summary = "Schedule a call", description = "Stores a call to be dialled at scheduled_time (an ISO-8601"
            + " instant with an offset, not more than 60 s in the past), or when its calling window next opens in the"
            + " callee's time zone. The phone number is normalised to E.164. Optional: time_zone, calling_window,"
            + " expires_at, retry.")
    @RequestBody(content = @Content(examples = {
            @ExampleObject(name = "schedule",
                    value = "{\"phone_number\": \"+1 (415) 555-0123\", \"scheduled_time\": \"2026-11-24T21:30:00Z\"}"),
            @ExampleObject(name = "reminder line", value = "{\"phone_number\": \"+1 312 555 0142\", \"scheduled_time\":"
                    + " \"2026-12-01T07:00:00-06:00\", \"calling_window\": {\"start\": \"09:00\", \"end\": \"20:00\","
                    + " \"days\": [\"MON\", \"TUE\", \"WED\", \"THU\", \"FRI\", \"SAT\"]}, \"retry\": {\"on\":"
                    + " [\"busy\"], \"max_retries\": 2, \"delay\": \"PT10M\"}}") }))
    @APIResponse(responseCode = "201", description = "The stored call; Location: /api/calls/{id}",
            content = @Content(schema = @Schema(implementation = CallResponse.class), examples = @ExampleObject(
                    name = "pending", value = CALL_EXAMPLE)))
    @APIResponse(responseCode = "400", description = INVALID, content = @Content(
            schema = @Schema(implementation = ApiError.class), examples = @ExampleObject(name = "invalid", value = INVALID_EXAMPLE)))
    @APIResponse(responseCode = "415", description = "The body is not application/json",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Uni<Response> schedule(@HeaderParam(IDEMPOTENCY_KEY) String key, @Context ContainerRequestContext http,
            @Valid @NotNull(message = "a JSON object is required") ScheduleRequest request) {
        return idempotent(http, key, "schedule", request, () -> created(service.schedule(request)));
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
    public Uni<Response> callNow(@HeaderParam(IDEMPOTENCY_KEY) String key, @Context ContainerRequestContext http,
            @Valid @NotNull(message = "a JSON object is required") CallNowRequest request) {
        return idempotent(http, key, "call-now", request, () -> created(service.callNow(request)));
    }

    @POST
    @Path("/calls/batch")
    @RateLimited
    @Operation(summary = "Schedule up to 1,000 calls at once", description = "All or nothing: every item is checked as"
            + " POST /api/schedule checks its body, and one bad item stores nothing (400 naming it as calls[3].field)."
            + " The calls are stored in one transaction and returned in the order given.")
    @RequestBody(content = @Content(examples = @ExampleObject(name = "two reminders", value = "{\"calls\": ["
            + "{\"phone_number\": \"+14155550123\", \"scheduled_time\": \"2026-11-25T15:00:00Z\", \"reference\": \"appt-1\"},"
            + " {\"phone_number\": \"+14155550124\", \"scheduled_time\": \"2026-11-25T15:10:00Z\", \"reference\": \"appt-2\"}]}")))
    @APIResponse(responseCode = "201", description = "The stored calls, in the order given",
            content = @Content(schema = @Schema(implementation = BatchResponse.class)))
    @APIResponse(responseCode = "400", description = "A bad item (violations names it as calls[i].field); nothing stored",
            content = @Content(schema = @Schema(implementation = ApiError.class), examples = @ExampleObject(name = "bad item",
                    value = "{\"error\": \"Invalid request\", \"violations\": [{\"field\": \"calls[1].phone_number\","
                            + " \"message\": \"must be a valid phone number, for example +14155550123\"}]}")))
    @APIResponse(responseCode = "413", description = "The body is larger than quarkus.http.limits.max-body-size (8 MB)",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Uni<Response> batch(@HeaderParam(IDEMPOTENCY_KEY) String key, @Context ContainerRequestContext http,
            @NotNull(message = "a JSON object is required") BatchRequest request) {
        return idempotent(http, key, "batch", request, () -> Uni.createFrom().completionStage(service.scheduleAll(request))
                .map(calls -> Response.status(Response.Status.CREATED)
                        .entity(new BatchResponse(calls.stream().map(CallResponse::from).toList())).build()));
    }

    @GET
    @Path("/calls")
    @Operation(summary = "List calls", description = "Newest scheduled_time first; X-Total-Count gives the number of"
            + " calls matching the filters, which all combine: exact up to 10,000 (call-scheduler.calls.count-cap),"
            + " past it \"10000+\".")
    @APIResponse(responseCode = "200", description = "A page of calls",
            headers = @Header(name = TOTAL_COUNT, description = "Calls matching the filter: a number, or past the count"
                    + " cap the cap and a plus (\"10000+\")", schema = @Schema(type = SchemaType.STRING, example = "42")),
            content = @Content(schema = @Schema(implementation = CallResponse.class, type = SchemaType.ARRAY)))
    @APIResponse(responseCode = "400", description = "A bad filter, page or size; violations names it",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public RestResponse<List<CallResponse>> list(
            @Parameter(description = "pending, in-progress, completed or failed") @QueryParam("status") String status,
            @Parameter(description = "A phone number, normalised like the field (+1 (415) 555-0123 finds +14155550123)")
            @QueryParam("phone_number") String phoneNumber,
            @Parameter(description = "The client's reference") @QueryParam("reference") String reference,
            @Parameter(description = "Scheduled at or after this instant") @QueryParam("scheduled_from") String from,
            @Parameter(description = "Scheduled before this instant") @QueryParam("scheduled_to") String to,
            @Parameter(description = "0-based page, default 0") @QueryParam("page") String page,
            @Parameter(description = "1 to 500, default 50") @QueryParam("size") String size) {
        CallPage<CallResponse> result = service.list(new CallService.ListQuery(status, phoneNumber, reference, from, to,
                page, size));
        return RestResponse.ResponseBuilder.ok(result.calls()).header(TOTAL_COUNT, result.totalText()).build();
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

    @PATCH
    @Path("/calls/{id}")
    @Operation(summary = "Change a pending call", description = "Any of scheduled_time, phone_number, time_zone,"
            + " calling_window, expires_at, retry, reference, metadata; null sets an optional field back to its default."
            + " Race-free with dispatch: either the change is applied and the call is sent with the new values, or 409"
            + " and nothing changed. An updated event records what changed.")
    @RequestBody(content = @Content(examples = @ExampleObject(name = "reschedule",
            value = "{\"scheduled_time\": \"2026-11-25T15:00:00Z\", \"reference\": \"appt-2291\"}")))
    @APIResponse(responseCode = "200", description = "The changed call",
            content = @Content(schema = @Schema(implementation = CallResponse.class)))
    @APIResponse(responseCode = "400", description = INVALID, content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", description = "No such call", content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "409", description = "The call is not pending, or is being sent right now",
            content = @Content(schema = @Schema(implementation = ApiError.class), examples = @ExampleObject(
                    name = "being sent", value = "{\"error\": \"Call 42 cannot be changed: it is being sent right now\"}")))
    public CallResponse patch(@PathParam("id") String id, JsonNode body) {
        return CallResponse.from(service.patch(id, body));
    }

    @GET
    @Path("/calls/{id}/events")
    @Operation(summary = "A call's history", description = "Every change of the call, oldest first: created, updated,"
            + " deferred, sent, accepted, send_failed, retry_scheduled, status_changed, completed, failed, expired,"
            + " in_doubt. Each is written in the transaction of the change, and never changed while the call exists.")
    @APIResponse(responseCode = "200", description = "The call's events, oldest first",
            content = @Content(schema = @Schema(implementation = CallEvent.class, type = SchemaType.ARRAY),
                    examples = @ExampleObject(name = "a busy number retried", value = EVENTS_EXAMPLE)))
    @APIResponse(responseCode = "404", description = "No such call", content = @Content(
            schema = @Schema(implementation = ApiError.class), examples = @ExampleObject(name = "not found",
                    value = "{\"error\": \"Call 42 not found\"}")))
    public List<CallEvent> events(@PathParam("id") String id) {
        return service.events(id);
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
    private static Uni<Response> created(CompletionStage<ScheduledCall> stored) {
        // The contract gives the path alone; a relative Location is valid HTTP (RFC 9110).
        return Uni.createFrom().completionStage(stored)
                .map(call -> Response.status(Response.Status.CREATED).entity(CallResponse.from(call))
                        .header("Location", "/api/calls/" + call.id)
                        .build());
    }

    /**
     * Runs {@code action} once per Idempotency-Key of a client (CONTRACT part 2): a repeat with the same body gets the
     * first answer again with Idempotent-Replayed: true, one with another body 422, one while the first still runs
     * 409. Only a 2xx answer is kept; after a failure the key is free again, so a retry runs (and fails) the same way.
     */
    private Uni<Response> idempotent(ContainerRequestContext http, String key, String operation, Object request,
            Supplier<Uni<Response>> action) {
        if (key == null) {
            return action.get();
        }
        if (key.isEmpty() || key.length() > 255 || !key.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw new InvalidRequestException(List.of(new Violation(IDEMPOTENCY_KEY,
                    "must be 1 to 255 printable ASCII characters")));
        }
        String client = AccessFilter.clientOf(http).orElse("*");
        String hash;
        try {
            hash = IdempotentRequests.hash(operation + " " + json.writeValueAsString(request));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return Uni.createFrom().item(() -> idempotentRequests.begin(client, key, hash))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(start -> {
                    if (start instanceof IdempotentRequests.Start.Replay replay) {
                        Response.ResponseBuilder again = Response.status(replay.status())
                                .entity(replay.body()).type(MediaType.APPLICATION_JSON)
                                .header(REPLAYED, "true");
                        if (replay.location() != null) {
                            again.header("Location", replay.location());
                        }
                        return Uni.createFrom().item(again.build());
                    }
                    if (start instanceof IdempotentRequests.Start.Running) {
                        return Uni.createFrom().item(error(409, "A request with this Idempotency-Key is still running;"
                                + " try again in a moment"));
                    }
                    if (start instanceof IdempotentRequests.Start.OtherBody) {
                        return Uni.createFrom().item(error(422, "This Idempotency-Key was used with another request"
                                + " body in the last 24 h"));
                    }
                    return Uni.createFrom().deferred(action::get)
                            .emitOn(Infrastructure.getDefaultWorkerPool())
                            .invoke(response -> keep(client, key, response))
                            .onFailure().invoke(failure -> idempotentRequests.abandon(client, key));
                });
    }

    private void keep(String client, String key, Response response) {
        try {
            Object location = response.getHeaders().getFirst("Location");
            idempotentRequests.complete(client, key, response.getStatus(), location == null ? null : location.toString(),
                    json.writeValueAsString(response.getEntity()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Response error(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(new ApiError(message, null)).build();
    }
}
