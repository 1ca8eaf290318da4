package org.callscheduler.dispatch;

import java.time.Instant;
import java.util.Optional;

/**
 * The dispatcher's sign of life: every pass of the claim loop, every write of results and every
 * lease renewal beats it, so a long backlog being worked through reads as alive, and a stuck
 * dispatcher does not. It also remembers when the database last failed the dial path.
 */
final class Heartbeat {

    private volatile Instant lastBeat;
    private volatile Instant lastDatabaseFailure;

    void beat() {
        lastBeat = Instant.now();
    }

    Optional<Instant> lastBeat() {
        return Optional.ofNullable(lastBeat);
    }

    void databaseFailed() {
        lastDatabaseFailure = Instant.now();
    }

    /**
     * Whether claims that expired may be taken over. Not within one lease of a database failure seen
     * here: the instances that hold those claims may be alive and unable to renew them until the
     * database is back, and taking their calls over would POST them a second time.
     */
    boolean mayTakeOver(Instant now, java.time.Duration lease) {
        Instant failure = lastDatabaseFailure;
        return failure == null || now.isAfter(failure.plus(lease));
    }
}
