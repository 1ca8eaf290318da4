package org.callscheduler.web;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.DuplicateHeaderMode;
import org.callscheduler.call.CallResponse;
import org.callscheduler.call.CallingWindowJson;
import org.callscheduler.call.ScheduleRequest;
import org.callscheduler.call.Violation;

/**
 * The page's CSV files of calls: reading an import file into requests for {@link org.callscheduler.call.CallService}
 * (each row with its line number), and writing the export. The import's columns, in any order, the header naming
 * them:
 * <ul>
 * <li>{@code phone_number}: required;</li>
 * <li>{@code scheduled_time} (an ISO-8601 instant with an offset, as the API takes it) or {@code local_time} (a date
 * and time as 2026-12-01T09:30 or 2026-12-01 09:30) with {@code time_zone};</li>
 * <li>{@code time_zone}: the callee's IANA zone (empty: the zone of the number);</li>
 * <li>{@code reference}, {@code window_start}, {@code window_end} (HH:MM in the callee's zone): optional.</li>
 * </ul>
 * A row's problems are named by its line and column, with the API's own messages. Both files are RFC 4180 CSV,
 * read and written by Apache Commons CSV.
 */
final class CallCsv {

    static final List<String> IMPORT_COLUMNS = List.of("phone_number", "scheduled_time", "local_time", "time_zone",
            "reference", "window_start", "window_end");

    static final List<String> EXPORT_COLUMNS = List.of("id", "phone_number", "scheduled_time", "status",
            "call_status", "reference", "time_zone", "window_start", "window_end", "attempts", "error_message",
            "created_at", "updated_at");

    /**
     * The import: RFC 4180, the first record naming the columns (in any case; duplicates and empty names are let
     * through to be refused with the page's words), every cell trimmed. Blank lines are read as records too, so that
     * the parser's line count stays the file's.
     */
    private static final CSVFormat IMPORT = CSVFormat.RFC4180.builder()
            .setHeader().setSkipHeaderRecord(true).setIgnoreHeaderCase(true)
            .setDuplicateHeaderMode(DuplicateHeaderMode.ALLOW_ALL).setAllowMissingColumnNames(true)
            .setTrim(true)
            .get();

    /** The export: RFC 4180 (records ended by CRLF, a cell quoted when it needs to be), the header first. */
    static final CSVFormat EXPORT = CSVFormat.RFC4180.builder()
            .setHeader(EXPORT_COLUMNS.toArray(String[]::new))
            .get();

    /** The characters that make a spreadsheet read a cell as a formula (OWASP's list), tab and CR included. */
    private static final String FORMULA_START = "=+-@\t\r";

    private static final Pattern LOCAL_TIME = Pattern.compile("([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]([0-9]{2}:[0-9]{2}(:[0-9]{2})?)");
    /** A violation of a batch item as the service names it: calls[3].phone_number. */
    private static final Pattern ITEM = Pattern.compile("calls\\[([0-9]+)\\]\\.?(.*)");

    private CallCsv() {
    }

    /** A row of the import read into a request, and what was wrong with it before the service saw it. */
    record Row(int line, ScheduleRequest request, boolean localTime, boolean timeStandIn, List<Problem> problems) {
    }

    /** What is wrong with a row: its line in the file, the column (or columns), and the API's words. */
    record Problem(int line, String column, String message) {

        /** "Line 5, phone_number: must be a valid phone number ...". */
        public String text() {
            return "Line " + line + (column.isEmpty() ? "" : ", " + column) + ": " + message;
        }
    }

    /** An import file read: its rows, or why the file as a whole cannot be used. */
    record Read(List<Row> rows, String fileProblem) {

        static Read refused(String why) {
            return new Read(List.of(), why);
        }
    }

