package org.callscheduler.policy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import com.ibm.icu.util.TimeZone;
import com.ibm.icu.util.TimeZone.SystemTimeZoneType;

/**
 * The time zones a callee may be in, from their phone number alone (CONTRACT part 2, {@code time_zone}
 * when not given): the country's zone where it has one, the area code's zone where the country has
 * several and the area code is known, otherwise every zone of the country.
 * <p>
 * The country comes from libphonenumber, its zones from ICU. A country whose zones all keep the same
 * clocks from now on counts as having one zone: Germany lists Europe/Berlin and Europe/Busingen, and
 * gets Europe/Berlin. Area codes are known for the United States and Canada
 * ({@code nanp-area-codes.tsv}); the other +1 countries have one zone each.
 * <p>
 * Everything is worked out once, when the class is loaded (a quarter of a second, mostly ICU loading its
 * data); a lookup is then libphonenumber's parse and validity check (a few microseconds) and two map reads,
 * and safe from any thread.
 */
public final class TimeZones {

    /**
     * The zones a number may be in: one when it is known, all of its country's when the country has
     * several and the area code is not known, none when the number is not valid or has no country.
     * Ordered by id.
     */
    public record Zones(Set<ZoneId> all) {

        private static final Zones UNKNOWN = new Zones(Set.of());

        public Zones {
            List<ZoneId> sorted = all.stream().sorted(Comparator.comparing(ZoneId::getId)).toList();
            all = Collections.unmodifiableSet(new LinkedHashSet<>(sorted));
        }

        static Zones of(ZoneId zone) {
            return new Zones(Set.of(zone));
        }

        /** The zone, when there is just one. */
        public Optional<ZoneId> single() {
            return all.size() == 1 ? Optional.of(all.iterator().next()) : Optional.empty();
        }

        /** Whether nothing is known: the number is not valid, or not in a country. */
        public boolean isUnknown() {
            return all.isEmpty();
        }
    }

    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

    private static final int NANP_COUNTRY_CODE = 1;

    /** The zone ids java.time knows, read once: ZoneId.getAvailableZoneIds() copies them on every call. */
    private static final Set<String> JAVA_ZONE_IDS = Set.copyOf(ZoneId.getAvailableZoneIds());

    /** Regions libphonenumber knows and ICU lists no zone for. */
    private static final Map<String, String> ZONES_ICU_DOES_NOT_LIST = Map.of(
            "AC", "Atlantic/St_Helena", // Ascension Island
            "TA", "Atlantic/St_Helena", // Tristan da Cunha
            "XK", "Europe/Belgrade"); // Kosovo

    private static final Map<String, Zones> BY_REGION = byRegion();

    private static final Map<String, ZoneId> NANP_AREA_CODES = readAreaCodes("nanp-area-codes.tsv");

    private TimeZones() {
    }

    /** The zones the callee of {@code e164} (for example {@code +14155550123}) may be in. */
    public static Zones zonesOf(String e164) {
        Optional<PhoneNumber> valid = validNumber(e164);
        if (valid.isEmpty()) {
            return Zones.UNKNOWN;
        }
        PhoneNumber number = valid.get();
        Zones country = zonesOfRegion(UTIL.getRegionCodeForNumber(number));
        if (country.all().size() > 1 && number.getCountryCode() == NANP_COUNTRY_CODE) {
            String areaCode = UTIL.getNationalSignificantNumber(number).substring(0, 3);
            return zoneOfAreaCode(areaCode).map(Zones::of).orElse(country);
        }
        return country;
    }

    /** The callee's zone, when it is known; empty when the number could be in several zones, or none. */
    public static Optional<ZoneId> zoneOf(String e164) {
        return zonesOf(e164).single();
    }

    /** The country of {@code e164} as an ISO 3166 code ({@code US}), for messages; empty for a number of none. */
    public static Optional<String> regionOf(String e164) {
        return validNumber(e164).map(UTIL::getRegionCodeForNumber).filter(region -> !"001".equals(region));
    }

    private static Optional<PhoneNumber> validNumber(String e164) {
        try {
            PhoneNumber number = UTIL.parse(e164, "ZZ");
            return UTIL.isValidNumber(number) ? Optional.of(number) : Optional.empty();
        } catch (NumberParseException e) {
            return Optional.empty();
        }
    }

