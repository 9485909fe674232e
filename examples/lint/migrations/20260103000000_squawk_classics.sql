-- What squawk's users learn to avoid, one rule a statement; every finding
-- also says which lock its statement takes and what waits for it.
-- migrate:up
SET lock_timeout = '5s';
CREATE TABLE IF NOT EXISTS payments (
    id serial PRIMARY KEY,                          -- prefer-identity, prefer-bigint-over-int
    customer_id integer REFERENCES customers (id),  -- prefer-bigint-over-int (and a lock on customers)
    amount float8 NOT NULL,                         -- money-as-float
    paid_at timestamp NOT NULL                      -- timestamp-without-tz
);
ALTER TABLE customers ADD COLUMN IF NOT EXISTS token uuid DEFAULT uuid();  -- volatile-default: an unknown function
ALTER TABLE customers ADD COLUMN IF NOT EXISTS referrer_id bigint REFERENCES customers (id);  -- add-constraint-not-valid
ALTER TABLE customers ALTER COLUMN email DROP NOT NULL;                     -- ban-drop-not-null
UPDATE customers SET state = 'active', state = 'new' WHERE id = 1;          -- ban-duplicate-column-assignments
REINDEX TABLE customers;                                                    -- require-concurrent-reindex
TRUNCATE payments, customer_archive CASCADE;                                -- ban-truncate-cascade
CREATE DOMAIN positive_cents AS bigint CHECK (VALUE > 0);                   -- ban-create-domain-with-constraint
-- migrate:down
DROP DOMAIN IF EXISTS positive_cents;
ALTER TABLE customers ALTER COLUMN email SET NOT NULL;
ALTER TABLE customers DROP COLUMN IF EXISTS referrer_id;
ALTER TABLE customers DROP COLUMN IF EXISTS token;
DROP TABLE IF EXISTS payments;