    /**
     * Reads an import file. {@code firstLine} is the line in the whole file of the first row after the header (2 for
     * a whole file; for a batch cut from it, where that batch's rows begin), so that problems name the file's lines.
     */
    static Read read(String text, int firstLine) {
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        long line = 1;
        try (CSVParser parser = CSVParser.parse(body, IMPORT)) {
            List<String> header = parser.getHeaderNames();
            String headerProblem = headerProblem(header);
            if (headerProblem != null) {
                return Read.refused(headerProblem);
            }
            List<Row> rows = new ArrayList<>();
            Iterator<CSVRecord> records = parser.iterator();
            // The parser's line count before it reads a record: that record starts on the next line, even when a
            // quoted cell of the record before spans several lines.
            line = parser.getCurrentLineNumber() + 1;
            while (records.hasNext()) {
                CSVRecord record = records.next();
                if (!record.stream().allMatch(String::isEmpty)) {
                    rows.add(row(record, (int) line - 2 + firstLine, header.size()));
                }
                line = parser.getCurrentLineNumber() + 1;
            }
            if (rows.isEmpty()) {
                return Read.refused("The file has no calls: only the line that names the columns.");
            }
            return new Read(rows, null);
        } catch (IOException | UncheckedIOException e) {
            long at = line == 1 ? 1 : line - 2 + firstLine;
            return Read.refused("The file is not valid CSV at line " + at + ": a quoted cell is not closed, or text"
                    + " follows its closing quote (a cell that holds a quote is written in quotes, the quote doubled).");
        }
    }

    /** Why the first line cannot be used to name the columns, or null when it can. */
    private static String headerProblem(List<String> header) {
        if (header.stream().allMatch(String::isEmpty)) {
            return "The file is empty: its first line must name the columns, for example "
                    + "phone_number,scheduled_time,reference.";
        }
        Set<String> names = new LinkedHashSet<>();
        for (String cell : header) {
            String name = cell.toLowerCase(Locale.ROOT);
            if (!IMPORT_COLUMNS.contains(name)) {
                return "Unknown column \"" + CallViews.cut(cell, 40) + "\" in the first line. The columns are: "
                        + String.join(", ", IMPORT_COLUMNS) + ".";
            }
            if (!names.add(name)) {
                return "The column " + name + " is named twice in the first line.";
            }
        }
        if (!names.contains("phone_number") || !names.contains("scheduled_time") && !names.contains("local_time")) {
            return "The first line must name the columns phone_number and scheduled_time (or local_time with "
                    + "time_zone); it names: " + String.join(", ", names) + ".";
        }
        return null;
    }

    private static Row row(CSVRecord csv, int line, int width) {
        List<Problem> problems = new ArrayList<>();
        if (csv.size() != width) {
            problems.add(new Problem(line, "", "has " + csv.size() + " cells where the first line names " + width
                    + " columns"));
        }
        String phone = cell(csv, "phone_number");
        String scheduled = cell(csv, "scheduled_time");
        String local = cell(csv, "local_time");
        String zone = cell(csv, "time_zone");
        String reference = cell(csv, "reference");
        String windowStart = cell(csv, "window_start");
        String windowEnd = cell(csv, "window_end");
        boolean standIn = false;
        String time = scheduled;
        if (!scheduled.isEmpty() && !local.isEmpty()) {
            problems.add(new Problem(line, "local_time", "give scheduled_time or local_time, not both"));
            standIn = true;
        } else if (scheduled.isEmpty() && local.isEmpty()) {
            problems.add(new Problem(line, "scheduled_time", "is required (or local_time with time_zone)"));
            standIn = true;
        } else if (!local.isEmpty()) {
            Optional<String> instant = localTime(local, zone, line, problems);
            standIn = instant.isEmpty();
            time = instant.orElse(null);
        }
        if (standIn) {
            // The row's time is wrong already: the service checks the other fields against a time that is fine.
            time = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString();
        }
        CallingWindowJson window = windowStart.isEmpty() && windowEnd.isEmpty() ? null
                : new CallingWindowJson(emptyToNull(windowStart), emptyToNull(windowEnd), null);
        ScheduleRequest request = new ScheduleRequest(phone, time, emptyToNull(zone), window, null, null,
                emptyToNull(reference), null);
        return new Row(line, request, !local.isEmpty(), standIn, problems);
    }

