package org.callscheduler.provider;

import java.net.URI;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.logging.Log;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;

/**
 * Where the Call API is: CALL_API_URL when set, else the built-in simulator served by this same
 * application. Only configuration points at the simulator; no code of ours calls it directly.
 */
@ApplicationScoped
class CallApiTarget {

    static final String SIMULATOR_PATH = "/simulator";

    private final URI baseUri;

    CallApiTarget(CallApiConfig config,
            @ConfigProperty(name = "call-scheduler.simulator.enabled", defaultValue = "true") boolean simulatorEnabled,
            @ConfigProperty(name = "quarkus.http.port", defaultValue = "8080") int port,
            @ConfigProperty(name = "quarkus.http.test-port", defaultValue = "8081") int testPort) {
        Optional<String> url = config.url().map(String::trim).filter(u -> !u.isEmpty());
        if (url.isPresent()) {
            this.baseUri = URI.create(url.get().replaceAll("/+$", ""));
        } else if (simulatorEnabled) {
            int ownPort = LaunchMode.current() == LaunchMode.TEST ? testPort : port;
            this.baseUri = URI.create("http://127.0.0.1:" + ownPort + SIMULATOR_PATH);
        } else {
            throw new IllegalStateException("No Call API: set CALL_API_URL (call-scheduler.call-api.url),"
                    + " or turn the built-in simulator back on (call-scheduler.simulator.enabled=true)");
        }
        if (url.isEmpty()) {
            Log.infof("CALL_API_URL is not set: calls go to the built-in Call API simulator at %s"
                    + " (set CALL_API_URL to use a real provider)", baseUri);
        } else {
            Log.infof("Calls go to the Call API at %s", withoutCredentials(baseUri));
        }
    }

    /** Resolves the target at start-up, so a missing one stops the application at once. */
    void onStart(@Observes StartupEvent event) {
        Log.debugf("Call API target %s", withoutCredentials(baseUri));
    }

    /**
     * The URL as it may be logged or shown in health data: scheme, host, port and path only. A user:password@
     * part, a query (a provider may take its token as ?api_key=...) and a fragment are left out.
     */
    static String withoutCredentials(URI uri) {
        if (uri.getHost() == null) {
            // Not a server URL (no host parsed): cut what could be user-info, a query or a fragment from the text.
            return uri.toString().replaceFirst("[?#].*$", "").replaceFirst("^([A-Za-z][A-Za-z0-9+.-]*://)[^/]*@", "$1");
        }
        return uri.getScheme() + "://" + uri.getRawAuthority().substring(uri.getRawAuthority().lastIndexOf('@') + 1)
                + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }

    URI baseUri() {
        return baseUri;
    }
}
