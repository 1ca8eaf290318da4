package org.callscheduler.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PhoneNumbersTest {

    @ParameterizedTest
    @CsvSource({
            "'+1 (415) 555-0123', +14155550123",
            "+14155550123, +14155550123",
            "'+44 20 7946 0958', +442079460958",
            "+49.30.901820, +4930901820",
            "'(415) 555-0123', +14155550123",
            "415.555.0123, +14155550123",
            "'+1 [415] 555 0123', +14155550123" })
    void normalisesToE164(String raw, String expected) {
        assertEquals(Optional.of(expected), PhoneNumbers.toE164(raw, "US"));
    }

    @ParameterizedTest
    @ValueSource(strings = { "abc", "", "12", "+", "+1", "1-800-FLOWERS", "+1 415 555 0123 ext 4", "+999 123456",
            "++14155550123", "+1415555012345678901", "+1 (415) 555-01" })
    void refusesWhatIsNotAPhoneNumber(String raw) {
        assertTrue(PhoneNumbers.toE164(raw, "US").isEmpty(), raw + " should be refused");
    }

    @ParameterizedTest
    @CsvSource({ "020 7946 0958, GB, +442079460958", "030 901820, DE, +4930901820" })
    void readsNumbersWithoutPlusInTheDefaultRegion(String raw, String region, String expected) {
        assertEquals(Optional.of(expected), PhoneNumbers.toE164(raw, region));
    }
}
