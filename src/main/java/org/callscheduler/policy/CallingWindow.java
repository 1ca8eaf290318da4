package org.callscheduler.policy;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.time.zone.ZoneOffsetTransition;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The local hours, on some days of the week, during which a call may be placed (CONTRACT part 2,
 * {@code calling_window}): from {@code start} to {@code end} in the callee's zone. A window whose end
 * is before its start runs across midnight, and belongs to the day it opens.
 * <p>
 * Daylight-saving changes: a start or end that does not exist that day (in the spring gap) is the
 * first valid instant after it, the moment the clocks jump; one that exists twice (in the autumn
 * overlap) is the first of the two.
 */
public record CallingWindow(LocalTime start, LocalTime end, Set<DayOfWeek> days) {

    /** How far ahead an opening is looked for: past a week, a window with days opens or never will. */
    private static final int DAYS_AHEAD = 8;

    public CallingWindow {
        if (start.equals(end)) {
            throw new IllegalArgumentException("start and end must differ");
        }
        if (days.isEmpty()) {
            throw new IllegalArgumentException("days must name at least one day");
        }
        days = Set.copyOf(EnumSet.copyOf(days));
    }

    /** Every day of the week from {@code start} to {@code end}. */
    public static CallingWindow daily(LocalTime start, LocalTime end) {
        return new CallingWindow(start, end, EnumSet.allOf(DayOfWeek.class));
    }

    /**
     * Reads the configured form {@code 08:00-21:00}, optionally followed by days: {@code 08:00-21:00 MON-FRI}
     * or {@code 09:00-12:00 SAT,SUN}.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static CallingWindow parse(String text) {
        String[] parts = text.trim().split("\\s+");
        if (parts.length > 2) {
            throw new IllegalArgumentException("expected HH:MM-HH:MM and optional days, for example 08:00-21:00 MON-FRI");
        }
        String[] hours = parts[0].split("-");
        if (hours.length != 2) {
            throw new IllegalArgumentException("expected HH:MM-HH:MM, for example 08:00-21:00");
        }
        LocalTime start = time(hours[0]);
        LocalTime end = time(hours[1]);
        Set<DayOfWeek> days = parts.length == 2 ? days(parts[1]) : EnumSet.allOf(DayOfWeek.class);
        return new CallingWindow(start, end, days);
    }

    /** A time of day written HH:MM, 00:00 to 23:59. */
    public static LocalTime time(String text) {
        if (!text.matches("[0-2][0-9]:[0-5][0-9]")) {
            throw new IllegalArgumentException("a time must be written HH:MM, for example 08:00");
        }
        try {
            return LocalTime.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("a time must be written HH:MM, 00:00 to 23:59");
        }
    }

    /** A day written MON, TUE, ... SUN. */
    public static DayOfWeek day(String text) {
        for (DayOfWeek day : DayOfWeek.values()) {
            if (day.name().substring(0, 3).equals(text)) {
                return day;
            }
        }
        throw new IllegalArgumentException("a day must be one of MON, TUE, WED, THU, FRI, SAT, SUN");
    }

    private static Set<DayOfWeek> days(String text) {
        Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        for (String item : text.split(",")) {
            String[] range = item.split("-");
            if (range.length == 1) {
                days.add(day(range[0]));
            } else if (range.length == 2) {
                DayOfWeek from = day(range[0]);
                DayOfWeek to = day(range[1]);
                for (DayOfWeek d = from; ; d = d.plus(1)) {
                    days.add(d);
                    if (d == to) {
                        break;
                    }
                }
            } else {
                throw new IllegalArgumentException("days must be written like MON-FRI or SAT,SUN");
            }
        }
        return days;
    }

    /** Whether the window runs across midnight (its end is before its start). */
    public boolean crossesMidnight() {
        return end.isBefore(start);
    }

    /** Whether a call may be placed at {@code at} in {@code zone}. */
    public boolean isOpen(Instant at, ZoneId zone) {
        return nextOpening(at, zone).map(at::equals).orElse(false);
    }

    /** The earliest instant at or after {@code at} when the window is open in {@code zone}; {@code at} when it is open now. */
    public Optional<Instant> nextOpening(Instant at, ZoneId zone) {
        LocalDate today = at.atZone(zone).toLocalDate();
        // From yesterday: a window across midnight that opened yesterday may still be open.
        for (LocalDate day = today.minusDays(1); day.isBefore(today.plusDays(DAYS_AHEAD)); day = day.plusDays(1)) {
            if (!days.contains(day.getDayOfWeek())) {
                continue;
            }
            Instant opens = resolve(day.atTime(start), zone);
            Instant closes = resolve((crossesMidnight() ? day.plusDays(1) : day).atTime(end), zone);
            if (at.isBefore(closes) && opens.isBefore(closes)) {
                return Optional.of(at.isBefore(opens) ? opens : at);
            }
        }
        return Optional.empty();
    }

    /**
     * The earliest instant at or after {@code at} when the window is open in every one of
     * {@code zones} at once (a number whose zone is not known, in a country with several), if there
     * is one within a week.
     */
    public Optional<Instant> nextOpeningInAll(Instant at, Collection<ZoneId> zones) {
        Instant candidate = at;
        Instant limit = at.plus(java.time.Duration.ofDays(DAYS_AHEAD));
        while (!candidate.isAfter(limit)) {
            Instant latest = candidate;
            for (ZoneId zone : zones) {
                Optional<Instant> opening = nextOpening(candidate, zone);
                if (opening.isEmpty()) {
                    return Optional.empty();
                }
                if (opening.get().isAfter(latest)) {
                    latest = opening.get();
                }
            }
            if (latest.equals(candidate)) {
                return Optional.of(candidate);
            }
            candidate = latest;
        }
        return Optional.empty();
    }

    /** The instant of a local date-time: in a gap, the moment the clocks jump; in an overlap, the earlier one. */
    static Instant resolve(LocalDateTime local, ZoneId zone) {
        ZoneOffsetTransition transition = zone.getRules().getTransition(local);
        if (transition != null && transition.isGap()) {
            return transition.getInstant();
        }
        return ZonedDateTime.ofLocal(local, zone, null).withEarlierOffsetAtOverlap().toInstant();
    }

    /** The form this window is configured in: {@code 08:00-21:00 MON,TUE,...}. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder().append(start).append('-').append(end);
        if (days.size() < 7) {
            text.append(' ');
            text.append(String.join(",", EnumSet.copyOf(days).stream().map(d -> d.name().substring(0, 3)).toList()));
        }
        return text.toString();
    }
}
