package org.callscheduler.web;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.DayOfWeek;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.callscheduler.call.CallResponse;
import org.callscheduler.call.CallStatus;
import org.callscheduler.call.CallWithWait;
import org.callscheduler.call.CallingWindowJson;
import org.callscheduler.event.CallEvent;
import org.callscheduler.policy.CallingWindow;
import org.callscheduler.policy.TimeZones;

/** What the templates show: calls and times already put in the person's time zone and words. */
final class CallViews {

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("EEE d MMM yyyy, HH:mm:ss", Locale.ENGLISH);
    /** A time of today: "10:41:07". */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ENGLISH);
    /** A time of the callee's day: "09:15 Tue". */
    private static final DateTimeFormatter CALLEE = DateTimeFormatter.ofPattern("HH:mm EEE", Locale.ENGLISH);

    private CallViews() {
    }

    /** The schedule form: what was typed, and a message per field that was wrong (by the API's field name). */
    record Form(String phone, String when, String timeZone, String windowStart, String windowEnd,
            Map<String, String> errors, String notice) {

        static Form empty() {
            return new Form("", "", "", "", "", Map.of(), null);
        }

        Form withErrors(Map<String, String> errors) {
            return new Form(phone, when, timeZone, windowStart, windowEnd, errors, notice);
        }

        Form withNotice(String notice) {
            return new Form(phone, when, timeZone, windowStart, windowEnd, errors, notice);
        }

        /** Whether the optional zone and window fields are shown unfolded: one was typed in, or is wrong. */
        public boolean rulesOpen() {
            return !timeZone.isEmpty() || !windowStart.isEmpty() || !windowEnd.isEmpty()
                    || errors.keySet().stream().anyMatch(field -> field.equals("time_zone") || field.startsWith("calling_window"));
        }
    }

    /** One tab of the status filter. */
    record Filter(String value, String label, String count, boolean active) {
    }

    /**
     * One row of the call table.
     *
     * @param calleeTime the scheduled time in the callee's zone ("22:30 Tue, callee (America/Chicago)"), or why it
     *        cannot be given
     * @param waiting why a pending call waits past its scheduled time and until when, in words; empty when it does not
     * @param waitingUntil when it will be sent, in the person's zone (for the waiting text's tooltip); empty likewise
     */
    record Row(long id, String phoneNumber, String scheduled, String scheduledRelative, String scheduledIso,
            String calleeTime, String status, String callStatus, String updatedRelative, String errorMessage,
            String waiting, String waitingUntil, int attempts, boolean deletable, String reference,
            Reschedule reschedule) {

        static Row of(CallWithWait listed, ZoneId zone, Instant now) {
            CallResponse call = listed.call();
            Optional<String> waiting = CallViews.waiting(listed, now);
            return new Row(call.id(), call.phoneNumber(), WHEN.format(call.scheduledTime().atZone(zone)),
                    relative(call.scheduledTime(), now), call.scheduledTime().toString(), CallViews.calleeTime(call),
                    call.status().value(), call.callStatus() == null ? "" : call.callStatus(),
                    relative(call.updatedAt(), now), call.errorMessage() == null ? "" : call.errorMessage(),
                    waiting.orElse(""), waiting.isEmpty() ? "" : WHEN.format(call.notBefore().atZone(zone)),
                    call.attempts(), call.status() == CallStatus.PENDING,
                    call.reference() == null ? "" : call.reference(), Reschedule.of(call, zone));
        }

        /** The row with its reschedule form open, showing what was typed and why it was refused. */
        Row withReschedule(String typed, String error) {
            return new Row(id, phoneNumber, scheduled, scheduledRelative, scheduledIso, calleeTime, status, callStatus,
                    updatedRelative, errorMessage, waiting, waitingUntil, attempts, deletable, reference,
                    reschedule.refused(typed, error));
        }
    }

    /**
     * The small form that moves a pending call to another time, in its row and in its history panel.
     *
     * @param value the date and time in the form, in the person's zone, as a datetime-local input takes it
     * @param calleeZone the callee's zone, for the script that shows the new time where the callee is; empty when
     *        not known
     * @param calleeTime the call's time where the callee is, as the row shows it
     * @param error why the last change was refused, in words; empty when none was
     * @param open whether the form is shown unfolded (after a refusal)
     */
    record Reschedule(String value, String calleeZone, String calleeTime, String error, boolean open) {

        private static final DateTimeFormatter LOCAL_INPUT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm", Locale.ROOT);

        static Reschedule of(CallResponse call, ZoneId zone) {
            return new Reschedule(LOCAL_INPUT.format(call.scheduledTime().atZone(zone)),
                    CallViews.calleeZone(call).map(ZoneId::getId).orElse(""), CallViews.calleeTime(call), "", false);
        }

        Reschedule refused(String typed, String why) {
            return new Reschedule(typed, calleeZone, calleeTime, why, true);
        }
    }

    /**
     * The list's filters as the page's address carries them (each empty when not used): the status tab, a phone
     * number, a reference, and a range of days in the person's zone ({@code from} and {@code to} both included, as
     * yyyy-mm-dd).
     */
    record Search(String status, String phoneNumber, String reference, String from, String to) {

        static Search of(String status, String phoneNumber, String reference, String from, String to) {
            return new Search(text(status), text(phoneNumber).strip(), text(reference).strip(), text(from).strip(),
                    text(to).strip());
        }

        Search withStatus(String newStatus) {
            return new Search(newStatus, phoneNumber, reference, from, to);
        }

        /** Whether any filter but the status is used. */
        public boolean searching() {
            return !phoneNumber.isEmpty() || !reference.isEmpty() || !from.isEmpty() || !to.isEmpty();
        }

        /** The filters other than the status as a query string to append: "&phone_number=%2B1415...", or "". */
        public String more() {
            StringBuilder query = new StringBuilder();
            append(query, "phone_number", phoneNumber);
            append(query, "reference", reference);
            append(query, "from", from);
            append(query, "to", to);
            return query.toString();
        }

        /** The whole query: "status=pending&phone_number=...". */
        public String query() {
            return "status=" + encode(status) + more();
        }

        private static void append(StringBuilder query, String name, String value) {
            if (!value.isEmpty()) {
                query.append('&').append(name).append('=').append(encode(value));
            }
        }

        private static String encode(String value) {
            return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8);
        }

        private static String text(String value) {
            return value == null ? "" : value;
        }
    }

    /**
     * The call table: one page of rows, the filters and the paging, and how webhook delivery fares.
     *
     * @param noticeOk whether the notice says that something worked (else it says why something did not)
     * @param search the filters; the page's address and every link of the table carry them
     * @param filterError why the filters cannot be used, naming the bad one; empty when they can (no rows then)
     */
    record Table(List<Row> rows, List<Filter> filters, String status, int page, int pages, String total, String zone,
            String notice, boolean noticeOk, Webhooks webhooks, Search search, String filterError) {

        /** "1 matching call", "25 matching calls". */
        public String matches() {
            return total + ("1".equals(total) ? " matching call" : " matching calls");
        }

        /** The address of the whole page with these filters and this page: what the browser's address bar shows. */
        public String pageUrl() {
            return "/?" + search.query() + (page > 0 ? "&page=" + page : "");
        }

        public boolean hasPrevious() {
            return page > 0;
        }

        public boolean hasNext() {
            return page + 1 < pages;
        }

        public int previous() {
            return page - 1;
        }

        public int next() {
            return page + 1;
        }

        public int shownPage() {
            return page + 1;
        }
    }

    /**
     * What the table's banners say about webhook delivery.
     *
     * @param failingSince since when deliveries fail one after another, in the person's zone ("10:41:07" today,
     *        with the date before); empty while they do not fail
     * @param waiting events waiting to be delivered
     * @param lastError the last failure, in words; may be empty
     * @param dead deliveries given up (410 Gone, or past the max age)
     */
    record Webhooks(String failingSince, long waiting, String lastError, long dead) {

        /** Webhooks off: nothing to say. */
        static final Webhooks NONE = new Webhooks("", 0, "", 0);

        static Webhooks of(Optional<Instant> failingSince, long waiting, Optional<String> lastError, long dead,
                ZoneId zone, Instant now) {
            String since = failingSince.map(at -> at.atZone(zone).toLocalDate().equals(now.atZone(zone).toLocalDate())
                    ? TIME.format(at.atZone(zone)) : WHEN.format(at.atZone(zone))).orElse("");
            return new Webhooks(since, waiting, lastError.orElse(""), dead);
        }

        public boolean failing() {
            return !failingSince.isEmpty();
        }

        /** "1 webhook delivery given up (dead)", "3 webhook deliveries given up (dead)". */
        public String deadText() {
            return dead + (dead == 1 ? " webhook delivery" : " webhook deliveries") + " given up (dead)";
        }
    }

    /**
     * One entry of a call's history, in the person's zone and in words.
     *
     * @param label the event's type for people: "Send failed" for send_failed
     * @param tone how the type's badge is coloured: ok, bad, warn or info
     */
    record TimelineEvent(String at, String atIso, String type, String label, String tone, String status,
            String callStatus, int attempt, String detail) {

        static TimelineEvent of(CallEvent event, ZoneId zone) {
            return new TimelineEvent(WHEN.format(event.at().atZone(zone)), event.at().toString(), event.type(),
                    eventLabel(event.type()), eventTone(event.type()), event.status(),
                    event.callStatus() == null ? "" : event.callStatus(), event.attempt(),
                    event.detail() == null ? "" : event.detail());
        }
    }

    /**
     * A call's history for the page's timeline panel: the call's events oldest first, or, when there is no such
     * call, just the id that was asked for ({@code found} false).
     *
     * @param active whether the call is still going on (pending or in progress): the panel then refreshes itself
     */
    record Timeline(String id, boolean found, String phoneNumber, String status, boolean active,
            List<TimelineEvent> events, String zone, String reference, Reschedule reschedule, String notice,
            boolean problem) {

        static Timeline of(CallResponse call, List<CallEvent> events, ZoneId zone) {
            return new Timeline(String.valueOf(call.id()), true, call.phoneNumber(), call.status().value(),
                    call.status() == CallStatus.PENDING || call.status() == CallStatus.IN_PROGRESS,
                    events.stream().map(e -> TimelineEvent.of(e, zone)).toList(), zone.getId(),
                    call.reference() == null ? "" : call.reference(),
                    call.status() == CallStatus.PENDING ? Reschedule.of(call, zone) : null, "", false);
        }

        static Timeline missing(String id, ZoneId zone) {
            return new Timeline(id, false, "", "", false, List.of(), zone.getId(), "", null, "", false);
        }

        /** Whether the call can be moved: it is pending. */
        public boolean reschedulable() {
            return reschedule != null;
        }

        Timeline withNotice(String text) {
            return new Timeline(id, found, phoneNumber, status, active, events, zone, reference, reschedule, text, false);
        }

        /** The panel with a warning: why a change was refused, once the call can no longer be moved. */
        Timeline withProblem(String text) {
            return new Timeline(id, found, phoneNumber, status, active, events, zone, reference, reschedule, text, true);
        }

        /** The panel with its reschedule form open, showing what was typed and why it was refused. */
        Timeline withRefusal(String typed, String error) {
            return new Timeline(id, found, phoneNumber, status, active, events, zone, reference,
                    reschedule == null ? null : reschedule.refused(typed, error), notice, problem);
        }
    }

    /**
     * What the check of an import file found, before anything is stored.
     *
     * @param fileProblem why the file as a whole cannot be imported; empty when it can be read
     * @param rows the calls in the file
     * @param good the rows with nothing wrong
     * @param problems what is wrong, row by row, at most {@link #SHOWN} of them
     * @param moreProblems how many problems are not shown
     */
    record ImportPreview(String fileName, String fileProblem, int rows, int good, List<CallCsv.Problem> problems,
            int badRows, int moreProblems) {

        static final int SHOWN = 200;

        static ImportPreview refused(String fileName, String why) {
            return new ImportPreview(fileName, why, 0, 0, List.of(), 0, 0);
        }

        /** The number of rows as people read it: "10,000". */
        public String rowsText() {
            return String.format(Locale.ENGLISH, "%,d", rows);
        }

        /** The number of good rows likewise. */
        public String goodText() {
            return String.format(Locale.ENGLISH, "%,d", good);
        }

        /** Whether the file can be imported: it was read and every row is good. */
        public boolean ready() {
            return fileProblem.isEmpty() && good == rows && rows > 0;
        }
    }

    /** A moment in the person's zone as the page writes it: "Tue 1 Dec 2026, 09:30:00". */
    static String when(Instant time, ZoneId zone) {
        return WHEN.format(time.atZone(zone));
    }

    /** {@code text} cut to {@code max} characters, with an ellipsis when it was longer. */
    static String cut(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max) + "…";
    }

    /** An event type as people read it: "send_failed" is "Send failed". */
    static String eventLabel(String type) {
        if (type == null || type.isEmpty()) {
            return "";
        }
        String words = type.replace('_', ' ');
        return Character.toUpperCase(words.charAt(0)) + words.substring(1);
    }

    /** How an event type's badge is coloured: ok (it worked), bad (it failed), warn (it waits or is unsure), info. */
    static String eventTone(String type) {
        return switch (type == null ? "" : type) {
            case "accepted", "completed" -> "ok";
            case "send_failed", "failed", "expired" -> "bad";
            case "deferred", "retry_scheduled", "in_doubt" -> "warn";
            default -> "info";
        };
    }

    /** The person's time zone, or UTC when the browser sent none or one we do not know. */
    static ZoneId zone(String tz) {
        if (tz == null || tz.isBlank()) {
            return ZoneId.of("UTC");
        }
        try {
            return ZoneId.of(tz);
        } catch (DateTimeException e) {
            return ZoneId.of("UTC");
        }
    }

    /** "in 5 min", "2 min ago", "just now". */
    static String relative(Instant time, Instant now) {
        if (time == null) {
            return "";
        }
        Duration d = Duration.between(now, time);
        boolean future = !d.isNegative();
        long seconds = Math.abs(d.getSeconds());
        String amount;
        if (seconds < 10) {
            return "just now";
        } else if (seconds < 60) {
            amount = seconds + " s";
        } else if (seconds < 3600) {
            amount = seconds / 60 + " min";
        } else if (seconds < 86_400) {
            amount = seconds / 3600 + " h";
        } else {
            amount = seconds / 86_400 + " d";
        }
        return future ? "in " + amount : amount + " ago";
    }

    /**
     * The call's scheduled time where the callee is: "22:30 Tue, callee (America/Chicago)"; when the number's country
     * has several zones and the call names none, "callee zone unknown (US: 29 zones)".
     */
    static String calleeTime(CallResponse call) {
        Optional<ZoneId> zone = calleeZone(call);
        if (zone.isPresent()) {
            return CALLEE.format(call.scheduledTime().atZone(zone.get())) + ", callee (" + zone.get().getId() + ")";
        }
        TimeZones.Zones zones = TimeZones.zonesOf(call.phoneNumber());
        if (zones.isUnknown()) {
            return "callee zone unknown";
        }
        return "callee zone unknown (" + TimeZones.regionOf(call.phoneNumber()).map(r -> r + ": ").orElse("")
                + zones.all().size() + " zones)";
    }

    /** The callee's zone: the call's own, or the one its number gives (a call stored before it had a zone). */
    private static Optional<ZoneId> calleeZone(CallResponse call) {
        if (call.timeZone() != null) {
            try {
                return Optional.of(ZoneId.of(call.timeZone()));
            } catch (DateTimeException e) {
                return Optional.empty();
            }
        }
        return TimeZones.zoneOf(call.phoneNumber());
    }

    /**
     * Why a pending call that no dispatcher is sending waits past its scheduled time, and until when: "Waiting for
     * its calling window 09:00-17:00 MON-FRI: opens in 3 h (09:00 Wed callee time)", "Retry 1 of 2 after busy: in
     * 10 min", "Call API asked to slow down: in 8 s", "Back-off after a failed attempt: in 2 s". Empty for a call
     * that is not waiting.
     */
    static Optional<String> waiting(CallWithWait listed, Instant now) {
        CallResponse call = listed.call();
        Instant until = call.notBefore();
        if (until == null || (listed.waitReason() == null && !until.isAfter(call.scheduledTime()))) {
            return Optional.empty();
        }
        String in = countdown(until, now);
        if (listed.waitReason() == null) {
            return Optional.of("Waiting past its scheduled time: " + in);
        }
        return Optional.of(switch (listed.waitReason()) {
            case WINDOW -> waitingForWindow(call, until, in);
            case RETRY -> {
                List<String> outcomes = listed.retriedOutcomes();
                String outcome = !outcomes.isEmpty() ? outcomes.get(outcomes.size() - 1) : call.callStatus();
                String of = call.retry() == null || call.retry().maxRetries() == null ? ""
                        : " of " + call.retry().maxRetries();
                yield "Retry " + Math.max(1, outcomes.size()) + of
                        + (outcome == null ? "" : " after " + outcome.replace('-', ' ')) + ": " + in;
            }
            case BACKOFF -> "Back-off after a failed attempt: " + in;
            case THROTTLED -> "Call API asked to slow down: " + in;
        });
    }

    private static String waitingForWindow(CallResponse call, Instant opens, String in) {
        String window = call.callingWindow() == null ? "" : " " + windowText(call.callingWindow());
        String text = "Waiting for its calling window" + window;
        Optional<ZoneId> zone = calleeZone(call);
        if (zone.isPresent()) {
            return text + ": opens " + in + " (" + CALLEE.format(opens.atZone(zone.get())) + " callee time)";
        }
        TimeZones.Zones zones = TimeZones.zonesOf(call.phoneNumber());
        String where = zones.all().size() > 1 ? " in all " + zones.all().size()
                + TimeZones.regionOf(call.phoneNumber()).map(r -> " " + r).orElse("") + " zones" : "";
        return text + where + ": opens " + in;
    }

    /** A calling window as the configuration writes it, its days in runs: "09:00-17:00 MON-FRI". */
    static String windowText(CallingWindowJson json) {
        CallingWindow window;
        try {
            window = CallingWindow.parse(json.start() + "-" + json.end()
                    + (json.days() == null || json.days().isEmpty() ? "" : " " + String.join(",", json.days())));
        } catch (IllegalArgumentException e) {
            return json.start() + "-" + json.end();
        }
        String hours = window.start() + "-" + window.end();
        return window.days().size() == 7 ? hours : hours + " " + dayRuns(window.days());
    }

    /** Days of the week with runs of three or more written as ranges: "MON-FRI", "SAT,SUN", "MON,WED-FRI". */
    private static String dayRuns(Set<DayOfWeek> days) {
        List<String> parts = new ArrayList<>();
        List<DayOfWeek> ordered = List.copyOf(EnumSet.copyOf(days));
        int i = 0;
        while (i < ordered.size()) {
            int j = i;
            while (j + 1 < ordered.size() && ordered.get(j + 1).getValue() == ordered.get(j).getValue() + 1) {
                j++;
            }
            if (j - i >= 2) {
                parts.add(abbreviation(ordered.get(i)) + "-" + abbreviation(ordered.get(j)));
            } else {
                for (int k = i; k <= j; k++) {
                    parts.add(abbreviation(ordered.get(k)));
                }
            }
            i = j + 1;
        }
        return String.join(",", parts);
    }

    private static String abbreviation(DayOfWeek day) {
        return day.name().substring(0, 3);
    }

    /** "in 8 s", "in 10 min", "in 3 h", "in 2 d", to the nearest unit; "due now" once the time has come. */
    static String countdown(Instant until, Instant now) {
        Duration left = Duration.between(now, until);
        long seconds = left.getSeconds() + (left.getNano() > 0 ? 1 : 0);
        if (seconds <= 0) {
            return "due now";
        }
        if (seconds < 60) {
            return "in " + seconds + " s";
        }
        long minutes = Math.round(seconds / 60.0);
        if (minutes < 60) {
            return "in " + minutes + " min";
        }
        long hours = Math.round(seconds / 3600.0);
        if (hours < 24) {
            return "in " + hours + " h";
        }
        return "in " + Math.round(seconds / 86_400.0) + " d";
    }
}
