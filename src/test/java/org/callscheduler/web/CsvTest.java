package org.callscheduler.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.apache.commons.csv.CSVPrinter;
import org.junit.jupiter.api.Test;

/** The page's CSV: reading an import file into requests (lines, quoting, refusals), and the export's cells. No Quarkus. */
class CsvTest {

    @Test
    void readsQuotedCellsWithCommasQuotesAndLineBreaksAndNamesEachRowsFirstLine() {
        String due = "2027-12-01T10:00:00Z";
        CallCsv.Read read = CallCsv.read("phone_number,scheduled_time,reference\r\n"
                + "+14155550100," + due + ",\"x, y\"\r\n"
                + "+14155550101," + due + ",\"say \"\"hi\"\"\"\r\n"
                + "+14155550102," + due + ",\"two\nlines\"\n"
                + "+14155550103," + due + ",\"three\r\nlines\r\nhere\"\r"
                + "+14155550104," + due + ",\"\"", 2);

        assertNull(read.fileProblem());
        List<CallCsv.Row> rows = read.rows();
        assertEquals(List.of("x, y", "say \"hi\"", "two\nlines", "three\r\nlines\r\nhere", ""),
                rows.stream().map(r -> r.request().reference() == null ? "" : r.request().reference()).toList());
        assertEquals(List.of(2, 3, 4, 6, 9), rows.stream().map(CallCsv.Row::line).toList(),
                "a row after a cell with line breaks (LF, CRLF, CR alone) starts that many lines further");
    }

    @Test
    void aQuoteLeftOpenOrTextAfterAClosingQuoteIsNotCsvAndNamesTheRecordsLineInTheFile() {
        assertTrue(CallCsv.read("phone_number,scheduled_time\n+14155550100,\"never closed\n", 2).fileProblem()
                .startsWith("The file is not valid CSV at line 2: a quoted cell is not closed"));
        assertTrue(CallCsv.read("phone_number,scheduled_time\nx,y\n\"a\nb\",\"x\"y\n", 2).fileProblem()
                .startsWith("The file is not valid CSV at line 3:"));
        assertTrue(CallCsv.read("phone_number,scheduled_time\nx,y\n\"x\"y,z\n", 1001).fileProblem()
                .startsWith("The file is not valid CSV at line 1002:"), "a batch's lines are the file's");
        assertTrue(CallCsv.read("\"phone_number,scheduled_time\n", 5).fileProblem()
                .startsWith("The file is not valid CSV at line 1:"), "the first line is the first line of any batch");
    }

    @Test
    void aQuoteInsideACellThatDoesNotStartWithOneIsKeptAsAQuote() {
        CallCsv.Read read = CallCsv.read("phone_number,scheduled_time,reference\n+14155550100,2027-12-01T10:00:00Z,"
                + "5\" screen\n", 2);

        assertNull(read.fileProblem());
        assertEquals("5\" screen", read.rows().get(0).request().reference());
    }

