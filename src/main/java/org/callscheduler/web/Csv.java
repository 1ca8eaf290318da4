package org.callscheduler.web;

import java.util.List;

/**
 * CSV as RFC 4180 writes it: cells separated by commas, records by CRLF, a cell in double quotes when it holds a
 * comma, a quote or a line break, a quote inside one doubled. (The import is read by Apache Commons CSV.)
 */
final class Csv {

    /** The characters that make a spreadsheet read a cell as a formula (OWASP's list), tab and CR included. */
    private static final String FORMULA_START = "=+-@\t\r";

    private Csv() {
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
