-- Rows of every table of the connected database, one line each: schema|table|rows
-- (psql --tuples-only --no-align). count(*) per table, not the statistics' estimate,
-- which a freshly restored database has not gathered yet.
SELECT table_schema, table_name,
       (xpath('/row/c/text()',
              query_to_xml(format('SELECT count(*) AS c FROM %I.%I', table_schema, table_name),
                           false, true, '')))[1]::text::bigint
FROM information_schema.tables
WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1, 2
