-- migrate:up
CREATE TABLE IF NOT EXISTS accounts (id uuid PRIMARY KEY, status varchar(20) NOT NULL);
-- migrate:down
DROP TABLE IF EXISTS accounts;
