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

    private static final Map<String, String> LABELS = Map.of("phone_number", "Phone number", "scheduled_time",
            "Date and time", "time_zone", "Time zone", "calling_window", "Calling window", "calling_window.start",
            "Calling window start", "calling_window.end", "Calling window end");

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance page(CallViews.Form form, CallViews.Table table);

        static native TemplateInstance page$form(CallViews.Form form);

        static native TemplateInstance page$table(CallViews.Table table);

        static native TemplateInstance page$timeline(CallViews.Timeline timeline);

    }

    @Inject
    CallService service;

    @Inject
    WebhookDeliveryJob webhooks;

    @GET
    public TemplateInstance page(@QueryParam("status") String status, @QueryParam("page") String page,
            @QueryParam("tz") String tz) {
        return Templates.page(CallViews.Form.empty(), tableView(status, page, tz, null));
    }

    /** The call table alone, for htmx's refresh every 3 seconds. */
    @GET
    @Path("calls-table")
    public TemplateInstance table(@QueryParam("status") String status, @QueryParam("page") String page,
            @QueryParam("tz") String tz) {
        return Templates.page$table(tableView(status, page, tz, null));
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
        RestResponse<TemplateInstance> missing = RestResponse.status(RestResponse.Status.NOT_FOUND,
                Templates.page$timeline(CallViews.Timeline.missing(id, zone)));
        long callId;
        try {
            callId = Long.parseLong(id);
        } catch (NumberFormatException e) {
            return missing;
        }
        // The call before its events: a call that ends in between shows its last events at the next refresh.
        CallResponse call = service.findAll(List.of(callId)).get(callId);
        if (call == null) {
            return missing;
        }
        try {
            return RestResponse.ok(Templates.page$timeline(CallViews.Timeline.of(call,
                    service.events(String.valueOf(callId)), zone)));
        } catch (CallNotFoundException e) {
            return missing;
        }
    }

    /** The row's Delete button. Answers the table without the call, or with the reason it stays. */
    @DELETE
    @Path("calls/{id}")
    public RestResponse<TemplateInstance> delete(@PathParam("id") String id, @QueryParam("status") String status,
            @QueryParam("page") String page, @QueryParam("tz") String tz) {
        String notice = null;
        try {
            service.delete(id);
        } catch (CallNotPendingException e) {
            notice = "Call " + id + " was not deleted: it has been dialled already.";
        } catch (CallNotFoundException e) {
            notice = "Call " + id + " was already gone.";
        }
        return RestResponse.ok(Templates.page$table(tableView(status, page, tz, notice)));
    }

    private CallViews.Table tableView(String status, String page, String tz, String notice) {
        String filter = status == null || CallStatus.parse(status).isEmpty() ? "" : status;
        int pageIndex = parsePage(page);
        CallPage<CallWithWait> result = service.listWithWaits(filter, String.valueOf(pageIndex),
                String.valueOf(PAGE_SIZE));
        int pages = (int) Math.max(1, (result.total() + PAGE_SIZE - 1) / PAGE_SIZE);
        if (pageIndex >= pages) {
            // The list shrank under a page that no longer exists: show the last one.
            pageIndex = pages - 1;
            result = service.listWithWaits(filter, String.valueOf(pageIndex), String.valueOf(PAGE_SIZE));
        }
        ZoneId zone = CallViews.zone(tz);
        Instant now = Instant.now();
        List<CallViews.Row> rows = result.calls().stream().map(c -> CallViews.Row.of(c, zone, now)).toList();
        Map<CallStatus, Long> counts = service.countByStatus();
        long all = counts.values().stream().mapToLong(Long::longValue).sum();
        List<CallViews.Filter> filters = new ArrayList<>();
        filters.add(new CallViews.Filter("", "All", all, filter.isEmpty()));
        for (CallStatus s : CallStatus.values()) {
            String label = Character.toUpperCase(s.value().charAt(0)) + s.value().substring(1).replace('-', ' ');
            filters.add(new CallViews.Filter(s.value(), label, counts.get(s), s.value().equals(filter)));
        }
        return new CallViews.Table(rows, filters, filter, pageIndex, pages, result.total(), zone.getId(), notice,
                webhooks(zone, now));
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
