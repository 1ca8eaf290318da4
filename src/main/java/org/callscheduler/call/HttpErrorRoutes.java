package org.callscheduler.call;

import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.ws.rs.WebApplicationException;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import org.jboss.logging.Logger;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.VertxException;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.HttpException;

/**
 * The client errors that Vert.x and Quarkus answer outside JAX-RS, so outside {@link ApiExceptionMappers}:
 * a path or query that is not valid percent-encoding, a body over the size limit, a form body that cannot
 * be decoded. Each gets its 4xx status with the API's error body, {@code {"error": "..."}}, instead of an
 * empty answer or a 500.
 * <p>
 * A request line or headers over the limits also get a JSON 414 or 431 from here. Vert.x's HTTP decoder refuses
 * them with an empty answer before any route, and Quarkus gives no hook to replace that answer; so its limits
 * ({@code quarkus.http.limits.max-initial-line-length}, {@code max-header-size}) are set well above the ones
 * that apply, {@link #MAX_REQUEST_LINE} and {@link #MAX_HEADERS}, which the first route checks. Only a request
 * over Vert.x's own, higher limits, or with broken framing (a bad Content-Length), still gets Vert.x's answer.
 */
@ApplicationScoped
class HttpErrorRoutes {

    private static final Logger LOG = Logger.getLogger(HttpErrorRoutes.class);

    /** Statuses Vert.x Web answers with an empty body when a request fails before any route takes it. */
    private static final int[] ROUTER_ERRORS = { 400, 404, 405, 413, 414, 415, 431 };

    /** The longest request line answered (method, target and version), as Vert.x's default limit. */
    static final int MAX_REQUEST_LINE = 4096;
    /** The largest header section answered (names, values and their separators), as Vert.x's default limit. */
    static final int MAX_HEADERS = 20 * 1024;

    /** Paths whose bodies may be larger than {@code call-scheduler.http.max-body-size}: up to Quarkus's own limit. */
    static final String BATCH_PATH = "/api/calls/batch";
    /**
     * The same for the page's CSV import (web.CsvPages): the file sent for its preview (up to 5 MB, which that page
     * checks with its own message) and its batches of 1,000 rows.
     */
    static final java.util.Set<String> LARGE_BODY_PATHS = java.util.Set.of(BATCH_PATH, "/csv/import/preview",
            "/csv/import/batch");

    @Inject
    @ConfigProperty(name = "quarkus.http.limits.max-body-size")
    Optional<MemorySize> largestBody;

