package org.callscheduler.call;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;

import jakarta.inject.Inject;

import org.callscheduler.support.CallFixtures;
import org.callscheduler.support.NoJobsProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.TestTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The capped count behind X-Total-Count (ScheduledCall.countMatching, in SQL) counts what the list's filters select
 * (the HQL of the page): every combination of status, phone number, reference and scheduled time range, with the
 * range's bounds on calls' exact times, counted in full and up to a cap.
 */
@QuarkusTest
@TestProfile(NoJobsProfile.class)
class CountMatchingTest {

    private static final Instant BASE = Instant.now().plus(Duration.ofDays(5)).truncatedTo(ChronoUnit.SECONDS);
    private static final String PHONE_A = "+14155230201";
    private static final String PHONE_B = "+14155230202";

    @Inject
    CallFixtures fixtures;

    private final List<ScheduledCall> calls = new ArrayList<>();

    @BeforeEach
    void clean() {
        fixtures.deleteAll();
    }

    /**
     * 24 calls: the four statuses in turn, two numbers, references "ref-a", "ref-b" and none, two calls at each hour
     * from BASE (so a bound on an hour falls on two calls).
     */
    private void storeCalls() {
        CallStatus[] statuses = CallStatus.values();
        for (int i = 0; i < 24; i++) {
            ScheduledCall call = new ScheduledCall();
            call.phoneNumber = i % 3 == 0 ? PHONE_A : PHONE_B;
            call.scheduledTime = BASE.plus(Duration.ofHours(i / 2));
            call.status = statuses[i % statuses.length];
            call.reference = i % 2 == 0 ? "ref-a" : i % 5 == 0 ? null : "ref-b";
            call.idempotencyKey = UUID.randomUUID().toString();
            call.createdAt = BASE;
            call.updatedAt = BASE;
            call.persist();
            calls.add(call);
        }
        ScheduledCall.flush();
    }

    @Test
    @TestTransaction
    void everyCombinationOfFiltersCountsTheCallsThePageSelects() {
        storeCalls();
        List<Optional<CallStatus>> statuses = new ArrayList<>(List.of(Optional.empty()));
        for (CallStatus status : CallStatus.values()) {
            statuses.add(Optional.of(status));
        }
        List<Optional<String>> phones = List.of(Optional.empty(), Optional.of(PHONE_A), Optional.of(PHONE_B));
        List<Optional<String>> references = List.of(Optional.empty(), Optional.of("ref-a"), Optional.of("nobody"));
        List<Optional<Instant>> froms = List.of(Optional.empty(), Optional.of(BASE.plus(Duration.ofHours(3))));
        List<Optional<Instant>> tos = List.of(Optional.empty(), Optional.of(BASE.plus(Duration.ofHours(8))));
        int filters = 0;
        for (var status : statuses) {
            for (var phone : phones) {
                for (var reference : references) {
                    for (var from : froms) {
                        for (var to : tos) {
                            CallFilter filter = new CallFilter(status, phone, reference, from, to);
                            long expected = calls.stream().filter(matches(filter)).count();
                            assertEquals(expected, ScheduledCall.countMatching(filter, 100), filter::toString);
                            assertEquals(expected, ScheduledCall.listNewestFirst(filter).count(), filter::toString);
                            assertEquals(Math.min(expected, 3), ScheduledCall.countMatching(filter, 3), filter::toString);
                            filters++;
                        }
                    }
                }
            }
        }
        assertEquals(5 * 3 * 3 * 2 * 2, filters);
    }

    @Test
    @TestTransaction
    void eachFilterCountsTheCallsItSelects() {
        storeCalls();
        // Fixed figures, not only agreement with the page's query: the count of each filter on its own.
        assertEquals(24, ScheduledCall.countMatching(CallFilter.none(), 100));
        assertEquals(6, ScheduledCall.countMatching(CallFilter.status(CallStatus.IN_PROGRESS), 100));
        assertEquals(8, ScheduledCall.countMatching(filter(null, PHONE_A, null, null, null), 100));
        assertEquals(12, ScheduledCall.countMatching(filter(null, null, "ref-a", null, null), 100));
        // From 3 h on, inclusive: hours 3 to 11, two calls each.
        assertEquals(18, ScheduledCall.countMatching(filter(null, null, null, BASE.plus(Duration.ofHours(3)), null), 100));
        // Before 8 h, exclusive: hours 0 to 7.
        assertEquals(16, ScheduledCall.countMatching(filter(null, null, null, null, BASE.plus(Duration.ofHours(8))), 100));
        // An instant between two calls' times, not on one: hours 4 to 11.
        assertEquals(16, ScheduledCall.countMatching(
                filter(null, null, null, BASE.plus(Duration.ofHours(3)).plusNanos(1000), null), 100));
        // Pending, number A and ref-a: calls 0 and 12, at hours 0 and 6; the range takes its start, not its end.
        assertEquals(2, ScheduledCall.countMatching(filter(CallStatus.PENDING, PHONE_A, "ref-a", BASE,
                BASE.plus(Duration.ofHours(7))), 100));
        assertEquals(1, ScheduledCall.countMatching(filter(CallStatus.PENDING, PHONE_A, "ref-a", BASE,
                BASE.plus(Duration.ofHours(6))), 100));
    }

    @Test
    @TestTransaction
    void theCountStopsAtTheLimit() {
        storeCalls();
        assertEquals(10, ScheduledCall.countMatching(CallFilter.none(), 10));
        assertEquals(6, ScheduledCall.countMatching(CallFilter.status(CallStatus.PENDING), 7));
        assertEquals(5, ScheduledCall.countMatching(CallFilter.status(CallStatus.PENDING), 5));
        assertEquals(1, ScheduledCall.countMatching(filter(null, PHONE_B, "ref-b", null, null), 1));
        assertEquals(0, ScheduledCall.countMatching(filter(CallStatus.FAILED, null, "nobody", null, null), 1));
        assertEquals(5, ScheduledCall.countUpTo(CallStatus.COMPLETED, 5));
        assertEquals(6, ScheduledCall.countUpTo(CallStatus.COMPLETED, 10_001));
    }

    private static CallFilter filter(CallStatus status, String phone, String reference, Instant from, Instant to) {
        return new CallFilter(Optional.ofNullable(status), Optional.ofNullable(phone), Optional.ofNullable(reference),
                Optional.ofNullable(from), Optional.ofNullable(to));
    }

    /** What the filter means, in Java. */
    private static Predicate<ScheduledCall> matches(CallFilter filter) {
        return call -> filter.status().map(status -> call.status == status).orElse(true)
                && filter.phoneNumber().map(call.phoneNumber::equals).orElse(true)
                && filter.reference().map(reference -> reference.equals(call.reference)).orElse(true)
                && filter.scheduledFrom().map(from -> !call.scheduledTime.isBefore(from)).orElse(true)
                && filter.scheduledTo().map(to -> call.scheduledTime.isBefore(to)).orElse(true);
    }
}
