-- Seconds since the server last archived a WAL file (empty: never), and its name:
-- seconds|wal (psql --tuples-only --no-align).
SELECT coalesce(extract(epoch FROM now() - last_archived_time)::bigint::text, ''),
       coalesce(last_archived_wal, '')
FROM pg_stat_archiver
