package org.callscheduler.call;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.callscheduler.policy.CallingHours;
import org.callscheduler.policy.CallingWindow;
import org.callscheduler.policy.OutcomeRetry;
import org.callscheduler.policy.TimeZones;

/**
 * Reads the optional fields of CONTRACT part 2 ({@code time_zone}, {@code calling_window}, {@code expires_at},
 * {@code retry}) of a new call, fills in the configured defaults, and works out when the call may first be sent.
 * Every problem becomes a violation naming its field.
 */
@ApplicationScoped
class CallingRulesReader {

    /** The most metadata kept, as compact JSON text. */
    static final int MAX_METADATA_BYTES = 4096;

    private final CallConfig config;
    private final Optional<CallingWindow> defaultWindow;
    private final Optional<OutcomeRetry> defaultRetry;

    CallingRulesReader(CallConfig config) {
        this.config = config;
        try {
            this.defaultWindow = config.callingWindow().filter(text -> !text.isBlank()).map(CallingWindow::parse);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("call-scheduler.calls.calling-window=" + config.callingWindow().get()
                    + " is not a calling window: " + e.getMessage(), e);
        }
        try {
            this.defaultRetry = config.retry().on().filter(on -> !on.isEmpty())
                    .map(on -> new OutcomeRetry(OutcomeRetry.outcomes(on), config.retry().maxRetries(),
                            config.retry().delay()));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("call-scheduler.calls.retry is not valid: " + e.getMessage(), e);
        }
    }

    /**
     * The rules of a call to {@code phone} due at {@code dueAt}, or empty with the violations added.
     *
     * @param now whether the call is for now (call-now): then a closed window is refused, not waited for
     */
    Optional<CallingRules> read(CallingRulesRequest request, String phone, Instant dueAt, Instant currentTime,
            boolean now, List<Violation> violations) {
        int before = violations.size();
        String timeZone = null;
        List<ZoneId> zones;
        if (request.timeZone() != null) {
            if (!ZoneId.getAvailableZoneIds().contains(request.timeZone())) {
                violations.add(new Violation("time_zone", "must be an IANA time zone id, for example America/Chicago"));
                zones = List.of(ZoneOffset.UTC);
            } else {
                timeZone = request.timeZone();
                zones = List.of(ZoneId.of(timeZone));
            }
        } else {
            timeZone = TimeZones.zoneOf(phone).map(ZoneId::getId).orElse(null);
            zones = CallingHours.zonesOf(timeZone, phone);
        }
        CallingWindow window = request.callingWindow() != null ? readWindow(request.callingWindow(), violations)
                : defaultWindow.orElse(null);
        OutcomeRetry retry = request.retry() != null ? readRetry(request.retry(), violations)
                : defaultRetry.orElse(null);
        Optional<Instant> givenExpiry = Optional.empty();
        if (request.expiresAt() != null) {
            givenExpiry = CallService.parseOffsetDateTime(request.expiresAt()).map(CallService::ceilToMicros);
            if (givenExpiry.isEmpty()) {
                violations.add(new Violation("expires_at",
                        "must be an ISO-8601 time with an offset, for example 2026-11-24T22:30:00Z"));
            }
        }
        String reference = request.reference();
        if (reference != null && !CallService.isReference(reference)) {
            violations.add(new Violation("reference", "must be 1 to 128 printable characters"));
        }
        String metadata = null;
        if (request.metadata() != null && !request.metadata().isNull()) {
            if (!request.metadata().isObject()) {
                violations.add(new Violation("metadata", "must be a JSON object"));
            } else {
                metadata = request.metadata().toString();
                if (metadata.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_METADATA_BYTES) {
                    violations.add(new Violation("metadata", "must be at most 4 KB as JSON (" + MAX_METADATA_BYTES
                            + " bytes)"));
                }
            }
        }
        if (violations.size() > before) {
            return Optional.empty();
        }
        Instant notBefore = dueAt;
        String deferral = null;
        if (window != null) {
            CallingHours hours = new CallingHours(window, zones);
            Optional<Instant> opening = hours.nextOpening(dueAt);
            if (opening.isEmpty()) {
                violations.add(new Violation("calling_window", "is never open in " + hours.where()
                        + " at once; give time_zone, or a wider window"));
                return Optional.empty();
            }
            if (opening.get().isAfter(dueAt)) {
                if (now) {
                    violations.add(new Violation("calling_window", "is closed now (" + hours.localTime(dueAt)
                            + "); it opens at " + opening.get() + " (" + hours.localTime(opening.get()) + ")"));
                    return Optional.empty();
                }
                notBefore = opening.get();
                deferral = "Calling window " + window + " is closed at " + hours.localTime(dueAt) + "; waiting until "
                        + notBefore + " (" + hours.localTime(notBefore) + ")";
            }
        }
        Instant expiresAt = givenExpiry.orElse(notBefore.plus(config.maxLateness()));
        if (givenExpiry.isPresent() && !expiresAt.isAfter(notBefore)) {
            violations.add(new Violation("expires_at", "must be after the moment the call may first be placed ("
                    + notBefore + (deferral != null ? ", when its calling window opens" : "") + ")"));
            return Optional.empty();
        }
        if (givenExpiry.isPresent() && !expiresAt.isAfter(currentTime)) {
            violations.add(new Violation("expires_at", "must be in the future"));
            return Optional.empty();
        }
        return Optional.of(new CallingRules(timeZone, window, expiresAt, retry, notBefore, deferral, reference, metadata));
    }

