-- migrate:up
CREATE TABLE t (id int);
-- migrate:down
DROP TABLE t;
-- migrate:verify
SELECT count(*) = 0 FROM t;
