package org.callscheduler.dispatch;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;

import org.callscheduler.call.CallRemoved;
import org.callscheduler.call.CallScheduled;
import org.callscheduler.provider.CallApiClient;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;

/**
 * Runs this instance's dispatcher at the right moments: at start-up (catch-up of overdue calls),
 * at the due time of the next pending call, as soon as a call is scheduled for now, and on a
 * one-second sweep that is the safety net for everything else (other instances' calls, expired
 * claims, missed wake-ups).
 * <p>
 * All runs happen one after another on a single thread, so one instance never races itself.
 */
@ApplicationScoped
public class DispatchJob {

    /** The longest instance id: claims carry it with a boot id, in a column of 128 characters. */
    static final int MAX_INSTANCE_ID = 100;

    /** Wake a hair after the due time, so the database clock has surely passed it. */
    private static final Duration WAKE_MARGIN = Duration.ofMillis(1);

    private final DispatchStore store;
    private final CallApiClient api;
    private final RetryPolicy policy;
    private final DispatchConfig config;
    private final PacingConfig pacing;

    private volatile CallDispatcher dispatcher;
    private ScheduledExecutorService timer;
    private ScheduledFuture<?> nextWake;
    private Instant nextWakeAt;

    private final DispatchMetrics metrics;

    DispatchJob(DispatchStore store, CallApiClient api, RetryPolicy policy, DispatchConfig config, PacingConfig pacing,
            DispatchMetrics metrics) {
        this.pacing = pacing;
        this.store = store;
        this.api = api;
        this.policy = policy;
        this.config = config;
        this.metrics = metrics;
    }

