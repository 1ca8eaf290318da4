package org.callscheduler.web;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import org.apache.commons.csv.CSVPrinter;
import org.callscheduler.call.BatchRequest;
import org.callscheduler.call.CallService;
import org.callscheduler.call.IdempotentRequests;
import org.callscheduler.call.InvalidRequestException;
import org.callscheduler.call.ScheduleRequest;
import org.callscheduler.call.ScheduledCall;
import org.callscheduler.call.Violation;
import org.callscheduler.security.AccessFilter;
import org.callscheduler.security.CsrfChecked;
import org.callscheduler.security.RateLimited;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

import io.quarkus.logging.Log;
import io.quarkus.qute.TemplateInstance;

/**
 * The page's CSV files: the export of the filtered list, and the import in two steps. The preview checks a whole
 * file and stores nothing; the import then sends the file in batches of up to 1,000 rows (the page's script cuts it),
 * each stored all or nothing through {@link CallService#scheduleAll} and carrying an Idempotency-Key, so that a batch
 * sent again after a network error is not stored twice.
 */
@Path("/csv")
@CsrfChecked
public class CsvPages {

    /** The largest import file: about 50,000 rows. */
    static final long MAX_FILE_BYTES = 5L * 1024 * 1024;
    /** The most rows in one batch of the import, as POST /api/calls/batch takes. */
    static final int MAX_BATCH_ROWS = 1000;

    private static final DateTimeFormatter FILE_STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmm", Locale.ROOT);

    @Inject
    CallService service;

    @Inject
    IdempotentRequests idempotentRequests;

    @Inject
    com.fasterxml.jackson.databind.ObjectMapper json;

