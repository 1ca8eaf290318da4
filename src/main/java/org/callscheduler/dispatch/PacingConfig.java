package org.callscheduler.dispatch;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How fast calls are sent to the Call API: limits that hold for every instance on the database together. */
@ConfigMapping(prefix = "call-scheduler.pacing")
public interface PacingConfig {

    /** Most POSTs to the Call API per second, from all instances together; 0: no limit. */
    @WithDefault("0")
    double callsPerSecond();

    /** Most calls in progress (sent and not yet ended) at once, on all instances together; 0: no limit. */
    @WithDefault("0")
    int maxActiveCalls();

    /** The least time between the end of a call to a number and the next call to it. */
    @WithDefault("0s")
    Duration minGapPerNumber();

    /** The longest a 429's Retry-After is obeyed; a longer one is cut to this. */
    @WithDefault("1h")
    Duration maxPause();
}
