package org.callscheduler.call;

import java.util.Comparator;
import java.util.List;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import io.quarkus.logging.Log;

/**
 * Maps each error to its status and a JSON body naming the field or rule at fault. Each mapper
 * handles one kind of error; there is no catch-all, so no class name ever reaches a client. The body
 * is always JSON, whatever the request's Accept header asks for (a 406 answer included).
 */
class ApiExceptionMappers {

    private static final String INVALID = "Invalid request";

    @ServerExceptionMapper
    RestResponse<ApiError> invalid(InvalidRequestException e) {
        return error(Response.Status.BAD_REQUEST, new ApiError(INVALID, e.violations()));
    }

    @ServerExceptionMapper
    RestResponse<ApiError> constraintViolation(ConstraintViolationException e) {
        List<Violation> violations = e.getConstraintViolations().stream()
                .map(v -> new Violation(fieldOf(v), v.getMessage()))
                .sorted(Comparator.comparing(Violation::field))
                .toList();
        return error(Response.Status.BAD_REQUEST, new ApiError(INVALID, violations));
    }

    @ServerExceptionMapper
    RestResponse<ApiError> notFound(CallNotFoundException e) {
        return error(Response.Status.NOT_FOUND, ApiError.of(e.getMessage()));
    }

    @ServerExceptionMapper
    RestResponse<ApiError> notPending(CallNotPendingException e) {
        return error(Response.Status.CONFLICT, ApiError.of(e.getMessage()));
    }

    /** Not JSON, or a key given twice: Jackson's words say where. */
    @ServerExceptionMapper
    RestResponse<ApiError> malformedJson(StreamReadException e) {
        return malformed(e);
    }

    /** A number, string or nesting beyond Jackson's read limits. */
    @ServerExceptionMapper
    RestResponse<ApiError> tooBigJson(StreamConstraintsException e) {
        return malformed(e);
    }

    /** A value of the wrong JSON type, or a body that is not a JSON object. */
    @ServerExceptionMapper
    RestResponse<ApiError> mismatchedInput(MismatchedInputException e) {
        return wrongShape(e);
    }

    @ServerExceptionMapper
    RestResponse<ApiError> unmappableJson(JsonMappingException e) {
        return wrongShape(e);
    }

    /** Unknown paths, wrong methods, unsupported media types: the status JAX-RS chose, with a JSON body. */
    @ServerExceptionMapper
    RestResponse<ApiError> webApplication(WebApplicationException e) {
        Response response = e.getResponse();
        if (response.getStatus() >= 500) {
            Log.error("Request failed", e);
        }
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof JsonMappingException json) {
                return wrongShape(json);
            }
            if (cause instanceof StreamReadException || cause instanceof StreamConstraintsException) {
                return malformed((JsonProcessingException) cause);
            }
        }
        return error(response.getStatusInfo(), ApiError.of(response.getStatusInfo().getReasonPhrase()));
    }

    private static RestResponse<ApiError> malformed(JsonProcessingException e) {
        return error(Response.Status.BAD_REQUEST, ApiError.of("Malformed JSON in the request body: " + e.getOriginalMessage()));
    }

    private static RestResponse<ApiError> wrongShape(JsonMappingException e) {
        if (e.getCause() instanceof StreamReadException || e.getCause() instanceof StreamConstraintsException) {
            return malformed((JsonProcessingException) e.getCause()); // bad JSON inside a field, such as invalid UTF-8
        }
        List<JsonMappingException.Reference> path = e.getPath();
        if (path.isEmpty()) {
            // An array, a string, or a second value after the object (FAIL_ON_TRAILING_TOKENS, see StrictJson)
            return error(Response.Status.BAD_REQUEST,
                    ApiError.of("The request body must be one JSON object, with nothing before or after it"));
        }
        String field = path.stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .reduce((a, b) -> b.startsWith("[") ? a + b : a + "." + b)
                .orElseThrow();
        Violation violation = new Violation(field, "has the wrong JSON type (expected " + expectedType(e) + ")");
        return error(Response.Status.BAD_REQUEST, new ApiError(INVALID, List.of(violation)));
    }

    /** JSON whatever the Accept header says: without the type, a 406 would be written as text by toString(). */
    private static RestResponse<ApiError> error(Response.StatusType status, ApiError body) {
        return RestResponse.ResponseBuilder.create(status, body).type(MediaType.APPLICATION_JSON_TYPE).build();
    }

    private static String expectedType(JsonMappingException e) {
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            Class<?> type = m.getTargetType();
            return type == String.class ? "a string" : Number.class.isAssignableFrom(type) ? "a number" : "an object";
        }
        return "another type";
    }

    /** The JSON name of the field a violation is about: {@code phoneNumber} becomes {@code phone_number}. */
    private static String fieldOf(ConstraintViolation<?> violation) {
        String field = "body";
        for (Path.Node node : violation.getPropertyPath()) {
            if (node.getKind() == ElementKind.PROPERTY) {
                field = node.getName().replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase();
            }
        }
        return field;
    }
}
