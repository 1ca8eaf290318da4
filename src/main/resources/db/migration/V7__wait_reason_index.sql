-- The gauge callscheduler_calls_waiting counts pending calls by wait_reason (DispatchStore.countWaiting). Through
-- the due index it looked at every pending call: at two million calls scheduled ahead, over a minute of H2 work,
-- cancelled by the transaction timeout. This index leads with wait_reason, which is NULL for nearly every call, so
-- the count reads only the calls that wait for a reason. SQL shared by H2 and PostgreSQL.
CREATE INDEX scheduled_calls_wait_idx ON scheduled_calls (wait_reason, status);
