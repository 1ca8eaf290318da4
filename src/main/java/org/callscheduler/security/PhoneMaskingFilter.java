package org.callscheduler.security;

import java.util.logging.Filter;
import java.util.logging.LogRecord;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logmanager.ExtLogRecord;

import io.quarkus.logging.LoggingFilter;

/**
 * Masks phone numbers in every log line, keeping the first three and the last two characters
 * (+1202555014 becomes +12******14): enough to tell calls apart, not enough to call anyone. Messages
 * from the Call API (a 422 reason, for instance) may quote the number, so this runs on all lines.
 */
@LoggingFilter(name = "phone-mask")
public final class PhoneMaskingFilter implements Filter {

    /**
     * E.164 numbers, and runs of 8 to 15 digits that stand alone (a number typed without +); not digits
     * that are part of a longer token such as an instance id (vm-64012345693) or a decimal.
     */
    private static final Pattern PHONE = Pattern.compile("(?<![\\w.-])\\+?\\d{8,15}(?![\\w-]|\\.\\d)");

    private final boolean enabled;

    public PhoneMaskingFilter(
            @ConfigProperty(name = "call-scheduler.security.mask-phone-numbers", defaultValue = "true") boolean enabled) {
        this.enabled = enabled;
    }

    @Override
    public boolean isLoggable(LogRecord record) {
        if (enabled && record instanceof ExtLogRecord ext) {
            String message = ext.getFormattedMessage();
            if (message != null) {
                String masked = mask(message);
                if (!masked.equals(message)) {
                    ext.setMessage(masked, ExtLogRecord.FormatStyle.NO_FORMAT);
                    ext.setParameters(null);
                }
            }
        }
        return true;
    }

    /** The text with each phone number in it masked. */
    public static String mask(String text) {
        Matcher matcher = PHONE.matcher(text);
        if (!matcher.find()) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        do {
            String number = matcher.group();
            matcher.appendReplacement(out, number.substring(0, 3) + "*".repeat(number.length() - 5)
                    + number.substring(number.length() - 2));
        } while (matcher.find());
        matcher.appendTail(out);
        return out.toString();
    }
}
