-- Calling rules (CONTRACT part 2): the callee's time zone and calling window, expiry, retries by outcome, why a
-- pending call waits, and pacing shared by every instance on the database. SQL shared by H2 and PostgreSQL.

-- The callee's IANA zone, given or derived from the number; null when the number's country has several zones and
-- its area code is not known (the window must then be open in every zone of the country).
ALTER TABLE scheduled_calls ADD COLUMN time_zone VARCHAR(64);
-- Local hours in that zone during which the call may be placed, as "08:00-21:00 MON-FRI"; null: any hour.
ALTER TABLE scheduled_calls ADD COLUMN calling_window VARCHAR(64);
-- A call not sent by then is never sent. Calls from before this version: one hour after they came due.
ALTER TABLE scheduled_calls ADD COLUMN expires_at TIMESTAMP WITH TIME ZONE;
UPDATE scheduled_calls SET expires_at = scheduled_time + INTERVAL '1' HOUR;
-- Retries by outcome: the outcomes retried ("busy,no-answer"), how many new dials at most, and the delay before each.
ALTER TABLE scheduled_calls ADD COLUMN retry_on VARCHAR(40);
ALTER TABLE scheduled_calls ADD COLUMN retry_max INTEGER DEFAULT 0 NOT NULL;
ALTER TABLE scheduled_calls ADD COLUMN retry_delay_seconds BIGINT DEFAULT 0 NOT NULL;
-- The outcomes of the dials made so far that were retried ("busy, no-answer"), named again in the final failure.
ALTER TABLE scheduled_calls ADD COLUMN retried_outcomes VARCHAR(200);
-- POSTs of the current dial that count toward max-attempts: not a 429, and back to 0 for a new dial after an outcome.
ALTER TABLE scheduled_calls ADD COLUMN dial_posts INTEGER DEFAULT 0 NOT NULL;
UPDATE scheduled_calls SET dial_posts = attempts;
-- Why a pending call waits past its scheduled time: window, retry, backoff or throttled (a 429); null otherwise.
ALTER TABLE scheduled_calls ADD COLUMN wait_reason VARCHAR(16);

-- A number's calls, for "one call to a person at a time" (and the phone_number filter).
CREATE INDEX scheduled_calls_phone_idx ON scheduled_calls (phone_number, status);

-- One row: the pacing that every instance on this database shares. Each claim locks it, so claims are made one at a
-- time across instances: the rate, the number of calls in progress and "one call per number" hold for all of them.
CREATE TABLE dispatch_pacing (
    id                INTEGER                  NOT NULL PRIMARY KEY,
    -- the earliest moment the next POST may leave (calls-per-second)
    next_send_at      TIMESTAMP WITH TIME ZONE,
    -- no POST leaves before this moment: the Call API answered 429
    paused_until      TIMESTAMP WITH TIME ZONE,
    -- 429 answers in a row, for the back-off when the Call API gives no Retry-After
    throttled_in_a_row INTEGER DEFAULT 0 NOT NULL
);
INSERT INTO dispatch_pacing (id, throttled_in_a_row) VALUES (1, 0);
