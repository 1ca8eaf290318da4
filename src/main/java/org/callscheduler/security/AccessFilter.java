package org.callscheduler.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

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
 * Health, metrics and OpenAPI under /q stay open for probes and scrapers (they are not served through this
 * filter). The simulator's Call API (POST /simulator/api/call, GET /simulator/api/call/{id}) stays open: it
 * stands in for an external system, and this application calls it without a key. Its request log
 * (/simulator/requests) names every number dialled, so it needs a key like the API.
 */
@ApplicationScoped
public class AccessFilter {

    static final String REALM = "Basic realm=\"Call Scheduler\", charset=\"UTF-8\"";
    /** The simulated Call API's two endpoints, exactly: anything else under /simulator needs a key. */
    private static final Pattern SIMULATED_CALL_API = Pattern.compile("/simulator/api/call(/[^/;]+)?");

    /** Request property that names the authenticated client. */
    private static final String CLIENT = AccessFilter.class.getName() + ".client";

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
        if (SIMULATED_CALL_API.matcher(path).matches()) {
            return null;
        }
        if (path.startsWith("/api/") || path.equals("/api") || path.startsWith("/simulator")) {
            if (authenticated(request, request.getHeaderString(header))) {
                return null;
            }
            return Response.status(Response.Status.UNAUTHORIZED)
                    .type(MediaType.APPLICATION_JSON_TYPE)
                    .entity(ApiError.of("Missing or unknown API key in the " + header + " header"))
                    .build();
        }
        if (authenticated(request, basicPassword(request.getHeaderString(HttpHeaders.AUTHORIZATION)))) {
            return null;
        }
        return Response.status(Response.Status.UNAUTHORIZED)
                .header(HttpHeaders.WWW_AUTHENTICATE, REALM)
                .type(MediaType.TEXT_PLAIN_TYPE)
                .entity("Sign in with an API key as the password.")
                .build();
    }

    /**
     * The client of a request whose key was checked ({@code key:<n>}, the n-th configured key), for the
     * rate limit; absent when no keys are configured.
     */
    public static Optional<String> clientOf(ContainerRequestContext request) {
        return Optional.ofNullable((String) request.getProperty(CLIENT));
    }

    /** Whether the candidate is a configured key; if so, records which one as the request's client. */
    private boolean authenticated(ContainerRequestContext request, String candidate) {
        int index = keyIndex(candidate);
        if (index < 0) {
            return false;
        }
        request.setProperty(CLIENT, "key:" + index);
        return true;
    }

    /** Compares against every key in constant time, so timing tells nothing about a key; -1 for none. */
    private int keyIndex(String candidate) {
        if (candidate == null || candidate.isEmpty()) {
            return -1;
        }
        byte[] given = candidate.getBytes(StandardCharsets.UTF_8);
        int match = -1;
        for (int i = 0; i < keys.size(); i++) {
            if (MessageDigest.isEqual(keys.get(i), given)) {
                match = i;
            }
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