    /** A local date and time in its zone as an ISO instant with offset, or the problems that prevent it. */
    private static Optional<String> localTime(String local, String zone, int line, List<Problem> problems) {
        Matcher matcher = LOCAL_TIME.matcher(local);
        LocalDateTime dateTime = null;
        if (matcher.matches()) {
            try {
                dateTime = LocalDateTime.parse(matcher.group(1) + "T" + matcher.group(2));
            } catch (DateTimeParseException e) {
                dateTime = null;
            }
        }
        if (dateTime == null) {
            problems.add(new Problem(line, "local_time", "must be a date and time as 2026-12-01T09:30 or 2026-12-01 09:30"));
        }
        ZoneId zoneId = null;
        if (zone.isEmpty()) {
            problems.add(new Problem(line, "time_zone", "is required with local_time, for example America/Chicago"));
        } else {
            try {
                zoneId = ZoneId.of(zone);
            } catch (DateTimeException e) {
                // The service says what is wrong with the zone, in the API's words.
                zoneId = null;
            }
        }
        if (dateTime == null || zoneId == null) {
            return Optional.empty();
        }
        return Optional.of(dateTime.atZone(zoneId).toOffsetDateTime().toString());
    }

    /**
     * Everything wrong with {@code row}: what reading it found, then what the service found ({@code checked}, field
     * names as in the API), each named by its column. A service message about a time the row did not give (a stand-in)
     * is left out; one about scheduled_time is about local_time when the row gave that.
     */
    static List<Problem> problems(Row row, List<Violation> checked) {
        List<Problem> all = new ArrayList<>(row.problems());
        for (Violation violation : checked) {
            if (row.timeStandIn() && violation.field().equals("scheduled_time")) {
                continue;
            }
            Problem problem = new Problem(row.line(), column(violation.field(), row.localTime()), violation.message());
            if (!all.contains(problem)) {
                all.add(problem);
            }
        }
        return all;
    }

    /**
     * A violation of {@code scheduleAll} ("calls[3].phone_number") as a problem of the rows it was given; null when it
     * names no item.
     */
    static Problem problemOfBatch(Violation violation, List<Row> rows) {
        Matcher matcher = ITEM.matcher(violation.field());
        if (!matcher.matches()) {
            return null;
        }
        int index = Integer.parseInt(matcher.group(1));
        if (index >= rows.size()) {
            return null;
        }
        Row row = rows.get(index);
        return new Problem(row.line(), column(matcher.group(2), row.localTime()), violation.message());
    }

    /** The file's column for an API field name. */
    private static String column(String field, boolean localTime) {
        return switch (field) {
            case "scheduled_time" -> localTime ? "local_time" : "scheduled_time";
            case "calling_window.start" -> "window_start";
            case "calling_window.end" -> "window_end";
            case "calling_window" -> "window_start, window_end";
            default -> field;
        };
    }

    /** A call as a record of the export, in {@link #EXPORT_COLUMNS}' order, each cell {@link #guard guarded}. */
    static List<String> exportRecord(CallResponse call) {
        CallingWindowJson window = call.callingWindow();
        return Arrays.asList(String.valueOf(call.id()), call.phoneNumber(), String.valueOf(call.scheduledTime()),
                call.status().value(), call.callStatus(), call.reference(), call.timeZone(),
                window == null ? null : window.start(), window == null ? null : window.end(),
                String.valueOf(call.attempts()), call.errorMessage(), String.valueOf(call.createdAt()),
                String.valueOf(call.updatedAt()))
                .stream().map(CallCsv::guard).toList();
    }

    /**
     * A cell as written to a file meant for spreadsheets: one that starts like a formula (= + - @, tab, CR) gets a
     * leading apostrophe so that it is shown as text, never run. Null stays null (an empty cell).
     */
    static String guard(String value) {
        return value != null && !value.isEmpty() && FORMULA_START.indexOf(value.charAt(0)) >= 0 ? "'" + value : value;
    }

    /**
     * A cell as read back from a file this page wrote: the apostrophe that guarded a formula-like value is removed
     * ("'+14155550123" is +14155550123 again).
     */
    static String unguard(String value) {
        if (value.length() > 1 && value.charAt(0) == '\'' && FORMULA_START.indexOf(value.charAt(1)) >= 0) {
            return value.substring(1);
        }
        return value;
    }

    /** A cell of the record by its column's name: empty when the file has no such column or the row is short. */
    private static String cell(CSVRecord record, String name) {
        return record.isSet(name) ? unguard(record.get(name)) : "";
    }

    private static String emptyToNull(String value) {
        return value.isEmpty() ? null : value;
    }
}
