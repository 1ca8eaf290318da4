package org.callscheduler.call;

import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import org.hibernate.Session;

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

    /**
     * When a pending call may be dialled: its scheduled time, later after a failed attempt, or the
     * lease expiry while a dispatcher has claimed it.
     */
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
     * Ids (with their current claimant, if any, and due time) of up to {@code limit} pending calls due at
     * {@code now}, oldest first. A live claim has moved a call's next attempt to its lease expiry,
     * so claimed calls are not due until their claim expires. Ordered like the due index, so the
     * scan stops after {@code limit} rows.
     */
    public static List<Object[]> findDue(Instant now, int limit) {
        return getEntityManager()
                .createQuery("select c.id, c.claimedBy, c.nextAttemptAt from ScheduledCall c"
                        + " where c.status = ?1 and c.nextAttemptAt <= ?2"
                        + " order by c.status, c.nextAttemptAt", Object[].class)
                .setParameter(1, CallStatus.PENDING)
                .setParameter(2, now)
                .setMaxResults(limit)
                .getResultList();
    }

    /**
     * Claims those of {@code ids} that are still due: a conditional UPDATE, so when several
     * dispatchers race for the same rows the database lets exactly one of them change each row.
     * The claim moves the next attempt to the lease expiry.
     */
    public static int claim(Collection<Long> ids, String owner, Instant now, Instant leaseUntil) {
        return update("claimedBy = ?1, leaseUntil = ?2, nextAttemptAt = ?2, attempts = attempts + 1, version = version + 1"
                + " where id in ?3 and status = ?4 and nextAttemptAt <= ?5", owner, leaseUntil, ids, CallStatus.PENDING, now);
    }

    /** The calls among {@code ids} that the claim of {@code owner} until {@code leaseUntil} got: id, phone number, attempts. */
    public static List<Object[]> claimedBy(Collection<Long> ids, String owner, Instant leaseUntil) {
        return getEntityManager()
                .createQuery("select c.id, c.phoneNumber, c.attempts from ScheduledCall c"
                        + " where c.id in ?1 and c.claimedBy = ?2 and c.leaseUntil = ?3", Object[].class)
                .setParameter(1, ids)
                .setParameter(2, owner)
                .setParameter(3, leaseUntil)
                .getResultList();
    }

    /**
     * Marks claimed calls as accepted by the Call API, in one JDBC batch (this runs once per dialled
     * call, so it skips the per-statement cost of a query each).
     *
     * @return for each call, whether the claim of {@code owner} was still there to be completed
     */
    public static boolean[] markDialled(List<DialResult.Dialled> dialled, String owner, Instant now) {
        boolean[] updated = new boolean[dialled.size()];
        if (dialled.isEmpty()) {
            return updated;
        }
        OffsetDateTime at = now.atOffset(ZoneOffset.UTC);
        getEntityManager().unwrap(Session.class).doWork(connection -> {
            try (PreparedStatement update = connection.prepareStatement("UPDATE scheduled_calls SET status = ?,"
                    + " call_api_id = ?, call_status = ?, dialled_at = ?, updated_at = ?, error_message = NULL,"
                    + " next_attempt_at = NULL, claimed_by = NULL, lease_until = NULL, version = version + 1"
                    + " WHERE id = ? AND claimed_by = ? AND status = ?")) {
                for (DialResult.Dialled d : dialled) {
                    update.setString(1, CallStatus.IN_PROGRESS.value());
                    update.setString(2, d.callApiId());
                    update.setString(3, d.callStatus());
                    update.setObject(4, at);
                    update.setObject(5, at);
                    update.setLong(6, d.callId());
                    update.setString(7, owner);
                    update.setString(8, CallStatus.PENDING.value());
                    update.addBatch();
                }
                int[] counts = update.executeBatch();
                for (int i = 0; i < counts.length; i++) {
                    updated[i] = counts[i] != 0;
                }
            }
        });
        return updated;
    }

    /** The earliest time a pending call may be dialled (or a claim on one expires), if there is one. */
    public static Optional<Instant> nextDueTime() {
        return getEntityManager()
                .createQuery("select c.nextAttemptAt from ScheduledCall c where c.status = ?1"
                        + " order by c.status, c.nextAttemptAt", Instant.class)
                .setParameter(1, CallStatus.PENDING)
                .setMaxResults(1)
                .getResultStream()
                .findFirst();
    }

    /** Calls the Call API is working on, the longest-running first. */
    public static List<ScheduledCall> listActive(int limit) {
        return find("status", Sort.ascending("dialledAt"), CallStatus.IN_PROGRESS).page(0, limit).list();
    }

    /** How many calls there are of each status. */
    public static Map<CallStatus, Long> countByStatus() {
        Map<CallStatus, Long> counts = new EnumMap<>(CallStatus.class);
        for (CallStatus status : CallStatus.values()) {
            counts.put(status, 0L);
        }
        getEntityManager().createQuery("select c.status, count(c) from ScheduledCall c group by c.status", Object[].class)
                .getResultList()
                .forEach(row -> counts.put((CallStatus) row[0], (Long) row[1]));
        return counts;
    }

    /** One page of calls, newest scheduled time first, optionally of one status only. */
    public static PanacheQuery<ScheduledCall> listNewestFirst(Optional<CallStatus> status) {
        Sort sort = Sort.descending("scheduledTime", "id");
        return status.map(s -> ScheduledCall.<ScheduledCall> find("status", sort, s))
                .orElseGet(() -> findAll(sort));
    }
}
