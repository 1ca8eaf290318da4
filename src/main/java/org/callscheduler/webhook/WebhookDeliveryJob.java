package org.callscheduler.webhook;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.callscheduler.call.CallResponse;
import org.callscheduler.call.CallService;
import org.callscheduler.event.CallEvent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;

/**
 * Delivers the events of the outbox to the webhook receiver: at least once, each call's events in order, signed
 * the Standard Webhooks way with the official library, retried with back-off until they are older than the
 * max age. While the receiver fails, this instance pauses (1 s, doubling, up to {@code backoff-max}) instead of
 * trying every waiting event, so a receiver back from an outage gets everything within that time, in order.
 */
@ApplicationScoped
public class WebhookDeliveryJob {

    /** The outbox backlog is counted at most this often, however often metrics or health are read. */
    private static final Duration COUNT_CACHE = Duration.ofSeconds(5);

    private final WebhookConfig config;
    private final WebhookStore store;
    private final CallService calls;
    private final ObjectMapper json;
    private final MeterRegistry registry;

    private WebhookTarget target;
    private HttpClient client;
    private volatile boolean stopping;
    /** Held by the delivery run in progress, from its first claim until its last outcome is recorded. */
    private final ReentrantLock running = new ReentrantLock();
    /** Completed by a stop that waited its grace: the run in progress stops waiting for answers and records nothing. */
    private final CompletableFuture<Void> abandoned = new CompletableFuture<>();
    private final Set<String> openClaims = ConcurrentHashMap.newKeySet();

    private Instant pausedUntil = Instant.MIN;
    private int failuresInARow;
    private volatile Instant failingSince;
    private volatile String lastError;
    private final AtomicReference<Cached> backlog = new AtomicReference<>();

    private record Cached(Instant at, WebhookBacklog backlog) {
    }

    private Counter delivered;
    private Counter failed;
    private Counter dead;
    private Timer lag;

    WebhookDeliveryJob(WebhookConfig config, WebhookStore store, CallService calls, ObjectMapper json,
            MeterRegistry registry) {
        this.config = config;
        this.store = store;
        this.calls = calls;
        this.json = json;
        this.registry = registry;
    }

