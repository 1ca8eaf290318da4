package org.callscheduler.web;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.List;

import jakarta.inject.Inject;

import org.callscheduler.call.CallStatus;
import org.callscheduler.call.ScheduledCall;
import org.callscheduler.support.CallFixtures;
import org.callscheduler.support.NoJobsProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

/** The page's CSV export and import (preview, then batches), over HTTP. */
@QuarkusTest
@TestProfile(NoJobsProfile.class)
class CsvPagesTest {

    private static final String HEADER = "phone_number,scheduled_time,reference\r\n";

    @Inject
    CallFixtures fixtures;

    @BeforeEach
    void clean() {
        fixtures.deleteAll();
    }

    @Test
    void theExportHasEveryMatchingCallNotOnePageQuotedAndGuardedAgainstFormulas() {
        Instant due = Instant.now().plus(2, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        List<Long> many = fixtures.insertPending(CallPages.PAGE_SIZE * 30, "+14155550000", due);
        long tricky = fixtures.insertPending(1, "+14155559999", due.plusSeconds(60)).get(0);
        fixtures.change(tricky, call -> call.reference = "=HYPERLINK(\"http://evil\",\"x\"), next");
        fixtures.insertFinished(CallStatus.FAILED, "+14155558888");

        var response = given().queryParam("status", "pending").get("/csv/calls.csv").then()
                .statusCode(200)
                .contentType(startsWith("text/csv"))
                .header("Content-Disposition", startsWith("attachment; filename=\"calls-"))
                .extract();
        String[] records = response.asString().split("\r\n");

        assertEquals(String.join(",", CallCsv.EXPORT_COLUMNS), records[0]);
        assertEquals(1 + many.size() + 1, records.length, "a header, then every pending call (not one page), no failed one");
        assertTrue(records[1].startsWith(tricky + ",'+14155559999," + due.plusSeconds(60) + ",pending,,"
                + "\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\"), next\","), records[1]);
        long distinctIds = java.util.Arrays.stream(records).skip(1).map(r -> r.substring(0, r.indexOf(','))).distinct().count();
        assertEquals(many.size() + 1, distinctIds, "no call twice across the chunks of 500");
    }

    @Test
    void theExportFollowsTheSearchAndTheDaysInThePersonsZone() {
        ZoneId tokyo = ZoneId.of("Asia/Tokyo");
        LocalDate day = LocalDate.now(tokyo).plusDays(3);
        long inside = fixtures.insertPending(1, "+14155550101", day.atTime(0, 30).atZone(tokyo).toInstant()).get(0);
        fixtures.insertPending(1, "+14155550102", day.minusDays(1).atTime(23, 30).atZone(tokyo).toInstant());
        long lastMinute = fixtures.insertPending(1, "+14155550103", day.atTime(23, 59).atZone(tokyo).toInstant()).get(0);
        fixtures.insertPending(1, "+14155550104", day.plusDays(1).atStartOfDay(tokyo).toInstant());

        String csv = given().queryParam("from", day.toString()).queryParam("to", day.toString())
                .queryParam("tz", "Asia/Tokyo").get("/csv/calls.csv").then().statusCode(200).extract().asString();
        List<String> ids = csv.lines().skip(1).map(r -> r.substring(0, r.indexOf(','))).toList();
        assertEquals(List.of(String.valueOf(lastMinute), String.valueOf(inside)), ids);

        String byNumber = given().queryParam("phone_number", "+1 (415) 555-0102").get("/csv/calls.csv").then()
                .statusCode(200).extract().asString();
        assertEquals(2, byNumber.lines().count(), byNumber);
        assertTrue(byNumber.contains("'+14155550102"), byNumber);
    }

    @Test
    void aBadExportFilterIsA400NamingItAndNoFile() {
        given().queryParam("phone_number", "call me").get("/csv/calls.csv").then()
                .statusCode(400)
                .body(containsString("phone_number must be a valid phone number"));
        given().queryParam("from", "next tuesday").get("/csv/calls.csv").then()
                .statusCode(400)
                .body(containsString("from must be a date such as 2026-12-01"));
    }

    @Test
    void thePreviewListsEachBadRowWithItsLineAndTheApisMessageAndStoresNothing() {
        String due = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString();
        String csv = "phone_number,scheduled_time,local_time,time_zone,reference,window_start,window_end\r\n"
                + "+14155550101," + due + ",,,appt-1,,\r\n"
                + "abc," + due + ",,,appt-2,,\r\n"
                + "+14155550103,,2030-01-01 09:00,Mars/Olympus,appt-3,,\r\n"
                + "+14155550104,2020-01-01T00:00:00Z,,,appt-4,,\r\n"
                + "+14155550105," + due + ",,,appt-5,09:00,\r\n";

        String html = preview("day.csv", csv).then()
                .statusCode(200)
                .contentType(ContentType.HTML)
                .body(not(containsString("<html")))
                .body(containsString("<strong class=\"good-rows\">1</strong> of 5 rows are good"))
                .body(containsString("<strong class=\"bad-rows\">4</strong> have problems"))
                .body(not(containsString("id=\"import-start\"")))
                .extract().asString();

        assertTrue(html.contains(problemRow(3, "phone_number", "must be a valid phone number")), html);
        assertTrue(html.contains(problemRow(4, "time_zone", "must be an IANA time zone id")), html);
        assertTrue(html.contains(problemRow(5, "scheduled_time", "must not be more than 60 seconds in the past")), html);
        assertTrue(html.contains(problemRow(6, "window_end", "is required, as HH:MM")), html);
        assertEquals(0, fixtures.count(CallStatus.PENDING));
    }

    @Test
    void aGoodFileIsReadyToImportAndTheSampleInTheRepositoryIsOne() throws Exception {
        String sample = Files.readString(Path.of("src/examples/clinic-day.csv"), StandardCharsets.UTF_8);

        preview("clinic-day.csv", sample).then()
                .statusCode(200)
                .body(containsString("<strong class=\"good-rows\">20</strong> of 20 rows are good"))
                .body(containsString("id=\"import-start\" data-import-rows=\"20\""));
        assertEquals(0, fixtures.count(CallStatus.PENDING), "a preview stores nothing");
    }

    @Test
    void aFileThatIsNotCsvOrTooLargeIsRefusedWithAClearMessage() {
        withCsrfToken().multiPart("file", "photo.png", new byte[] { (byte) 0x89, 'P', 'N', 'G' }, "image/png")
                .post("/csv/import/preview").then().statusCode(200)
                .body(containsString("photo.png is not a CSV file"));
        withCsrfToken().multiPart("file", "nul.csv", new byte[] { 'a', 0, 'b' }, "text/csv")
                .post("/csv/import/preview").then().statusCode(200)
                .body(containsString("nul.csv is not a CSV file: it holds binary data."));
        withCsrfToken().multiPart("file", "latin1.csv", new byte[] { 'p', (byte) 0xE9, '\n' }, "text/csv")
                .post("/csv/import/preview").then().statusCode(200)
                .body(containsString("it is not UTF-8 text"));
        byte[] big = new byte[(int) CsvPages.MAX_FILE_BYTES + 1];
        java.util.Arrays.fill(big, (byte) 'a');
        withCsrfToken().multiPart("file", "big.csv", big, "text/csv")
                .post("/csv/import/preview").then().statusCode(200)
                .body(containsString("big.csv is 5.0 MB: the largest file the page takes is 5.0 MB"));
        preview("names.csv", "name,phone\nx,y\n").then().statusCode(200)
                .body(containsString("Unknown column &quot;name&quot;"));
    }

    @Test
    void aPreviewOrBatchWithoutTheCsrfTokenIsRefused() {
        given().multiPart("file", "a.csv", (HEADER + "+14155550101,2031-01-01T00:00:00Z,a\r\n").getBytes(), "text/csv")
                .post("/csv/import/preview").then().statusCode(400);
        given().contentType("text/csv").header("Idempotency-Key", "k1")
                .body(HEADER + "+14155550101,2031-01-01T00:00:00Z,a\r\n")
                .post("/csv/import/batch").then().statusCode(400);
        assertEquals(0, fixtures.count(CallStatus.PENDING));
    }

    @Test
    void aBatchOfAThousandRowsIsStoredOnceEvenWhenSentAgainWithItsKey() {
        StringBuilder csv = new StringBuilder(HEADER);
        String due = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString();
        for (int i = 0; i < 1000; i++) {
            csv.append(String.format("+1415555%04d,%s,appt-%d\r\n", i, due, i));
        }
        RequestSpecification browser = withCsrfToken();

        browser.contentType("text/csv; charset=utf-8").header("Idempotency-Key", "page-import-abc-0")
                .body(csv.toString()).post("/csv/import/batch?line=2").then()
                .statusCode(201)
                .body("imported", equalTo(1000));
        // The answer was lost on the way back: the page sends the same batch again with the same key.
        browser.contentType("text/csv; charset=utf-8").header("Idempotency-Key", "page-import-abc-0")
                .body(csv.toString()).post("/csv/import/batch?line=2").then()
                .statusCode(201)
                .header("Idempotent-Replayed", "true")
                .body("imported", equalTo(1000));

        assertEquals(1000, fixtures.count(CallStatus.PENDING));
        List<String> references = QuarkusTransaction.requiringNew().call(() -> ScheduledCall.<ScheduledCall> listAll()
                .stream().map(c -> c.reference).distinct().toList());
        assertEquals(1000, references.size());
    }

    @Test
    void aBatchWithABadRowStoresNothingAndNamesTheRowsLineInTheFile() {
        String due = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString();
        String csv = HEADER + "+14155550101," + due + ",a\r\n" + "12," + due + ",b\r\n";

        withCsrfToken().contentType("text/csv").header("Idempotency-Key", "page-import-bad-3")
                .body(csv).post("/csv/import/batch?line=3002").then()
                .statusCode(400)
                .body("error", equalTo("Lines 3002 to 3003 were not imported: 1 problem."))
                .body("problems[0]", startsWith("Line 3003, phone_number: must be a valid phone number"));
        assertEquals(0, fixtures.count(CallStatus.PENDING));

        StringBuilder tooMany = new StringBuilder(HEADER);
        for (int i = 0; i < 1001; i++) {
            tooMany.append(String.format("+1415555%04d,%s,x\r\n", i, due));
        }
        withCsrfToken().contentType("text/csv").header("Idempotency-Key", "page-import-big-0")
                .body(tooMany.toString()).post("/csv/import/batch").then()
                .statusCode(400)
                .body("error", equalTo("A batch holds at most 1000 rows; this one has 1001."));
        withCsrfToken().contentType("text/csv").body(csv).post("/csv/import/batch").then()
                .statusCode(400)
                .body("error", containsString("Idempotency-Key header is required"));
        assertEquals(0, fixtures.count(CallStatus.PENDING));
    }

    private static String problemRow(int line, String column, String message) {
        return "<tr data-line=\"" + line + "\"><td class=\"line\">" + line + "</td><td class=\"column\">" + column
                + "</td><td class=\"message\">" + message;
    }

    private static io.restassured.response.Response preview(String name, String csv) {
        return withCsrfToken().multiPart("file", name, csv.getBytes(StandardCharsets.UTF_8), "text/csv")
                .post("/csv/import/preview");
    }

    /** A browser that loaded the page: the CSRF cookie it was given, and the token htmx sends in a header. */
    private static RequestSpecification withCsrfToken() {
        String token = given().get("/").then().statusCode(200).extract().cookie("csrf-token");
        return given().cookie("csrf-token", token).header("X-CSRF-TOKEN", token);
    }
}
