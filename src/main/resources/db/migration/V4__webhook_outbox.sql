-- Webhooks (CONTRACT part 2): each event is its own outbox row. An event to be sent to the webhook receiver is
-- written with webhook_state 'pending' in the transaction of the change; the delivery job claims pending events
-- (the oldest undelivered one of each call at a time, so each call's events arrive in order), POSTs them, and marks
-- them 'delivered', or 'dead' after 410 Gone or when they pass the retry age. Null: not sent (webhooks off).
ALTER TABLE call_events ADD COLUMN webhook_state VARCHAR(16);
-- The webhook-id header: random, given when the event is first claimed, the same on every retry.
ALTER TABLE call_events ADD COLUMN webhook_id VARCHAR(64);
ALTER TABLE call_events ADD COLUMN webhook_attempts INTEGER DEFAULT 0 NOT NULL;
ALTER TABLE call_events ADD COLUMN webhook_next_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE call_events ADD COLUMN webhook_claim VARCHAR(64);
ALTER TABLE call_events ADD COLUMN webhook_lease_until TIMESTAMP WITH TIME ZONE;
ALTER TABLE call_events ADD COLUMN webhook_error VARCHAR(1000);
ALTER TABLE call_events ADD COLUMN webhook_delivered_at TIMESTAMP WITH TIME ZONE;

-- The delivery job's lookup: pending events that are due, oldest first.
CREATE INDEX call_events_webhook_idx ON call_events (webhook_state, webhook_next_at);
