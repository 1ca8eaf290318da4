package org.callscheduler.call;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.regex.Pattern;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import org.callscheduler.event.CallEvent;
import org.callscheduler.event.CallEvents;
import org.hibernate.Session;

import com.fasterxml.jackson.databind.JsonNode;

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
    CallingRulesReader rulesReader;

    @Inject
    Event<CallRemoved> removed;

    @Inject
    Event<CallScheduled> rescheduled;

    @Inject
    CallEvents history;

    @Inject
    com.fasterxml.jackson.databind.ObjectMapper json;

    private SharedCounts sharedCounts;

    @PostConstruct
    void shareCounts() {
        sharedCounts = new SharedCounts(Clock.systemUTC(), config.countSharing());
    }

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
        Optional<CallingRules> rules = phone.isEmpty() || time.isEmpty() ? Optional.empty()
                : rulesReader.read(request, phone.get(), time.get(), now(), false, violations);
        if (!violations.isEmpty()) {
            throw new InvalidRequestException(violations);
        }
        return create(phone.orElseThrow(), time.orElseThrow(), rules.orElseThrow());
    }

    /** The most calls in one POST /api/calls/batch. */
    static final int MAX_BATCH = 1000;

    /**
     * Stores up to 1,000 calls in one transaction, all or none; completes once they are committed. Every item is
     * checked as POST /api/schedule checks its body, and any problem is a 400 naming it as {@code calls[3].field}.
     */
    public CompletionStage<List<ScheduledCall>> scheduleAll(BatchRequest request) {
        List<Violation> violations = new ArrayList<>();
        if (request.calls() == null || request.calls().isEmpty() || request.calls().size() > MAX_BATCH) {
            throw new InvalidRequestException(List.of(new Violation("calls", "must list 1 to " + MAX_BATCH + " calls")));
        }
        Instant now = now();
        List<ScheduledCall> calls = new ArrayList<>(request.calls().size());
        for (int i = 0; i < request.calls().size(); i++) {
            List<Violation> itemViolations = new ArrayList<>();
            readItem(request.calls().get(i), now, itemViolations).ifPresent(calls::add);
            String prefix = "calls[" + i + "]";
            itemViolations.forEach(v -> violations.add(new Violation(
                    v.field().isEmpty() ? prefix : prefix + "." + v.field(), v.message())));
        }
        if (!violations.isEmpty()) {
            throw new InvalidRequestException(violations);
        }
        return inserter.insertAll(calls);
    }

    /**
     * Checks calls as {@link #scheduleAll} checks each item, storing nothing: for each, in the order given, what is
     * wrong with it (an empty list for a good one), field names as in the API. Any number of calls: for a preview.
     */
    public List<List<Violation>> checkEach(List<ScheduleRequest> items) {
        Instant now = now();
        List<List<Violation>> result = new ArrayList<>(items.size());
        for (ScheduleRequest item : items) {
            List<Violation> itemViolations = new ArrayList<>();
            readItem(item, now, itemViolations);
            result.add(List.copyOf(itemViolations));
        }
        return result;
    }

    /** One item of a batch as a new call, or its violations (field names without the calls[i] prefix). */
    private Optional<ScheduledCall> readItem(ScheduleRequest item, Instant now, List<Violation> itemViolations) {
        if (item == null) {
            itemViolations.add(new Violation("", "must be a call object"));
            return Optional.empty();
        }
        if (item.phoneNumber() == null) {
            itemViolations.add(new Violation("phone_number", "is required"));
        }
        if (item.scheduledTime() == null) {
            itemViolations.add(new Violation("scheduled_time", "is required"));
        }
        Optional<String> phone = item.phoneNumber() == null ? Optional.empty()
                : normalisePhone(item.phoneNumber(), itemViolations);
        Optional<Instant> time = item.scheduledTime() == null ? Optional.empty()
                : parseScheduledTime(item.scheduledTime(), itemViolations);
        Optional<CallingRules> rules = phone.isEmpty() || time.isEmpty() ? Optional.empty()
                : rulesReader.read(item, phone.get(), time.get(), now, false, itemViolations);
        if (!itemViolations.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(newCall(phone.get(), time.get(), rules.orElseThrow(), now));
    }

    /**
     * Stores a call to be dialled straight away; completes once it is committed. A call whose calling window is
     * closed now is refused (400 naming calling_window and when it opens): "now" cannot wait.
     */
    public CompletionStage<ScheduledCall> callNow(CallNowRequest request) {
        List<Violation> violations = new ArrayList<>();
        Optional<String> phone = normalisePhone(request.phoneNumber(), violations);
        Instant now = now();
        Optional<CallingRules> rules = phone.isEmpty() ? Optional.empty()
                : rulesReader.read(request, phone.get(), now, now, true, violations);
        if (!violations.isEmpty()) {
            throw new InvalidRequestException(violations);
        }
        return create(phone.orElseThrow(), now, rules.orElseThrow());
    }

    public ScheduledCall get(String id) {
        ScheduledCall call = parseId(id).<ScheduledCall> map(callId -> ScheduledCall.findById(callId)).orElse(null);
        if (call == null) {
            throw new CallNotFoundException(id);
        }
        return call;
    }

    /** The calls of {@code ids} as the API shows them, by id (missing ones are left out). */
    @Transactional
    public Map<Long, CallResponse> findAll(java.util.Collection<Long> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        Map<Long, CallResponse> byId = new java.util.HashMap<>();
        ScheduledCall.<ScheduledCall> list("id in ?1", java.util.Set.copyOf(ids))
                .forEach(call -> byId.put(call.id, CallResponse.from(call)));
        return byId;
    }

    /** The history of a call, oldest first. */
    @Transactional
    public List<CallEvent> events(String id) {
        ScheduledCall call = get(id);
        return ScheduledCall.getEntityManager().unwrap(Session.class)
                .doReturningWork(connection -> CallEvents.list(connection, call.id));
    }

    /**
     * A page of calls, newest scheduled time first.
     *
     * @param status null for all, or a status's wire form
     * @param page null or a 0-based page number
     * @param size null or a page size from 1 to 500
     */
    @Transactional
    public CallPage<CallResponse> list(String status, String page, String size) {
        return list(new ListQuery(status, null, null, null, null, page, size), CallResponse::from);
    }

    /** A page of calls matching every filter given in {@code query}, newest scheduled time first. */
    @Transactional
    public CallPage<CallResponse> list(ListQuery query) {
        return list(query, CallResponse::from);
    }

    /** A page of calls as {@link #list} gives it, each with why it waits past its scheduled time. */
    @Transactional
    public CallPage<CallWithWait> listWithWaits(String status, String page, String size) {
        return list(new ListQuery(status, null, null, null, null, page, size), CallWithWait::from);
    }

    /** A page of calls matching every filter given in {@code query}, each with why it waits past its scheduled time. */
    @Transactional
    public CallPage<CallWithWait> listWithWaits(ListQuery query) {
        return list(query, CallWithWait::from);
    }

    /** Calls read at a time by {@link #forEachMatching}, each chunk in a short transaction of its own. */
    static final int EXPORT_CHUNK = 500;

    /**
     * Hands every call that matches the filters of {@code query} (its page and size are ignored) to {@code each},
     * newest scheduled time first, as GET /api/calls lists them. The calls are read 500 at a time, each chunk in a
     * transaction of its own and after the last call of the one before (by scheduled time and id), so a long export
     * holds no transaction open and a call added meanwhile neither shifts nor repeats a row. A bad filter is a 400 as
     * in the list, before anything is handed on.
     */
    public void forEachMatching(ListQuery query, java.util.function.Consumer<CallResponse> each) {
        List<Violation> violations = new ArrayList<>();
        CallFilter filter = filterOf(query, violations);
        if (!violations.isEmpty()) {
            throw new InvalidRequestException(violations);
        }
        Instant afterTime = null;
        Long afterId = null;
        while (true) {
            Instant time = afterTime;
            Long id = afterId;
            List<CallResponse> chunk = io.quarkus.narayana.jta.QuarkusTransaction.requiringNew()
                    .call(() -> ScheduledCall.listNewestFirstAfter(filter, time, id, EXPORT_CHUNK).stream()
                            .map(CallResponse::from).toList());
            chunk.forEach(each);
            if (chunk.size() < EXPORT_CHUNK) {
                return;
            }
            CallResponse last = chunk.get(chunk.size() - 1);
            afterTime = last.scheduledTime();
            afterId = last.id();
        }
    }

    /** The query parameters of GET /api/calls, as given (null when absent). */
    public record ListQuery(String status, String phoneNumber, String reference, String scheduledFrom,
            String scheduledTo, String page, String size) {
    }

    private <T> CallPage<T> list(ListQuery query, Function<ScheduledCall, T> view) {
        List<Violation> violations = new ArrayList<>();
        CallFilter filter = filterOf(query, violations);
        int pageIndex = parseInt(query.page(), 0, 0, Integer.MAX_VALUE, "page", "must be a whole number of 0 or more",
                violations);
        int pageSize = parseInt(query.size(), DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE, "size",
                "must be a whole number from 1 to " + MAX_PAGE_SIZE, violations);
        if (!violations.isEmpty()) {
            throw new InvalidRequestException(violations);
        }
        var found = ScheduledCall.listNewestFirst(filter);
        // Counted up to the cap only: past it the count says "10000+" (a page past the cap is still served).
        long counted = ScheduledCall.countMatching(filter, config.countCap() + 1L);
        boolean capped = counted > config.countCap();
        long total = capped ? config.countCap() : counted;
        if (!capped && (long) pageIndex * pageSize >= total) {
            return new CallPage<>(List.of(), total);
        }
        List<T> calls = found.page(pageIndex, pageSize).<ScheduledCall> list().stream().map(view).toList();
        return new CallPage<>(calls, total, capped);
    }

    /** The filters of {@code query}; each bad one is added to {@code violations}, for the caller to throw. */
    private CallFilter filterOf(ListQuery query, List<Violation> violations) {
        Optional<CallStatus> status = Optional.empty();
        if (query.status() != null && !query.status().isEmpty()) {
            status = CallStatus.parse(query.status());
            if (status.isEmpty()) {
                violations.add(new Violation("status", "must be one of pending, in-progress, completed, failed"));
            }
        }
        Optional<String> phone = Optional.empty();
        if (query.phoneNumber() != null && !query.phoneNumber().isEmpty()) {
            phone = PhoneNumbers.toE164(query.phoneNumber(), config.defaultRegion());
            if (phone.isEmpty()) {
                violations.add(new Violation("phone_number", "must be a valid phone number, for example +14155550123"));
            }
        }
        Optional<String> reference = Optional.ofNullable(query.reference()).filter(r -> !r.isEmpty());
        if (reference.isPresent() && !isReference(reference.get())) {
            violations.add(new Violation("reference", "must be 1 to 128 printable characters"));
        }
        Optional<Instant> from = instantParameter(query.scheduledFrom(), "scheduled_from", violations);
        Optional<Instant> to = instantParameter(query.scheduledTo(), "scheduled_to", violations);
        return new CallFilter(status, phone, reference, from, to);
    }

    private static Optional<Instant> instantParameter(String raw, String name, List<Violation> violations) {
        if (raw == null || raw.isEmpty()) {
            return Optional.empty();
        }
        Optional<Instant> parsed = parseOffsetDateTime(raw);
        if (parsed.isEmpty()) {
            violations.add(new Violation(name, "must be an ISO-8601 time with an offset, for example 2026-11-24T00:00:00Z"));
        }
        return parsed;
    }

    /** 1 to 128 characters, none of them a control character. */
    static boolean isReference(String reference) {
        return !reference.isEmpty() && reference.length() <= 128
                && reference.codePoints().noneMatch(c -> Character.isISOControl(c) || c == 0x2028 || c == 0x2029);
    }

    /** The fields PATCH /api/calls/{id} may change. */
    static final Set<String> PATCHABLE = Set.of("scheduled_time", "phone_number", "time_zone", "calling_window",
            "expires_at", "retry", "reference", "metadata");
    private static final Set<String> TIMING = Set.of("scheduled_time", "phone_number", "time_zone", "calling_window",
            "expires_at");

    /**
     * Changes a pending call that no dispatcher is sending (CONTRACT part 2, PATCH): the fields given, {@code null}
     * setting an optional one back to its default, with the same rules as when a call is created. Race-free with
     * dispatch: the change is written only if the call's version is still the one read (a claim changes it), so
     * either it is applied and the call is sent with the new values, or 409 and nothing changed. An {@code updated}
     * event says what changed.
     */
    @Transactional
    public ScheduledCall patch(String id, JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new InvalidRequestException(List.of(new Violation("body", "must be a JSON object")));
        }
        ScheduledCall call = get(id);
        List<Violation> violations = new ArrayList<>();
        body.fieldNames().forEachRemaining(field -> {
            if (!PATCHABLE.contains(field)) {
                violations.add(new Violation(field, "cannot be changed (changeable: " + String.join(", ",
                        new java.util.TreeSet<>(PATCHABLE)) + ")"));
            }
        });
        if (!violations.isEmpty()) {
            throw new InvalidRequestException(violations);
        }
        if (call.status != CallStatus.PENDING) {
            throw new CallNotPendingException(call.id, "changed", "it is " + call.status);
        }
        if (call.claimedBy != null) {
            throw new CallNotPendingException(call.id, "changed", "it is being sent right now");
        }
        Instant now = now();
        String phone = call.phoneNumber;
        if (body.has("phone_number")) {
            phone = body.get("phone_number").isTextual() ? normalisePhone(body.get("phone_number").asText(), violations)
                    .orElse(null) : null;
            if (!body.get("phone_number").isTextual()) {
                violations.add(new Violation("phone_number", "must be a phone number (text)"));
            }
        }
        Instant due = call.scheduledTime;
        if (body.has("scheduled_time")) {
            due = body.get("scheduled_time").isTextual()
                    ? parseScheduledTime(body.get("scheduled_time").asText(), violations).orElse(null) : null;
            if (!body.get("scheduled_time").isTextual()) {
                violations.add(new Violation("scheduled_time", "must be an ISO-8601 time with an offset (text)"));
            }
        }
        ScheduleRequest merged = new ScheduleRequest(phone, due == null ? null : due.toString(),
                text(body, "time_zone", body.has("phone_number") ? null : call.timeZone, violations),
                object(body, "calling_window", CallingWindowJson.class, call.callingWindow == null ? null
                        : CallingWindowJson.from(org.callscheduler.policy.CallingWindow.parse(call.callingWindow)),
                        violations),
                text(body, "expires_at", call.expiresAt == null ? null : call.expiresAt.toString(), violations),
                object(body, "retry", RetryJson.class, org.callscheduler.policy.OutcomeRetry.fromColumns(call.retryOn,
                        call.retryMax, call.retryDelaySeconds).map(RetryJson::from).orElse(null), violations),
                text(body, "reference", call.reference, violations),
                body.has("metadata") ? body.get("metadata") : CallResponse.metadata(call.metadata));
        if (!violations.isEmpty() || phone == null || due == null) {
            throw new InvalidRequestException(violations);
        }
        boolean timing = TIMING.stream().anyMatch(body::has);
        boolean keepExpiry = timing && !body.has("expires_at");
        if (keepExpiry) {
            merged = new ScheduleRequest(merged.phoneNumber(), merged.scheduledTime(), merged.timeZone(),
                    merged.callingWindow(), null, merged.retry(), merged.reference(), merged.metadata());
        }
        Optional<CallingRules> read = rulesReader.read(merged, phone, due.isBefore(now) ? now : due, now, false,
                violations);
        if (read.isEmpty()) {
            throw new InvalidRequestException(violations);
        }
        CallingRules rules = read.get();
        Map<String, String> before = describe(call);
        call.phoneNumber = phone;
        call.reference = rules.reference();
        call.metadata = rules.metadata();
        call.retryOn = rules.retry() == null ? null : rules.retry().onColumn();
        call.retryMax = rules.retry() == null ? 0 : rules.retry().maxRetries();
        call.retryDelaySeconds = rules.retry() == null ? 0 : rules.retry().delay().toSeconds();
        if (timing) {
            call.scheduledTime = due;
            call.timeZone = rules.timeZone();
            call.callingWindow = rules.window() == null ? null : rules.window().toString();
            // A kept expiry stays when the call can still be placed before it; else the default for the new time.
            call.expiresAt = keepExpiry && call.expiresAt != null && call.expiresAt.isAfter(rules.notBefore())
                    ? call.expiresAt : rules.expiresAt();
            boolean backingOff = ("backoff".equals(call.waitReason) || "throttled".equals(call.waitReason))
                    && call.nextAttemptAt != null && call.nextAttemptAt.isAfter(rules.notBefore());
            if (!backingOff) {
                call.nextAttemptAt = rules.notBefore();
                call.waitReason = rules.deferral() != null ? "window" : null;
            }
        }
        call.updatedAt = now;
        Map<String, String> after = describe(call);
        List<String> changes = new ArrayList<>();
        for (Map.Entry<String, String> field : after.entrySet()) {
            String old = before.get(field.getKey());
            if (!java.util.Objects.equals(old, field.getValue())) {
                changes.add(field.getKey() + " " + old + " -> " + field.getValue());
            }
        }
        try {
            ScheduledCall.flush();
        } catch (jakarta.persistence.OptimisticLockException e) {
            throw new CallNotPendingException(call.id, "changed", "it is being sent right now");
        }
        String detail = changes.isEmpty() ? "Nothing changed" : "Changed " + String.join("; ", changes);
        ScheduledCall.getEntityManager().unwrap(Session.class).doWork(connection -> history.append(connection, now,
                List.of(new org.callscheduler.event.NewEvent(call.id, org.callscheduler.event.EventType.UPDATED,
                        call.status.value(), call.callStatus, call.attempts, detail))));
        if (call.nextAttemptAt != null) {
            rescheduled.fire(new CallScheduled(1, call.nextAttemptAt));
        }
        Log.infof("Call %d changed: %s", call.id, detail);
        return call;
    }

    private static Map<String, String> describe(ScheduledCall call) {
        Map<String, String> fields = new java.util.LinkedHashMap<>();
        fields.put("scheduled_time", String.valueOf(call.scheduledTime));
        fields.put("phone_number", call.phoneNumber);
        fields.put("time_zone", call.timeZone);
        fields.put("calling_window", call.callingWindow);
        fields.put("expires_at", String.valueOf(call.expiresAt));
        fields.put("retry", call.retryOn == null ? null : call.retryOn + " x" + call.retryMax + " after "
                + java.time.Duration.ofSeconds(call.retryDelaySeconds));
        fields.put("reference", call.reference);
        fields.put("metadata", call.metadata);
        fields.put("not_before", String.valueOf(call.nextAttemptAt));
        return fields;
    }

    /** A text field of a PATCH body: absent keeps {@code current}, null clears it. */
    private static String text(JsonNode body, String field, String current, List<Violation> violations) {
        if (!body.has(field)) {
            return current;
        }
        JsonNode value = body.get(field);
        if (value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            violations.add(new Violation(field, "must be text or null"));
            return null;
        }
        return value.asText();
    }

    /** An object field of a PATCH body: absent keeps {@code current}, null clears it. */
    private <T> T object(JsonNode body, String field, Class<T> type, T current, List<Violation> violations) {
        if (!body.has(field)) {
            return current;
        }
        JsonNode value = body.get(field);
        if (value.isNull()) {
            return null;
        }
        try {
            if (!value.isObject()) {
                throw new IllegalArgumentException();
            }
            return json.treeToValue(value, type);
        } catch (IllegalArgumentException | com.fasterxml.jackson.core.JsonProcessingException e) {
            violations.add(new Violation(field, "must be an object as in CONTRACT part 2, or null"));
            return null;
        }
    }

    /** How many calls there are of each status, every status included. */
    @Transactional
    public Map<CallStatus, Long> countByStatus() {
        return ScheduledCall.countByStatus();
    }

    /**
     * The page's counts, each up to the count cap ("10000+" past it): by status, and under the key "" all calls;
     * shared for {@code count-sharing} by the requests that ask.
     */
    @Transactional
    public Map<String, String> countTextsByStatus() {
        return sharedCounts.get(this::countTexts);
    }

    private Map<String, String> countTexts() {
        Map<String, String> texts = new java.util.LinkedHashMap<>();
        long all = 0;
        boolean capped = false;
        for (CallStatus status : CallStatus.values()) {
            long count = ScheduledCall.countUpTo(status, config.countCap() + 1L);
            boolean over = count > config.countCap();
            capped |= over;
            all += over ? config.countCap() : count;
            texts.put(status.value(), over ? config.countCap() + "+" : Long.toString(count));
        }
        texts.put("", capped ? all + "+" : Long.toString(all));
        return texts;
    }

    /**
     * Deletes a pending call whose next dial was never sent: no dispatcher is dialling it and no
     * earlier POST of this dial may have reached the Call API (a timeout or a 5xx leaves its outcome
     * unknown; a 429 does not, nor does an earlier dial that ended busy or unanswered). It is then
     * never dialled.
     */
    @Transactional
    public void delete(String id) {
        long callId = parseId(id).orElseThrow(() -> new CallNotFoundException(id));
        long deleted = ScheduledCall.delete("id = ?1 and status = ?2 and claimedBy is null and dialPosts = 0", callId,
                CallStatus.PENDING);
        if (deleted == 1) {
            Log.infof("Call %d deleted", callId);
            removed.fire(new CallRemoved(callId));
            return;
        }
        ScheduledCall call = ScheduledCall.findById(callId);
        if (call == null) {
            throw new CallNotFoundException(callId);
        }
        if (call.status != CallStatus.PENDING) {
            throw new CallNotPendingException(callId, "it is " + call.status);
        }
        throw new CallNotPendingException(callId, call.claimedBy != null ? "it is being dialled"
                : "an earlier attempt may have reached the Call API (" + call.dialPosts + " sent; last error: "
                        + call.errorMessage + ")");
    }

    // ---- helpers

    private CompletionStage<ScheduledCall> create(String phoneNumber, Instant dueAt, CallingRules rules) {
        return inserter.insert(newCall(phoneNumber, dueAt, rules, now()));
    }

    private static ScheduledCall newCall(String phoneNumber, Instant dueAt, CallingRules rules, Instant now) {
        ScheduledCall call = new ScheduledCall();
        call.phoneNumber = phoneNumber;
        call.scheduledTime = dueAt;
        rules.applyTo(call);
        call.status = CallStatus.PENDING;
        call.idempotencyKey = UUID.randomUUID().toString();
        call.createdAt = now;
        call.updatedAt = now;
        return call;
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

    static Optional<Instant> parseOffsetDateTime(String raw) {
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
    static Instant ceilToMicros(Instant time) {
        Instant down = time.truncatedTo(ChronoUnit.MICROS);
        return down.equals(time) ? time : down.plus(1, ChronoUnit.MICROS);
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
