package org.callscheduler.call;

import java.util.List;

import org.callscheduler.policy.OutcomeRetry;

/** An outcome retry as the API reads and writes it: {@code {"on": ["busy"], "max_retries": 2, "delay": "PT10M"}}. */
public record RetryJson(List<String> on, Integer maxRetries, String delay) {

    static RetryJson from(OutcomeRetry retry) {
        return new RetryJson(retry.onWords(), retry.maxRetries(), retry.delay().toString());
    }
}
