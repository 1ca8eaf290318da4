package org.callscheduler.simulator;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The built-in stand-in for the external Call API. */
@ConfigMapping(prefix = "call-scheduler.simulator")
public interface SimulatorConfig {

    /**
     * Serve the simulator under /simulator while no Call API URL is set (with one set it answers 404
     * whatever this says); turn off in production.
     */
    @WithDefault("true")
    boolean enabled();

    /** Time between two status changes of a simulated call (initiated, ringing, connected, completed). */
    @WithDefault("2s")
    Duration step();

    /** Delay before each answer, to imitate a remote provider. */
    @WithDefault("0ms")
    Duration latency();

    /** Share of calls that end busy (0 to 1). */
    @WithDefault("0.1")
    double busyShare();

    /** Share of calls that end with no answer (0 to 1). */
    @WithDefault("0.1")
    double noAnswerShare();

    /** Share of calls that fail (0 to 1). */
    @WithDefault("0.05")
    double failedShare();

    /** Most calls (with their idempotency keys) and most request log entries kept; the oldest go first. */
    @WithDefault("50000")
    int maxRemembered();
}
