package org.callscheduler.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberType;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;

/** The callee's zone from the number: the country's zone, the area code's in the US and Canada, else every zone of the country. */
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
    void theAreaCodeGivesTheZoneInTheUnitedStates() {
        assertEquals(Optional.of(ZoneId.of("America/Los_Angeles")), TimeZones.zoneOf("+14155550123"));
        assertEquals(Optional.of(ZoneId.of("America/New_York")), TimeZones.zoneOf("+12125550123"));
        assertEquals(Optional.of(ZoneId.of("America/Chicago")), TimeZones.zoneOf("+13125550123"));
        assertEquals(Optional.of(ZoneId.of("America/Denver")), TimeZones.zoneOf("+13035550123"));
        assertEquals(Optional.of(ZoneId.of("America/Phoenix")), TimeZones.zoneOf("+16025550123"));
    }

    @Test
    void theAreaCodeGivesTheZoneInCanada() {
        assertEquals(Optional.of(ZoneId.of("America/Toronto")), TimeZones.zoneOf("+14165550123"));
        assertEquals(Optional.of(ZoneId.of("America/Vancouver")), TimeZones.zoneOf("+16045550123"));
    }

    @Test
    void otherNorthAmericanNumberingPlanCountriesHaveTheirOwnZone() {
        assertEquals(Optional.of(ZoneId.of("America/Puerto_Rico")), TimeZones.zoneOf("+17872345678"));
        assertEquals(Optional.of(ZoneId.of("America/Jamaica")), TimeZones.zoneOf("+18762345678"));
    }

    @Test
    void aUsNumberWhoseAreaCodeIsNotInTheTableMayBeInEveryUsZone() {
        String tollFree = example("US", PhoneNumberType.TOLL_FREE); // +1 800 ...
        assertEquals(Optional.empty(), TimeZones.zoneOfAreaCode(tollFree.substring(2, 5)));

        TimeZones.Zones zones = TimeZones.zonesOf(tollFree);
        assertEquals(TimeZones.zonesOfRegion("US"), zones);
        assertTrue(zones.all().contains(ZoneId.of("America/New_York")));
        assertTrue(zones.all().contains(ZoneId.of("Pacific/Honolulu")));
        assertEquals(Optional.empty(), TimeZones.zoneOf(tollFree));
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
    void theRegionOfANumberIsItsCountry() {
        assertEquals(Optional.of("US"), TimeZones.regionOf(example("US", PhoneNumberType.TOLL_FREE)));
        assertEquals(Optional.of("GB"), TimeZones.regionOf("+442079460958"));
        assertEquals(Optional.empty(), TimeZones.regionOf("+1555"));
        assertEquals(Optional.empty(), TimeZones.regionOf(null));
        assertEquals(Optional.empty(), TimeZones.regionOf(nonGeographicExample(800)));
    }

    @Test
    void zonesAreListedById() {
        List<String> ids = TimeZones.zonesOfRegion("US").all().stream().map(ZoneId::getId).toList();
        assertEquals(ids.stream().sorted().toList(), ids);
        assertEquals("America/Adak", ids.get(0));
    }

    @Test
    void everyAreaCodeInTheTableIsGeographicInTheUsOrCanadaWithOneOfThatCountrysZones() {
        TimeZones.nanpAreaCodes().forEach((areaCode, zone) -> {
            PhoneNumber number = parse("+1" + areaCode + "2345678");
            assertTrue(UTIL.isValidNumber(number), areaCode);
            assertTrue(isGeographic(number), areaCode);
            String region = UTIL.getRegionCodeForNumber(number);
            assertTrue(region.equals("US") || region.equals("CA"), areaCode + " is in " + region);
            assertTrue(TimeZones.zonesOfRegion(region).all().contains(zone), areaCode + ": " + zone + " is not a zone of " + region);
        });
    }

    @Test
    void theTableHasEveryGeographicUsAndCanadianAreaCodeButOne() {
        Set<String> missing = new TreeSet<>();
        for (int areaCode = 200; areaCode <= 999; areaCode++) {
            PhoneNumber number = parse("+1" + areaCode + "2345678");
            String region = UTIL.getRegionCodeForNumber(number);
            if (UTIL.isValidNumber(number) && isGeographic(number) && (region.equals("US") || region.equals("CA"))
                    && TimeZones.zoneOfAreaCode(String.valueOf(areaCode)).isEmpty()) {
                missing.add(String.valueOf(areaCode));
            }
        }
        // 273: a Canadian area code in libphonenumber 9.0.43 whose province is not known here yet.
        // An area code a newer libphonenumber adds shows up here: add it to nanp-area-codes.tsv.
        assertEquals(Set.of("273"), missing);
        assertEquals(414, TimeZones.nanpAreaCodes().size());
    }

    private static void assertSeveral(TimeZones.Zones zones, String... some) {
        assertTrue(zones.all().size() > 1, zones.toString());
        assertEquals(Optional.empty(), zones.single());
        for (String zone : some) {
            assertTrue(zones.all().contains(ZoneId.of(zone)), zone + " in " + zones);
        }
    }

    private static boolean isGeographic(PhoneNumber number) {
        PhoneNumberType type = UTIL.getNumberType(number);
        return type == PhoneNumberType.FIXED_LINE || type == PhoneNumberType.MOBILE || type == PhoneNumberType.FIXED_LINE_OR_MOBILE;
    }

    private static String example(String region, PhoneNumberType type) {
        return UTIL.format(UTIL.getExampleNumberForType(region, type), PhoneNumberFormat.E164);
    }

    private static String nonGeographicExample(int countryCode) {
        return UTIL.format(UTIL.getExampleNumberForNonGeoEntity(countryCode), PhoneNumberFormat.E164);
    }

    private static PhoneNumber parse(String e164) {
        try {
            return UTIL.parse(e164, "ZZ");
        } catch (NumberParseException e) {
            throw new AssertionError(e164, e);
        }
    }
}