    @Inject
    @ConfigProperty(name = "call-scheduler.http.max-body-size", defaultValue = "64K")
    MemorySize maxBodySize;

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(HttpErrorRoutes::refuseOversizedHead);
        // Before Quarkus's own check (ROUTE_ORDER_UPLOAD_LIMIT), which answers an empty 413. Every body is held to
        // call-scheduler.http.max-body-size but a batch, which may be as large as Quarkus's limit.
        long usual = maxBodySize.asLongValue();
        long batch = largestBody.map(MemorySize::asLongValue).orElse(usual);
        BodyHandler usualBody = BodyHandler.create(false).setBodyLimit(usual);
        BodyHandler batchBody = BodyHandler.create(false).setBodyLimit(batch);
        router.route().order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 1).handler(ctx -> {
            boolean isBatch = LARGE_BODY_PATHS.contains(ctx.request().path());
            refuseOversizedBody(ctx, isBatch ? batch : usual, isBatch ? batchBody : usualBody);
        });
        // Before Quarkus's error handler, which answers 500 to what fails while Quarkus REST reads a body.
        router.route().failureHandler(this::clientFailure);
        // Failures of the routing itself, such as "%zz" in the path: no route, so not the handler above.
        for (int status : ROUTER_ERRORS) {
            router.errorHandler(status, ctx -> answer(ctx, status, status == 400
                    ? "Bad request: the path or query is not valid percent-encoded UTF-8"
                    : HttpResponseStatus.valueOf(status).reasonPhrase()));
        }
    }

    private static void refuseOversizedHead(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        int requestLine = request.method().name().length() + request.uri().length() + " HTTP/1.1".length() + 1;
        if (requestLine > MAX_REQUEST_LINE) {
            answer(ctx, 414, "The request line is longer than the limit of " + MAX_REQUEST_LINE + " characters");
            return;
        }
        int headers = 0;
        for (Map.Entry<String, String> header : request.headers()) {
            headers += header.getKey().length() + header.getValue().length() + 4; // ": " and CRLF
        }
        if (headers > MAX_HEADERS) {
            answer(ctx, 431, "The request headers are larger than the limit of " + MAX_HEADERS + " bytes");
            return;
        }
        ctx.next();
    }

    private static void refuseOversizedBody(RoutingContext ctx, long limit, BodyHandler chunkedBody) {
        String length = ctx.request().getHeader(HttpHeaderNames.CONTENT_LENGTH);
        if (length != null && isOver(length, limit)) {
            answer(ctx, 413, "The request body is larger than the limit of " + limit + " bytes");
        } else if (length == null && ctx.request().path().startsWith("/api/")
                && ctx.request().headers().contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            // A JSON body of unknown length: read it here (Quarkus REST then uses it), so that one over the limit
            // fails with 413 into clientFailure below, not into Quarkus REST's own empty 413.
            chunkedBody.handle(ctx);
        } else {
            ctx.next();
        }
    }

    private static boolean isOver(String length, long limit) {
        try {
            return Long.parseLong(length.trim()) > limit;
        } catch (NumberFormatException e) {
            return false; // Netty refuses a bad Content-Length before this runs
        }
    }

    private void clientFailure(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        if (isBrokenBodyFraming(failure)) {
            // A chunk size that is not hex, or the client gone mid-body: Vert.x has already failed the connection,
            // so there is nobody to answer, and nothing for Quarkus's handler to log as a server error.
            LOG.debugf("Request to %s dropped: %s", ctx.request().path(), failure);
            ctx.request().connection().close();
            return;
        }
        int status = ctx.statusCode();
        String message = null;
        if (failure instanceof HttpException e && e.getPayload() != null) {
            message = e.getPayload(); // Vert.x Web's words, such as "Error while decoding query params"
        } else if (failure instanceof VertxException && status >= 400) {
            message = failure.getMessage(); // Vert.x's words, such as "the 'Host' header is required"
        } else if (failure instanceof WebApplicationException e) {
            // Quarkus REST's body readers: a form field over quarkus.http.limits.max-form-attribute-size, a body
            // over the size limit without a Content-Length (chunked).
            status = e.getResponse().getStatus();
        } else if (failure instanceof UnsupportedCharsetException || failure instanceof IllegalCharsetNameException) {
            status = 415;
            message = "The charset of the Content-Type header is not one this server knows (use UTF-8)";
        } else if (isPercentDecodingFailure(failure)) {
            // Quarkus REST's form parser on "%zz" in a form body.
            status = 400;
            message = "The form body is not valid percent-encoded UTF-8";
        }
        if (status < 400 || status > 499) {
            ctx.next(); // a server error: Quarkus's handler logs it and answers 500
            return;
        }
        answer(ctx, status, message != null ? message : HttpResponseStatus.valueOf(status).reasonPhrase());
    }

    private static boolean isBrokenBodyFraming(Throwable failure) {
        return failure instanceof HttpClosedException || failure instanceof DecoderException
                || failure instanceof NumberFormatException && failure.getMessage() != null
                        && failure.getMessage().contains("chunk size");
    }

    /** How Quarkus REST (its URLUtils) fails on "%zz" or a partial UTF-8 sequence in a form body. */
    private static boolean isPercentDecodingFailure(Throwable failure) {
        return failure instanceof IllegalArgumentException && failure.getMessage() != null
                && failure.getMessage().startsWith("Failed to decode");
    }

    /**
     * Answers {@code {"error": message}}. A 413, 414 or 431 also closes the connection, as Vert.x's and Quarkus's
     * own do: the rest of the request is not read.
     */
    private static void answer(RoutingContext ctx, int status, String message) {
        HttpServerResponse response = ctx.response();
        if (response.headWritten()) {
            ctx.request().connection().close(); // too late to answer: do not leave the client waiting
            return;
        }
        if (status == 413 || status == 414 || status == 431) {
            response.putHeader(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            response.endHandler(v -> ctx.request().connection().close());
        }
        response.setStatusCode(status)
                .putHeader(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .end(new JsonObject().put("error", message).encode());
    }
}
