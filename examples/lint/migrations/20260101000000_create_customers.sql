-- migrate:up
CREATE TABLE IF NOT EXISTS customers (
    id serial PRIMARY KEY,
    email varchar(255) NOT NULL,
    status varchar(20) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- migrate:down
DROP TABLE IF EXISTS customers;
