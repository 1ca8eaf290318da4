package org.callscheduler.web;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.callscheduler.call.CallNotFoundException;
import org.callscheduler.call.CallNotPendingException;
import org.callscheduler.call.CallNowRequest;
import org.callscheduler.call.CallPage;
import org.callscheduler.call.CallResponse;
import org.callscheduler.call.CallService;
import org.callscheduler.call.CallStatus;
import org.callscheduler.call.CallWithWait;
import org.callscheduler.call.CallingWindowJson;
import org.callscheduler.call.InvalidRequestException;
import org.callscheduler.call.ScheduleRequest;
import org.callscheduler.call.ScheduledCall;
import org.callscheduler.call.Violation;
import org.callscheduler.event.CallEvents;
import org.callscheduler.security.CsrfChecked;
import org.callscheduler.security.RateLimited;
import org.callscheduler.webhook.WebhookBacklog;
import org.callscheduler.webhook.WebhookDeliveryJob;
import org.jboss.resteasy.reactive.RestResponse;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Uni;

/**
 * The web page: a schedule form and a live call table, rendered by Qute and refreshed by htmx.
 * The form goes through {@link CallService}, so it has the same rules and errors as the API.
 */
@Path("/")
@Produces(MediaType.TEXT_HTML)
@CsrfChecked
public class CallPages {

    static final int PAGE_SIZE = 20;
    /** htmx event that tells the table to refresh at once (after a call is added or deleted). */
    static final String CALLS_CHANGED = "calls-changed";

    private static final Map<String, String> LABELS = Map.ofEntries(Map.entry("phone_number", "Phone number"),
            Map.entry("scheduled_time", "Date and time"), Map.entry("time_zone", "Time zone"),
            Map.entry("calling_window", "Calling window"), Map.entry("calling_window.start", "Calling window start"),
            Map.entry("calling_window.end", "Calling window end"), Map.entry("reference", "Reference"),
            Map.entry("from", "From"), Map.entry("to", "To"), Map.entry("status", "Status"),
            Map.entry("expires_at", "Expiry"));

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance page(CallViews.Form form, CallViews.Table table);

        static native TemplateInstance page$form(CallViews.Form form);

        static native TemplateInstance page$table(CallViews.Table table);

        static native TemplateInstance page$timeline(CallViews.Timeline timeline);

