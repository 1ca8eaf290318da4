package org.callscheduler.call;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;

/**
 * Everything that reads or changes scheduled calls: the API, the pages and the dispatch jobs all
 * come through here, and this class owns the transactions.
 */
@ApplicationScoped
public class CallService {

    static final int MAX_PAGE_SIZE = 500;
    static final int DEFAULT_PAGE_SIZE = 50;

    private static final List<String> FAILED_CALL_STATUSES = List.of("busy", "no-answer", "failed");
    /** An id is ASCII digits: Long.parseLong alone would also take "+23" and fullwidth or Arabic-Indic digits. */
    private static final Pattern ID = Pattern.compile("[0-9]{1,18}");
    /** A page or size, in ASCII digits likewise. */
    private static final Pattern NUMBER = Pattern.compile("[0-9]{1,9}");
    /**
     * An ISO-8601 date-time with an offset, in ASCII digits. OffsetDateTime.parse alone is looser: it takes a
     * decimal point without digits ("10:00:00.Z") and signed years beyond 9999.
     */
    private static final Pattern DATE_TIME = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}"
            + "(:[0-9]{2}(\\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2}(:[0-9]{2})?)", Pattern.CASE_INSENSITIVE);

    @Inject
    CallConfig config;

    @Inject
    CallInserter inserter;

    @Inject
    Event<CallRemoved> removed;

    void checkConfig(@Observes StartupEvent event) {
        if (!PhoneNumbers.isSupportedRegion(config.defaultRegion())) {
            throw new IllegalStateException("call-scheduler.calls.default-region=" + config.defaultRegion()
                    + " is not a region libphonenumber knows (use an ISO 3166 code such as US or GB)");
        }
    }

    // ---- the API's side

    /** Stores a call to be dialled at the requested time; completes once it is committed. */
    public CompletionStage<ScheduledCall> schedule(ScheduleRequest request) {
        List<Violation> violations = new ArrayList<>();
        Optional<String> phone = normalisePhone(request.phoneNumber(), violations);
        Optional<Instant> time = parseScheduledTime(request.scheduledTime(), violations);
        if (!violations.isEmpty()) {
            throw new InvalidRequestException(violations);
        }
        return create(phone.orElseThrow(), time.orElseThrow());
    }

    /** Stores a call to be dialled straight away; completes once it is committed. */
    public CompletionStage<ScheduledCall> callNow(CallNowRequest request) {
        List<Violation> violations = new ArrayList<>();
        Optional<String> phone = normalisePhone(request.phoneNumber(), violations);
        if (!violations.isEmpty()) {
            throw new InvalidRequestException(violations);
        }
        return create(phone.orElseThrow(), now());
    }

    public ScheduledCall get(String id) {
        ScheduledCall call = parseId(id).<ScheduledCall> map(callId -> ScheduledCall.findById(callId)).orElse(null);
        if (call == null) {
            throw new CallNotFoundException(id);
        }
        return call;
    }

    /**
     * A page of calls, newest scheduled time first.
     *
     * @param status null for all, or a status's wire form
     * @param page null or a 0-based page number
     * @param size null or a page size from 1 to 500
     */
    @Transactional
    public CallPage list(String status, String page, String size) {
        List<Violation> violations = new ArrayList<>();
        Optional<CallStatus> filter = Optional.empty();
        if (status != null && !status.isEmpty()) {
            filter = CallStatus.parse(status);
            if (filter.isEmpty()) {
                violations.add(new Violation("status", "must be one of pending, in-progress, completed, failed"));
            }
        }
        int pageIndex = parseInt(page, 0, 0, Integer.MAX_VALUE, "page", "must be a whole number of 0 or more",
                violations);
        int pageSize = parseInt(size, DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE, "size",
                "must be a whole number from 1 to " + MAX_PAGE_SIZE, violations);
        if (!violations.isEmpty()) {
            throw new InvalidRequestException(violations);
        }
        var query = ScheduledCall.listNewestFirst(filter);
        long total = query.count();
        if ((long) pageIndex * pageSize >= total) {
            return new CallPage(List.of(), total);
        }
        List<CallResponse> calls = query.page(pageIndex, pageSize).<ScheduledCall> list().stream()
                .map(CallResponse::from).toList();
        return new CallPage(calls, total);
    }

    /** How many calls there are of each status, every status included. */
    @Transactional
    public Map<CallStatus, Long> countByStatus() {
        return ScheduledCall.countByStatus();
    }

    /** Deletes a pending call that no dispatcher is dialling; it is then never dialled. */
    @Transactional
    public void delete(String id) {
        long callId = parseId(id).orElseThrow(() -> new CallNotFoundException(id));
        long deleted = ScheduledCall.delete("id = ?1 and status = ?2 and claimedBy is null", callId, CallStatus.PENDING);
        if (deleted == 1) {
            Log.infof("Call %d deleted", callId);
            removed.fire(new CallRemoved(callId));
            return;
        }
        ScheduledCall call = ScheduledCall.findById(callId);
        if (call == null) {
            throw new CallNotFoundException(callId);
        }
        throw new CallNotPendingException(callId,
                call.status == CallStatus.PENDING ? "it is being dialled" : "it is " + call.status);
    }

    // ---- the dispatcher's side

    /**
     * Claims up to {@code limit} due calls for {@code owner} until {@code now + lease}. A claimed call
     * is invisible to every other dispatcher until its lease runs out, so it is dialled by one only.
     */
    @Transactional
    public List<ClaimedCall> claimDue(String owner, int limit, Duration lease) {
        Instant now = now();
        Instant leaseUntil = now.plus(lease);
        List<Object[]> due = ScheduledCall.findDue(now, limit);
        if (due.isEmpty()) {
            return List.of();
        }
        Map<Long, String> previousOwners = new HashMap<>();
        Map<Long, Instant> dueAt = new HashMap<>();
        for (Object[] row : due) {
            previousOwners.put((Long) row[0], (String) row[1]);
            dueAt.put((Long) row[0], (Instant) row[2]);
        }
        if (ScheduledCall.claim(previousOwners.keySet(), owner, now, leaseUntil) == 0) {
            return List.of();
        }
        List<ClaimedCall> claimed = new ArrayList<>(due.size());
        for (Object[] row : ScheduledCall.claimedBy(previousOwners.keySet(), owner, leaseUntil)) {
            long id = (Long) row[0];
            String previousOwner = previousOwners.get(id);
            claimed.add(new ClaimedCall(id, (String) row[1], (Integer) row[2], previousOwner != null, previousOwner,
                    leaseUntil, dueAt.get(id)));
        }
        return claimed;
    }

    /** When the next pending call comes due (or a claim on one expires). */
    @Transactional
    public Optional<Instant> nextDueTime() {
        return ScheduledCall.nextDueTime();
    }

    /** Records what became of dial attempts that {@code owner} claimed, in one transaction. */
    @Transactional
    public void recordDialResults(String owner, Collection<DialResult> results) {
        Instant now = now();
        List<DialResult.Dialled> dialled = new ArrayList<>(results.size());
        for (DialResult result : results) {
            if (result instanceof DialResult.Dialled d) {
                dialled.add(d);
                continue;
            }
            int updated;
            if (result instanceof DialResult.Retry r) {
                updated = ScheduledCall.update(
                        "nextAttemptAt = ?1, errorMessage = ?2, updatedAt = ?3, claimedBy = null, leaseUntil = null,"
                                + " version = version + 1 where id = ?4 and claimedBy = ?5 and status = ?6",
                        r.notBefore(), truncate(r.reason()), now, r.callId(), owner, CallStatus.PENDING);
            } else {
                DialResult.Failed f = (DialResult.Failed) result;
                updated = ScheduledCall.update(
                        "status = ?1, errorMessage = ?2, updatedAt = ?3, nextAttemptAt = null, claimedBy = null,"
                                + " leaseUntil = null, version = version + 1 where id = ?4 and claimedBy = ?5 and status = ?6",
                        CallStatus.FAILED, truncate(f.reason()), now, f.callId(), owner, CallStatus.PENDING);
            }
            if (updated == 0) {
                warnClaimLost(owner, result);
            }
        }
        boolean[] updated = ScheduledCall.markDialled(dialled, owner, now);
        for (int i = 0; i < updated.length; i++) {
            if (!updated[i]) {
                warnClaimLost(owner, dialled.get(i));
            }
        }
    }

    private static void warnClaimLost(String owner, DialResult result) {
        Log.warnf("Call %d: result %s not recorded, the claim of %s on it was lost", result.callId(), result, owner);
    }

    /** Gives back claims that {@code owner} will not dial after all (on shutdown), uncounting the attempt. */
    @Transactional
    public int releaseClaims(String owner, Collection<Long> ids) {
        if (ids.isEmpty()) {
            return 0;
        }
        return ScheduledCall.update("claimedBy = null, leaseUntil = null, nextAttemptAt = ?1, attempts = attempts - 1,"
                + " version = version + 1 where id in ?2 and claimedBy = ?3 and status = ?4",
                now(), ids, owner, CallStatus.PENDING);
    }

    /** In-progress calls to ask the Call API about, the longest-running first. */
    @Transactional
    public List<ActiveCall> listActive(int limit) {
        return ScheduledCall.listActive(limit).stream()
                .map(c -> new ActiveCall(c.id, c.callApiId, c.dialledAt))
                .toList();
    }

    /** Records the statuses the Call API reported; a final one ends the call. */
    @Transactional
    public void recordStatuses(Collection<StatusReport> reports) {
        Instant now = now();
        for (StatusReport report : reports) {
            String status = report.callStatus();
            CallStatus next = "completed".equals(status) ? CallStatus.COMPLETED
                    : FAILED_CALL_STATUSES.contains(status) ? CallStatus.FAILED : CallStatus.IN_PROGRESS;
            String error = next == CallStatus.FAILED ? "Call ended with status " + status : null;
            // An unchanged in-progress status is not written again.
            int updated = next == CallStatus.IN_PROGRESS
                    ? ScheduledCall.update("callStatus = ?1, updatedAt = ?2, version = version + 1"
                            + " where id = ?3 and callApiId = ?4 and status = ?5 and (callStatus is null or callStatus <> ?1)",
                            status, now, report.callId(), report.callApiId(), CallStatus.IN_PROGRESS)
                    : ScheduledCall.update("status = ?1, callStatus = ?2, errorMessage = ?3, updatedAt = ?4,"
                            + " version = version + 1 where id = ?5 and callApiId = ?6 and status = ?7",
                            next, status, error, now, report.callId(), report.callApiId(), CallStatus.IN_PROGRESS);
            if (updated > 0) {
                Log.debugf("Call %d: call_status %s, status %s", report.callId(), status, next);
            }
        }
    }

    /** Fails an in-progress call, for example one the Call API no longer knows. */
    @Transactional
    public void failActive(long id, String reason) {
        int updated = ScheduledCall.update("status = ?1, errorMessage = ?2, updatedAt = ?3, version = version + 1"
                + " where id = ?4 and status = ?5", CallStatus.FAILED, truncate(reason), now(), id, CallStatus.IN_PROGRESS);
        if (updated > 0) {
            Log.warnf("Call %d failed: %s", id, reason);
        }
    }

    /** Fails the in-progress calls dialled longer than {@code maxDuration} ago; returns how many. */
    @Transactional
    public int failStale(Duration maxDuration) {
        Instant now = now();
        List<Long> stale = ScheduledCall.<ScheduledCall> list("status = ?1 and dialledAt < ?2",
                CallStatus.IN_PROGRESS, now.minus(maxDuration)).stream().map(c -> c.id).toList();
        if (stale.isEmpty()) {
            return 0;
        }
        String reason = "status timeout: no final status from the Call API within " + maxDuration;
        ScheduledCall.update("status = ?1, errorMessage = ?2, updatedAt = ?3, version = version + 1"
                + " where id in ?4 and status = ?5", CallStatus.FAILED, reason, now, stale, CallStatus.IN_PROGRESS);
        stale.forEach(id -> Log.warnf("Call %d failed: %s", id, reason));
        return stale.size();
    }

    // ---- helpers

    private CompletionStage<ScheduledCall> create(String phoneNumber, Instant dueAt) {
        Instant now = now();
        ScheduledCall call = new ScheduledCall();
        call.phoneNumber = phoneNumber;
        call.scheduledTime = dueAt;
        call.nextAttemptAt = dueAt;
        call.status = CallStatus.PENDING;
        call.createdAt = now;
        call.updatedAt = now;
        return inserter.insert(call);
    }

    private Optional<String> normalisePhone(String raw, List<Violation> violations) {
        Optional<String> phone = PhoneNumbers.toE164(raw, config.defaultRegion());
        if (phone.isEmpty()) {
            violations.add(new Violation("phone_number",
                    "must be a valid phone number, for example +14155550123 or +1 (415) 555-0123"));
        }
        return phone;
    }

    private Optional<Instant> parseScheduledTime(String raw, List<Violation> violations) {
        Optional<Instant> parsed = parseOffsetDateTime(raw);
        if (parsed.isEmpty()) {
            violations.add(new Violation("scheduled_time",
                    "must be an ISO-8601 time with an offset, for example 2026-11-24T21:30:00Z or 2026-11-24T16:30:00-05:00"));
            return Optional.empty();
        }
        Instant time = parsed.get();
        Instant now = Instant.now();
        if (time.isBefore(now.minus(config.maxPast()))) {
            violations.add(new Violation("scheduled_time",
                    "must not be more than " + config.maxPast().toSeconds() + " seconds in the past"));
            return Optional.empty();
        }
        if (time.isAfter(now.plus(config.maxAhead()))) {
            violations.add(new Violation("scheduled_time",
                    "must be at most " + config.maxAhead().toDays() + " days in the future"));
            return Optional.empty();
        }
        return Optional.of(ceilToMicros(time));
    }

    private static Optional<Instant> parseOffsetDateTime(String raw) {
        if (!DATE_TIME.matcher(raw).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(OffsetDateTime.parse(raw).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static int parseInt(String raw, int fallback, int min, int max, String field, String message,
            List<Violation> violations) {
        if (raw == null || raw.isEmpty()) {
            return fallback;
        }
        if (NUMBER.matcher(raw).matches()) {
            int value = Integer.parseInt(raw);
            if (value >= min && value <= max) {
                return value;
            }
        }
        violations.add(new Violation(field, message));
        return fallback;
    }

    private static Optional<Long> parseId(String id) {
        return id != null && ID.matcher(id).matches() ? Optional.of(Long.parseLong(id)) : Optional.empty();
    }

    /** The database keeps microseconds; rounding up keeps "never before its time" true. */
    private static Instant ceilToMicros(Instant time) {
        Instant down = time.truncatedTo(ChronoUnit.MICROS);
        return down.equals(time) ? time : down.plus(1, ChronoUnit.MICROS);
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    private static String truncate(String message) {
        return message == null || message.length() <= 1000 ? message : message.substring(0, 997) + "...";
    }
}
