package org.callscheduler.security;

import java.util.Set;

import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import io.quarkus.logging.Log;

/**
 * Closes the gap that quarkus-rest-csrf leaves on the page: it checks the token of an unsafe request sent
 * in its header, or in a form body, but lets through one that has neither (a DELETE has no body), because
 * the JSON API must not need a token. On the {@link CsrfChecked} resources, an unsafe request with neither
 * gets 400 here; one with either is then checked against the cookie by quarkus-rest-csrf.
 */
public class CsrfTokenRequiredFilter {

    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");

    private final String tokenHeader;

    CsrfTokenRequiredFilter(@ConfigProperty(name = "quarkus.rest-csrf.token-header-name", defaultValue = "X-CSRF-TOKEN") String tokenHeader) {
        this.tokenHeader = tokenHeader;
    }

    @CsrfChecked
    @ServerRequestFilter(priority = Priorities.AUTHENTICATION + 200)
    Response requireToken(ContainerRequestContext request) {
        if (SAFE.contains(request.getMethod()) || request.getHeaderString(tokenHeader) != null || isForm(request.getMediaType())) {
            return null;
        }
        Log.debugf("CSRF: %s without a token refused", request.getMethod());
        return Response.status(Response.Status.BAD_REQUEST)
                .type(MediaType.TEXT_PLAIN_TYPE)
                .entity("The CSRF token is missing: reload the page.")
                .build();
    }

    /** The two body types whose token quarkus-rest-csrf reads from a form field, matched exactly as it does. */
    private static boolean isForm(MediaType type) {
        return type != null && ("application".equals(type.getType()) && "x-www-form-urlencoded".equals(type.getSubtype())
                || "multipart".equals(type.getType()) && "form-data".equals(type.getSubtype()));
    }
}
