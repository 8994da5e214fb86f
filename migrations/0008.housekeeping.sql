-- transactional: false
-- Indexes for the double-declare twin check, the jobs gauge and the retention sweep.
-- Expand only, and built CONCURRENTLY (outside a transaction, hence the directive above) so a daemon
-- still running on 0007 keeps writing jobs and incidents while they build. A build that fails
-- leaves an INVALID index that IF NOT EXISTS would skip: run the rollback, then migrate again.

-- SELECT_TWIN: same person, recent declarations.
CREATE INDEX CONCURRENTLY IF NOT EXISTS incidents_by_declarer ON incidents (declared_by, declared_at);

-- The jobs gauge counts unfinished jobs by kind and status; done jobs are nearly all of the table.
CREATE INDEX CONCURRENTLY IF NOT EXISTS jobs_unfinished ON jobs (kind, status) WHERE status <> 'done';

-- The retention sweep: done jobs by when they finished, request keys by when they arrived.
CREATE INDEX CONCURRENTLY IF NOT EXISTS jobs_done_by_finish ON jobs (finished_at) WHERE status = 'done';
CREATE INDEX CONCURRENTLY IF NOT EXISTS slack_requests_by_received ON slack_requests (received_at);