    @Test
    void writesCellsQuotedOnlyWhenNeededAndGuardsFormulas() throws Exception {
        StringBuilder out = new StringBuilder();
        try (CSVPrinter printer = new CSVPrinter(out, CallCsv.EXPORT)) {
            printer.printRecord(java.util.Arrays.asList("plain", "a,b", "say \"hi\"", "two\nlines", null));
            printer.printRecord(CallCsv.guard("=HYPERLINK(\"http://x\",\"y\")"), CallCsv.guard("+14155550123"));
        }
        assertEquals(String.join(",", CallCsv.EXPORT_COLUMNS) + "\r\n"
                + "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n"
                + "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",'+14155550123\r\n", out.toString());

        assertEquals("'=1+2", CallCsv.guard("=1+2"));
        assertEquals("'+14155550123", CallCsv.guard("+14155550123"));
        assertEquals("'-3", CallCsv.guard("-3"));
        assertEquals("'@SUM(A1)", CallCsv.guard("@SUM(A1)"));
        assertEquals("'\tx", CallCsv.guard("\tx"));
        assertEquals("'\rx", CallCsv.guard("\rx"));
        assertEquals("appt-1001", CallCsv.guard("appt-1001"));
        assertNull(CallCsv.guard(null));
        assertEquals("+14155550123", CallCsv.unguard("'+14155550123"));
        assertEquals("'quoted", CallCsv.unguard("'quoted"));
    }

    @Test
    void anImportRowWithLocalTimeAndZoneBecomesAnInstantInThatZone() {
        CallCsv.Read read = CallCsv.read("\uFEFFphone_number,local_time,time_zone,reference,window_start,window_end\r\n"
                + "+1 415 555 0100,2027-12-01 09:30,America/Los_Angeles,appt-1,09:00,18:00\r\n\r\n", 2);

        assertNull(read.fileProblem());
        assertEquals(1, read.rows().size(), "the blank line is skipped");
        CallCsv.Row row = read.rows().get(0);
        assertEquals(2, row.line());
        assertTrue(row.problems().isEmpty(), row.problems().toString());
        assertEquals("2027-12-01T09:30-08:00", row.request().scheduledTime());
        assertEquals("America/Los_Angeles", row.request().timeZone());
        assertEquals("appt-1", row.request().reference());
        assertEquals("09:00", row.request().callingWindow().start());
        assertEquals("18:00", row.request().callingWindow().end());
    }

    @Test
    void rowsThatCannotGiveATimeSayWhyWithTheirFileLine() {
        CallCsv.Read read = CallCsv.read("phone_number,scheduled_time,local_time,time_zone\n"
                + "+14155550100,2027-12-01T10:00:00Z,2027-12-01 09:00,UTC\n"
                + "+14155550101,,,\n"
                + "+14155550102,,tomorrow,\n", 1001);

        List<CallCsv.Row> rows = read.rows();
        assertEquals(List.of(1001, 1002, 1003), rows.stream().map(CallCsv.Row::line).toList());
        assertEquals("local_time: give scheduled_time or local_time, not both", only(rows.get(0)));
        assertEquals("scheduled_time: is required (or local_time with time_zone)", only(rows.get(1)));
        assertEquals(List.of("Line 1003, local_time: must be a date and time as 2026-12-01T09:30 or 2026-12-01 09:30",
                "Line 1003, time_zone: is required with local_time, for example America/Chicago"),
                rows.get(2).problems().stream().map(CallCsv.Problem::text).toList());
        assertTrue(rows.stream().allMatch(CallCsv.Row::timeStandIn), "the service is not asked about a missing time");
    }

    @Test
    void aFileWithoutTheNeededColumnsOrWithAnUnknownOneIsRefusedAsAWhole() {
        assertTrue(CallCsv.read("name,phone\nx,y\n", 2).fileProblem().startsWith("Unknown column \"name\""));
        assertTrue(CallCsv.read("phone_number,reference\n+14155550100,a\n", 2).fileProblem()
                .contains("must name the columns phone_number and scheduled_time"));
        assertTrue(CallCsv.read("phone_number,scheduled_time\n", 2).fileProblem().contains("no calls"));
        assertTrue(CallCsv.read("", 2).fileProblem().startsWith("The file is empty"));
        assertTrue(CallCsv.read("phone_number,scheduled_time\n\"open,x\n", 2).fileProblem()
                .startsWith("The file is not valid CSV at line 2"));
        assertFalse(CallCsv.read("Phone_Number , Scheduled_Time\n+14155550100,2027-01-01T00:00:00Z\n", 2)
                .rows().isEmpty(), "column names are read without case or spaces");
    }

    private static String only(CallCsv.Row row) {
        assertEquals(1, row.problems().size(), row.problems().toString());
        CallCsv.Problem problem = row.problems().get(0);
        return problem.column() + ": " + problem.message();
    }
}
