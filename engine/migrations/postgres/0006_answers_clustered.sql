-- SQLite rebuilds `answers` WITHOUT ROWID in its migration 6; PostgreSQL's table and primary-key
-- index need no change. Kept so both backends' migrations have the same numbers.
SELECT 1;
