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
     * How often the poller reads the calls newly in progress (all of them are read once an interval); each call is
     * asked at its own time, one interval after the last time. No longer than the interval.
     */
    @WithDefault("1s")
    Duration tick();

    /**
     * Most status requests waiting for the Call API at once. Following 10,000 calls every 5 s is 2,000 requests a
     * second; at 50 ms an answer that is about 100 out at once, so 256 leaves room for a slower answer or a pause.
     */
    @WithDefault("256")
    int maxInFlight();

    /** Most in-progress calls asked about in one poll (the longest-running first). */
    @WithDefault("20000")
    int batchSize();

    /** An in-progress call with no final status after this long is failed with "status timeout". */
    @WithDefault("30m")
    Duration maxDuration();
}
