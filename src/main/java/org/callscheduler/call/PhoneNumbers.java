package org.callscheduler.call;

import java.util.Optional;
import java.util.regex.Pattern;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;

/**
 * Turns what people type into E.164 ({@code +14155550123}) with libphonenumber.
 * <p>
 * Spaces, dashes, dots and brackets are removed first; what is left must be digits with an
 * optional leading +. Letters (vanity numbers) are refused rather than guessed. A number without
 * + is read in the default region.
 */
final class PhoneNumbers {

    private static final Pattern SEPARATORS = Pattern.compile("[\\s\\-.()\\[\\]]");
    private static final Pattern DIGITS = Pattern.compile("\\+?\\d{1,20}");
    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

    private PhoneNumbers() {
    }

    /** The number in E.164, or empty when it is not a valid phone number. */
    static Optional<String> toE164(String raw, String defaultRegion) {
        String compact = SEPARATORS.matcher(raw).replaceAll("");
        if (!DIGITS.matcher(compact).matches()) {
            return Optional.empty();
        }
        try {
            PhoneNumber number = UTIL.parse(compact, compact.startsWith("+") ? "ZZ" : defaultRegion);
            return UTIL.isValidNumber(number)
                    ? Optional.of(UTIL.format(number, PhoneNumberFormat.E164))
                    : Optional.empty();
        } catch (NumberParseException e) {
            return Optional.empty();
        }
    }

    static boolean isSupportedRegion(String region) {
        return UTIL.getSupportedRegions().contains(region);
    }
}
