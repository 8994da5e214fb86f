-- transactional: false
DROP INDEX CONCURRENTLY IF EXISTS slack_requests_by_received;
DROP INDEX CONCURRENTLY IF EXISTS jobs_done_by_finish;
DROP INDEX CONCURRENTLY IF EXISTS jobs_unfinished;
DROP INDEX CONCURRENTLY IF EXISTS incidents_by_declarer;
