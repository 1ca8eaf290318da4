package org.callscheduler.web;

import java.util.ArrayList;
import java.util.List;

/**
 * CSV as RFC 4180 writes it: cells separated by commas, records by CRLF (LF and CR alone are read too), a cell in
 * double quotes when it holds a comma, a quote or a line break, a quote inside one doubled. Small enough to keep here
 * rather than add a library for the page's import and export.
 */
final class Csv {

    /** The characters that make a spreadsheet read a cell as a formula (OWASP's list), tab and CR included. */
    private static final String FORMULA_START = "=+-@\t\r";

    private Csv() {
    }

    /** One record of a file, with the line it starts on (1 for the first). */
    record Line(int number, List<String> cells) {

        /** Whether every cell is empty: a blank line. */
        boolean isBlank() {
            return cells.stream().allMatch(String::isEmpty);
        }
    }

    /** Text that is not CSV: a quote left open, or text after a closing quote. */
    static final class MalformedException extends Exception {

        private static final long serialVersionUID = 1L;

        final int line;

        MalformedException(int line, String message) {
            super("Line " + line + ": " + message);
            this.line = line;
        }
    }

    /** Reads every record of {@code text}. */
    static List<Line> read(String text) throws MalformedException {
        List<Line> lines = new ArrayList<>();
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        int line = 1;
        int recordLine = 1;
        boolean quoted = false;
        boolean closed = false;
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < n && text.charAt(i + 1) == '"') {
                        cell.append('"');
                        i += 2;
                        continue;
                    }
                    quoted = false;
                    closed = true;
                } else {
                    if (c == '\n' || (c == '\r' && (i + 1 >= n || text.charAt(i + 1) != '\n'))) {
                        line++;
                    }
                    cell.append(c);
                }
                i++;
                continue;
            }
            if (c == ',') {
                cells.add(cell.toString());
                cell.setLength(0);
                closed = false;
            } else if (c == '\r' || c == '\n') {
                cells.add(cell.toString());
                cell.setLength(0);
                closed = false;
                lines.add(new Line(recordLine, List.copyOf(cells)));
                cells.clear();
                if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') {
                    i++;
                }
                line++;
                recordLine = line;
            } else if (closed) {
                throw new MalformedException(line, "text after the closing quote of a cell");
            } else if (c == '"') {
                if (cell.length() > 0) {
                    throw new MalformedException(line, "a quote inside a cell that does not start with one"
                            + " (write the cell in quotes and double the quote)");
                }
                quoted = true;
            } else {
                cell.append(c);
            }
            i++;
        }
        if (quoted) {
            throw new MalformedException(recordLine, "a quoted cell is not closed");
        }
        if (cell.length() > 0 || !cells.isEmpty() || closed) {
            cells.add(cell.toString());
            lines.add(new Line(recordLine, List.copyOf(cells)));
        }
        return lines;
    }

    /**
     * A cell as written to a file meant for spreadsheets: one that starts like a formula (= + - @, tab, CR) gets a
     * leading apostrophe so that it is shown as text, never run; then quoted when RFC 4180 needs it.
     */
    static String cell(String value) {
        if (value == null || value.isEmpty()) {
            return "";
        }
        String safe = FORMULA_START.indexOf(value.charAt(0)) >= 0 ? "'" + value : value;
        boolean quote = safe.indexOf(',') >= 0 || safe.indexOf('"') >= 0 || safe.indexOf('\n') >= 0
                || safe.indexOf('\r') >= 0;
        return quote ? '"' + safe.replace("\"", "\"\"") + '"' : safe;
    }

    /** A record as written: its cells through {@link #cell}, separated by commas, ended by CRLF. */
    static String record(List<String> values) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(cell(values.get(i)));
        }
        return out.append("\r\n").toString();
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
}