    private static CallingWindow readWindow(CallingWindowJson json, List<Violation> violations) {
        LocalTime start = readTime(json.start(), "calling_window.start", violations);
        LocalTime end = readTime(json.end(), "calling_window.end", violations);
        Set<DayOfWeek> days = EnumSet.allOf(DayOfWeek.class);
        if (json.days() != null) {
            days = EnumSet.noneOf(DayOfWeek.class);
            for (String day : json.days()) {
                try {
                    days.add(CallingWindow.day(day == null ? "" : day));
                } catch (IllegalArgumentException e) {
                    violations.add(new Violation("calling_window.days",
                            "must list days as MON, TUE, WED, THU, FRI, SAT, SUN"));
                    return null;
                }
            }
            if (days.isEmpty()) {
                violations.add(new Violation("calling_window.days", "must name at least one day"));
                return null;
            }
        }
        if (start == null || end == null) {
            return null;
        }
        if (start.equals(end)) {
            violations.add(new Violation("calling_window", "start and end must differ"));
            return null;
        }
        return new CallingWindow(start, end, days);
    }

    private static LocalTime readTime(String text, String field, List<Violation> violations) {
        if (text == null) {
            violations.add(new Violation(field, "is required, as HH:MM"));
            return null;
        }
        try {
            return CallingWindow.time(text);
        } catch (IllegalArgumentException e) {
            violations.add(new Violation(field, "must be a local time as HH:MM, for example 08:00"));
            return null;
        }
    }

    private static OutcomeRetry readRetry(RetryJson json, List<Violation> violations) {
        int before = violations.size();
        Set<OutcomeRetry.Outcome> on = null;
        if (json.on() == null || json.on().isEmpty()) {
            violations.add(new Violation("retry.on", "must list at least one of busy, no-answer, failed"));
        } else {
            try {
                on = OutcomeRetry.outcomes(json.on());
            } catch (IllegalArgumentException e) {
                violations.add(new Violation("retry.on", "must list only busy, no-answer, failed"));
            }
        }
        if (json.maxRetries() == null || json.maxRetries() < 0 || json.maxRetries() > OutcomeRetry.MOST_RETRIES) {
            violations.add(new Violation("retry.max_retries", "must be a whole number from 0 to "
                    + OutcomeRetry.MOST_RETRIES));
        }
        Duration delay = null;
        if (json.delay() == null) {
            violations.add(new Violation("retry.delay", "is required, as an ISO-8601 duration such as PT10M"));
        } else {
            try {
                delay = Duration.parse(json.delay());
            } catch (DateTimeParseException e) {
                violations.add(new Violation("retry.delay", "must be an ISO-8601 duration such as PT10M"));
            }
            if (delay != null && (delay.compareTo(OutcomeRetry.SHORTEST_DELAY) < 0
                    || delay.compareTo(OutcomeRetry.LONGEST_DELAY) > 0)) {
                violations.add(new Violation("retry.delay", "must be from PT1M to P7D"));
            }
        }
        if (violations.size() > before) {
            return null;
        }
        return new OutcomeRetry(on, json.maxRetries(), delay);
    }
}
