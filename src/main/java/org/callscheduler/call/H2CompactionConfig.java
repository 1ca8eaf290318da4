package org.callscheduler.call;

import java.time.Duration;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The upkeep of the H2 file (H2CompactionJob); unused on PostgreSQL. */
@ConfigMapping(prefix = "call-scheduler.h2.compaction")
public interface H2CompactionConfig {

    /** How often the job looks at how full the file's chunks are. */
    @WithDefault("1s")
    Duration interval();

    /** The chunks are rewritten while they are less full than this, in percent; 0 turns the job off. */
    @WithDefault("70")
    int targetFillRate();

    /**
     * The most one compaction step rewrites; a run takes step after step while the chunks are below the target.
     * Commits wait while a step runs.
     */
    @WithDefault("1M")
    MemorySize writeSize();

    /** The longest a run keeps taking steps (it stops earlier once the chunks are as full as the target). */
    @WithDefault("250ms")
    Duration maxRunTime();

    /**
     * How often the file is forced to disk; the space of what commits emptied is reused only after the commits that
     * emptied it were forced to disk.
     */
    @WithDefault("1s")
    Duration syncInterval();

    /** H2's retention time while the file is forced to disk that often: how young a chunk is left alone. */
    @WithDefault("2s")
    Duration retentionTime();
}
