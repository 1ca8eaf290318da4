-- Scheduled calls. Written in the SQL that H2 and PostgreSQL share.
CREATE SEQUENCE scheduled_calls_seq START WITH 1 INCREMENT BY 50;

CREATE TABLE scheduled_calls (
    id              BIGINT                   NOT NULL PRIMARY KEY,
    phone_number    VARCHAR(32)              NOT NULL,
    scheduled_time  TIMESTAMP WITH TIME ZONE NOT NULL,
    status          VARCHAR(16)              NOT NULL,
    call_api_id     VARCHAR(128),
    call_status     VARCHAR(16),
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    error_message   VARCHAR(1000),
    -- dispatch bookkeeping
    attempts        INTEGER                  DEFAULT 0 NOT NULL,
    next_attempt_at TIMESTAMP WITH TIME ZONE,
    claimed_by      VARCHAR(128),
    lease_until     TIMESTAMP WITH TIME ZONE,
    dialled_at      TIMESTAMP WITH TIME ZONE,
    version         BIGINT                   DEFAULT 0 NOT NULL
);

-- The due-call lookup: status = 'pending' and next_attempt_at <= now, oldest first.
CREATE INDEX scheduled_calls_due_idx ON scheduled_calls (status, next_attempt_at);
-- The status filter of GET /api/calls, newest scheduled_time first.
CREATE INDEX scheduled_calls_status_time_idx ON scheduled_calls (status, scheduled_time);
-- GET /api/calls without a filter.
CREATE INDEX scheduled_calls_time_idx ON scheduled_calls (scheduled_time);
