package org.callscheduler.call;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.LockModeType;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import io.quarkus.hibernate.orm.panache.PanacheQuery;
import io.quarkus.panache.common.Sort;

/**
 * A call somebody asked us to place, and everything we know about it since.
 * <p>
 * Besides the columns the API shows, it carries the dispatch bookkeeping: how many dial attempts
 * were started, when the next one may start, and which instance holds the claim on it until when.
 */
@Entity
@Table(name = "scheduled_calls")
public class ScheduledCall extends PanacheEntityBase {

    /** Hibernate's hint value for {@code SKIP LOCKED} on a pessimistic lock. */
    private static final int SKIP_LOCKED = -2;

    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "scheduled_calls_seq")
    @SequenceGenerator(name = "scheduled_calls_seq", sequenceName = "scheduled_calls_seq", allocationSize = 50)
    public Long id;

    @Column(name = "phone_number", nullable = false)
    public String phoneNumber;

    @Column(name = "scheduled_time", nullable = false)
    public Instant scheduledTime;

    @Column(nullable = false)
    public CallStatus status;

    @Column(name = "call_api_id")
    public String callApiId;

    @Column(name = "call_status")
    public String callStatus;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    @Column(name = "error_message")
    public String errorMessage;

    /** Dial attempts started so far, counted when a dispatcher claims the call. */
    @Column(nullable = false)
    public int attempts;

    /** When a pending call may be dialled: its scheduled time, or later after a failed attempt. */
    @Column(name = "next_attempt_at")
    public Instant nextAttemptAt;

    /** The dispatcher instance dialling this call right now, or null. */
    @Column(name = "claimed_by")
    public String claimedBy;

    /** Until when the claim holds; after that another instance may take the call over. */
    @Column(name = "lease_until")
    public Instant leaseUntil;

    /** When the Call API accepted the call. */
    @Column(name = "dialled_at")
    public Instant dialledAt;

    @Version
    public long version;

    /**
     * Locks up to {@code limit} pending calls that are due at {@code now} and not claimed by a live
     * dispatcher, oldest first. Rows another transaction has locked are skipped, not waited for, so
     * dispatchers on one database never see the same row at once.
     */
    public static List<ScheduledCall> lockDue(Instant now, int limit) {
        return find("status = ?1 and nextAttemptAt <= ?2 and (claimedBy is null or leaseUntil < ?2)",
                Sort.ascending("nextAttemptAt"), CallStatus.PENDING, now)
                .withLock(LockModeType.PESSIMISTIC_WRITE)
                .withHint("jakarta.persistence.lock.timeout", SKIP_LOCKED)
                .page(0, limit)
                .list();
    }

    /** The earliest time an unclaimed pending call may be dialled, if there is one. */
    public static Optional<Instant> nextDueTime() {
        return getEntityManager()
                .createQuery("select min(c.nextAttemptAt) from ScheduledCall c where c.status = ?1 and c.claimedBy is null",
                        Instant.class)
                .setParameter(1, CallStatus.PENDING)
                .getResultStream()
                .filter(t -> t != null)
                .findFirst();
    }

    /** Calls the Call API is working on, the longest-running first. */
    public static List<ScheduledCall> listActive(int limit) {
        return find("status", Sort.ascending("dialledAt"), CallStatus.IN_PROGRESS).page(0, limit).list();
    }

    /** One page of calls, newest scheduled time first, optionally of one status only. */
    public static PanacheQuery<ScheduledCall> listNewestFirst(Optional<CallStatus> status) {
        Sort sort = Sort.descending("scheduledTime", "id");
        return status.map(s -> ScheduledCall.<ScheduledCall> find("status", sort, s))
                .orElseGet(() -> findAll(sort));
    }
}