    /** The zones of a region (ISO 3166 code, {@code GB}); none for one not known. */
    static Zones zonesOfRegion(String region) {
        return region == null ? Zones.UNKNOWN : BY_REGION.getOrDefault(region, Zones.UNKNOWN);
    }

    /** The zone of a US or Canadian area code ({@code 415}), when the table has it. */
    static Optional<ZoneId> zoneOfAreaCode(String areaCode) {
        return Optional.ofNullable(NANP_AREA_CODES.get(areaCode));
    }

    /** The whole area-code table. */
    static Map<String, ZoneId> nanpAreaCodes() {
        return NANP_AREA_CODES;
    }

    private static Map<String, Zones> byRegion() {
        Map<String, Zones> byRegion = new HashMap<>();
        for (String region : UTIL.getSupportedRegions()) {
            List<ZoneId> zones = icuZones(region);
            if (zones.isEmpty() && ZONES_ICU_DOES_NOT_LIST.containsKey(region)) {
                zones = List.of(ZoneId.of(ZONES_ICU_DOES_NOT_LIST.get(region)));
            }
            if (zones.isEmpty()) {
                continue;
            }
            ZoneId first = zones.get(0);
            boolean oneClock = zones.stream().allMatch(zone -> sameClocksFromNowOn(zone, first));
            byRegion.put(region, oneClock ? Zones.of(primary(region, zones)) : new Zones(Set.copyOf(zones)));
        }
        return Map.copyOf(byRegion);
    }

    /** The region's zones in ICU, by their IANA ids (ICU says Asia/Calcutta for Asia/Kolkata), sorted. */
    private static List<ZoneId> icuZones(String region) {
        Set<ZoneId> known = new LinkedHashSet<>();
        for (String id : TimeZone.getAvailableIDs(SystemTimeZoneType.CANONICAL_LOCATION, region, null)) {
            String iana = TimeZone.getIanaID(id);
            if (JAVA_ZONE_IDS.contains(iana)) {
                known.add(ZoneId.of(iana));
            }
        }
        return known.stream().sorted(Comparator.comparing(ZoneId::getId)).toList();
    }

    /**
     * Whether two zones show the same local time from now on, as far as the time-zone database knows:
     * the same offset once both have made their last one-off change, and the same yearly
     * daylight-saving rules after it. Their pasts may differ (Europe/Busingen followed Zurich until 1980).
     */
    static boolean sameClocksFromNowOn(ZoneId a, ZoneId b) {
        ZoneRules ra = a.getRules();
        ZoneRules rb = b.getRules();
        Instant settled = later(lastChange(ra), lastChange(rb));
        return ra.getOffset(settled).equals(rb.getOffset(settled))
                && ra.getTransitionRules().equals(rb.getTransitionRules());
    }

    private static Instant lastChange(ZoneRules rules) {
        List<ZoneOffsetTransition> transitions = rules.getTransitions();
        return transitions.isEmpty() ? Instant.EPOCH : transitions.get(transitions.size() - 1).getInstant();
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    /**
     * The zone to name for a region whose zones keep the same clocks: the one the CLDR Windows mapping
     * names for the region (Europe/Berlin for DE, Asia/Nicosia for CY), else the first by id.
     */
    private static ZoneId primary(String region, List<ZoneId> zones) {
        String windowsId = TimeZone.getWindowsID(zones.get(0).getId());
        String named = windowsId == null ? null : TimeZone.getIDForWindowsID(windowsId, region);
        String iana = named == null ? null : TimeZone.getIanaID(named);
        return zones.stream().filter(zone -> zone.getId().equals(iana)).findFirst().orElse(zones.get(0));
    }

    /** Reads {@code area code <tab> zone} lines; # starts a comment. A bad line fails loudly, naming it. */
    private static Map<String, ZoneId> readAreaCodes(String resource) {
        Map<String, ZoneId> byCode = new HashMap<>();
        try (InputStream in = TimeZones.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the class path");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            int lineNumber = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNumber++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] fields = line.split("\t");
                if (fields.length != 2 || !fields[0].matches("[2-9]\\d\\d")
                        || !JAVA_ZONE_IDS.contains(fields[1])) {
                    throw new IllegalStateException(resource + " line " + lineNumber
                            + ": expected a three-digit area code, a tab and a zone id, found '" + line + "'");
                }
                if (byCode.put(fields[0], ZoneId.of(fields[1])) != null) {
                    throw new IllegalStateException(resource + " line " + lineNumber + ": area code " + fields[0] + " is listed twice");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.copyOf(byCode);
    }
}
