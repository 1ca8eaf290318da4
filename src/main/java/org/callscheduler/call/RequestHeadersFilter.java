package org.callscheduler.call;

import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.util.Optional;

import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses a request whose Content-Type or Accept header cannot be read, before anything else reads it:
 * otherwise the CSRF filter (Content-Type) or the response writer (Accept) fails on it later with a 500.
 * First of all filters, so even the refusal of a bad API key is not written against a broken Accept.
 */
class RequestHeadersFilter {

    @ServerRequestFilter(preMatching = true, priority = Priorities.AUTHENTICATION - 100)
    Optional<RestResponse<ApiError>> checkMediaTypes(ContainerRequestContext request) {
        String contentType = request.getHeaderString(HttpHeaders.CONTENT_TYPE);
        if (contentType != null) {
            MediaType type;
            try {
                type = MediaType.valueOf(contentType);
            } catch (IllegalArgumentException e) {
                return refuse(Response.Status.BAD_REQUEST, "The Content-Type header is not a media type");
            }
            String charset = type.getParameters().get(MediaType.CHARSET_PARAMETER);
            if (charset != null && !isSupported(charset)) {
                return refuse(Response.Status.UNSUPPORTED_MEDIA_TYPE,
                        "The charset of the Content-Type header is not one this server knows (use UTF-8)");
            }
        }
        try {
            request.getAcceptableMediaTypes();
        } catch (IllegalArgumentException e) {
            return refuse(Response.Status.BAD_REQUEST, "The Accept header is not a list of media types");
        }
        return Optional.empty();
    }

    private static boolean isSupported(String charset) {
        try {
            return Charset.isSupported(charset);
        } catch (IllegalCharsetNameException e) {
            return false;
        }
    }

    /** Typed JSON: with a broken Accept header, content negotiation would fail on this answer too. */
    private static Optional<RestResponse<ApiError>> refuse(Response.Status status, String message) {
        return Optional.of(RestResponse.ResponseBuilder.create(status, ApiError.of(message))
                .type(MediaType.APPLICATION_JSON_TYPE).build());
    }
}
