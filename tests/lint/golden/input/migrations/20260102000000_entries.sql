-- migrate:up
ALTER TABLE accounts ADD COLUMN balance float NOT NULL;
CREATE INDEX accounts_status_idx ON accounts (status);
-- migrate:down
ALTER TABLE accounts DROP COLUMN IF EXISTS balance;
