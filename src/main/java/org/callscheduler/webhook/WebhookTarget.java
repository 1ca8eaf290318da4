package org.callscheduler.webhook;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Base64;

import com.standardwebhooks.Webhook;

/** The receiver's URL and signing secret, checked at start. */
record WebhookTarget(URI uri, Webhook signer) {

    static final String SECRET_PREFIX = "whsec_";

    /**
     * @throws IllegalStateException saying what is wrong, without the URL's credentials or the secret
     */
    static WebhookTarget of(String url, String secret) {
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("call-scheduler.webhooks.url is not a URL");
        }
        if (uri.getScheme() == null || !(uri.getScheme().equalsIgnoreCase("http") || uri.getScheme().equalsIgnoreCase("https"))
                || uri.getHost() == null) {
            throw new IllegalStateException("call-scheduler.webhooks.url must be an http or https URL with a host, not "
                    + display(uri));
        }
        if (secret == null || secret.isBlank()) {
            throw new IllegalStateException("call-scheduler.webhooks.secret is required with call-scheduler.webhooks.url"
                    + " (whsec_ followed by base64, for example from a Kubernetes Secret)");
        }
        String key = secret.trim().startsWith(SECRET_PREFIX) ? secret.trim().substring(SECRET_PREFIX.length()) : secret.trim();
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(key);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("call-scheduler.webhooks.secret must be whsec_ followed by base64");
        }
        if (bytes.length < 16) {
            throw new IllegalStateException("call-scheduler.webhooks.secret is too short: use at least 16 random bytes");
        }
        return new WebhookTarget(uri, new Webhook(bytes));
    }

    /** The URL as it may be logged: scheme, host, port and path; no credentials, no query. */
    String display() {
        return display(uri);
    }

    private static String display(URI uri) {
        return (uri.getScheme() == null ? "" : uri.getScheme() + "://") + (uri.getHost() == null ? "" : uri.getHost())
                + (uri.getPort() < 0 ? "" : ":" + uri.getPort()) + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }
}