        static native TemplateInstance page$importPreview(CallViews.ImportPreview preview);

    }

    @Inject
    CallService service;

    @Inject
    WebhookDeliveryJob webhooks;

    @GET
    public TemplateInstance page(@QueryParam("status") String status, @QueryParam("phone_number") String phone,
            @QueryParam("reference") String reference, @QueryParam("from") String from, @QueryParam("to") String to,
            @QueryParam("page") String page, @QueryParam("tz") String tz) {
        return Templates.page(CallViews.Form.empty(),
                tableView(CallViews.Search.of(status, phone, reference, from, to), page, tz, null));
    }

    /**
     * The call table alone, for htmx's refresh every 3 seconds, and for the filters, tabs and pager. When the person
     * asked for it (anything but the table's own refresh), it tells htmx to put the page's address with these filters
     * in the address bar (HX-Push-Url), so that a reload or a shared link shows the same list.
     */
    @GET
    @Path("calls-table")
    public RestResponse<TemplateInstance> table(@QueryParam("status") String status,
            @QueryParam("phone_number") String phone, @QueryParam("reference") String reference,
            @QueryParam("from") String from, @QueryParam("to") String to, @QueryParam("page") String page,
            @QueryParam("tz") String tz, @HeaderParam("HX-Request") String htmx,
            @HeaderParam("HX-Trigger") String trigger) {
        CallViews.Table table = tableView(CallViews.Search.of(status, phone, reference, from, to), page, tz, null);
        RestResponse.ResponseBuilder<TemplateInstance> answer = RestResponse.ResponseBuilder.ok(Templates.page$table(table));
        if (htmx != null && !"calls".equals(trigger)) {
            answer.header("HX-Push-Url", table.pageUrl());
        }
        return answer.build();
    }

    /**
     * The form's Schedule and Call now buttons. Answers the form again: reset, or with the errors. The callee's time
     * zone and calling window are optional: empty, the call gets the zone of its number and the default window.
     */
    @POST
    @Path("calls")
    @RateLimited
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<RestResponse<TemplateInstance>> submit(@FormParam("phone_number") String phone,
            @FormParam("scheduled_at") String scheduledAt, @FormParam("tz") String tz, @FormParam("action") String action,
            @FormParam("time_zone") String timeZone, @FormParam("window_start") String windowStart,
            @FormParam("window_end") String windowEnd) {
        CallViews.Form typed = new CallViews.Form(text(phone), text(scheduledAt), text(timeZone).trim(),
                text(windowStart), text(windowEnd), Map.of(), null);
        String zone = typed.timeZone().isEmpty() ? null : typed.timeZone();
        CallingWindowJson window = typed.windowStart().isEmpty() && typed.windowEnd().isEmpty() ? null
                : new CallingWindowJson(hoursAndMinutes(typed.windowStart()), hoursAndMinutes(typed.windowEnd()), null);
        boolean now = "now".equals(action);
        CompletionStage<ScheduledCall> stored;
        try {
            if (now) {
                stored = service.callNow(new CallNowRequest(typed.phone(), zone, window, null, null));
            } else {
                stored = service.schedule(new ScheduleRequest(typed.phone(), toInstant(typed.when(), tz), zone, window,
                        null, null));
            }
        } catch (InvalidRequestException e) {
            Map<String, String> errors = new LinkedHashMap<>();
            for (Violation v : e.violations()) {
                errors.putIfAbsent(v.field(), sentence(v, typed.when()));
            }
            return Uni.createFrom().item(RestResponse.ok(Templates.page$form(typed.withErrors(errors))));
        }
        return Uni.createFrom().completionStage(stored).map(call -> {
            String notice = now
                    ? "Calling " + call.phoneNumber + " now."
                    : "Call to " + call.phoneNumber + " scheduled.";
            return RestResponse.ResponseBuilder.ok(Templates.page$form(CallViews.Form.empty().withNotice(notice)))
                    .header("HX-Trigger", CALLS_CHANGED)
                    .build();
        });
    }

    /**
     * A call's history, for the panel a row's History button opens; it refreshes itself every 3 seconds while the
     * call is going on. An unknown call gets the panel with a message, and a 404.
     */
    @GET
    @Path("calls/{id}/timeline")
    public RestResponse<TemplateInstance> timeline(@PathParam("id") String id, @QueryParam("tz") String tz) {
        ZoneId zone = CallViews.zone(tz);
        return timelineView(id, zone).map(timeline -> RestResponse.ok(Templates.page$timeline(timeline)))
                .orElseGet(() -> RestResponse.status(RestResponse.Status.NOT_FOUND,
                        Templates.page$timeline(CallViews.Timeline.missing(id, zone))));
    }

    /** A call's history panel, or empty when there is no such call. */
    private java.util.Optional<CallViews.Timeline> timelineView(String id, ZoneId zone) {
        long callId;
        try {
            callId = Long.parseLong(id);
        } catch (NumberFormatException e) {
            return java.util.Optional.empty();
        }
        // The call before its events: a call that ends in between shows its last events at the next refresh.
        CallResponse call = service.findAll(List.of(callId)).get(callId);
        if (call == null) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(CallViews.Timeline.of(call, service.events(String.valueOf(callId)), zone));
        } catch (CallNotFoundException e) {
            return java.util.Optional.empty();
        }
    }

    /** The row's Delete button. Answers the table without the call, or with the reason it stays. */
    @DELETE
    @Path("calls/{id}")
    public RestResponse<TemplateInstance> delete(@PathParam("id") String id, @QueryParam("status") String status,
            @QueryParam("phone_number") String phone, @QueryParam("reference") String reference,
            @QueryParam("from") String from, @QueryParam("to") String to, @QueryParam("page") String page,
            @QueryParam("tz") String tz) {
        String notice = null;
        try {
            service.delete(id);
        } catch (CallNotPendingException e) {
            notice = "Call " + id + " was not deleted: it has been dialled already.";
        } catch (CallNotFoundException e) {
            notice = "Call " + id + " was already gone.";
        }
        return RestResponse.ok(Templates.page$table(tableView(CallViews.Search.of(status, phone, reference, from, to),
                page, tz, notice)));
    }

    /**
     * A row's Reschedule form: moves the pending call to the date and time typed in the person's zone, through
     * {@link CallService#patch} (the rules and messages of PATCH /api/calls/{id}). Answers the table with a notice, or
     * with the row's form still open and why the change was refused.
     */
    @PATCH
    @Path("calls/{id}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public RestResponse<TemplateInstance> reschedule(@PathParam("id") String id,
            @FormParam("scheduled_at") String scheduledAt, @FormParam("tz") String formZone,
            @QueryParam("status") String status, @QueryParam("phone_number") String phone,
            @QueryParam("reference") String reference, @QueryParam("from") String from, @QueryParam("to") String to,
            @QueryParam("page") String page, @QueryParam("tz") String tz) {
        String zone = formZone == null || formZone.isBlank() ? tz : formZone;
        CallViews.Search search = CallViews.Search.of(status, phone, reference, from, to);
        Moved moved = move(id, text(scheduledAt), zone);
        if (moved.refusal() == null) {
            CallViews.Table table = tableView(search, page, zone, null);
            return RestResponse.ResponseBuilder.ok(Templates.page$table(new CallViews.Table(table.rows(),
                    table.filters(), table.status(), table.page(), table.pages(), table.total(), table.zone(),
                    moved.notice(), true, table.webhooks(), table.search(), table.filterError())))
                    .header("HX-Trigger", CALLS_CHANGED).build();
        }
        CallViews.Table table = tableView(search, page, zone, null);
        // The refusal beside the row's form while the call can still be moved; above the table otherwise.
        List<CallViews.Row> rows = table.rows().stream()
                .map(row -> String.valueOf(row.id()).equals(id) && row.deletable()
                        ? row.withReschedule(text(scheduledAt), moved.refusal()) : row)
                .toList();
        boolean shown = rows.stream().anyMatch(row -> row.reschedule().open());
        return RestResponse.ok(Templates.page$table(new CallViews.Table(rows, table.filters(), table.status(),
                table.page(), table.pages(), table.total(), table.zone(), shown ? null : moved.refusal(), false,
                table.webhooks(), table.search(), table.filterError())));
    }

    /**
     * The Reschedule form of a call's history panel: as a row's, answering the panel (with the new {@code updated}
     * event, or the form still open and why not) and telling the table to refresh.
     */
    @PATCH
    @Path("calls/{id}/timeline")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public RestResponse<TemplateInstance> rescheduleInTimeline(@PathParam("id") String id,
            @FormParam("scheduled_at") String scheduledAt, @FormParam("tz") String tz) {
        Moved moved = move(id, text(scheduledAt), tz);
        ZoneId zone = CallViews.zone(tz);
        java.util.Optional<CallViews.Timeline> panel = timelineView(id, zone);
        if (panel.isEmpty()) {
            return RestResponse.status(RestResponse.Status.NOT_FOUND,
                    Templates.page$timeline(CallViews.Timeline.missing(id, zone)));
        }
        CallViews.Timeline shown = panel.get();
        CallViews.Timeline answer = moved.refusal() == null ? shown.withNotice(moved.notice())
                : shown.reschedulable() ? shown.withRefusal(text(scheduledAt), moved.refusal())
                        : shown.withProblem(moved.refusal());
        return RestResponse.ResponseBuilder.ok(Templates.page$timeline(answer))
                .header("HX-Trigger", CALLS_CHANGED).build();
    }

    /** What became of a reschedule: a notice when the call was moved, or why it was not (refusal). */
    private record Moved(String notice, String refusal) {
    }

    private Moved move(String id, String when, String tz) {
        if (when.isBlank()) {
            return new Moved(null, "Pick the new date and time for the call.");
        }
        ZoneId zone = CallViews.zone(tz);
        com.fasterxml.jackson.databind.node.ObjectNode body = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                .objectNode().put("scheduled_time", toInstant(when, tz));
        try {
            ScheduledCall call = service.patch(id, body);
            return new Moved("Call " + call.id + " to " + call.phoneNumber + " moved to "
                    + CallViews.when(call.scheduledTime, zone) + ".", null);
        } catch (InvalidRequestException e) {
            List<String> words = new ArrayList<>();
            for (Violation v : e.violations()) {
                words.add(sentence(v, when));
            }
            return new Moved(null, String.join(" ", words));
        } catch (CallNotPendingException e) {
            return new Moved(null, e.getMessage() + ".");
        } catch (CallNotFoundException e) {
            return new Moved(null, "Call " + id + " is gone: it may have been deleted.");
        }
    }

    private CallViews.Table tableView(CallViews.Search asked, String page, String tz, String notice) {
        String filter = CallStatus.parse(asked.status()).isEmpty() ? "" : asked.status();
        CallViews.Search search = asked.withStatus(filter);
        ZoneId zone = CallViews.zone(tz);
        int pageIndex = parsePage(page);
        List<Violation> problems = new ArrayList<>();
        String[] days = days(search, zone, problems);
        String from = days[0];
        String to = days[1];
        CallPage<CallWithWait> result = new CallPage<>(List.of(), 0);
        if (problems.isEmpty()) {
            try {
                result = service.listWithWaits(query(search, from, to, pageIndex));
                int pages = (int) Math.max(1, (result.total() + PAGE_SIZE - 1) / PAGE_SIZE);
                if (pageIndex >= pages) {
                    // The list shrank under a page that no longer exists: show the last one.
                    pageIndex = pages - 1;
                    result = service.listWithWaits(query(search, from, to, pageIndex));
                }
            } catch (InvalidRequestException e) {
                problems.addAll(e.violations());
            }
        }
        String filterError = problems.stream().map(v -> sentence(v, "")).collect(java.util.stream.Collectors.joining(" "));
        int pages = (int) Math.max(1, (result.total() + PAGE_SIZE - 1) / PAGE_SIZE);
        Instant now = Instant.now();
        List<CallViews.Row> rows = result.calls().stream().map(c -> CallViews.Row.of(c, zone, now)).toList();
        Map<String, String> counts = service.countTextsByStatus();
        List<CallViews.Filter> filters = new ArrayList<>();
        filters.add(new CallViews.Filter("", "All", counts.get(""), filter.isEmpty()));
        for (CallStatus s : CallStatus.values()) {
            String label = Character.toUpperCase(s.value().charAt(0)) + s.value().substring(1).replace('-', ' ');
            filters.add(new CallViews.Filter(s.value(), label, counts.get(s.value()), s.value().equals(filter)));
        }
        return new CallViews.Table(rows, filters, filter, pageIndex, pages, result.totalText(), zone.getId(), notice,
                false, webhooks(zone, now), search, filterError);
    }

    /** The filters as the service's list query, one page of the table. */
    static CallService.ListQuery query(CallViews.Search search, String from, String to, int page) {
        return new CallService.ListQuery(search.status(), search.phoneNumber(), search.reference(), from, to,
                String.valueOf(page), String.valueOf(PAGE_SIZE));
    }

    /**
     * The range of days of {@code search} as the instants the list takes: the start of its first day and of the day
     * after its last, in the person's zone (each null when not given). A day that cannot be read, or a last day before
     * the first, is a violation named after its field.
     */
    static String[] days(CallViews.Search search, ZoneId zone, List<Violation> problems) {
        String from = dayStart(search.from(), zone, 0, "from", problems);
        String to = dayStart(search.to(), zone, 1, "to", problems);
        if (from != null && to != null && !java.time.OffsetDateTime.parse(to).isAfter(java.time.OffsetDateTime.parse(from))) {
            problems.add(new Violation("to", "must not be before From"));
        }
        return new String[] { from, to };
    }

    /**
     * A day typed in a date input (yyyy-mm-dd) as the ISO instant that starts it in the person's zone, {@code plusDays}
     * later (1 for the end of an inclusive range); null when empty. A day that cannot be read is a violation named
     * after its field.
     */
    private static String dayStart(String day, ZoneId zone, int plusDays, String field, List<Violation> problems) {
        if (day.isEmpty()) {
            return null;
        }
        try {
            if (!day.matches("[0-9]{4}-[0-9]{2}-[0-9]{2}")) {
                throw new DateTimeException(day);
            }
            return java.time.LocalDate.parse(day).plusDays(plusDays).atStartOfDay(zone).toOffsetDateTime().toString();
        } catch (DateTimeException e) {
            problems.add(new Violation(field, "must be a date such as 2026-12-01"));
            return null;
        }
    }

    /** The banners' words on webhook delivery: since when it fails and how many were given up; none while off. */
    private CallViews.Webhooks webhooks(ZoneId zone, Instant now) {
        if (!webhooks.isEnabled()) {
            return CallViews.Webhooks.NONE;
        }
        WebhookBacklog backlog = webhooks.backlog();
        return CallViews.Webhooks.of(webhooks.failingSince(), backlog.pending(),
                webhooks.lastError().map(error -> CallEvents.cut(error, 300)), backlog.dead(), zone, now);
    }

    /** A violation in words for the page: the service's message, or a plainer one for a missing date. */
    private static String sentence(Violation violation, String typedWhen) {
        if ("scheduled_time".equals(violation.field()) && violation.message().contains("ISO-8601")) {
            return typedWhen.isBlank() ? "Pick a date and a time for the call." : "That date and time could not be read.";
        }
        return LABELS.getOrDefault(violation.field(), violation.field()) + " " + violation.message() + ".";
    }

    /** The datetime-local value read in the person's zone, as an ISO instant for the service to check. */
    private static String toInstant(String when, String tz) {
        if (when.isBlank()) {
            return "";
        }
        try {
            ZoneId zone = CallViews.zone(tz);
            return LocalDateTime.parse(when).atZone(zone).toOffsetDateTime().toString();
        } catch (DateTimeException e) {
            return when;
        }
    }

    private static String text(String formValue) {
        return formValue == null ? "" : formValue;
    }

    /** A time input's value as the API reads it: "09:00" (a browser may send "09:00:00"); null when empty. */
    private static String hoursAndMinutes(String value) {
        if (value.isEmpty()) {
            return null;
        }
        return value.matches("[0-9]{2}:[0-9]{2}:00(\\.0+)?") ? value.substring(0, 5) : value;
    }

    private static int parsePage(String page) {
        try {
            return Math.max(0, Integer.parseInt(page));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
