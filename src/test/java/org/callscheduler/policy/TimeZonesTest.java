package org.callscheduler.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberType;

/** The callee's zone from the number: the country's zone, or every zone of the country. */
class TimeZonesTest {

    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

    @Test
    void aCountryWithOneZoneGivesIt() {
        assertEquals(Optional.of(ZoneId.of("Europe/London")), TimeZones.zoneOf("+442071234567"));
        assertEquals(Optional.of(ZoneId.of("Europe/Paris")), TimeZones.zoneOf("+33142685300"));
    }

    @Test
    void icuIdsAreReadAsTheirIanaIds() {
        // ICU calls India's zone Asia/Calcutta.
        assertEquals(Optional.of(ZoneId.of("Asia/Kolkata")), TimeZones.zoneOf("+911123456789"));
    }

    @Test
    void aCountryWhoseZonesKeepTheSameClocksGivesItsMainZone() {
        // ICU lists Europe/Berlin and Europe/Busingen for DE; they differ before 1980 only.
        assertEquals(Optional.of(ZoneId.of("Europe/Berlin")), TimeZones.zoneOf("+4930901820"));
        assertTrue(TimeZones.sameClocksFromNowOn(ZoneId.of("Europe/Berlin"), ZoneId.of("Europe/Busingen")));
        // Cyprus: Asia/Famagusta and Asia/Nicosia; the capital is named.
        assertEquals(Optional.of(ZoneId.of("Asia/Nicosia")), TimeZones.zonesOfRegion("CY").single());
    }

    @Test
    void zonesWithDifferentOffsetsOrRulesDoNotKeepTheSameClocks() {
        assertFalse(TimeZones.sameClocksFromNowOn(ZoneId.of("Europe/Berlin"), ZoneId.of("Europe/London")));
        // Same offset in winter, but Phoenix has no daylight saving time.
        assertFalse(TimeZones.sameClocksFromNowOn(ZoneId.of("America/Denver"), ZoneId.of("America/Phoenix")));
        // Same offset all year now, different until 2014.
        assertTrue(TimeZones.sameClocksFromNowOn(ZoneId.of("Europe/Moscow"), ZoneId.of("Europe/Simferopol")));
    }

    @Test
    void otherNorthAmericanNumberingPlanCountriesHaveTheirOwnZone() {
        assertEquals(Optional.of(ZoneId.of("America/Puerto_Rico")), TimeZones.zoneOf("+17872345678"));
        assertEquals(Optional.of(ZoneId.of("America/Jamaica")), TimeZones.zoneOf("+18762345678"));
    }

    @Test
    void aCountryWithSeveralZonesAndNoKnownAreaCodesGivesThemAll() {
        assertSeveral(TimeZones.zonesOf("+525512345678"), "America/Mexico_City", "America/Tijuana");
        assertSeveral(TimeZones.zonesOf("+61212345678"), "Australia/Sydney", "Australia/Perth");
        assertSeveral(TimeZones.zonesOf("+61412345678"), "Australia/Sydney", "Australia/Perth");
        assertSeveral(TimeZones.zonesOf("+74951234567"), "Europe/Moscow", "Asia/Vladivostok");
        assertSeveral(TimeZones.zonesOf(example("BR", PhoneNumberType.FIXED_LINE)), "America/Sao_Paulo", "America/Manaus");
        assertSeveral(TimeZones.zonesOf(example("ID", PhoneNumberType.FIXED_LINE)), "Asia/Jakarta", "Asia/Jayapura");
    }

    @Test
    void eachRegionHasTheZonesIcuListsForIt() {
        Map<String, Integer> counts = Map.of("GB", 1, "FR", 1, "IN", 1, "US", 29, "CA", 23,
                "BR", 16, "MX", 12, "AU", 12, "RU", 26, "ID", 4);
        counts.forEach((region, count) -> assertEquals(count, TimeZones.zonesOfRegion(region).all().size(), region));
        // Regions ICU lists no zone for.
        assertEquals(Optional.of(ZoneId.of("Europe/Belgrade")), TimeZones.zonesOfRegion("XK").single());
    }

    @Test
    void anInvalidNumberOrOneOutsideAnyCountryHasNoZone() {
        for (String number : new String[] { "+1555", "+4420", "+15550100", "not a number", "", "02071234567", null }) {
            assertTrue(TimeZones.zonesOf(number).isUnknown(), String.valueOf(number));
            assertEquals(Optional.empty(), TimeZones.zoneOf(number));
        }
        // Valid, but international freephone belongs to no country.
        assertTrue(TimeZones.zonesOf(nonGeographicExample(800)).isUnknown());
    }

    @Test
    void zonesAreListedById() {
        List<String> ids = TimeZones.zonesOfRegion("US").all().stream().map(ZoneId::getId).toList();
        assertEquals(ids.stream().sorted().toList(), ids);
        assertEquals("America/Adak", ids.get(0));
    }

    private static void assertSeveral(TimeZones.Zones zones, String... some) {
        assertTrue(zones.all().size() > 1, zones.toString());
        assertEquals(Optional.empty(), zones.single());
        for (String zone : some) {
            assertTrue(zones.all().contains(ZoneId.of(zone)), zone + " in " + zones);
        }
    }

    private static String example(String region, PhoneNumberType type) {
        return UTIL.format(UTIL.getExampleNumberForType(region, type), PhoneNumberFormat.E164);
    }

    private static String nonGeographicExample(int countryCode) {
        return UTIL.format(UTIL.getExampleNumberForNonGeoEntity(countryCode), PhoneNumberFormat.E164);
    }
}