    void start(@Observes StartupEvent event) {
        Optional<String> url = config.url().filter(u -> !u.isBlank());
        if (url.isEmpty()) {
            return;
        }
        target = WebhookTarget.of(url.get(), config.secret().orElse(null));
        Duration longest = config.connectTimeout().plus(config.timeout());
        if (config.lease().compareTo(longest.multipliedBy(2)) < 0) {
            throw new IllegalStateException("call-scheduler.webhooks.lease (" + config.lease() + ") must be at least twice"
                    + " connect-timeout + timeout (" + longest + "), or another instance could send an event while its"
                    + " delivery is still under way");
        }
        client = HttpClient.newBuilder()
                .connectTimeout(config.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        delivered = counter("delivered");
        failed = counter("failed");
        dead = counter("dead");
        lag = Timer.builder("callscheduler.webhooks.lag")
                .description("Time from an event to its delivery (a 2xx from the receiver)")
                .publishPercentileHistogram()
                .register(registry);
        Gauge.builder("callscheduler.webhooks.backlog", () -> backlog().pending())
                .description("Events waiting to be delivered to the webhook receiver")
                .register(registry);
        Gauge.builder("callscheduler.webhooks.dead", () -> backlog().dead())
                .description("Events whose delivery was given up (410 Gone, or older than the max age)")
                .register(registry);
        Log.infof("Webhooks: every %s sent to %s, signed (Standard Webhooks), retried for %s",
                config.events().map(types -> "event of " + types).orElse("event"), target.display(), config.maxAge());
    }

    private Counter counter(String outcome) {
        return Counter.builder("callscheduler.webhooks.deliveries")
                .description("Webhook deliveries by outcome: delivered (2xx), failed (tried again), dead (given up)")
                .tag("outcome", outcome)
                .register(registry);
    }

    /**
     * On SIGTERM, before the datasource closes: claims nothing more, waits up to {@code shutdown-grace} for the run
     * in progress to get its answers and record them (so that what the receiver took is not sent again after a
     * restart), and gives back the claims still open then, so that their events are sent again at once (with the
     * same webhook-id) rather than after their lease.
     */
    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        if (target == null) {
            return;
        }
        try {
            if (running.tryLock(config.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
                running.unlock();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        abandoned.complete(null);
        Set<String> open = Set.copyOf(openClaims);
        if (open.isEmpty()) {
            return;
        }
        try {
            store.release(open);
            Log.warnf("Webhook deliveries still unanswered after %s: given back, to be sent again (same webhook-id)",
                    config.shutdownGrace());
        } catch (RuntimeException e) {
            Log.warnf("Could not give back webhook claims (%s): their events are sent again once their lease ends",
                    e.getMessage());
        }
    }

    /** Whether webhooks are configured. */
    public boolean isEnabled() {
        return target != null;
    }

    /** Since when deliveries fail one after another, if they do. */
    public Optional<Instant> failingSince() {
        return Optional.ofNullable(failingSince);
    }

    public Optional<String> lastError() {
        return Optional.ofNullable(lastError);
    }

    /** Events waiting, dead, and the oldest waiting (counted at most every 5 s). */
    public WebhookBacklog backlog() {
        Cached current = backlog.get();
        if (current == null || current.at().plus(COUNT_CACHE).isBefore(Instant.now())) {
            current = new Cached(Instant.now(), store.backlog());
            backlog.set(current);
        }
        return current.backlog();
    }

    String displayUrl() {
        return target == null ? "" : target.display();
    }

    @Scheduled(identity = "webhook-delivery", every = "{call-scheduler.webhooks.interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void run() {
        if (target == null || stopping) {
            return;
        }
        try {
            deliver();
        } catch (Exception e) {
            if (stopping) {
                Log.debugf("Webhook delivery run ended by the shutdown (%s)", e.getMessage());
            } else {
                Log.errorf("Webhook delivery run failed (%s); the next run tries again", e.getMessage());
            }
        }
    }

    /**
     * Sends every event that is due now, a batch at a time, until none is left, the receiver fails, or the
     * instance stops.
     *
     * @return how many events were delivered
     */
    int deliver() {
        running.lock();
        try {
            return deliverBatches();
        } finally {
            running.unlock();
        }
    }

    private int deliverBatches() {
        int total = 0;
        while (!stopping && !Instant.now().isBefore(pausedUntil)) {
            Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
            List<WebhookStore.Claimed> batch = store.claim(config.maxInFlight(), now, now.plus(config.lease()));
            if (batch.isEmpty()) {
                break;
            }
            batch.forEach(c -> openClaims.add(c.token()));
            List<WebhookStore.Outcome> outcomes = send(batch);
            if (abandoned.isDone()) {
                break; // stopped after the grace: the claims were given back, the database is closing
            }
            store.record(outcomes);
            batch.forEach(c -> openClaims.remove(c.token()));
            long ok = outcomes.stream().filter(WebhookStore.Outcome.Delivered.class::isInstance).count();
            total += (int) ok;
            if (ok == 0) {
                pause(outcomes);
                break;
            }
            failuresInARow = 0;
            failingSince = null;
            // On, even after a batch that was not full: each call's next event may go now that the one before went.
        }
        return total;
    }

    private void pause(List<WebhookStore.Outcome> outcomes) {
        failuresInARow++;
        Duration wait = backoff(failuresInARow);
        pausedUntil = Instant.now().plus(wait);
        if (failingSince == null) {
            failingSince = Instant.now();
        }
        outcomes.stream().filter(WebhookStore.Outcome.Failed.class::isInstance).findFirst()
                .ifPresent(f -> lastError = ((WebhookStore.Outcome.Failed) f).error());
        Log.warnf("Webhook receiver %s failing since %s (%s); next try in %d ms", target.display(), failingSince,
                lastError, wait.toMillis());
    }

    private Duration backoff(int failures) {
        long initial = config.backoffInitial().toMillis();
        long millis = initial << Math.min(failures - 1, 20);
        return Duration.ofMillis(Math.min(Math.max(millis, initial), config.backoffMax().toMillis()));
    }

    private List<WebhookStore.Outcome> send(List<WebhookStore.Claimed> batch) {
        Map<Long, CallResponse> byId = calls.findAll(batch.stream().map(c -> c.event().callId()).toList());
        List<CompletableFuture<WebhookStore.Outcome>> sends = new ArrayList<>(batch.size());
        for (WebhookStore.Claimed claimed : batch) {
            sends.add(send(claimed, byId.get(claimed.event().callId())));
        }
        List<WebhookStore.Outcome> outcomes = new ArrayList<>(batch.size());
        for (int i = 0; i < sends.size(); i++) {
            WebhookStore.Claimed claimed = batch.get(i);
            CompletableFuture<WebhookStore.Outcome> sent = sends.get(i);
            try {
                // The answer, or a stop that gave up waiting for it.
                CompletableFuture.anyOf(sent, abandoned).get(config.timeout().toMillis()
                        + config.connectTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
                outcomes.add(sent.isDone() ? sent.join() : failure(claimed, "no answer before the instance stopped"));
            } catch (Exception e) {
                outcomes.add(failure(claimed, "no answer: " + e));
            }
        }
        return outcomes;
    }

    private CompletableFuture<WebhookStore.Outcome> send(WebhookStore.Claimed claimed, CallResponse call) {
        CallEvent event = claimed.event();
        String body;
        long timestamp = Instant.now().getEpochSecond();
        String signature;
        try {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("call", call);
            data.put("event", event);
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("type", "call." + event.type());
            message.put("timestamp", event.at());
            message.put("data", data);
            body = json.writeValueAsString(message);
            signature = target.signer().sign(claimed.webhookId(), timestamp, body);
        } catch (JsonProcessingException | RuntimeException | com.standardwebhooks.exceptions.WebhookSigningException e) {
            return CompletableFuture.completedFuture(failure(claimed, "could not sign the event: " + e.getMessage()));
        }
        HttpRequest request = HttpRequest.newBuilder(target.uri())
                .timeout(config.timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "call-scheduler-webhooks")
                .header("webhook-id", claimed.webhookId())
                .header("webhook-timestamp", Long.toString(timestamp))
                .header("webhook-signature", signature)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                .handle((response, error) -> {
                    if (error != null) {
                        return failure(claimed, "request failed: " + rootMessage(error));
                    }
                    int status = response.statusCode();
                    if (status >= 200 && status < 300) {
                        delivered.increment();
                        lag.record(Duration.between(event.at(), Instant.now()));
                        return new WebhookStore.Outcome.Delivered(claimed);
                    }
                    if (status == 410) {
                        dead.increment();
                        Log.warnf("Webhook receiver answered 410 Gone to event %d (%s): marked dead", event.id(),
                                claimed.webhookId());
                        return new WebhookStore.Outcome.Dead(claimed, "the receiver answered 410 Gone");
                    }
                    return failure(claimed, "the receiver answered HTTP " + status
                            + (status >= 300 && status < 400 ? " (redirects are not followed)" : ""));
                });
    }

    private WebhookStore.Outcome failure(WebhookStore.Claimed claimed, String error) {
        Instant now = Instant.now();
        if (claimed.event().at().plus(config.maxAge()).isBefore(now)) {
            dead.increment();
            Log.warnf("Webhook event %d (%s) is older than %s and still not delivered (%s): marked dead",
                    claimed.event().id(), claimed.webhookId(), config.maxAge(), error);
            return new WebhookStore.Outcome.Dead(claimed, "not delivered within " + config.maxAge() + ": " + error);
        }
        failed.increment();
        return new WebhookStore.Outcome.Failed(claimed, error, now.plus(backoff(claimed.attempts() + 1)));
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
}
