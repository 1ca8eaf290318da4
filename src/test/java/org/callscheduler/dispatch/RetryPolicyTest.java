package org.callscheduler.dispatch;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.instanceOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;

import org.callscheduler.provider.CallProgress;
import org.callscheduler.provider.DialOutcome;
import org.junit.jupiter.api.Test;

/** What each dial outcome does to the call, and when the attempts are spent. */
class RetryPolicyTest {

    private static final Instant NOW = Instant.parse("2026-11-29T10:00:00Z");

    private final RetryPolicy policy = new RetryPolicy(new Backoff(Duration.ofSeconds(2), 2.0, Duration.ofMinutes(5), 0),
            3, () -> 0.5);

    @Test
    void anAcceptedDialGoesInProgress() {
        DialResult result = policy.resultOf(call(1), new DialOutcome.Accepted("sid-1", CallProgress.RINGING), NOW);
        assertEquals(new DialResult.Accepted(call(1), "sid-1", CallProgress.RINGING), result);
    }

    @Test
    void aPassingFailureIsRetriedAfterTheBackOffUntilTheAttemptsAreSpent() {
        DialResult first = policy.resultOf(call(1), new DialOutcome.Unavailable("HTTP 503"), NOW);
        DialResult.Retry retry = (DialResult.Retry) first;
        assertEquals(NOW.plusSeconds(2), retry.notBefore());
        assertThat(retry.reason(), containsString("Attempt 1 of 3 failed: HTTP 503"));
        assertThat(retry.detail(), containsString("Retry 2 of 3 at 2026-11-29T10:00:02Z"));
        assertEquals(NOW.plusSeconds(4), ((DialResult.Retry) policy.resultOf(call(2),
                new DialOutcome.Unavailable("HTTP 503"), NOW)).notBefore());

        DialResult last = policy.resultOf(call(3), new DialOutcome.Unavailable("HTTP 503"), NOW);
        assertThat(last, instanceOf(DialResult.Failed.class));
        assertThat(((DialResult.Failed) last).reason(), containsString("after 3 attempts"));
    }

    @Test
    void aRejectionAndAnAnswerThatCannotBeKeptFailAtOnce() {
        DialResult rejected = policy.resultOf(call(1), new DialOutcome.Rejected("HTTP 422"), NOW);
        DialResult unusable = policy.resultOf(call(1), new DialOutcome.Unusable("call_id too long"), NOW);
        assertThat(((DialResult.Failed) rejected).reason(), containsString("Rejected by the Call API"));
        DialResult.Failed failed = (DialResult.Failed) unusable;
        assertThat(failed.reason(), containsString("could not be stored: call_id too long"));
        assertTrue(failed.reason().contains("not dialled again"));
    }

    @Test
    void a429IsNoFailedAttemptEvenWhenTheAttemptsAreSpent() {
        DialResult result = policy.resultOf(call(3), new DialOutcome.Throttled(Duration.ofSeconds(10), "HTTP 429"), NOW);
        DialResult.Throttled throttled = (DialResult.Throttled) result;
        assertEquals(Duration.ofSeconds(10), throttled.retryAfter());
        assertThat(throttled.reason(), containsString("HTTP 429"));
    }

    @Test
    void onlyThePostsOfTheCurrentDialCountTowardMaxAttempts() {
        // The 7th POST of the call, the 1st of its dial (after an outcome retry, or 429s): retried, not failed.
        ClaimedCall seventhPost = new ClaimedCall(7, "+14155550123", "key", 7, 1, "token", NOW, null, false, null);
        DialResult result = policy.resultOf(seventhPost, new DialOutcome.Unavailable("HTTP 503"), NOW);
        assertThat(((DialResult.Retry) result).reason(), containsString("Attempt 1 of 3 failed"));
    }

    private static ClaimedCall call(int attempt) {
        return new ClaimedCall(7, "+14155550123", "key", attempt, attempt, "token", NOW, null, false, null);
    }
}
