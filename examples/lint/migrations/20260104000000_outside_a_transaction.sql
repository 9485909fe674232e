-- A section that runs outside the runner's transaction, and opens one of
-- its own that it never closes.
-- migrate:up transaction:false
SET lock_timeout = '5s';
VACUUM FULL customers;                                                   -- prefer-repack
BEGIN;                                                                   -- ban-uncommitted-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS customers_phone_idx ON customers (phone);  -- concurrently-in-transaction
-- migrate:down transaction:false
DROP INDEX CONCURRENTLY IF EXISTS customers_phone_idx;
