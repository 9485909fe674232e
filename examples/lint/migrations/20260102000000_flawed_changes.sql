-- A deliberately flawed migration: every statement breaks a rule.
-- migrate:up
ALTER TABLE customers ADD COLUMN phone varchar(30) NOT NULL;
CREATE INDEX customers_email_idx ON customers (email);
ALTER TABLE customers ALTER COLUMN email TYPE varchar(100);
ALTER TABLE customers RENAME COLUMN status TO state;
UPDATE customers SET state = 'active';
-- strata-lint: ignore drop-table the archive was moved to cold storage last release
DROP TABLE IF EXISTS customer_archive;

-- migrate:down
ALTER TABLE customers RENAME COLUMN state TO status;
