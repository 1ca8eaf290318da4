package org.callscheduler.web;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.callscheduler.call.CallResponse;
import org.callscheduler.call.CallStatus;

/** What the templates show: calls and times already put in the person's time zone and words. */
final class CallViews {

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("EEE d MMM yyyy, HH:mm:ss", Locale.ENGLISH);

    private CallViews() {
    }

    /** The schedule form: what was typed, and a message per field that was wrong. */
    record Form(String phone, String when, Map<String, String> errors, String notice) {

        static Form empty() {
            return new Form("", "", Map.of(), null);
        }
    }

    /** One tab of the status filter. */
    record Filter(String value, String label, long count, boolean active) {
    }

    /** One row of the call table. */
    record Row(long id, String phoneNumber, String scheduled, String scheduledRelative, String scheduledIso, String status,
            String callStatus, String updatedRelative, String errorMessage, boolean deletable) {

        static Row of(CallResponse call, ZoneId zone, Instant now) {
            return new Row(call.id(), call.phoneNumber(), WHEN.format(call.scheduledTime().atZone(zone)),
                    relative(call.scheduledTime(), now), call.scheduledTime().toString(), call.status().value(),
                    call.callStatus() == null ? "" : call.callStatus(), relative(call.updatedAt(), now),
                    call.errorMessage() == null ? "" : call.errorMessage(), call.status() == CallStatus.PENDING);
        }
    }

    /** The call table: one page of rows, the filter and the paging. */
    record Table(List<Row> rows, List<Filter> filters, String status, int page, int pages, long total, String zone,
            String notice) {

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
}
