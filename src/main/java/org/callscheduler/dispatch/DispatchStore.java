package org.callscheduler.dispatch;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.IntSupplier;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.callscheduler.event.CallEvents;
import org.callscheduler.event.EventType;
import org.callscheduler.event.NewEvent;
import org.callscheduler.policy.CallingHours;
import org.callscheduler.policy.OutcomeRetry;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.logging.Log;

/**
 * All the SQL of the dial path, behind methods named for what they do (as db-scheduler's
 * TaskRepository): claim due calls, mark them sent before their POST leaves, record the results
 * under the claim that sent them, renew the leases of this instance's calls, give back claims,
 * and follow in-progress calls. Each method is one transaction, and every change of a call
 * appends its event in that transaction.
 * <p>
 * Rows are always changed in id order, and claims on PostgreSQL use {@code FOR UPDATE SKIP
 * LOCKED}, so instances, the poller and the result writer never wait on each other in a cycle.
 */
@ApplicationScoped
class DispatchStore {

    static final String PENDING = "pending";
    static final String IN_PROGRESS = "in-progress";
    static final String COMPLETED = "completed";
    static final String FAILED = "failed";

    private static final int MAX_ERROR = 1000;

    private final DataSource dataSource;
    private final boolean postgresql;
    private final Duration maxPause;
    private final CallEvents history;

    DispatchStore(DataSource dataSource, @ConfigProperty(name = "quarkus.datasource.db-kind") String dbKind,
            PacingConfig pacing, CallEvents history) {
        this.dataSource = dataSource;
        this.history = history;
        this.maxPause = pacing.maxPause();
        this.postgresql = dbKind.toLowerCase().startsWith("postgres");
    }

    /** How a claim treats calls whose earlier claim expired after their POST was sent. */
    enum InDoubt {
        /** Dial them again (at-least-once): the caller sends them. */
        REDIAL,
        /** Fail them (at-most-once): they are not returned. */
        FAIL
    }

    /**
     * What a claim got: the calls to send, how many due rows it looked at (some may have been deferred to their
     * window or expired instead), and, when pacing or a 429 held it back, when to try again.
     */
    record Claim(List<ClaimedCall> calls, int examined, Instant waitUntil) {

        static Claim waitUntil(Instant at) {
            return new Claim(List.of(), 0, at);
        }
    }

    /** How far ahead a paced claim hands out send slots: its POSTs leave within this time of the claim. */
    static final Duration PACING_HORIZON = Duration.ofMillis(200);
    /**
     * Send slots are this much further apart than 1 / calls-per-second, so that POSTs that leave a few milliseconds
     * late or early still never put more than calls-per-second of them into any one second at the Call API.
     */
    static final double SLOT_MARGIN = 1.02;
    /** The time between two send slots under {@code pacing}: 1.02 / calls-per-second; zero without a limit. */
    static Duration slot(PacingConfig pacing) {
        return pacing.callsPerSecond() <= 0 ? Duration.ZERO
                : Duration.ofNanos(Math.max(1, Math.round(SLOT_MARGIN * 1e9 / pacing.callsPerSecond())));
    }

    /** Pauses in a row count toward the back-off until sending has gone this long without a 429. */
    private static final Duration THROTTLE_MEMORY = Duration.ofSeconds(30);

    /**
     * Claims up to {@code limit} due calls for {@code owner} until {@code leaseUntil}, oldest due first.
     * A claim moves the call's next attempt to the end of its lease, so nobody else sees it due while
     * the claim lives (and the owner renews the lease while it works on the call).
     * <p>
     * Every claim first locks the one row of {@code dispatch_pacing}, so claims are made one at a time across
     * instances, and the limits shared by all of them hold: no claim while a 429 pause lasts, no more calls in
     * progress than {@code max-active-calls}, send slots {@code 1 / calls-per-second} apart, and no call to a
     * number that has one in progress (or ended less than {@code min-gap-per-number} ago). A due call whose
     * calling window is closed is deferred to its next opening, and one past its {@code expires_at} fails as
     * expired, in the same transaction.
     *
     * @param takeOver whether calls claimed by another instance whose lease ran out may be claimed
     * @param maxAttempts the most POSTs of one dial: an in-doubt call that has had them fails instead
     */
    @Transactional
    Claim claim(String owner, int limit, Instant now, Instant leaseUntil, boolean takeOver, InDoubt inDoubt,
            int maxAttempts, PacingConfig pacing) {
        return claim(owner, limit, () -> 0, now, leaseUntil, takeOver, inDoubt, maxAttempts, pacing);
    }

