package org.callscheduler.webhook;

import java.util.List;
import java.util.Map;

import org.callscheduler.support.WebhookReceiver;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;

/** The app with a webhook receiver on a free port, quick delivery runs and short back-offs. */
public class WebhookProfile implements QuarkusTestProfile {

    static WebhookReceiver receiver;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "call-scheduler.webhooks.interval", "200ms",
                "call-scheduler.webhooks.backoff-initial", "200ms",
                "call-scheduler.webhooks.backoff-max", "1s",
                "call-scheduler.webhooks.timeout", "2s",
                "call-scheduler.webhooks.lease", "10s");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(Receiver.class));
    }

    /** Starts the receiver before the app, and points the app at it. */
    public static class Receiver implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            receiver = new WebhookReceiver(WebhookReceiver.SECRET);
            return Map.of("call-scheduler.webhooks.url", receiver.url(),
                    "call-scheduler.webhooks.secret", WebhookReceiver.SECRET);
        }

        @Override
        public void stop() {
            if (receiver != null) {
                receiver.down();
            }
        }
    }
}
