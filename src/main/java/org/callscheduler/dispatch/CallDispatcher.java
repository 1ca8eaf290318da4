package org.callscheduler.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.callscheduler.provider.CallApiClient;

import io.quarkus.logging.Log;

/**
 * One instance's dial path, put together: the {@link ClaimLoop} claims due calls for the free dial
 * slots of the {@link DialSender}, whose outcomes the {@link RetryPolicy} turns into results that the
 * {@link ResultWriter} records under the claim that sent them; the writer's thread also renews the
 * leases of every call sent and not yet recorded, so no lease runs out under a live sender.
 * <p>
 * Claims are made as {@code instance-id/boot-id}: a restart under the same instance id never
 * renews, records or gives back the claims of the process before it.
 */
final class CallDispatcher {

    private final String instanceId;
    private final String bootId = UUID.randomUUID().toString().substring(0, 8);
    private final String owner;
    private final DispatchStore store;
    private final DispatchConfig config;
    private final Heartbeat heartbeat = new Heartbeat();
    private final ResultWriter writer;
    private final DialSender sender;
    private final ClaimLoop claims;
    private volatile boolean registered;

    CallDispatcher(String instanceId, DispatchStore store, CallApiClient api, RetryPolicy policy, DispatchConfig config,
            PacingConfig pacing, DispatchMetrics metrics, Consumer<Instant> wakeAt) {
        this.instanceId = instanceId;
        this.owner = instanceId + "/" + bootId;
        this.store = store;
        this.config = config;
        this.writer = new ResultWriter(owner, store, heartbeat, wakeAt);
        this.sender = new DialSender(api, policy, writer, metrics, config.maxInFlight(), pacing.maxPause(),
                DispatchStore.slot(pacing));
        this.claims = new ClaimLoop(owner, store, sender, writer, heartbeat, config, policy.maxAttempts(), pacing,
                wakeAt);
    }

    /** The name this dispatcher's claims carry. */
    String owner() {
        return owner;
    }

    String instanceId() {
        return instanceId;
    }

    /**
     * This instance's share of the in-progress calls to poll, among the instances that polled within {@code liveFor}
     * (this one now); all of them until it has registered.
     */
    PollShare pollShare(Duration liveFor) {
        return registered ? store.pollShare(instanceId, bootId, DispatchStore.now(), liveFor) : PollShare.ALL;
    }

    /**
     * Registers the instance (refusing an id a live instance uses) and starts renewing leases
     * every third of a lease.
     */
    void start() {
        store.register(instanceId, bootId, DispatchStore.now(), config.lease());
        registered = true;
        writer.renewEvery(config.lease().dividedBy(3), this::renewLeases);
        heartbeat.beat();
    }

    /** Renews the leases of the calls sent and not yet recorded, and the instance's heartbeat. */
    void renewLeases() {
        Instant now = DispatchStore.now();
        int renewed = store.renewLeases(instanceId, bootId, owner, now, now.plus(config.lease()));
        if (renewed > 0) {
            Log.debugf("Dispatcher %s renewed %d leases", owner, renewed);
        }
    }

    /** Claims and sends every call due now; see {@link ClaimLoop#run()}. */
    int dispatchDue() {
        return claims.run();
    }

    /** Dial results owed and not yet in the database. */
    int unrecorded() {
        return writer.unrecorded();
    }

    Optional<Instant> lastBeat() {
        return heartbeat.lastBeat();
    }

    /**
     * Stops claiming, lets the run in progress send what it claimed, gives back the claims not
     * sent, and waits for the answers of the requests in flight to be recorded; all within the
     * shutdown grace. Leases keep being renewed until then.
     */
    void stop() {
        claims.stop();
        long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
        awaitUntil(() -> !claims.isRunning(), deadline);
        claims.releaseUnsent();
        awaitUntil(() -> {
            writer.flushSoon();
            return writer.unrecorded() == 0;
        }, deadline);
        if (claims.isRunning()) {
            Log.warnf("Dispatcher %s: its dispatch run had not ended after %s", owner, config.shutdownGrace());
        }
        if (writer.unrecorded() > 0) {
            Log.warnf("Dispatcher %s stopped with %d dial results unrecorded; those calls are in doubt once their"
                    + " lease ends (%s)", owner, writer.unrecorded(), config.lease());
        }
        writer.stop();
        sender.close();
        if (registered) {
            try {
                store.deregister(instanceId, bootId);
            } catch (Exception e) {
                Log.warnf("Dispatcher %s could not deregister: %s", owner, e.getMessage());
            }
        }
    }

    private static void awaitUntil(BooleanSupplier done, long deadlineNanos) {
        while (!done.getAsBoolean() && System.nanoTime() < deadlineNanos) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Refuses a lease that a dial's timeouts cannot fit in: twice the longest dial, so one missed renewal is harmless. */
    static void checkLease(Duration lease, Duration longestDial) {
        if (lease.compareTo(longestDial.multipliedBy(2)) < 0) {
            throw new IllegalStateException("call-scheduler.dispatch.lease=" + lease + " is too short: a dial may take"
                    + " up to " + longestDial + " (3 connect timeouts, the read timeout and the waits between), and the"
                    + " lease must be at least twice that. Lengthen the lease or shorten call-scheduler.call-api timeouts");
        }
    }
}
