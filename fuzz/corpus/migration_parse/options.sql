-- header comment
-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY i ON t (a);
--migrate:down transaction:true
DROP INDEX i;
