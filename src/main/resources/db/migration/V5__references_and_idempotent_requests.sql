-- Managing calls at volume (CONTRACT part 2): the client's own reference and metadata on a call, the indexes of the
-- list's filters, and idempotent requests. SQL shared by H2 and PostgreSQL.

-- The client's id for the call (an appointment, a ticket): 1-128 printable characters.
ALTER TABLE scheduled_calls ADD COLUMN reference VARCHAR(128);
-- A JSON object of at most 4 KB, stored and returned as given.
ALTER TABLE scheduled_calls ADD COLUMN metadata VARCHAR(4096);

-- GET /api/calls?reference= and ?phone_number=, newest scheduled_time first.
CREATE INDEX scheduled_calls_reference_idx ON scheduled_calls (reference, scheduled_time);
CREATE INDEX scheduled_calls_phone_time_idx ON scheduled_calls (phone_number, scheduled_time);

-- Idempotency-Key of POST /api/schedule, /api/call-now and /api/calls/batch: per client, kept 24 h. A row without a
-- status is a request still running; with one, the answer to give again.
CREATE TABLE idempotent_requests (
    client        VARCHAR(64)              NOT NULL,
    idem_key      VARCHAR(255)             NOT NULL,
    request_hash  VARCHAR(64)              NOT NULL,
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    status        INTEGER,
    location      VARCHAR(255),
    response_body TEXT,
    PRIMARY KEY (client, idem_key)
);
CREATE INDEX idempotent_requests_created_idx ON idempotent_requests (created_at);
