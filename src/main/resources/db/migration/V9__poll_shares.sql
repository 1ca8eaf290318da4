-- Status polling in shares (CallPollJob, PollShare): each instance that dispatches (and so is registered here)
-- records when it last polled, and asks the Call API only about the in-progress calls of its share (id modulo the
-- number of instances that polled within two poll intervals and a second), instead of every instance asking about
-- every call. An instance that does not dispatch is not registered, and polls every call. SQL shared by H2 and
-- PostgreSQL.
ALTER TABLE dispatch_instances ADD COLUMN polled_at TIMESTAMP WITH TIME ZONE;