    void start(@Observes StartupEvent event) {
        if (!config.enabled()) {
            Log.info("Dispatch is off on this instance (call-scheduler.dispatch.enabled=false)");
            return;
        }
        CallDispatcher.checkLease(config.lease(), api.longestDial());
        String instanceId = config.instanceId().map(String::trim).filter(id -> !id.isEmpty())
                .orElseGet(DispatchJob::defaultInstanceId);
        if (instanceId.length() > MAX_INSTANCE_ID || !instanceId.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalStateException("call-scheduler.dispatch.instance-id must be 1 to " + MAX_INSTANCE_ID
                    + " printable ASCII characters without spaces");
        }
        CallDispatcher started = newDispatcher(instanceId);
        started.start();
        dispatcher = started;
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "call-dispatcher");
            thread.setDaemon(true);
            return thread;
        });
        Log.infof("Dispatcher %s started: dialling overdue calls now, then each call at its due time"
                + " (sweep every %s, up to %d calls in flight to %s, lease %s renewed every %s)", dispatcher.owner(),
                config.sweepInterval(), config.maxInFlight(), api.displayUri(), config.lease(),
                config.lease().dividedBy(3));
        wakeAt(Instant.now());
    }

    /**
     * This instance's share of the in-progress calls to poll, among the instances that polled within {@code liveFor}:
     * all of them when it does not dispatch (it is not registered).
     */
    PollShare pollShare(Duration liveFor) {
        CallDispatcher current = dispatcher;
        return current == null ? PollShare.ALL : current.pollShare(liveFor);
    }

    /**
     * On SIGTERM, before Quarkus waits for the HTTP requests in progress to finish: the dispatcher sends nothing more
     * from then on. Its dials are HTTP requests too; to the built-in simulator they go to this very server, and a
     * dispatcher that kept dialling calls as they came due kept that wait from ever ending (10 s, then an error).
     */
    void stopBeforeTheHttpDrain(@Observes ShutdownDelayInitiatedEvent event) {
        stop();
    }

    /** On SIGTERM, if the dispatcher still runs; this runs before the datasource closes, so it can record what it did. */
    void stop(@Observes ShutdownEvent event) {
        stop();
    }

    private void stop() {
        if (dispatcher == null) {
            return;
        }
        synchronized (this) {
            if (timer.isShutdown()) {
                return;
            }
            Log.infof("Dispatcher %s stopping", dispatcher.owner());
            if (nextWake != null) {
                nextWake.cancel(false);
            }
            // Not shutdownNow(): interrupting the dispatcher thread in the middle of H2 file I/O closes
            // the database file (ClosedByInterruptException) for every thread, and the run in progress
            // could then neither give back its claims nor record its dials.
            timer.shutdown();
        }
        dispatcher.stop();
        Log.infof("Dispatcher %s stopped", dispatcher.owner());
    }

    @Scheduled(identity = "dispatch-sweep", every = "{call-scheduler.dispatch.sweep-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void sweep() {
        if (dispatcher != null) {
            wakeAt(Instant.now());
        }
    }

    void onScheduled(@Observes(during = TransactionPhase.AFTER_SUCCESS) CallScheduled event) {
        if (dispatcher != null) {
            wakeAt(event.earliestDueAt());
        }
    }

    void onRemoved(@Observes(during = TransactionPhase.AFTER_SUCCESS) CallRemoved event) {
        if (dispatcher != null) {
            submit(this::rescheduleFromDatabase);
        }
    }

    /** Whether this instance dials calls (call-scheduler.dispatch.enabled) and has started to. */
    boolean isRunning() {
        return dispatcher != null && timer != null && !timer.isShutdown();
    }

    /** When the dispatcher last showed a sign of life: a pass of its claim loop, a write of results, a lease renewal. */
    Optional<Instant> lastBeat() {
        return dispatcher == null ? Optional.empty() : dispatcher.lastBeat();
    }

    String owner() {
        return dispatcher == null ? "" : dispatcher.owner();
    }

    /** A dispatcher for this instance's dependencies under another instance id (tests start and stop it themselves). */
    CallDispatcher newDispatcher(String instanceId) {
        return newDispatcher(instanceId, config);
    }

    /** A dispatcher with other settings, for tests. */
    CallDispatcher newDispatcher(String instanceId, DispatchConfig settings) {
        return newDispatcher(instanceId, settings, pacing);
    }

    /** A dispatcher with other dispatch and pacing settings, for tests. */
    CallDispatcher newDispatcher(String instanceId, DispatchConfig settings, PacingConfig pacingSettings) {
        return new CallDispatcher(instanceId, store, api, policy, settings, pacingSettings, metrics, this::wakeAt);
    }

    /** Makes sure a run happens at {@code at} or earlier. */
    synchronized void wakeAt(Instant at) {
        if (timer == null || timer.isShutdown()) {
            return;
        }
        if (nextWake != null && !nextWake.isDone() && !at.isBefore(nextWakeAt)) {
            return;
        }
        if (nextWake != null) {
            nextWake.cancel(false);
        }
        long delay = Math.max(0, Duration.between(Instant.now(), at.plus(WAKE_MARGIN)).toNanos() / 1000);
        nextWakeAt = at;
        nextWake = timer.schedule(this::run, delay, TimeUnit.MICROSECONDS);
    }

    private void run() {
        synchronized (this) {
            if (nextWake != null && nextWake.getDelay(TimeUnit.NANOSECONDS) <= 0) {
                nextWake = null;
            }
        }
        try {
            long started = System.nanoTime();
            int claimed = dispatcher.dispatchDue();
            if (claimed > 0) {
                Log.infof("Dispatcher %s sent %d due calls in %d ms", dispatcher.owner(), claimed,
                        (System.nanoTime() - started) / 1_000_000);
            }
            if (!timer.isShutdown()) {
                rescheduleFromDatabase();
            }
        } catch (Exception e) {
            Log.errorf(e, "Dispatch run failed; the next sweep tries again");
        }
    }

    private void rescheduleFromDatabase() {
        store.nextDueTime().ifPresent(this::wakeAt);
    }

    private synchronized void submit(Runnable task) {
        if (timer != null && !timer.isShutdown()) {
            timer.execute(task);
        }
    }

    private static String defaultInstanceId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "instance";
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
