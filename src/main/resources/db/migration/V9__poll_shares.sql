-- Status polling in shares (CallPollJob, PollShare): each live instance that polls asks the Call API about the
-- in-progress calls of its share only (id modulo the number of live polling instances), instead of every instance
-- asking about every call. An instance registers here when it dispatches, with whether it also polls; one that does
-- not dispatch is not registered, and polls every call. SQL shared by H2 and PostgreSQL.
ALTER TABLE dispatch_instances ADD COLUMN polls BOOLEAN DEFAULT TRUE NOT NULL;
