package org.callscheduler.call;

import java.time.Duration;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The upkeep of the H2 file (H2CompactionJob); unused on PostgreSQL. */
@ConfigMapping(prefix = "call-scheduler.h2.compaction")
public interface H2CompactionConfig {

    /** How often the job looks at how full the file's chunks are. */
    @WithDefault("5s")
    Duration interval();

    /** The chunks are rewritten while they are less full than this, in percent; 0 turns the job off. */
    @WithDefault("80")
    int targetFillRate();

    /** The most one run rewrites. */
    @WithDefault("16M")
    MemorySize writeSize();
}
