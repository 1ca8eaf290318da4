package org.callscheduler.call;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** What the API accepts when a call is scheduled. */
@ConfigMapping(prefix = "call-scheduler.calls")
public interface CallConfig {

    /** ISO 3166 region assumed for phone numbers written without a leading + (for example US, GB, DE). */
    @WithDefault("US")
    String defaultRegion();

    /** How far in the past a scheduled_time may lie and still be accepted (it is then dialled at once). */
    @WithDefault("60s")
    Duration maxPast();

    /** How far in the future a call may be scheduled. */
    @WithDefault("P3660D")
    Duration maxAhead();
}
