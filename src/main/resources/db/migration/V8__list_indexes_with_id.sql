-- The list's order breaks ties of scheduled_time by id (ScheduledCall.newestFirstOrder): scheduled_time desc, id desc
-- without a filter and in the CSV export's keyset chunks; reference desc, scheduled_time desc, id desc with
-- ?reference=; status desc, scheduled_time desc, id desc with ?status=. The indexes gave the order of scheduled_time
-- only, so a page among calls that share one scheduled time (a burst dialled together, a batch imported for one
-- instant: thousands at once) read and sorted all of them. With id as their last column the page is read in order
-- and stops after it. SQL shared by H2 and PostgreSQL, with one difference:
-- ${status_index_columns} ends with id on PostgreSQL, not on H2 (see application.properties). H2 chooses the index
-- of a status page by its cost, and costs a third column more than the due index (status, next_attempt_at), which it
-- then reads in full and sorts (2 s at a million completed calls): on H2 that index stays (status, scheduled_time).
-- Each index keeps its name and its leading columns, so RetentionJob's delete (status, then scheduled_time) uses it
-- as before. phone_number's (phone_number, scheduled_time) stays as it is: a number has a few calls, not thousands at
-- one time.
DROP INDEX scheduled_calls_time_idx;
CREATE INDEX scheduled_calls_time_idx ON scheduled_calls (scheduled_time, id);
DROP INDEX scheduled_calls_reference_idx;
CREATE INDEX scheduled_calls_reference_idx ON scheduled_calls (reference, scheduled_time, id);
DROP INDEX scheduled_calls_status_time_idx;
CREATE INDEX scheduled_calls_status_time_idx ON scheduled_calls (${status_index_columns});
