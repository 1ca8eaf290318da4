package org.callscheduler.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.callscheduler.call.ApiError;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * The API key check. Off while no key is configured. With keys, /api/* needs one in the API key header
 * (401 with a JSON error otherwise) and the page needs HTTP basic auth whose password is one of the keys.
 * Health, metrics and OpenAPI under /q stay open for probes and scrapers; the simulator stands in for an
 * external system and is not ours to guard.
 */
@ApplicationScoped
public class AccessFilter {

    static final String REALM = "Basic realm=\"Call Scheduler\", charset=\"UTF-8\"";

    private final List<byte[]> keys;
    private final String header;

    @Inject
    AccessFilter(SecurityConfig config) {
        this.keys = config.apiKeys().orElse(List.of()).stream()
                .map(String::strip)
                .filter(key -> !key.isEmpty())
                .map(key -> key.getBytes(StandardCharsets.UTF_8))
                .toList();
        this.header = config.apiKeyHeader();
    }

    @ServerRequestFilter(preMatching = true, priority = Priorities.AUTHENTICATION)
    Response check(ContainerRequestContext request) {
        if (keys.isEmpty()) {
            return null;
        }
        String path = request.getUriInfo().getPath();
        if (path.startsWith("/simulator")) {
            return null;
        }
        if (path.startsWith("/api/") || path.equals("/api")) {
            if (isKey(request.getHeaderString(header))) {
                return null;
            }
            return Response.status(Response.Status.UNAUTHORIZED)
                    .type(MediaType.APPLICATION_JSON_TYPE)
                    .entity(ApiError.of("Missing or unknown API key in the " + header + " header"))
                    .build();
        }
        if (isKey(basicPassword(request.getHeaderString(HttpHeaders.AUTHORIZATION)))) {
            return null;
        }
        return Response.status(Response.Status.UNAUTHORIZED)
                .header(HttpHeaders.WWW_AUTHENTICATE, REALM)
                .type(MediaType.TEXT_PLAIN_TYPE)
                .entity("Sign in with an API key as the password.")
                .build();
    }

    /** Compares against every key in constant time, so timing tells nothing about a key. */
    private boolean isKey(String candidate) {
        if (candidate == null || candidate.isEmpty()) {
            return false;
        }
        byte[] given = candidate.getBytes(StandardCharsets.UTF_8);
        boolean match = false;
        for (byte[] key : keys) {
            match |= MessageDigest.isEqual(key, given);
        }
        return match;
    }

    private static String basicPassword(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).strip()),
                    StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return colon < 0 ? null : decoded.substring(colon + 1);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
