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
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.callscheduler.event.CallEvents;
import org.callscheduler.event.EventType;
import org.callscheduler.event.NewEvent;
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

    DispatchStore(DataSource dataSource, @ConfigProperty(name = "quarkus.datasource.db-kind") String dbKind) {
        this.dataSource = dataSource;
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
     * Claims up to {@code limit} due calls for {@code owner} until {@code leaseUntil}, oldest due first.
     * A claim moves the call's next attempt to the end of its lease, so nobody else sees it due while
     * the claim lives (and the owner renews the lease while it works on the call).
     *
     * @param takeOver whether calls claimed by another instance whose lease ran out may be claimed
     * @param maxAttempts the most POSTs of one dial: an in-doubt call that has had them fails instead
     */
    @Transactional
    List<ClaimedCall> claim(String owner, int limit, Instant now, Instant leaseUntil, boolean takeOver, InDoubt inDoubt,
            int maxAttempts) {
        String token = UUID.randomUUID().toString();
        record Due(long id, String phone, String key, int attempts, String claimedBy, boolean sent, Instant dueAt) {
        }
        List<Due> due = new ArrayList<>(limit);
        List<ClaimedCall> claimed = new ArrayList<>(limit);
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement select = connection.prepareStatement("SELECT id, phone_number, idempotency_key,"
                    + " attempts, claimed_by, sent_at, next_attempt_at FROM scheduled_calls"
                    + " WHERE status = 'pending' AND next_attempt_at <= ?" + (takeOver ? "" : " AND claimed_by IS NULL")
                    + " ORDER BY status, next_attempt_at LIMIT ?" + (postgresql ? " FOR UPDATE SKIP LOCKED" : ""))) {
                select.setObject(1, utc(now));
                select.setInt(2, limit);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        due.add(new Due(rows.getLong(1), rows.getString(2), rows.getString(3), rows.getInt(4),
                                rows.getString(5), rows.getObject(6) != null, instant(rows, 7)));
                    }
                }
            }
            if (due.isEmpty()) {
                return List.of();
            }
            due.sort(Comparator.comparingLong(Due::id));
            // Conditional, so that when dispatchers race for a row (H2 has no SKIP LOCKED here) one wins.
            try (PreparedStatement update = connection.prepareStatement("UPDATE scheduled_calls SET claimed_by = ?,"
                    + " claim_token = ?, lease_until = ?, next_attempt_at = ?, sent_at = NULL, version = version + 1"
                    + " WHERE id = ? AND status = 'pending' AND next_attempt_at <= ?")) {
                for (Due d : due) {
                    update.setString(1, owner);
                    update.setString(2, token);
                    update.setObject(3, utc(leaseUntil));
                    update.setObject(4, utc(leaseUntil));
                    update.setLong(5, d.id());
                    update.setObject(6, utc(now));
                    update.addBatch();
                }
                update.executeBatch();
                // Which rows this claim got, read back by its token: H2's batch update counts are not to be
                // trusted for rows another transaction had locked.
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
                List<NewEvent> events = new ArrayList<>();
                List<Due> failedInDoubt = new ArrayList<>();
                for (Due d : due) {
                    if (!won.contains(d.id())) {
                        continue;
                    }
                    boolean doubtful = d.claimedBy() != null && d.sent();
                    if (doubtful && (inDoubt == InDoubt.FAIL || d.attempts() >= maxAttempts)) {
                        String why = inDoubt == InDoubt.FAIL
                                ? "not dialled again (takeover=fail: at most once)"
                                : "not dialled again: " + d.attempts() + " of " + maxAttempts + " attempts spent";
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
                    claimed.add(new ClaimedCall(d.id(), d.phone(), d.key(), d.attempts() + 1, token, d.dueAt(),
                            d.claimedBy(), doubtful));
                }
                for (Due d : failedInDoubt) {
                    String reason = "Dial outcome unknown: instance " + d.claimedBy() + " stopped after sending attempt "
                            + d.attempts() + " and before recording the Call API's answer; not dialled again";
                    failClaimed(connection, d.id(), token, reason, now);
                    events.add(new NewEvent(d.id(), EventType.FAILED, FAILED, null, d.attempts(), reason));
                }
                CallEvents.append(connection, now, events);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not claim due calls: " + e.getMessage(), e);
        }
        return claimed;
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
                    + " attempts = attempts + 1, updated_at = ?, version = version + 1"
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
        try (Connection connection = dataSource.getConnection();
                PreparedStatement accepted = connection.prepareStatement("UPDATE scheduled_calls SET status = 'in-progress',"
                        + " call_api_id = ?, call_status = ?, dialled_at = ?, updated_at = ?, error_message = NULL,"
                        + RELEASE + " WHERE id = ? AND claim_token = ?");
                PreparedStatement retry = connection.prepareStatement("UPDATE scheduled_calls SET next_attempt_at = ?,"
                        + " error_message = ?, updated_at = ?, claimed_by = NULL, claim_token = NULL, lease_until = NULL,"
                        + " sent_at = NULL, version = version + 1 WHERE id = ? AND claim_token = ?");
                PreparedStatement failed = connection.prepareStatement(FAIL_CLAIMED)) {
            List<DialResult> inAccepted = new ArrayList<>();
            List<DialResult> inRetry = new ArrayList<>();
            List<DialResult> inFailed = new ArrayList<>();
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
                } else {
                    DialResult.Failed f = (DialResult.Failed) result;
                    bindFail(failed, call.id(), call.token(), f.reason(), now);
                    failed.addBatch();
                    inFailed.add(result);
                }
            }
            collect(accepted, inAccepted, lost, events);
            collect(retry, inRetry, lost, events);
            collect(failed, inFailed, lost, events);
            CallEvents.append(connection, now, events);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not record " + results.size() + " dial results: " + e.getMessage(), e);
        }
        return lost;
    }

    private static void collect(PreparedStatement statement, List<DialResult> results, List<DialResult> lost,
            List<NewEvent> events) throws SQLException {
        if (results.isEmpty()) {
            return;
        }
        int[] counts = statement.executeBatch();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] == 0) {
                lost.add(results.get(i));
            } else {
                eventsOf(results.get(i), events);
            }
        }
    }

    private static void eventsOf(DialResult result, List<NewEvent> events) {
        ClaimedCall call = result.call();
        int attempt = call.attempt();
        if (result instanceof DialResult.Accepted a) {
            events.add(new NewEvent(call.id(), EventType.ACCEPTED, IN_PROGRESS, a.progress().word(), attempt,
                    "Call API accepted attempt " + attempt + ": call_id " + a.callApiId() + ", " + a.progress().word()));
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
                CallEvents.append(connection, now,
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
                        + " attempts = CASE WHEN sent_at IS NULL THEN attempts ELSE attempts - 1 END, sent_at = NULL,"
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
                                + " SET boot_id = ?, started_at = ?, heartbeat_at = ? WHERE instance_id = ?")) {
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

    /** In-progress calls to ask the Call API about, the longest-running first. */
    @Transactional
    List<ActiveCall> listActive(int limit) {
        List<ActiveCall> active = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement("SELECT id, call_api_id, call_status, attempts,"
                        + " dialled_at FROM scheduled_calls WHERE status = 'in-progress'"
                        + " ORDER BY status, dialled_at LIMIT ?")) {
            select.setInt(1, limit);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    active.add(new ActiveCall(rows.getLong(1), rows.getString(2), rows.getString(3), rows.getInt(4),
                            instant(rows, 5)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not list in-progress calls: " + e.getMessage(), e);
        }
        return active;
    }

    /** Records the statuses the Call API reported, in id order; a final one ends the call. Unchanged ones are not written. */
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
                        + " WHERE id = ? AND call_api_id = ? AND status = 'in-progress'")) {
            for (StatusReport report : changed) {
                var progress = report.progress();
                String status = !progress.isFinal() ? IN_PROGRESS : progress.succeeded() ? COMPLETED : FAILED;
                update.setString(1, status);
                update.setString(2, progress.word());
                if (FAILED.equals(status)) {
                    update.setString(3, "Call ended with status " + progress.word());
                } else {
                    update.setNull(3, Types.VARCHAR);
                }
                update.setObject(4, utc(now));
                update.setLong(5, report.call().id());
                update.setString(6, report.call().callApiId());
                update.addBatch();
            }
            int[] counts = update.executeBatch();
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] == 0) {
                    continue;
                }
                StatusReport report = changed.get(i);
                var progress = report.progress();
                long id = report.call().id();
                int attempt = report.call().attempts();
                String status = !progress.isFinal() ? IN_PROGRESS : progress.succeeded() ? COMPLETED : FAILED;
                events.add(new NewEvent(id, EventType.STATUS_CHANGED, status, progress.word(), attempt,
                        "Call API reported " + progress.word()));
                if (progress.isFinal()) {
                    events.add(new NewEvent(id, progress.succeeded() ? EventType.COMPLETED : EventType.FAILED, status,
                            progress.word(), attempt, progress.succeeded() ? "Call completed"
                                    : "Call ended with status " + progress.word()));
                }
                Log.debugf("Call %d: call_status %s, status %s", id, progress.word(), status);
            }
            CallEvents.append(connection, now, events);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not record " + reports.size() + " call statuses: " + e.getMessage(), e);
        }
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
            CallEvents.append(connection, now, List.of(
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
            }
            return failed;
        } catch (SQLException e) {
            throw new IllegalStateException("Could not fail stale calls: " + e.getMessage(), e);
        }
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
