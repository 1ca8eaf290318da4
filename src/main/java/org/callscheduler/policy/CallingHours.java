package org.callscheduler.policy;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

/**
 * A call's calling window together with the zones it must be open in: the callee's zone when it is
 * known, otherwise every zone of the number's country (CONTRACT part 2, {@code time_zone}).
 */
public record CallingHours(CallingWindow window, List<ZoneId> zones) {

    public CallingHours {
        if (zones.isEmpty()) {
            throw new IllegalArgumentException("at least one zone is needed");
        }
        zones = List.copyOf(zones);
    }

    /**
     * The hours of a stored call: its window ("08:00-21:00 MON-FRI") in its zone, or when it has none, in every zone
     * of its number's country (UTC for a number of no country).
     */
    public static CallingHours of(String window, String timeZone, String e164) {
        return new CallingHours(CallingWindow.parse(window), zonesOf(timeZone, e164));
    }

    /** The zones a call's window must be open in: its zone when known, else every zone of its number's country. */
    public static List<ZoneId> zonesOf(String timeZone, String e164) {
        if (timeZone != null) {
            return List.of(ZoneId.of(timeZone));
        }
        List<ZoneId> zones = TimeZones.zonesOf(e164).all().stream()
                .sorted(java.util.Comparator.comparing(ZoneId::getId)).toList();
        return zones.isEmpty() ? List.of(ZoneOffset.UTC) : zones;
    }

    /** The earliest instant at or after {@code at} when a call may be placed; {@code at} when it may be now. */
    public Optional<Instant> nextOpening(Instant at) {
        return zones.size() == 1 ? window.nextOpening(at, zones.get(0)) : window.nextOpeningInAll(at, zones);
    }

    public boolean isOpen(Instant at) {
        return nextOpening(at).map(at::equals).orElse(false);
    }

    /** Where the window applies, for messages: "America/Chicago", or "all 29 zones of the country". */
    public String where() {
        return zones.size() == 1 ? zones.get(0).getId() : "all " + zones.size() + " zones of the number's country";
    }

    /** The local time of {@code at} where the window applies, for messages: "07:12 in America/Chicago". */
    public String localTime(Instant at) {
        if (zones.size() != 1) {
            return where();
        }
        var local = at.atZone(zones.get(0));
        return String.format("%02d:%02d %s in %s", local.getHour(), local.getMinute(),
                local.getDayOfWeek().name().substring(0, 3), zones.get(0).getId());
    }
}