    /**
     * As {@link #claim(String, int, Instant, Instant, boolean, InDoubt, int, PacingConfig)}, for {@code limit} calls
     * and as many more as {@code moreSlots} gives once this claim holds the pacing row: the dial slots that came free
     * while it waited for another instance's claim. Without it, the answers of one round of POSTs, arriving together,
     * would be claimed one by one: each claim for the one slot free when it asked, and the next in line behind the
     * claims of every other instance.
     */
    @Transactional
    Claim claim(String owner, int limit, IntSupplier moreSlots, Instant now, Instant leaseUntil, boolean takeOver,
            InDoubt inDoubt, int maxAttempts, PacingConfig pacing) {
        String token = UUID.randomUUID().toString();
        List<Due> due = new ArrayList<>(limit);
        List<ClaimedCall> claimed = new ArrayList<>(limit);
        try (Connection connection = dataSource.getConnection()) {
            PacingState state = lockPacing(connection);
            if (state.pausedUntil() != null && state.pausedUntil().isAfter(now)) {
                return Claim.waitUntil(state.pausedUntil());
            }
            if (state.throttledInARow() > 0 && state.pausedUntil() != null
                    && state.pausedUntil().plus(THROTTLE_MEMORY).isBefore(now)) {
                updatePacing(connection, "throttled_in_a_row = 0", null);
            }
            int room = limit + moreSlots.getAsInt();
            if (pacing.maxActiveCalls() > 0) {
                room = Math.min(room, pacing.maxActiveCalls() - countActive(connection, now));
                if (room <= 0) {
                    return new Claim(List.of(), 0, null); // the next sweep looks again, once calls have ended
                }
            }
            Duration interval = null;
            Instant firstSlot = null;
            if (pacing.callsPerSecond() > 0) {
                interval = slot(pacing);
                // Slots count from when this claim got the pacing row, not from when it asked for it: a claim that
                // waited for another instance's would otherwise hand out slots already past, sent all at once.
                Instant clock = now();
                Instant locked = clock.isAfter(now) ? clock : now;
                firstSlot = state.nextSendAt() == null || state.nextSendAt().isBefore(locked) ? locked : state.nextSendAt();
                if (firstSlot.isAfter(locked.plus(PACING_HORIZON.dividedBy(2)))) {
                    return Claim.waitUntil(firstSlot.minus(PACING_HORIZON.dividedBy(2)));
                }
                long permits = 1 + Duration.between(firstSlot, locked.plus(PACING_HORIZON)).toNanos() / interval.toNanos();
                room = (int) Math.min(room, permits);
            }
            boolean gap = !pacing.minGapPerNumber().isZero();
            try (PreparedStatement select = connection.prepareStatement("SELECT c.id, c.phone_number,"
                    + " c.idempotency_key, c.attempts, c.dial_posts, c.claimed_by, c.sent_at, c.next_attempt_at,"
                    + " c.expires_at, c.calling_window, c.time_zone, c.version FROM scheduled_calls c"
                    + " WHERE c.status = 'pending' AND c.next_attempt_at <= ?"
                    + (takeOver ? "" : " AND c.claimed_by IS NULL")
                    // one call to a person at a time: none while another call to the number is claimed or in progress
                    + " AND NOT EXISTS (SELECT 1 FROM scheduled_calls o WHERE o.phone_number = c.phone_number"
                    + " AND o.id <> c.id AND (o.status = 'in-progress'"
                    + " OR (o.status = 'pending' AND o.claim_token IS NOT NULL AND o.lease_until > ?)"
                    + (gap ? " OR (o.status IN ('completed', 'failed') AND o.updated_at > ?)" : "") + "))"
                    + " ORDER BY c.status, c.next_attempt_at LIMIT ?" + (postgresql ? " FOR UPDATE OF c SKIP LOCKED" : ""))) {
                int i = 1;
                select.setObject(i++, utc(now));
                select.setObject(i++, utc(now));
                if (gap) {
                    select.setObject(i++, utc(now.minus(pacing.minGapPerNumber())));
                }
                select.setInt(i, room);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        due.add(new Due(rows.getLong(1), rows.getString(2), rows.getString(3), rows.getInt(4),
                                rows.getInt(5), rows.getString(6), rows.getObject(7) != null, instant(rows, 8),
                                instant(rows, 9), rows.getString(10), rows.getString(11), rows.getLong(12)));
                    }
                }
            }
            if (due.isEmpty()) {
                return new Claim(List.of(), 0, null);
            }
            // Sort out the rows that are not to be sent now: past their expiry, outside their window, or a second
            // call to a number in this same claim (it waits for the first to end).
            List<Due> toClaim = new ArrayList<>(due.size());
            List<Due> expired = new ArrayList<>();
            List<Deferral> deferred = new ArrayList<>();
            Set<String> numbers = new HashSet<>();
            for (Due d : due) {
                if (d.expiresAt() != null && !now.isBefore(d.expiresAt())) {
                    expired.add(d);
                    continue;
                }
                if (d.callingWindow() != null) {
                    CallingHours hours = CallingHours.of(d.callingWindow(), d.timeZone(), d.phone());
                    Optional<Instant> opening = hours.nextOpening(now);
                    if (opening.isEmpty() || opening.get().isAfter(now)) {
                        if (opening.isEmpty() || d.expiresAt() != null && !opening.get().isBefore(d.expiresAt())) {
                            expired.add(d);
                        } else {
                            deferred.add(new Deferral(d, opening.get(), "Calling window " + d.callingWindow()
                                    + " is closed at " + hours.localTime(now) + "; waiting until " + opening.get()
                                    + " (" + hours.localTime(opening.get()) + ")"));
                        }
                        continue;
                    }
                }
                if (numbers.add(d.phone())) {
                    toClaim.add(d);
                }
            }
            List<NewEvent> events = new ArrayList<>();
            for (Due d : expired) {
                expire(connection, d, now, events);
            }
            for (Deferral d : deferred) {
                defer(connection, d, now, events);
            }
            toClaim.sort(Comparator.comparingLong(Due::id));
            // Conditional on the version read, so that a row that changed since (deleted, or changed by a PATCH: its
            // new number or time) is not claimed with what was read before: the claim sends only what is stored.
            try (PreparedStatement update = connection.prepareStatement("UPDATE scheduled_calls SET claimed_by = ?,"
                    + " claim_token = ?, lease_until = ?, next_attempt_at = ?, sent_at = NULL, wait_reason = NULL,"
                    + " version = version + 1 WHERE id = ? AND status = 'pending' AND next_attempt_at <= ? AND version = ?")) {
                for (Due d : toClaim) {
                    update.setString(1, owner);
                    update.setString(2, token);
                    update.setObject(3, utc(leaseUntil));
                    update.setObject(4, utc(leaseUntil));
                    update.setLong(5, d.id());
                    update.setObject(6, utc(now));
                    update.setLong(7, d.version());
                    update.addBatch();
                }
                if (!toClaim.isEmpty()) {
                    update.executeBatch();
                }
            }
            // Which rows this claim got, read back by its token: H2's batch update counts are not to be trusted
            // for rows another transaction had locked.
            Set<Long> won = new HashSet<>();
            try (PreparedStatement mine = connection.prepareStatement(
                    "SELECT id FROM scheduled_calls WHERE claim_token = ?")) {
                mine.setString(1, token);
                try (ResultSet rows = mine.executeQuery()) {
                    while (rows.next()) {
                        won.add(rows.getLong(1));
                    }
                }
            }
            List<Due> failedInDoubt = new ArrayList<>();
            // In due order, the order the send slots are handed out in.
            toClaim.sort(Comparator.comparing(Due::dueAt).thenComparingLong(Due::id));
            for (Due d : toClaim) {
                if (!won.contains(d.id())) {
                    continue;
                }
                boolean doubtful = d.claimedBy() != null && d.sent();
                if (doubtful && (inDoubt == InDoubt.FAIL || d.dialPosts() >= maxAttempts)) {
                    String why = inDoubt == InDoubt.FAIL
                            ? "not dialled again (takeover=fail: at most once)"
                            : "not dialled again: " + d.dialPosts() + " of " + maxAttempts + " attempts spent";
                    events.add(new NewEvent(d.id(), EventType.IN_DOUBT, FAILED, null, d.attempts(),
                            inDoubtDetail(d.claimedBy(), d.attempts()) + "; " + why));
                    failedInDoubt.add(d);
                    continue;
                }
                if (doubtful) {
                    events.add(new NewEvent(d.id(), EventType.IN_DOUBT, PENDING, null, d.attempts(),
                            inDoubtDetail(d.claimedBy(), d.attempts())
                                    + "; dialling again (takeover=redial) with the same Idempotency-Key"));
                }
                Instant slot = null;
                if (interval != null) {
                    slot = firstSlot.plus(interval.multipliedBy(claimed.size()));
                }
                claimed.add(new ClaimedCall(d.id(), d.phone(), d.key(), d.attempts() + 1, d.dialPosts() + 1, token,
                        d.dueAt(), d.claimedBy(), doubtful, slot));
            }
            for (Due d : failedInDoubt) {
                String reason = "Dial outcome unknown: instance " + d.claimedBy() + " stopped after sending attempt "
                        + d.attempts() + " and before recording the Call API's answer; not dialled again";
                failClaimed(connection, d.id(), token, reason, now);
                events.add(new NewEvent(d.id(), EventType.FAILED, FAILED, null, d.attempts(), reason));
            }
            if (interval != null && !claimed.isEmpty()) {
                updatePacing(connection, "next_send_at = ?", firstSlot.plus(interval.multipliedBy(claimed.size())));
            }
            history.append(connection, now, events);
            return new Claim(claimed, due.size(), null);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not claim due calls: " + e.getMessage(), e);
        }
    }

    /** A due row as a claim reads it. */
    private record Due(long id, String phone, String key, int attempts, int dialPosts, String claimedBy, boolean sent,
            Instant dueAt, Instant expiresAt, String callingWindow, String timeZone, long version) {
    }

    private record Deferral(Due due, Instant until, String detail) {
    }

    /** The shared pacing row, locked until the transaction ends. */
    private record PacingState(Instant nextSendAt, Instant pausedUntil, int throttledInARow) {
    }

    private static PacingState lockPacing(Connection connection) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT next_send_at, paused_until,"
                + " throttled_in_a_row FROM dispatch_pacing WHERE id = 1 FOR UPDATE");
                ResultSet row = select.executeQuery()) {
            if (!row.next()) {
                throw new SQLException("The dispatch_pacing row is missing (migration V3 inserts it)");
            }
            return new PacingState(instant(row, 1), instant(row, 2), row.getInt(3));
        }
    }

    private static void updatePacing(Connection connection, String assignment, Instant value) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE dispatch_pacing SET " + assignment + " WHERE id = 1")) {
            if (value != null) {
                update.setObject(1, utc(value));
            }
            update.executeUpdate();
        }
    }

    /** Calls in progress, or claimed by a live claim (about to be sent): what max-active-calls limits. */
    private static int countActive(Connection connection, Instant now) throws SQLException {
        int active = 0;
        try (PreparedStatement inProgress = connection.prepareStatement(
                "SELECT COUNT(*) FROM scheduled_calls WHERE status = 'in-progress'");
                ResultSet row = inProgress.executeQuery()) {
            row.next();
            active += row.getInt(1);
        }
        try (PreparedStatement claimed = connection.prepareStatement("SELECT COUNT(*) FROM scheduled_calls"
                + " WHERE claim_token IS NOT NULL AND status = 'pending' AND lease_until > ?")) {
            claimed.setObject(1, utc(now));
            try (ResultSet row = claimed.executeQuery()) {
                row.next();
                active += row.getInt(1);
            }
        }
        return active;
    }

    private static void expire(Connection connection, Due d, Instant now, List<NewEvent> events) throws SQLException {
        String reason = "expired: not sent by its expires_at " + d.expiresAt() + " (due at " + d.dueAt() + ")";
        if (d.callingWindow() != null && d.expiresAt() != null && now.isBefore(d.expiresAt())) {
            reason = "expired: its calling window " + d.callingWindow() + " does not open again before its expires_at "
                    + d.expiresAt();
        }
        try (PreparedStatement fail = connection.prepareStatement("UPDATE scheduled_calls SET status = 'failed',"
                + " error_message = ?, updated_at = ?," + RELEASE + ", wait_reason = NULL"
                + " WHERE id = ? AND status = 'pending' AND next_attempt_at <= ? AND version = ?")) {
            fail.setString(1, CallEvents.cut(reason, MAX_ERROR));
            fail.setObject(2, utc(now));
            fail.setLong(3, d.id());
            fail.setObject(4, utc(now));
            fail.setLong(5, d.version());
            if (fail.executeUpdate() != 1) {
                return;
            }
        }
        if (d.claimedBy() != null && d.sent()) {
            events.add(new NewEvent(d.id(), EventType.IN_DOUBT, FAILED, null, d.attempts(),
                    inDoubtDetail(d.claimedBy(), d.attempts()) + "; not dialled again: the call has expired"));
        }
        events.add(new NewEvent(d.id(), EventType.EXPIRED, FAILED, null, d.attempts(), reason));
        events.add(new NewEvent(d.id(), EventType.FAILED, FAILED, null, d.attempts(), reason));
        Log.infof("Call %d %s", d.id(), reason);
    }

    private static void defer(Connection connection, Deferral deferral, Instant now, List<NewEvent> events)
            throws SQLException {
        Due d = deferral.due();
        try (PreparedStatement defer = connection.prepareStatement("UPDATE scheduled_calls SET next_attempt_at = ?,"
                + " wait_reason = 'window', claimed_by = NULL, claim_token = NULL, lease_until = NULL, sent_at = NULL,"
                + " version = version + 1 WHERE id = ? AND status = 'pending' AND next_attempt_at <= ? AND version = ?")) {
            defer.setObject(1, utc(deferral.until()));
            defer.setLong(2, d.id());
            defer.setObject(3, utc(now));
            defer.setLong(4, d.version());
            if (defer.executeUpdate() != 1) {
                return;
            }
        }
        if (d.claimedBy() != null && d.sent()) {
            events.add(new NewEvent(d.id(), EventType.IN_DOUBT, PENDING, null, d.attempts(),
                    inDoubtDetail(d.claimedBy(), d.attempts()) + "; dialling again when its calling window opens"));
        }
        events.add(new NewEvent(d.id(), EventType.DEFERRED, PENDING, null, d.attempts(), deferral.detail()));
    }

    private static String inDoubtDetail(String previousOwner, int attempts) {
        return "Instance " + previousOwner + " sent attempt " + attempts
                + " to the Call API and stopped before recording its answer: the call may or may not have been placed";
    }

    /**
     * Records that the POSTs of claim {@code token} are leaving now: counts the attempt and stamps
     * sent_at, in one statement for the whole claim. Only calls marked so can be in doubt after a crash.
     *
     * @return how many calls were marked
     */
    @Transactional
    int markSent(String token, Instant now) {
        try (Connection connection = dataSource.getConnection()) {
            int marked;
            try (PreparedStatement update = connection.prepareStatement("UPDATE scheduled_calls SET sent_at = ?,"
                    + " attempts = attempts + 1, dial_posts = dial_posts + 1, updated_at = ?, version = version + 1"
                    + " WHERE claim_token = ? AND status = 'pending'")) {
                update.setObject(1, utc(now));
                update.setObject(2, utc(now));
                update.setString(3, token);
                marked = update.executeUpdate();
            }
            try (PreparedStatement events = connection.prepareStatement("INSERT INTO call_events"
                    + " (call_id, at, type, status, call_status, attempt, detail)"
                    + " SELECT id, ?, 'sent', 'pending', call_status, attempts,"
                    + " CONCAT('POST to the Call API, attempt ', CAST(attempts AS VARCHAR(10)))"
                    + " FROM scheduled_calls WHERE claim_token = ?")) {
                events.setObject(1, utc(now));
                events.setString(2, token);
                events.executeUpdate();
            }
            history.queueInserted(connection, EventType.SENT, now, "SELECT id FROM scheduled_calls WHERE claim_token = ?",
                    select -> select.setString(3, token));
            return marked;
        } catch (SQLException e) {
            throw new IllegalStateException("Could not mark calls as sent: " + e.getMessage(), e);
        }
    }

    /**
     * Writes dial results, each only where the claim that sent it still holds the call.
     *
     * @return the results whose claim was gone (nothing was written for them)
     */
    @Transactional
    List<DialResult> recordResults(List<DialResult> results, Instant now) {
        List<DialResult> sorted = new ArrayList<>(results);
        sorted.sort(Comparator.comparingLong(DialResult::callId));
        List<DialResult> lost = new ArrayList<>();
        List<NewEvent> events = new ArrayList<>();
        List<DialResult.Throttled> throttled = sorted.stream().filter(DialResult.Throttled.class::isInstance)
                .map(DialResult.Throttled.class::cast).toList();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement accepted = connection.prepareStatement("UPDATE scheduled_calls SET status = 'in-progress',"
                        + " call_api_id = ?, call_status = ?, dialled_at = ?, updated_at = ?, error_message = NULL,"
                        + " wait_reason = NULL," + RELEASE + " WHERE id = ? AND claim_token = ?");
                PreparedStatement retry = connection.prepareStatement("UPDATE scheduled_calls SET next_attempt_at = ?,"
                        + " wait_reason = 'backoff', error_message = ?, updated_at = ?, claimed_by = NULL, claim_token = NULL, lease_until = NULL,"
                        + " sent_at = NULL, version = version + 1 WHERE id = ? AND claim_token = ?");
                PreparedStatement failed = connection.prepareStatement(FAIL_CLAIMED);
                PreparedStatement slowDown = connection.prepareStatement("UPDATE scheduled_calls SET next_attempt_at = ?,"
                        + " wait_reason = 'throttled', dial_posts = dial_posts - 1, error_message = ?, updated_at = ?,"
                        + " claimed_by = NULL, claim_token = NULL, lease_until = NULL, sent_at = NULL,"
                        + " version = version + 1 WHERE id = ? AND claim_token = ?")) {
            // The pacing row first, as a claim locks it: rows are never locked before it.
            Instant pausedUntil = throttled.isEmpty() ? null : pause(connection, throttled, now);
            List<DialResult> inAccepted = new ArrayList<>();
            List<DialResult> inRetry = new ArrayList<>();
            List<DialResult> inFailed = new ArrayList<>();
            List<DialResult> inThrottled = new ArrayList<>();
            for (DialResult result : sorted) {
                ClaimedCall call = result.call();
                if (result instanceof DialResult.Accepted a) {
                    accepted.setString(1, a.callApiId());
                    accepted.setString(2, a.progress().word());
                    accepted.setObject(3, utc(now));
                    accepted.setObject(4, utc(now));
                    accepted.setLong(5, call.id());
                    accepted.setString(6, call.token());
                    accepted.addBatch();
                    inAccepted.add(result);
                } else if (result instanceof DialResult.Retry r) {
                    retry.setObject(1, utc(r.notBefore()));
                    retry.setString(2, CallEvents.cut(r.reason(), MAX_ERROR));
                    retry.setObject(3, utc(now));
                    retry.setLong(4, call.id());
                    retry.setString(5, call.token());
                    retry.addBatch();
                    inRetry.add(result);
                } else if (result instanceof DialResult.Throttled t) {
                    slowDown.setObject(1, utc(pausedUntil));
                    slowDown.setString(2, CallEvents.cut(t.reason() + "; sending paused until " + pausedUntil, MAX_ERROR));
                    slowDown.setObject(3, utc(now));
                    slowDown.setLong(4, call.id());
                    slowDown.setString(5, call.token());
                    slowDown.addBatch();
                    inThrottled.add(new DialResult.Throttled(call, Duration.between(now, pausedUntil), t.reason()));
                } else {
                    DialResult.Failed f = (DialResult.Failed) result;
                    bindFail(failed, call.id(), call.token(), f.reason(), now);
                    failed.addBatch();
                    inFailed.add(result);
                }
            }
            collect(accepted, inAccepted, lost, events, now);
            collect(retry, inRetry, lost, events, now);
            collect(failed, inFailed, lost, events, now);
            collect(slowDown, inThrottled, lost, events, now);
            history.append(connection, now, events);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not record " + results.size() + " dial results: " + e.getMessage(), e);
        }
        return lost;
    }

    /** The longest pause after 429s without a Retry-After: 1 s, doubling with each pause in a row, up to this. */
    private static final Duration MAX_THROTTLE_BACKOFF = Duration.ofSeconds(60);

    /**
     * Pauses sending for every instance after 429 answers: until the latest Retry-After among them (at most
     * {@code max-pause}), or else a back-off that doubles with each pause in a row. A pause already longer stays.
     * 429s that arrive while a pause is in force answer POSTs sent before it began (in flight, or given their send
     * slot already): they belong to that pause and do not double the back-off.
     */
    private Instant pause(Connection connection, List<DialResult.Throttled> throttled, Instant now) throws SQLException {
        PacingState state = lockPacing(connection);
        boolean pausing = state.pausedUntil() != null && state.pausedUntil().isAfter(now);
        int inARow = pausing ? Math.max(0, state.throttledInARow() - 1) : state.throttledInARow();
        Duration pause = throttled.stream().map(DialResult.Throttled::retryAfter).filter(java.util.Objects::nonNull)
                .max(Comparator.naturalOrder())
                .map(after -> after.compareTo(maxPause) > 0 ? maxPause : after)
                .orElseGet(() -> {
                    Duration backoff = Duration.ofSeconds(1L << Math.min(inARow, 10));
                    return backoff.compareTo(MAX_THROTTLE_BACKOFF) > 0 ? MAX_THROTTLE_BACKOFF : backoff;
                });
        Instant until = now.plus(pause);
        if (state.pausedUntil() != null && state.pausedUntil().isAfter(until)) {
            until = state.pausedUntil();
        }
        try (PreparedStatement update = connection.prepareStatement("UPDATE dispatch_pacing SET paused_until = ?,"
                + " throttled_in_a_row = ? WHERE id = 1")) {
            update.setObject(1, utc(until));
            update.setInt(2, inARow + 1);
            update.executeUpdate();
        }
        Log.warnf("The Call API answered 429 (slow down) to %d calls; sending paused for every instance until %s",
                throttled.size(), until);
        return until;
    }

    private static void collect(PreparedStatement statement, List<DialResult> results, List<DialResult> lost,
            List<NewEvent> events, Instant now) throws SQLException {
        if (results.isEmpty()) {
            return;
        }
        int[] counts = statement.executeBatch();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] == 0) {
                lost.add(results.get(i));
            } else {
                eventsOf(results.get(i), events, now);
            }
        }
    }

    private static void eventsOf(DialResult result, List<NewEvent> events, Instant now) {
        ClaimedCall call = result.call();
        int attempt = call.attempt();
        if (result instanceof DialResult.Accepted a) {
            events.add(new NewEvent(call.id(), EventType.ACCEPTED, IN_PROGRESS, a.progress().word(), attempt,
                    "Call API accepted attempt " + attempt + ": call_id " + a.callApiId() + ", " + a.progress().word()));
        } else if (result instanceof DialResult.Throttled t) {
            Instant until = now.plus(t.retryAfter());
            events.add(new NewEvent(call.id(), EventType.SEND_FAILED, PENDING, null, attempt, t.reason()
                    + "; not a failed attempt"));
            events.add(new NewEvent(call.id(), EventType.DEFERRED, PENDING, null, attempt,
                    "Call API asked to slow down: sending paused for every instance until " + until));
        } else if (result instanceof DialResult.Retry r) {
            events.add(new NewEvent(call.id(), EventType.SEND_FAILED, PENDING, null, attempt, r.reason()));
            events.add(new NewEvent(call.id(), EventType.RETRY_SCHEDULED, PENDING, null, attempt, r.detail()));
        } else {
            DialResult.Failed f = (DialResult.Failed) result;
            if (f.sendFailed()) {
                events.add(new NewEvent(call.id(), EventType.SEND_FAILED, FAILED, null, attempt, f.reason()));
            }
            events.add(new NewEvent(call.id(), EventType.FAILED, FAILED, null, attempt, f.reason()));
        }
    }

    /**
     * Fails one claimed call whose result could not be written (the last resort of the result
     * writer): a minimal change that cannot fail for the data's sake.
     *
     * @return whether the claim was still there
     */
    @Transactional
    boolean failUnrecordable(ClaimedCall call, String reason, Instant now) {
        try (Connection connection = dataSource.getConnection()) {
            boolean done = failClaimed(connection, call.id(), call.token(), reason, now);
            if (done) {
                history.append(connection, now,
                        List.of(new NewEvent(call.id(), EventType.FAILED, FAILED, null, call.attempt(), reason)));
            }
            return done;
        } catch (SQLException e) {
            throw new IllegalStateException("Could not fail call " + call.id() + ": " + e.getMessage(), e);
        }
    }

    private static final String RELEASE = " next_attempt_at = NULL, claimed_by = NULL, claim_token = NULL,"
            + " lease_until = NULL, sent_at = NULL, version = version + 1";

    private static final String FAIL_CLAIMED = "UPDATE scheduled_calls SET status = 'failed', error_message = ?,"
            + " updated_at = ?," + RELEASE + " WHERE id = ? AND claim_token = ?";

    private static boolean failClaimed(Connection connection, long id, String token, String reason, Instant now)
            throws SQLException {
        try (PreparedStatement fail = connection.prepareStatement(FAIL_CLAIMED)) {
            bindFail(fail, id, token, reason, now);
            return fail.executeUpdate() == 1;
        }
    }

    private static void bindFail(PreparedStatement fail, long id, String token, String reason, Instant now)
            throws SQLException {
        fail.setString(1, CallEvents.cut(reason, MAX_ERROR));
        fail.setObject(2, utc(now));
        fail.setLong(3, id);
        fail.setString(4, token);
    }

    /**
     * Extends the leases of the calls {@code owner} has sent and not yet recorded (in flight, or
     * answered and waiting for the writer), and the instance's heartbeat. Calls claimed but not yet
     * marked sent are left alone: their fresh lease is long enough, and this way the renewal never
     * waits on the statement that marks them.
     *
     * @return how many leases were renewed
     */
    @Transactional
    int renewLeases(String instanceId, String bootId, String owner, Instant now, Instant leaseUntil) {
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement beat = connection.prepareStatement(
                    "UPDATE dispatch_instances SET heartbeat_at = ? WHERE instance_id = ? AND boot_id = ?")) {
                beat.setObject(1, utc(now));
                beat.setString(2, instanceId);
                beat.setString(3, bootId);
                beat.executeUpdate();
            }
            try (PreparedStatement renew = connection.prepareStatement("UPDATE scheduled_calls SET lease_until = ?,"
                    + " next_attempt_at = ? WHERE claimed_by = ? AND sent_at IS NOT NULL AND status = 'pending'")) {
                renew.setObject(1, utc(leaseUntil));
                renew.setObject(2, utc(leaseUntil));
                renew.setString(3, owner);
                return renew.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not renew the leases of " + owner + ": " + e.getMessage(), e);
        }
    }

    /**
     * Gives back the calls {@code owner} claimed and has not sent (on shutdown, or when marking them
     * sent failed): due again at once, no attempt counted.
     */
    @Transactional
    int releaseUnsent(String owner, Instant now) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement release = connection.prepareStatement("UPDATE scheduled_calls SET claimed_by = NULL,"
                        + " claim_token = NULL, lease_until = NULL, next_attempt_at = ?, version = version + 1"
                        + " WHERE claimed_by = ? AND sent_at IS NULL AND status = 'pending'")) {
            release.setObject(1, utc(now));
            release.setString(2, owner);
            return release.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Could not give back the claims of " + owner + ": " + e.getMessage(), e);
        }
    }

    /**
     * Gives back every call of claim {@code token}, sent_at or not: for a claim whose "sent" mark may
     * have committed although the statement failed, and whose POSTs therefore never left. The attempt
     * counted by that mark is uncounted.
     */
    @Transactional
    int releaseClaim(String token, Instant now) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement release = connection.prepareStatement("UPDATE scheduled_calls SET claimed_by = NULL,"
                        + " claim_token = NULL, lease_until = NULL, next_attempt_at = ?,"
                        + " attempts = CASE WHEN sent_at IS NULL THEN attempts ELSE attempts - 1 END,"
                        + " dial_posts = CASE WHEN sent_at IS NULL THEN dial_posts ELSE dial_posts - 1 END, sent_at = NULL,"
                        + " version = version + 1 WHERE claim_token = ? AND status = 'pending'")) {
            release.setObject(1, utc(now));
            release.setString(2, token);
            return release.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Could not give back claim " + token + ": " + e.getMessage(), e);
        }
    }

    /**
     * Registers this instance under {@code instanceId}, refusing when another live instance (one whose
     * heartbeat is newer than {@code liveFor}) already uses that id: two replicas with one id would
     * renew and record each other's claims.
     */
    @Transactional
    void register(String instanceId, String bootId, Instant now, Duration liveFor) {
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement select = connection.prepareStatement("SELECT boot_id, heartbeat_at FROM dispatch_instances"
                    + " WHERE instance_id = ? FOR UPDATE")) {
                select.setString(1, instanceId);
                try (ResultSet row = select.executeQuery()) {
                    if (row.next()) {
                        Instant heartbeat = instant(row, 2);
                        if (heartbeat.isAfter(now.minus(liveFor))) {
                            throw new IllegalStateException("Instance id " + instanceId + " is in use by a live instance"
                                    + " (its last heartbeat was at " + heartbeat + "): give each instance its own"
                                    + " call-scheduler.dispatch.instance-id, or leave it unset");
                        }
                        try (PreparedStatement update = connection.prepareStatement("UPDATE dispatch_instances"
                                + " SET boot_id = ?, started_at = ?, heartbeat_at = ?, polled_at = NULL WHERE instance_id = ?")) {
                            update.setString(1, bootId);
                            update.setObject(2, utc(now));
                            update.setObject(3, utc(now));
                            update.setString(4, instanceId);
                            update.executeUpdate();
                        }
                        return;
                    }
                }
            }
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO dispatch_instances"
                    + " (instance_id, boot_id, started_at, heartbeat_at) VALUES (?, ?, ?, ?)")) {
                insert.setString(1, instanceId);
                insert.setString(2, bootId);
                insert.setObject(3, utc(now));
                insert.setObject(4, utc(now));
                insert.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not register instance " + instanceId + ": " + e.getMessage(), e);
        }
    }

    /**
     * This instance's share of the in-progress calls to poll: records that it polls now, then finds its place among the
     * instances that polled within {@code liveFor}, by instance id; {@link PollShare#ALL} when it is not registered.
     */
    @Transactional
    PollShare pollShare(String instanceId, String bootId, Instant now, Duration liveFor) {
        List<String> live = new ArrayList<>();
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement polled = connection.prepareStatement(
                    "UPDATE dispatch_instances SET polled_at = ? WHERE instance_id = ? AND boot_id = ?")) {
                polled.setObject(1, utc(now));
                polled.setString(2, instanceId);
                polled.setString(3, bootId);
                if (polled.executeUpdate() == 0) {
                    return PollShare.ALL;
                }
            }
            try (PreparedStatement select = connection.prepareStatement("SELECT instance_id FROM dispatch_instances"
                    + " WHERE polled_at > ? ORDER BY instance_id")) {
                select.setObject(1, utc(now.minus(liveFor)));
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        live.add(rows.getString(1));
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not read the instances that poll: " + e.getMessage(), e);
        }
        int index = live.indexOf(instanceId);
        return index < 0 ? PollShare.ALL : new PollShare(index, live.size());
    }

    /** Removes this instance's registration on a clean stop, so its id is free at once. */
    @Transactional
    void deregister(String instanceId, String bootId) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement delete = connection.prepareStatement(
                        "DELETE FROM dispatch_instances WHERE instance_id = ? AND boot_id = ?")) {
            delete.setString(1, instanceId);
            delete.setString(2, bootId);
            delete.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Could not deregister " + instanceId + ": " + e.getMessage(), e);
        }
    }

    /** When the next pending call comes due (or a claim on one expires), if any. */
    @Transactional
    Optional<Instant> nextDueTime() {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement("SELECT next_attempt_at FROM scheduled_calls"
                        + " WHERE status = 'pending' ORDER BY status, next_attempt_at LIMIT 1");
                ResultSet row = select.executeQuery()) {
            return row.next() ? Optional.ofNullable(instant(row, 1)) : Optional.empty();
        } catch (SQLException e) {
            throw new IllegalStateException("Could not read the next due time: " + e.getMessage(), e);
        }
    }

    // ---- following in-progress calls

    private static final String ACTIVE_COLUMNS = "SELECT id, call_api_id, call_status, attempts, dialled_at, retry_on,"
            + " retry_max, retry_delay_seconds, retried_outcomes, expires_at FROM scheduled_calls";

    /** The in-progress calls of {@code share} to ask the Call API about, the longest-running first. */
    @Transactional
    List<ActiveCall> listActive(int limit, PollShare share) {
        return listActive(ACTIVE_COLUMNS + " WHERE status = 'in-progress'" + shareCondition(share)
                + " ORDER BY status, dialled_at LIMIT ?", null, share, limit);
    }

    /**
     * The in-progress calls of {@code share} dialled at or after {@code since}, the longest-running first: the calls
     * that went into progress since an earlier read, through the (status, dialled_at) index.
     */
    @Transactional
    List<ActiveCall> listActiveSince(Instant since, int limit, PollShare share) {
        return listActive(ACTIVE_COLUMNS + " WHERE status = 'in-progress' AND dialled_at >= ?" + shareCondition(share)
                + " ORDER BY status, dialled_at LIMIT ?", since, share, limit);
    }

    /** The calls of one share (nothing for all of them); the (status, dialled_at) index serves the read either way. */
    private static String shareCondition(PollShare share) {
        return share.all() ? "" : " AND MOD(id, ?) = ?";
    }

    private List<ActiveCall> listActive(String sql, Instant since, PollShare share, int limit) {
        List<ActiveCall> active = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(sql)) {
            int i = 1;
            if (since != null) {
                select.setObject(i++, utc(since));
            }
            if (!share.all()) {
                select.setInt(i++, share.of());
                select.setInt(i++, share.index());
            }
            select.setInt(i, limit);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    active.add(new ActiveCall(rows.getLong(1), rows.getString(2), rows.getString(3), rows.getInt(4),
                            instant(rows, 5), rows.getString(6), rows.getInt(7), rows.getLong(8), rows.getString(9),
                            instant(rows, 10)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not list in-progress calls: " + e.getMessage(), e);
        }
        return active;
    }

    /**
     * Records the statuses the Call API reported, in id order; a final one ends the call, unless the call's outcome
     * retry takes it back to pending for a new dial (with a new Idempotency-Key). Unchanged ones are not written.
     */
    @Transactional
    void recordStatuses(List<StatusReport> reports, Instant now) {
        List<StatusReport> changed = new ArrayList<>(reports.stream()
                .filter(r -> !r.progress().word().equals(r.call().callStatus()))
                .sorted(Comparator.comparingLong(r -> r.call().id()))
                .toList());
        if (changed.isEmpty()) {
            return;
        }
        List<NewEvent> events = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement update = connection.prepareStatement("UPDATE scheduled_calls SET status = ?,"
                        + " call_status = ?, error_message = ?, updated_at = ?, version = version + 1"
                        + " WHERE id = ? AND call_api_id = ? AND status = 'in-progress'");
                PreparedStatement redial = connection.prepareStatement("UPDATE scheduled_calls SET status = 'pending',"
                        + " call_status = ?, next_attempt_at = ?, wait_reason = 'retry', dial_posts = 0,"
                        + " idempotency_key = ?, retried_outcomes = ?, error_message = NULL, updated_at = ?,"
                        + " version = version + 1 WHERE id = ? AND call_api_id = ? AND status = 'in-progress'")) {
            List<StatusReport> updated = new ArrayList<>();
            List<StatusReport> redialled = new ArrayList<>();
            List<String> details = new ArrayList<>();
            for (StatusReport report : changed) {
                var progress = report.progress();
                ActiveCall call = report.call();
                String outcomes = call.retriedOutcomes() == null ? progress.word()
                        : call.retriedOutcomes() + ", " + progress.word();
                int retriesUsed = call.retriedOutcomes() == null ? 0 : call.retriedOutcomes().split(", ").length;
                Optional<OutcomeRetry> retry = progress.isFinal() && !progress.succeeded()
                        ? OutcomeRetry.fromColumns(call.retryOn(), call.retryMax(), call.retryDelaySeconds())
                        : Optional.empty();
                String notRetried = null;
                if (retry.isPresent() && retry.get().retries(progress.word(), retriesUsed)) {
                    Instant retryAt = now.plus(retry.get().delay());
                    if (call.expiresAt() == null || retryAt.isBefore(call.expiresAt())) {
                        redial.setString(1, progress.word());
                        redial.setObject(2, utc(retryAt));
                        redial.setString(3, UUID.randomUUID().toString());
                        redial.setString(4, CallEvents.cut(outcomes, 200));
                        redial.setObject(5, utc(now));
                        redial.setLong(6, call.id());
                        redial.setString(7, call.callApiId());
                        redial.addBatch();
                        redialled.add(report);
                        details.add("Call ended " + progress.word() + "; retry " + (retriesUsed + 1) + " of "
                                + retry.get().maxRetries() + " at " + retryAt + ", a new dial with a new Idempotency-Key");
                        continue;
                    }
                    notRetried = "; not retried: the retry at " + retryAt + " would be after its expires_at "
                            + call.expiresAt();
                }
                String status = !progress.isFinal() ? IN_PROGRESS : progress.succeeded() ? COMPLETED : FAILED;
                update.setString(1, status);
                update.setString(2, progress.word());
                if (FAILED.equals(status)) {
                    update.setString(3, CallEvents.cut(endMessage(progress.word(), outcomes, retriesUsed)
                            + (notRetried == null ? "" : notRetried), MAX_ERROR));
                } else {
                    update.setNull(3, Types.VARCHAR);
                }
                update.setObject(4, utc(now));
                update.setLong(5, call.id());
                update.setString(6, call.callApiId());
                update.addBatch();
                updated.add(report);
            }
            int[] counts = updated.isEmpty() ? new int[0] : update.executeBatch();
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] == 0) {
                    continue;
                }
                StatusReport report = updated.get(i);
                var progress = report.progress();
                long id = report.call().id();
                int attempt = report.call().attempts();
                String status = !progress.isFinal() ? IN_PROGRESS : progress.succeeded() ? COMPLETED : FAILED;
                events.add(new NewEvent(id, EventType.STATUS_CHANGED, status, progress.word(), attempt,
                        "Call API reported " + progress.word()));
                if (progress.isFinal()) {
                    String outcomes = report.call().retriedOutcomes() == null ? progress.word()
                            : report.call().retriedOutcomes() + ", " + progress.word();
                    int retriesUsed = report.call().retriedOutcomes() == null ? 0
                            : report.call().retriedOutcomes().split(", ").length;
                    events.add(new NewEvent(id, progress.succeeded() ? EventType.COMPLETED : EventType.FAILED, status,
                            progress.word(), attempt, progress.succeeded() ? "Call completed"
                                    : endMessage(progress.word(), outcomes, retriesUsed)));
                }
                Log.debugf("Call %d: call_status %s, status %s", id, progress.word(), status);
            }
            int[] redials = redialled.isEmpty() ? new int[0] : redial.executeBatch();
            for (int i = 0; i < redials.length; i++) {
                if (redials[i] == 0) {
                    continue;
                }
                StatusReport report = redialled.get(i);
                long id = report.call().id();
                int attempt = report.call().attempts();
                events.add(new NewEvent(id, EventType.STATUS_CHANGED, PENDING, report.progress().word(), attempt,
                        "Call API reported " + report.progress().word()));
                events.add(new NewEvent(id, EventType.RETRY_SCHEDULED, PENDING, report.progress().word(), attempt,
                        details.get(i)));
                Log.infof("Call %d: %s", id, details.get(i));
            }
            history.append(connection, now, events);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not record " + reports.size() + " call statuses: " + e.getMessage(), e);
        }
    }

    /** The error_message of a call that ended {@code word}: after retries, it names the outcome of every dial. */
    private static String endMessage(String word, String outcomes, int retriesUsed) {
        return retriesUsed == 0 ? "Call ended with status " + word
                : "Call ended with status " + word + " after " + (retriesUsed + 1) + " dials (" + outcomes + ")";
    }

    /** Fails an in-progress call, for example one the Call API no longer knows. */
    @Transactional
    boolean failActive(ActiveCall call, String reason, Instant now) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement fail = connection.prepareStatement("UPDATE scheduled_calls SET status = 'failed',"
                        + " error_message = ?, updated_at = ?, version = version + 1"
                        + " WHERE id = ? AND status = 'in-progress'")) {
            fail.setString(1, CallEvents.cut(reason, MAX_ERROR));
            fail.setObject(2, utc(now));
            fail.setLong(3, call.id());
            if (fail.executeUpdate() == 0) {
                return false;
            }
            history.append(connection, now, List.of(
                    new NewEvent(call.id(), EventType.FAILED, FAILED, call.callStatus(), call.attempts(), reason)));
            return true;
        } catch (SQLException e) {
            throw new IllegalStateException("Could not fail call " + call.id() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Fails every in-progress call dialled before {@code dialledBefore}, with {@code reason}: one
     * UPDATE, then one INSERT of their events (the rows this transaction just failed), however many
     * there are.
     *
     * @return how many calls failed
     */
    @Transactional
    int failStale(Instant dialledBefore, String reason, Instant now) {
        try (Connection connection = dataSource.getConnection()) {
            int failed;
            try (PreparedStatement fail = connection.prepareStatement("UPDATE scheduled_calls SET status = 'failed',"
                    + " error_message = ?, updated_at = ?, version = version + 1"
                    + " WHERE status = 'in-progress' AND dialled_at < ?")) {
                fail.setString(1, reason);
                fail.setObject(2, utc(now));
                fail.setObject(3, utc(dialledBefore));
                failed = fail.executeUpdate();
            }
            if (failed > 0) {
                String failedNow = "SELECT id FROM scheduled_calls"
                        + " WHERE status = 'failed' AND updated_at = ? AND error_message = ? AND dialled_at < ?";
                try (PreparedStatement events = connection.prepareStatement("INSERT INTO call_events"
                        + " (call_id, at, type, status, call_status, attempt, detail)"
                        + " SELECT id, ?, 'failed', 'failed', call_status, attempts, ? FROM scheduled_calls"
                        + " WHERE status = 'failed' AND updated_at = ? AND error_message = ? AND dialled_at < ?")) {
                    events.setObject(1, utc(now));
                    events.setString(2, reason);
                    events.setObject(3, utc(now));
                    events.setString(4, reason);
                    events.setObject(5, utc(dialledBefore));
                    events.executeUpdate();
                }
                history.queueInserted(connection, EventType.FAILED, now, failedNow, select -> {
                    select.setObject(3, utc(now));
                    select.setString(4, reason);
                    select.setObject(5, utc(dialledBefore));
                });
            }
            return failed;
        } catch (SQLException e) {
            throw new IllegalStateException("Could not fail stale calls: " + e.getMessage(), e);
        }
    }

    /** The reasons a pending call may be waiting, as the metrics name them. */
    static final List<String> WAIT_REASONS = List.of("window", "retry", "backoff", "throttled", "number_busy", "pacing");

    /**
     * Pending calls waiting past their scheduled time, by reason: those whose next attempt is later, by the reason
     * stored with it; those due now and not claimed, as number_busy when another call to the number is in progress,
     * pacing otherwise.
     */
    @Transactional
    Map<String, Long> countWaiting(Instant now) {
        Map<String, Long> counts = new HashMap<>();
        try (Connection connection = dataSource.getConnection()) {
            // Through the index that leads with wait_reason (V7), which H2's planner passes over for the due index
            // unless told: that one would look at every call scheduled ahead.
            try (PreparedStatement later = connection.prepareStatement("SELECT wait_reason, COUNT(*) FROM scheduled_calls"
                    + (postgresql ? "" : " USE INDEX (scheduled_calls_wait_idx)")
                    + " WHERE wait_reason IN ('window', 'retry', 'backoff', 'throttled') AND status = 'pending'"
                    + " AND next_attempt_at > ? AND claim_token IS NULL GROUP BY wait_reason")) {
                later.setObject(1, utc(now));
                try (ResultSet rows = later.executeQuery()) {
                    while (rows.next()) {
                        counts.put(rows.getString(1), rows.getLong(2));
                    }
                }
            }
            // The reason in a derived table: H2 refuses a GROUP BY 1 over the correlated subquery ("C.PHONE_NUMBER
            // must be in the GROUP BY list") as soon as a call is due.
            try (PreparedStatement due = connection.prepareStatement("SELECT reason, COUNT(*) FROM (SELECT CASE WHEN"
                    + " EXISTS (SELECT 1 FROM scheduled_calls o WHERE o.phone_number = c.phone_number"
                    + " AND o.status = 'in-progress') THEN 'number_busy' ELSE 'pacing' END AS reason"
                    + " FROM scheduled_calls c WHERE c.status = 'pending' AND c.next_attempt_at <= ?"
                    + " AND c.claim_token IS NULL) due GROUP BY reason")) {
                due.setObject(1, utc(now));
                try (ResultSet rows = due.executeQuery()) {
                    while (rows.next()) {
                        counts.merge(rows.getString(1), rows.getLong(2), Long::sum);
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not count waiting calls: " + e.getMessage(), e);
        }
        return counts;
    }

    /** Whether the database answers a trivial query: tells a database that is down from a row that cannot be written. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    boolean isReachable() {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement ping = connection.prepareStatement("SELECT 1");
                ResultSet row = ping.executeQuery()) {
            return row.next();
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Whether {@code failure} comes from the data written (SQLState class 22, data exception, or 23,
     * integrity constraint violation) rather than from the database being unavailable.
     */
    static boolean isDataError(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                for (SQLException e = sql; e != null; e = e.getNextException()) {
                    String state = e.getSQLState();
                    if (state != null && (state.startsWith("22") || state.startsWith("23"))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(ResultSet rows, int column) throws SQLException {
        OffsetDateTime time = rows.getObject(column, OffsetDateTime.class);
        return time == null ? null : time.toInstant();
    }
}
