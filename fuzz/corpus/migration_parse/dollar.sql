-- migrate:up
CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql;
INSERT INTO t VALUES ('a;b', E'c\';d');
