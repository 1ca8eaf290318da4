package org.callscheduler.support;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.callscheduler.call.CallStatus;
import org.callscheduler.call.ScheduledCall;

/** Puts the database into the state a test needs, bypassing the API's rules where the test must. */
@ApplicationScoped
public class CallFixtures {

    @Transactional
    public void deleteAll() {
        ScheduledCall.deleteAll();
        // The pacing every instance shares: no 429 pause or send slot left over from an earlier test.
        ScheduledCall.getEntityManager().createNativeQuery("UPDATE dispatch_pacing SET next_send_at = NULL,"
                + " paused_until = NULL, throttled_in_a_row = 0").executeUpdate();
        ScheduledCall.getEntityManager().createNativeQuery("DELETE FROM idempotent_requests").executeUpdate();
    }

    /** Makes the calls of {@code ids} due one after another: the first at {@code first}, then every {@code step}. */
    @Transactional
    public void dueOneAfterAnother(List<Long> ids, Instant first, java.time.Duration step) {
        for (int i = 0; i < ids.size(); i++) {
            ScheduledCall call = ScheduledCall.findById(ids.get(i));
            call.scheduledTime = first.plus(step.multipliedBy(i)).truncatedTo(ChronoUnit.MICROS);
            call.nextAttemptAt = call.scheduledTime;
        }
    }

    /** Changes a stored call, for the states a test needs. */
    @Transactional
    public void change(long id, java.util.function.Consumer<ScheduledCall> change) {
        change.accept(ScheduledCall.findById(id));
    }

    /** When the shared pacing row says sending is paused until (a 429), or null. */
    @Transactional
    public Instant pausedUntil() {
        Object value = ScheduledCall.getEntityManager().createNativeQuery("SELECT paused_until FROM dispatch_pacing")
                .getSingleResult();
        return value == null ? null : value instanceof java.time.OffsetDateTime o ? o.toInstant() : (Instant) value;
    }

    /**
     * Stores {@code count} pending calls that came due at {@code dueAt}: to {@code phoneNumber} when there is one,
     * to as many numbers when there are several (its last four digits replaced by 0000, 0001, ...), since calls to
     * one number are placed one at a time.
     */
    @Transactional
    public List<Long> insertPending(int count, String phoneNumber, Instant dueAt) {
        List<Long> ids = new ArrayList<>(count);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        for (int i = 0; i < count; i++) {
            ScheduledCall call = new ScheduledCall();
            call.phoneNumber = count == 1 ? phoneNumber
                    : String.format("%s%04d", phoneNumber.substring(0, phoneNumber.length() - 4), i);
            call.scheduledTime = dueAt.truncatedTo(ChronoUnit.MICROS);
            call.nextAttemptAt = call.scheduledTime;
            call.status = CallStatus.PENDING;
            call.idempotencyKey = UUID.randomUUID().toString();
            call.createdAt = now;
            call.updatedAt = now;
            call.persist();
            ids.add(call.id);
        }
        return ids;
    }

    /** Stores a call the Call API is working on under {@code callApiId}, dialled at {@code dialledAt}. */
    @Transactional
    public long insertInProgress(String callApiId, Instant dialledAt) {
        long id = insertPending(1, "+14155550123", dialledAt).get(0);
        ScheduledCall call = ScheduledCall.findById(id);
        call.status = CallStatus.IN_PROGRESS;
        call.callApiId = callApiId;
        call.callStatus = "initiated";
        call.dialledAt = dialledAt;
        call.nextAttemptAt = null;
        return id;
    }

    /** Stores a call that has ended with {@code status} (completed or failed). */
    @Transactional
    public long insertFinished(CallStatus status, String phoneNumber) {
        long id = insertInProgress("done-" + phoneNumber, Instant.now());
        ScheduledCall call = ScheduledCall.findById(id);
        call.phoneNumber = phoneNumber;
        call.status = status;
        call.callStatus = status == CallStatus.COMPLETED ? "completed" : "failed";
        return id;
    }

    /** Marks a pending call as claimed by {@code owner} until {@code leaseUntil}, as a dispatcher would, and not sent. */
    @Transactional
    public void claim(long id, String owner, Instant leaseUntil) {
        ScheduledCall call = ScheduledCall.findById(id);
        call.claimedBy = owner;
        call.claimToken = UUID.randomUUID().toString();
        call.leaseUntil = leaseUntil;
        call.nextAttemptAt = leaseUntil;
    }

    /**
     * Marks a pending call as claimed by {@code owner} until {@code leaseUntil} with its POST sent and
     * its answer not recorded: the state an instance leaves behind when it dies mid-dial.
     */
    @Transactional
    public void claimAndSend(long id, String owner, Instant leaseUntil) {
        claim(id, owner, leaseUntil);
        ScheduledCall call = ScheduledCall.findById(id);
        call.sentAt = leaseUntil.minusSeconds(5);
        call.attempts++;
    }

    /** The types of a call's events, oldest first. */
    @Transactional
    public List<String> eventTypes(long id) {
        return events(id).stream().map(e -> e.get("type")).toList();
    }

    /** A call's events as column name to text, oldest first. */
    @Transactional
    @SuppressWarnings("unchecked")
    public List<Map<String, String>> events(long id) {
        List<Object[]> rows = ScheduledCall.getEntityManager()
                .createNativeQuery("select type, status, call_status, attempt, detail from call_events where call_id = ?1"
                        + " order by id")
                .setParameter(1, id)
                .getResultList();
        return rows.stream().map(row -> {
            Map<String, String> event = new java.util.HashMap<>();
            event.put("type", (String) row[0]);
            event.put("status", (String) row[1]);
            event.put("call_status", (String) row[2]);
            event.put("attempt", String.valueOf(row[3]));
            event.put("detail", (String) row[4]);
            return event;
        }).toList();
    }

    @Transactional
    public ScheduledCall find(long id) {
        ScheduledCall call = ScheduledCall.findById(id);
        if (call != null) {
            ScheduledCall.getEntityManager().detach(call);
        }
        return call;
    }

    @Transactional
    public long count(CallStatus status) {
        return ScheduledCall.count("status", status);
    }
}
