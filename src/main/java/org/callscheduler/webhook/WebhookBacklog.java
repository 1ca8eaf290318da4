package org.callscheduler.webhook;

import java.time.Instant;
import java.util.Optional;

/** Events waiting to be delivered to the webhook receiver, those marked dead, and the oldest waiting. */
public record WebhookBacklog(long pending, long dead, Optional<Instant> oldestPending) {
}
