package org.callscheduler.support;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

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
    }

    /** Stores {@code count} pending calls that came due at {@code dueAt}. */
    @Transactional
    public List<Long> insertPending(int count, String phoneNumber, Instant dueAt) {
        List<Long> ids = new ArrayList<>(count);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        for (int i = 0; i < count; i++) {
            ScheduledCall call = new ScheduledCall();
            call.phoneNumber = phoneNumber;
            call.scheduledTime = dueAt.truncatedTo(ChronoUnit.MICROS);
            call.nextAttemptAt = call.scheduledTime;
            call.status = CallStatus.PENDING;
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

    /** Marks a pending call as claimed by {@code owner} until {@code leaseUntil}, as a dispatcher would. */
    @Transactional
    public void claim(long id, String owner, Instant leaseUntil) {
        ScheduledCall call = ScheduledCall.findById(id);
        call.claimedBy = owner;
        call.leaseUntil = leaseUntil;
        call.nextAttemptAt = leaseUntil;
        call.attempts++;
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
