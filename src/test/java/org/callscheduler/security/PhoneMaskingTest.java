package org.callscheduler.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.BatchUpdateException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Filter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.formatters.PatternFormatter;
import org.jboss.logmanager.handlers.ConsoleHandler;
import org.jboss.logmanager.handlers.FileHandler;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/**
 * Phone numbers never reach a log line whole, in the message or in the exception logged with it. What
 * reaches the console and the log file is checked through the running application's own handlers' filters
 * and formatters, on a record made here: no file to wait for, no rotation or flush to race with.
 */
@QuarkusTest
class PhoneMaskingTest {

    private static final String FORMAT = "%d{HH:mm:ss.SSS} %-5p [%c{2.}] (%t) %s%e%n";

    @Test
    void numbersAreMaskedButCallIdsTimesAndDurationsAreNot() {
        assertEquals("Call 42 to +14*******23 failed", PhoneMaskingFilter.mask("Call 42 to +14155550123 failed"));
        assertEquals("Calling +14*******23.", PhoneMaskingFilter.mask("Calling +14155550123."));
        assertEquals("invalid number 415*****23, or +44********00",
                PhoneMaskingFilter.mask("invalid number 4155550123, or +447911123400"));
        String untouched = "Call 1234567 at 2026-11-24T00:29:33.123Z retried in 2000 ms, sid CA1234567890ab,"
                + " dispatcher vm-64012345693, took 0.123456789 s";
        assertEquals(untouched, PhoneMaskingFilter.mask(untouched));
    }

    @Test
    void anExceptionIsMaskedWithItsCausesAndSuppressedButKeepsItsClassesAndStackTrace() {
        Exception failure = failedBatchInsert();
        ExtLogRecord record = record(failure);

        assertTrue(new PhoneMaskingFilter(true).isLoggable(record));
        String text = new PatternFormatter(FORMAT).format(record);

        assertNoWholeNumber(text);
        assertTrue(text.contains("the Call API refused +14*******23 (+44********00)"), text);
        assertTrue(text.contains("java.lang.IllegalStateException: Batch of 2 calls failed for +14*******23"), text);
        assertTrue(text.contains("Caused by: java.sql.BatchUpdateException: Batch entry 0 insert into scheduled_calls"
                + " (phone_number) values ('+14*******23') was aborted"), text);
        assertTrue(text.contains("Suppressed: java.lang.RuntimeException: rollback of +44********00 failed"), text);
        assertTrue(text.contains("at " + PhoneMaskingTest.class.getName() + ".failedBatchInsert"), text);
        assertTrue(record.getThrown().getCause().getStackTrace().length > 0);
    }

    @Test
    void numbersStayWholeWhenMaskingIsOff() {
        ExtLogRecord record = record(failedBatchInsert());
        new PhoneMaskingFilter(false).isLoggable(record);
        String text = new PatternFormatter(FORMAT).format(record);
        assertTrue(text.contains("+14155550123"), text);
    }

    @Test
    void theConsoleAndTheLogFileOfTheRunningAppMaskMessagesAndExceptions() {
        Map<String, HandlerPath> outputs = outputsOfTheRunningApp();
        assertTrue(outputs.containsKey("console"), "a console handler: " + outputs.keySet());
        assertTrue(outputs.containsKey("file"), "a file handler (%test.quarkus.log.file.enabled): " + outputs.keySet());
        for (Map.Entry<String, HandlerPath> output : outputs.entrySet()) {
            ExtLogRecord record = record(failedBatchInsert());
            String text = output.getValue().write(record);
            assertNotNull(text, output.getKey() + " dropped the record");
            assertNoWholeNumber(text);
            assertTrue(text.contains("the Call API refused +14*******23 (+44********00)"), output.getKey() + ": " + text);
            assertTrue(text.contains("Caused by: java.sql.BatchUpdateException"), output.getKey() + ": " + text);
        }
    }

    private static Exception failedBatchInsert() {
        BatchUpdateException cause = new BatchUpdateException("Batch entry 0 insert into scheduled_calls (phone_number)"
                + " values ('+14155550123') was aborted", new int[0]);
        IllegalStateException failure = new IllegalStateException("Batch of 2 calls failed for +14155550123", cause);
        failure.addSuppressed(new RuntimeException("rollback of +447911123400 failed"));
        return failure;
    }

    private static ExtLogRecord record(Throwable thrown) {
        ExtLogRecord record = new ExtLogRecord(Level.WARNING, "Masking check: the Call API refused %s (%s)",
                ExtLogRecord.FormatStyle.PRINTF, PhoneMaskingTest.class.getName());
        record.setParameters(new Object[] { "+14155550123", "+447911123400" });
        record.setLoggerName(PhoneMaskingTest.class.getName());
        record.setThrown(thrown);
        return record;
    }

    private static void assertNoWholeNumber(String text) {
        assertFalse(text.contains("4155550123"), text);
        assertFalse(text.contains("7911123400"), text);
    }

    /** A handler that writes, with the filters on the way to it from the root logger (an async wrapper's too). */
    record HandlerPath(List<Filter> filters, Handler handler) {
        String write(ExtLogRecord record) {
            for (Filter filter : filters) {
                if (!filter.isLoggable(record)) {
                    return null;
                }
            }
            return handler.getFormatter().format(record);
        }
    }

    /** The console and file handlers the application configured, found from the root logger. */
    private static Map<String, HandlerPath> outputsOfTheRunningApp() {
        Map<String, HandlerPath> found = new LinkedHashMap<>();
        for (Handler handler : Logger.getLogger("").getHandlers()) {
            collect(handler, new ArrayList<>(), found);
        }
        return found;
    }

    private static void collect(Handler handler, List<Filter> above, Map<String, HandlerPath> found) {
        List<Filter> filters = new ArrayList<>(above);
        if (handler.getFilter() != null) {
            filters.add(handler.getFilter());
        }
        if (handler instanceof FileHandler) {
            found.putIfAbsent("file", new HandlerPath(filters, handler));
        } else if (handler instanceof ConsoleHandler) {
            found.putIfAbsent("console", new HandlerPath(filters, handler));
        } else if (handler instanceof ExtHandler ext) {
            for (Handler child : ext.getHandlers()) {
                collect(child, filters, found);
            }
        }
    }
}
