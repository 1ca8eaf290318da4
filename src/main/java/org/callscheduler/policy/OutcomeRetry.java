package org.callscheduler.policy;

import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What to do when a call ends busy, unanswered or failed (CONTRACT part 2, {@code retry}): go back to
 * pending and dial again after {@code delay}, at most {@code maxRetries} times.
 */
public record OutcomeRetry(Set<Outcome> on, int maxRetries, Duration delay) {

    public static final int MOST_RETRIES = 10;
    public static final Duration SHORTEST_DELAY = Duration.ofMinutes(1);
    public static final Duration LONGEST_DELAY = Duration.ofDays(7);

    /** The final call statuses that may be retried, by their words in the Call API. */
    public enum Outcome {
        BUSY("busy"), NO_ANSWER("no-answer"), FAILED("failed");

        private final String word;

        Outcome(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }

        public static Optional<Outcome> of(String word) {
            return Arrays.stream(values()).filter(o -> o.word.equals(word)).findFirst();
        }
    }

    public OutcomeRetry {
        if (on.isEmpty()) {
            throw new IllegalArgumentException("on must name at least one of busy, no-answer, failed");
        }
        if (maxRetries < 0 || maxRetries > MOST_RETRIES) {
            throw new IllegalArgumentException("max_retries must be from 0 to " + MOST_RETRIES);
        }
        if (delay.compareTo(SHORTEST_DELAY) < 0 || delay.compareTo(LONGEST_DELAY) > 0) {
            throw new IllegalArgumentException("delay must be from PT1M to P7D");
        }
        on = Set.copyOf(EnumSet.copyOf(on));
    }

    /** Reads outcome words ("busy", "no-answer", "failed"). */
    public static Set<Outcome> outcomes(List<String> words) {
        EnumSet<Outcome> outcomes = EnumSet.noneOf(Outcome.class);
        for (String word : words) {
            outcomes.add(Outcome.of(word == null ? "" : word.trim().toLowerCase(Locale.ROOT))
                    .orElseThrow(() -> new IllegalArgumentException("on must list only busy, no-answer, failed")));
        }
        return outcomes;
    }

    /** Whether a call that ended with {@code outcome} after {@code retriesUsed} retries is dialled again. */
    public boolean retries(String outcome, int retriesUsed) {
        return retriesUsed < maxRetries && Outcome.of(outcome).map(on::contains).orElse(false);
    }

    /** The outcome words in their fixed order, as stored: "busy,no-answer". */
    public String onColumn() {
        return EnumSet.copyOf(on).stream().map(Outcome::word).collect(Collectors.joining(","));
    }

    public List<String> onWords() {
        return EnumSet.copyOf(on).stream().map(Outcome::word).toList();
    }

    /** The retry stored in a call's columns, if it has one. */
    public static Optional<OutcomeRetry> fromColumns(String on, int maxRetries, long delaySeconds) {
        if (on == null || on.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new OutcomeRetry(outcomes(List.of(on.split(","))), maxRetries,
                Duration.ofSeconds(delaySeconds)));
    }
}