    /**
     * Every call that the filters of the table match, not one page: streamed as CSV (RFC 4180, UTF-8, times as ISO
     * instants), 500 calls read at a time. Bad filters get a 400 with the reason, as text.
     */
    @GET
    @Path("calls.csv")
    @Produces("text/csv")
    public Response export(@QueryParam("status") String status,
            @QueryParam("phone_number") String phone, @QueryParam("reference") String reference,
            @QueryParam("from") String from, @QueryParam("to") String to, @QueryParam("tz") String tz) {
        CallViews.Search search = CallViews.Search.of(status, phone, reference, from, to);
        ZoneId zone = CallViews.zone(tz);
        List<Violation> problems = new ArrayList<>();
        String[] days = CallPages.days(search, zone, problems);
        CallService.ListQuery query = CallPages.query(search, days[0], days[1], 0);
        if (problems.isEmpty()) {
            try {
                // Checks the filters before the answer starts: a bad one is a 400, not a file cut short.
                service.listWithWaits(new CallService.ListQuery(query.status(), query.phoneNumber(),
                        query.reference(), query.scheduledFrom(), query.scheduledTo(), "0", "1"));
            } catch (InvalidRequestException e) {
                problems.addAll(e.violations());
            }
        }
        if (!problems.isEmpty()) {
            StreamingOutput why = out -> out.write(("Cannot export: " + String.join("; ", problems.stream()
                    .map(v -> v.field() + " " + v.message()).toList()) + "\n").getBytes(StandardCharsets.UTF_8));
            return Response.status(Response.Status.BAD_REQUEST).entity(why)
                    .type(MediaType.TEXT_PLAIN_TYPE.withCharset("UTF-8")).build();
        }
        StreamingOutput file = out -> {
            // Not closed: the output stream is the server's.
            CSVPrinter printer = new CSVPrinter(new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8),
                    64 * 1024), CallCsv.EXPORT);
            try {
                service.forEachMatching(query, call -> {
                    try {
                        printer.printRecord(CallCsv.exportRecord(call));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            printer.flush();
        };
        String name = "calls-" + FILE_STAMP.format(Instant.now().atZone(zone)) + ".csv";
        return Response.ok(file)
                .type("text/csv; charset=UTF-8")
                .header("Content-Disposition", "attachment; filename=\"" + name + "\"")
                .build();
    }

    /**
     * Step 1 of the import: reads and checks the whole file, stores nothing. Answers the preview: how many rows are
     * good, and each bad one with its line and why (the API's messages); or why the file cannot be used at all.
     */
    @POST
    @Path("import/preview")
    @RateLimited
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.TEXT_HTML)
    public TemplateInstance preview(@RestForm("file") FileUpload file) {
        if (file == null || file.fileName() == null || file.fileName().isBlank()) {
            return CallPages.Templates.page$importPreview(CallViews.ImportPreview.refused("",
                    "Choose a CSV file to import."));
        }
        String name = CallViews.cut(file.fileName(), 80);
        if (file.size() > MAX_FILE_BYTES) {
            return CallPages.Templates.page$importPreview(CallViews.ImportPreview.refused(name, name + " is "
                    + megabytes(file.size()) + ": the largest file the page takes is " + megabytes(MAX_FILE_BYTES)
                    + " (about 50,000 calls). Split it, or send it to POST /api/calls/batch."));
        }
        String type = file.contentType() == null ? "" : file.contentType().toLowerCase(Locale.ROOT);
        boolean csvName = name.toLowerCase(Locale.ROOT).endsWith(".csv");
        if (!csvName && !type.startsWith("text/csv")) {
            return CallPages.Templates.page$importPreview(CallViews.ImportPreview.refused(name, name
                    + " is not a CSV file. Choose a .csv file whose first line names the columns."));
        }
        String text;
        try {
            text = utf8(Files.readAllBytes(file.uploadedFile()));
        } catch (CharacterCodingException e) {
            return CallPages.Templates.page$importPreview(CallViews.ImportPreview.refused(name, name
                    + " is not a CSV file: it is not UTF-8 text. Save it as \"CSV UTF-8\" and choose it again."));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (text.indexOf('\0') >= 0) {
            return CallPages.Templates.page$importPreview(CallViews.ImportPreview.refused(name, name
                    + " is not a CSV file: it holds binary data."));
        }
        CallCsv.Read read = CallCsv.read(text, 2);
        if (read.fileProblem() != null) {
            return CallPages.Templates.page$importPreview(CallViews.ImportPreview.refused(name, read.fileProblem()));
        }
        List<CallCsv.Problem> problems = problems(read.rows());
        long badRows = problems.stream().mapToInt(CallCsv.Problem::line).distinct().count();
        List<CallCsv.Problem> shown = problems.subList(0, Math.min(problems.size(), CallViews.ImportPreview.SHOWN));
        return CallPages.Templates.page$importPreview(new CallViews.ImportPreview(name, "", read.rows().size(),
                read.rows().size() - (int) badRows, shown, (int) badRows, problems.size() - shown.size()));
    }

    /**
     * Step 2 of the import, once per batch: up to 1,000 rows of the file, after its first line (which names the
     * columns), all stored or none. {@code line} is where the batch's first row is in the file, for the messages.
     * Answers JSON: {@code {"imported": n}} (201), or {@code {"error": ..., "problems": [...]}} (400, nothing stored).
     * An Idempotency-Key is required: the same batch sent again with it gets the first answer and stores nothing.
     */
    @POST
    @Path("import/batch")
    @RateLimited
    @Consumes("text/csv")
    @Produces(MediaType.APPLICATION_JSON)
    public Response importBatch(String body, @QueryParam("line") String line,
            @HeaderParam("Idempotency-Key") String key, @Context ContainerRequestContext http) {
        if (key == null || key.isEmpty() || key.length() > 255 || !key.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            return answer(400, Map.of("error", "The Idempotency-Key header is required: 1 to 255 printable characters,"
                    + " one per batch."));
        }
        int firstLine = line != null && line.matches("[0-9]{1,9}") ? Math.max(2, Integer.parseInt(line)) : 2;
        // The page's keys live apart from the API's, which a client chooses.
        String client = "page/" + AccessFilter.clientOf(http).orElse("*");
        IdempotentRequests.Start start = idempotentRequests.begin(client, key,
                IdempotentRequests.hash("page-import " + firstLine + " " + (body == null ? "" : body)));
        if (start instanceof IdempotentRequests.Start.Replay replay) {
            return Response.status(replay.status()).entity(replay.body())
                    .type(MediaType.APPLICATION_JSON_TYPE).header("Idempotent-Replayed", "true").build();
        }
        if (start instanceof IdempotentRequests.Start.Running) {
            return answer(409, Map.of("error", "This batch is still being stored; send it again in a moment."));
        }
        if (start instanceof IdempotentRequests.Start.OtherBody) {
            return answer(422, Map.of("error", "This Idempotency-Key was used for another batch."));
        }
        Response answer;
        try {
            answer = storeBatch(body == null ? "" : body, firstLine);
        } catch (RuntimeException e) {
            idempotentRequests.abandon(client, key);
            throw e;
        }
        if (answer.getStatus() == 201) {
            idempotentRequests.complete(client, key, 201, null, (String) answer.getEntity());
        } else {
            // Only a stored batch is kept: after a refusal the key is free, and the same batch is refused again.
            idempotentRequests.abandon(client, key);
        }
        return answer;
    }

    private Response storeBatch(String body, int firstLine) {
        CallCsv.Read read = CallCsv.read(body, firstLine);
        if (read.fileProblem() != null) {
            return answer(400, Map.of("error", read.fileProblem(), "problems", List.of()));
        }
        if (read.rows().size() > MAX_BATCH_ROWS) {
            return answer(400, Map.of("error", "A batch holds at most " + MAX_BATCH_ROWS + " rows; this one has "
                    + read.rows().size() + ".", "problems", List.of()));
        }
        List<CallCsv.Problem> problems = problems(read.rows());
        if (problems.isEmpty()) {
            List<ScheduleRequest> requests = read.rows().stream().map(CallCsv.Row::request).toList();
            try {
                List<ScheduledCall> stored = service.scheduleAll(new BatchRequest(requests)).toCompletableFuture().join();
                Log.infof("Page import: %d calls stored (rows from line %d)", stored.size(), firstLine);
                return answer(201, Map.of("imported", stored.size()));
            } catch (InvalidRequestException e) {
                // A row that was fine a moment ago (a time now too far in the past): nothing was stored.
                for (Violation violation : e.violations()) {
                    CallCsv.Problem problem = CallCsv.problemOfBatch(violation, read.rows());
                    problems.add(problem != null ? problem
                            : new CallCsv.Problem(firstLine, violation.field(), violation.message()));
                }
            }
        }
        int last = read.rows().get(read.rows().size() - 1).line();
        return answer(400, Map.of("error", "Lines " + read.rows().get(0).line() + " to " + last + " were not imported: "
                + problems.size() + (problems.size() == 1 ? " problem" : " problems") + ".",
                "problems", problems.stream().limit(CallViews.ImportPreview.SHOWN).map(CallCsv.Problem::text).toList()));
    }

    /** Every problem of the rows: from reading them, and from the service's check of each. */
    private List<CallCsv.Problem> problems(List<CallCsv.Row> rows) {
        List<List<Violation>> checked = service.checkEach(rows.stream().map(CallCsv.Row::request).toList());
        List<CallCsv.Problem> problems = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            problems.addAll(CallCsv.problems(rows.get(i), checked.get(i)));
        }
        return problems;
    }

    private Response answer(int status, Map<String, Object> body) {
        try {
            return Response.status(status).entity(json.writeValueAsString(body)).type(MediaType.APPLICATION_JSON_TYPE)
                    .build();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String utf8(byte[] bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024.0));
    }
}
