package org.callscheduler.call;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The body of every error answer: a message, and for validation errors the fields at fault. Built by
 * the exception mappers, not returned by a resource method, so registered for Jackson explicitly.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiError(String error, List<Violation> violations) {

    public static ApiError of(String error) {
        return new ApiError(error, null);
    }
}
