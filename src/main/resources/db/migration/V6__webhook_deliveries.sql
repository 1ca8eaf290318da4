-- The webhook outbox gets a table of its own. V4 kept each event's delivery state in call_events, so every event
-- insert also maintained the delivery index (even with webhooks off), and events were updated after they were
-- written. Now call_events is append-only, and an event to be sent to the webhook receiver gets a row here in the
-- transaction of its change. The row goes when the event is delivered; it stays, as 'dead', after 410 Gone or when
-- its retries pass the max age. SQL shared by H2 and PostgreSQL.
CREATE TABLE webhook_deliveries (
    event_id     BIGINT                   NOT NULL PRIMARY KEY REFERENCES call_events (id) ON DELETE CASCADE,
    -- The event's call: the delivery job sends only the oldest pending event of each call at a time (order per call).
    call_id      BIGINT                   NOT NULL,
    -- 'pending' or 'dead'.
    state        VARCHAR(16)              NOT NULL,
    -- The webhook-id header: random, given when the event is first claimed, the same on every retry.
    webhook_id   VARCHAR(64),
    attempts     INTEGER DEFAULT 0        NOT NULL,
    next_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    claim        VARCHAR(64),
    lease_until  TIMESTAMP WITH TIME ZONE,
    error        VARCHAR(1000)
);
-- The delivery job's lookup: pending deliveries that are due, oldest first.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (state, next_at);
-- Order per call: is there an older pending delivery of the same call?
CREATE INDEX webhook_deliveries_call_idx ON webhook_deliveries (call_id, event_id);

INSERT INTO webhook_deliveries (event_id, call_id, state, webhook_id, attempts, next_at, claim, lease_until, error)
    SELECT id, call_id, webhook_state, webhook_id, webhook_attempts, COALESCE(webhook_next_at, at), NULL, NULL, webhook_error
    FROM call_events WHERE webhook_state IN ('pending', 'dead');

DROP INDEX call_events_webhook_idx;
ALTER TABLE call_events DROP COLUMN webhook_state;
ALTER TABLE call_events DROP COLUMN webhook_id;
ALTER TABLE call_events DROP COLUMN webhook_attempts;
ALTER TABLE call_events DROP COLUMN webhook_next_at;
ALTER TABLE call_events DROP COLUMN webhook_claim;
ALTER TABLE call_events DROP COLUMN webhook_lease_until;
ALTER TABLE call_events DROP COLUMN webhook_error;
ALTER TABLE call_events DROP COLUMN webhook_delivered_at;

-- H2 writes out its whole store each time an identity column's sequence uses up its cached values, 32 by default:
-- with an event for every step of every call, that was a store every 32 events, most of what events cost dispatch.
-- H2 caches 1,000 (a crash skips the rest of them: ids stay increasing). PostgreSQL keeps 1: its cache is per
-- connection, so a call's events, written on different connections, could get ids out of order.
ALTER TABLE call_events ALTER COLUMN id SET CACHE ${event_id_cache};
