package org.callscheduler.call;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How long finished calls are kept. */
@ConfigMapping(prefix = "call-scheduler.retention")
public interface RetentionConfig {

    /**
     * Finished calls (completed or failed) scheduled and last changed longer ago than this are removed, with their
     * events. 0 keeps every call for ever.
     */
    @WithDefault("P90D")
    Duration maxAge();

    /** How often the retention job looks for calls to remove. */
    @WithDefault("10m")
    Duration interval();

    /** How many calls one transaction removes: small, so that it never holds many locks for long. */
    @WithDefault("500")
    int batchSize();

    /** The most one run of the job spends removing; what is left waits for the next run. */
    @WithDefault("20s")
    Duration maxRunTime();
}
