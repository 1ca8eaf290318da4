package org.callscheduler.dispatch;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How in-progress calls are followed at the Call API. */
@ConfigMapping(prefix = "call-scheduler.poll")
public interface PollConfig {

    /** Whether this instance polls in-progress calls. */
    @WithDefault("true")
    boolean enabled();

    /** Time between two polls of every in-progress call. */
    @WithDefault("5s")
    Duration interval();

    /**
     * How often the poller looks for calls due to be asked about; each is then asked at its own time, one interval
     * after the last time. No longer than the interval.
     */
    @WithDefault("1s")
    Duration tick();

    /** Most status requests waiting for the Call API at once. */
    @WithDefault("64")
    int maxInFlight();

    /** Most in-progress calls asked about in one poll (the longest-running first). */
    @WithDefault("20000")
    int batchSize();

    /** An in-progress call with no final status after this long is failed with "status timeout". */
    @WithDefault("30m")
    Duration maxDuration();
}
