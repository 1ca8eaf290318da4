package org.callscheduler.call;

import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.ws.rs.WebApplicationException;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.VertxException;
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
 * empty answer or a 500. (Errors of the HTTP framing itself, such as a request line or headers over the
 * limits, are answered by Vert.x before any route: see the README.)
 */
@ApplicationScoped
class HttpErrorRoutes {

    /** Statuses Vert.x Web answers with an empty body when a request fails before any route takes it. */
    private static final int[] ROUTER_ERRORS = { 400, 404, 405, 413, 414, 415, 431 };

    @Inject
    @ConfigProperty(name = "quarkus.http.limits.max-body-size")
    Optional<MemorySize> maxBodySize;

    void install(@Observes Router router) {
        // Before Quarkus's own check (ROUTE_ORDER_UPLOAD_LIMIT), which answers an empty 413.
        maxBodySize.ifPresent(limit -> {
            BodyHandler chunkedBody = BodyHandler.create(false).setBodyLimit(limit.asLongValue());
            router.route().order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 1)
                    .handler(ctx -> refuseOversizedBody(ctx, limit.asLongValue(), chunkedBody));
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

    /** How Quarkus REST (its URLUtils) fails on "%zz" or a partial UTF-8 sequence in a form body. */
    private static boolean isPercentDecodingFailure(Throwable failure) {
        return failure instanceof IllegalArgumentException && failure.getMessage() != null
                && failure.getMessage().startsWith("Failed to decode");
    }

    /**
     * Answers {@code {"error": message}}. A 413 also closes the connection, as Quarkus's own does: the rest
     * of the body is not read.
     */
    private static void answer(RoutingContext ctx, int status, String message) {
        HttpServerResponse response = ctx.response();
        if (response.headWritten()) {
            ctx.request().connection().close(); // too late to answer: do not leave the client waiting
            return;
        }
        if (status == 413) {
            response.putHeader(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            response.endHandler(v -> ctx.request().connection().close());
        }
        response.setStatusCode(status)
                .putHeader(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .end(new JsonObject().put("error", message).encode());
    }
}
