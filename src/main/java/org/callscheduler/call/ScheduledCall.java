package org.callscheduler.call;

import java.time.Instant;
import java.util.ArrayList;
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
import jakarta.persistence.Transient;
import jakarta.persistence.Version;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import io.quarkus.hibernate.orm.panache.PanacheQuery;
import io.quarkus.panache.common.Parameters;
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

    /**
     * Sent on every POST of this call's dial as Idempotency-Key: random, so it is unique across
     * databases and installations (a restored backup or a second installation reuses ids, not keys).
     */
    @Column(name = "idempotency_key", nullable = false, updatable = false)
    public String idempotencyKey;

    /** POSTs sent to the Call API for this call so far, counted when each one leaves. */
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

    /** The claim's token, which every write of its dial result must match. */
    @Column(name = "claim_token")
    public String claimToken;

    /** When the current claim's POST left; a claim that expired with this set leaves the call in doubt. */
    @Column(name = "sent_at")
    public Instant sentAt;

    /** The callee's IANA zone, given or derived from the number; null when only the country is known. */
    @Column(name = "time_zone")
    public String timeZone;

    /** Local hours in the callee's zone when the call may be placed ("08:00-21:00 MON-FRI"); null: any hour. */
    @Column(name = "calling_window")
    public String callingWindow;

    /** A call not sent by then is never sent. */
    @Column(name = "expires_at")
    public Instant expiresAt;

    /** Outcomes dialled again ("busy,no-answer"); null: none. */
    @Column(name = "retry_on")
    public String retryOn;

    @Column(name = "retry_max", nullable = false)
    public int retryMax;

    @Column(name = "retry_delay_seconds", nullable = false)
    public long retryDelaySeconds;

    /** The outcomes of the dials that were retried so far ("busy, no-answer"). */
    @Column(name = "retried_outcomes")
    public String retriedOutcomes;

    /** POSTs of the current dial that count toward max-attempts (not a 429; 0 again for a new dial). */
    @Column(name = "dial_posts", nullable = false)
    public int dialPosts;

    /** Why a pending call waits past its scheduled time: window, retry, backoff, throttled; or null. */
    @Column(name = "wait_reason")
    public String waitReason;

    /** The client's own id for the call (an appointment, a ticket), 1-128 printable characters; or null. */
    @Column
    public String reference;

    /** A JSON object of at most 4 KB, stored and returned as given; or null. */
    @Column
    public String metadata;

    /** When the Call API accepted the call. */
    @Column(name = "dialled_at")
    public Instant dialledAt;

    @Version
    public long version;

    /** Why a new call waits past its scheduled time, for its deferred event; not stored. */
    @Transient
    String deferral;

    /**
     * The earliest time a pending call may be dialled (or a claim on one expires), if there is one. In SQL, like
     * {@link #countUpTo}: the readiness check asks this at the first probe, and the first HQL query of a process
     * starts Hibernate's HQL parser and translator, which would hold the first answer back by about 0.2 to 0.5 s.
     */
    public static Optional<Instant> nextDueTime() {
        return getEntityManager()
                .createNativeQuery("SELECT next_attempt_at FROM scheduled_calls WHERE status = ?1"
                        + " ORDER BY status, next_attempt_at LIMIT 1", Instant.class)
                .setParameter(1, CallStatus.PENDING.value())
                .getResultStream()
                .findFirst()
                .map(Instant.class::cast);
    }

    /** How many calls have {@code status}, counted up to {@code limit} at most (through the status indexes). */
    public static long countUpTo(CallStatus status, long limit) {
        return countMatching(CallFilter.status(status), limit);
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

    /**
     * How many calls match {@code filter}, counted up to {@code limit} at most. In SQL, so that the database stops
     * after {@code limit} index entries and no id is fetched: HQL has no LIMIT in a subquery without an ORDER BY, and
     * fetching up to 10,001 ids to count them made {@code ?status=in-progress} the slowest read with 10,000 calls in
     * progress.
     */
    public static long countMatching(CallFilter filter, long limit) {
        List<Condition> conditions = conditions(filter);
        String where = conditions.isEmpty() ? ""
                : " WHERE " + String.join(" AND ", conditions.stream().map(Condition::sql).toList());
        var query = getEntityManager().createNativeQuery("SELECT COUNT(*) FROM (SELECT 1 FROM scheduled_calls" + where
                + " LIMIT :limit) capped");
        conditions.forEach(condition -> query.setParameter(condition.parameter(), condition.columnValue()));
        return ((Number) query.setParameter("limit", limit).getSingleResult()).longValue();
    }

    /** One page of calls matching {@code filter}, newest scheduled time first. */
    public static PanacheQuery<ScheduledCall> listNewestFirst(CallFilter filter) {
        return newestFirst(filter, null, null);
    }

    /**
     * Up to {@code limit} calls of {@code filter}, newest first, that come after the call scheduled at
     * {@code afterTime} with id {@code afterId} in that order (from the first when both are null): a keyset page.
     */
    public static List<ScheduledCall> listNewestFirstAfter(CallFilter filter, Instant afterTime, Long afterId,
            int limit) {
        return newestFirst(filter, afterTime, afterId).page(0, limit).list();
    }

    private static PanacheQuery<ScheduledCall> newestFirst(CallFilter filter, Instant afterTime, Long afterId) {
        Sort sort = newestFirstOrder(filter);
        Where where = where(filter, afterTime, afterId);
        return where.clauses().isEmpty() ? findAll(sort)
                : find(String.join(" and ", where.clauses()), sort, where.parameters());
    }

    /**
     * Newest scheduled time first, led by the column an equality filter holds to one value (phone number, reference
     * or status), which changes nothing in the order. H2 reads an index in its order, and stops after the page, only
     * when the ORDER BY starts with the index's first column, even when the WHERE fixes that column: without it, a
     * page of one status read and sorted every call of that status (2 s at a million calls). PostgreSQL drops the
     * constant column from the order by itself.
     */
    static Sort newestFirstOrder(CallFilter filter) {
        Optional<String> leading = filter.phoneNumber().map(phone -> "phoneNumber")
                .or(() -> filter.reference().map(reference -> "reference"))
                .or(() -> filter.status().map(status -> "status"));
        return leading.map(column -> Sort.descending(column, "scheduledTime", "id"))
                .orElseGet(() -> Sort.descending("scheduledTime", "id"));
    }

    private record Where(List<String> clauses, Parameters parameters) {
    }

    /**
     * One condition of a {@link CallFilter}, in HQL on the entity's {@code field} and in SQL on its {@code column}, with
     * the value bound to {@code :parameter}.
     */
    private record Condition(String field, String column, String operator, String parameter, Object value) {

        String hql() {
            return field + " " + operator + " :" + parameter;
        }

        String sql() {
            return column + " " + operator + " :" + parameter;
        }

        /** The value as the column stores it: a status as its wire form (CallStatusConverter), the rest as they are. */
        Object columnValue() {
            return value instanceof CallStatus status ? status.value() : value;
        }
    }

    /** The conditions of {@code filter}, all to be met: the one mapping of the list's filters, for HQL and SQL alike. */
    private static List<Condition> conditions(CallFilter filter) {
        List<Condition> conditions = new ArrayList<>();
        filter.status().ifPresent(status -> conditions.add(new Condition("status", "status", "=", "status", status)));
        filter.phoneNumber().ifPresent(phone -> conditions.add(
                new Condition("phoneNumber", "phone_number", "=", "phone", phone)));
        filter.reference().ifPresent(reference -> conditions.add(
                new Condition("reference", "reference", "=", "reference", reference)));
        filter.scheduledFrom().ifPresent(from -> conditions.add(
                new Condition("scheduledTime", "scheduled_time", ">=", "from", from)));
        filter.scheduledTo().ifPresent(to -> conditions.add(
                new Condition("scheduledTime", "scheduled_time", "<", "to", to)));
        return conditions;
    }

    private static Where where(CallFilter filter, Instant afterTime, Long afterId) {
        List<String> where = new ArrayList<>();
        Parameters parameters = new Parameters();
        for (Condition condition : conditions(filter)) {
            where.add(condition.hql());
            parameters.and(condition.parameter(), condition.value());
        }
        if (afterTime != null && afterId != null) {
            // The first condition is implied by the second, but only it bounds the index range: without it each chunk
            // of the export read the index from the newest call on (at 100,000 calls, 36,667 entries for 500 rows).
            where.add("scheduledTime <= :afterTime"
                    + " and (scheduledTime < :afterTime or (scheduledTime = :afterTime and id < :afterId))");
            parameters.and("afterTime", afterTime).and("afterId", afterId);
        }
        return new Where(where, parameters);
    }
}
