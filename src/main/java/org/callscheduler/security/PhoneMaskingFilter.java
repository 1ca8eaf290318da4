package org.callscheduler.security;

import java.util.IdentityHashMap;
import java.util.Map;
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
 * from the Call API (a 422 reason, for instance) may quote the number, so this runs on all lines, and on
 * the exception logged with a line too: its message, its causes' and suppressed exceptions' (a failed
 * batch insert on PostgreSQL quotes the numbers of the rows). The exception is replaced by a masked copy
 * that prints like it (same class name, masked message, same stack trace) in every handler's output.
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
        if (enabled && record.getThrown() != null && !(record.getThrown() instanceof MaskedThrowable)) {
            record.setThrown(MaskedThrowable.of(record.getThrown(), new IdentityHashMap<>()));
        }
        return true;
    }

    /**
     * A copy of a logged exception with phone numbers masked in its text and in its causes' and suppressed
     * exceptions'. It prints as the original would: {@code toString()} gives the original class name and
     * the masked message, and the stack trace is the original's.
     */
    static final class MaskedThrowable extends RuntimeException {

        private static final long serialVersionUID = 1L;

        private final String text;

        private MaskedThrowable(Throwable original) {
            super(original.getMessage() == null ? null : mask(original.getMessage()));
            this.text = mask(String.valueOf(original));
            setStackTrace(original.getStackTrace());
        }

        /** The masked copy of {@code original}; {@code copies} maps each exception already copied to its copy. */
        static MaskedThrowable of(Throwable original, Map<Throwable, MaskedThrowable> copies) {
            MaskedThrowable known = copies.get(original);
            if (known != null) {
                return known;
            }
            MaskedThrowable copy = new MaskedThrowable(original);
            copies.put(original, copy);
            Throwable cause = original.getCause();
            if (cause != null && cause != original) {
                copy.initCause(of(cause, copies));
            }
            for (Throwable suppressed : original.getSuppressed()) {
                MaskedThrowable maskedSuppressed = of(suppressed, copies);
                if (maskedSuppressed != copy) {
                    copy.addSuppressed(maskedSuppressed);
                }
            }
            return copy;
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            // The original's stack trace is set instead.
            return this;
        }

        @Override
        public String toString() {
            return text;
        }
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
