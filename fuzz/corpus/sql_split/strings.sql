INSERT INTO t VALUES ('a;b', 'it''s'); SELECT "x;y" FROM t; -- c;
/* a /* b; */ c; */ SELECT 2;