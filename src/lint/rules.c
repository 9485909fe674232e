/*
 * The rule registry: every rule's id, category, dialects, default
 * severity, summary and explanation.  The order matches the R_ numbers of
 * internal.h; ids are never renamed, only added.
 */
#include <string.h>

#include "lint/internal.h"

#define BOTH	    (STRATA_LINT_SQLITE | STRATA_LINT_POSTGRES)
#define PG	    STRATA_LINT_POSTGRES
#define DESIGN	    STRATA_LINT_CAT_DESIGN
#define DESTRUCTIVE STRATA_LINT_CAT_DESTRUCTIVE
#define LOCKING	    STRATA_LINT_CAT_LOCKING
#define BREAKING    STRATA_LINT_CAT_BREAKING
#define ROBUST	    STRATA_LINT_CAT_ROBUSTNESS
#define META	    STRATA_LINT_CAT_META

/* clang-format off: one rule per entry, its texts as sentences */
const strata_lint_rule strata__lint_rules[R__COUNT] = {
	[R_REQUIRE_PK] = { "require-primary-key", DESIGN, BOTH, STRATA_LINT_ERROR, "table has no primary key",
			   "Without a primary key a row cannot be addressed, updated or replicated reliably "
			   "(logical replication refuses UPDATE and DELETE on such tables) and ORMs and generated "
			   "code cannot find it again. Add `id uuid primary key` (or serial), or a composite "
			   "`primary key (a, b)` for a junction table.",
			   NULL },
	[R_REQUIRE_TIMESTAMPS] = { "require-timestamps", DESIGN, BOTH, STRATA_LINT_WARNING,
				   "table has no created_at/updated_at columns",
				   "When a row was created and last changed is the first question in every incident "
				   "and "
				   "the basis of incremental exports and caches. Add `use timestamps` to the table (or "
				   "`use timestamps` at file level for every table), which adds created_at and "
				   "updated_at "
				   "with defaults. A pure junction table (every column is in the primary key and a "
				   "foreign key) "
				   "is exempt, and a change time kept current under another name (`auto_update` in a "
				   "schema "
				   "file; in a live database, a time column one of the table's UPDATE triggers sets, "
				   "such as "
				   "last_update) counts as updated_at.",
				   NULL },
	[R_UPDATED_AT] = { "updated-at-not-maintained", DESIGN, BOTH, STRATA_LINT_WARNING,
			   "updated_at is not kept current",
			   "An updated_at column that nothing updates keeps its insert time forever and silently "
			   "lies. Mark it `auto_update` (Strata writes the trigger on both dialects), or use the "
			   "timestamps mixin; in a live database, add a BEFORE UPDATE trigger that sets it (any "
			   "UPDATE trigger of the table that sets the column counts).",
			   NULL },
	[R_STRING_LENGTH] = { "string-without-length", DESIGN, BOTH, STRATA_LINT_WARNING,
			      "string column without a maximum length",
			      "An unbounded string lets one request store megabytes in a name field, and every "
			      "consumer (forms, indexes, exports) has to guess a limit. Use string(n); on PostgreSQL "
			      "text with CHECK (length(col) <= n) also counts. Default `string-style = length` because "
			      "the limit is part of the data's contract on both dialects (SQLite ignores varchar "
			      "lengths, so Strata writes the CHECK). PostgreSQL's own advice is to prefer text: with "
			      "`string-style = text` the rule instead reports varchar(n) on PostgreSQL and accepts "
			      "text, "
			      "in schema files, live databases and the column definitions of migrations alike (with "
			      "the "
			      "default, migrations are not checked: a column's CHECK may come in a later statement). "
			      "Arrays (text[]) are exempt.",
			      "string-style" },
	[R_PREFER_ENUM] = { "prefer-enum", DESIGN, BOTH, STRATA_LINT_WARNING, "status-like column stored as free text",
			    "A column named status, state, kind, type, role, category, stage, phase or mode (or "
			    "ending in _status, _state, _kind, _type, _role, _category, _stage, _phase, _mode; "
			    "content_type and mime_type excepted) almost always holds one of a few values; as free "
			    "text it collects typos. Declare an enum. Default `enum-style = native`: one declaration, "
			    "a native type on PostgreSQL and a CHECK on SQLite, and checked in generated code; text "
			    "with a CHECK (col IN (...)) is reported too. With `enum-style = check` text with a CHECK "
			    "is accepted and native enum columns are reported on PostgreSQL, because enum values "
			    "cannot be removed or reordered without rebuilding the type. A postal address's state or "
			    "province (billing_state, shipping_state, or state in an address table or beside a city, "
			    "country or postal code) holds one of hundreds of region names and is exempt.",
			    "enum-style" },
	[R_FK_ON_DELETE] = { "fk-on-delete", DESIGN, BOTH, STRATA_LINT_WARNING,
			     "foreign key without an explicit ON DELETE action",
			     "The default (NO ACTION) makes deleting a parent fail at run time, which is rarely "
			     "what was decided, only what was forgotten. Say what happens: `on delete cascade` for "
			     "owned rows, `on delete set null` for optional links, `on delete restrict` to forbid it.",
			     NULL },
	[R_FK_INDEX] = { "fk-missing-index", DESIGN, BOTH, STRATA_LINT_WARNING,
			 "foreign-key column is not the leading column of an index",
			 "Joins from the parent and every DELETE or key UPDATE on the parent scan the whole child "
			 "table to check the key, holding locks while they do. Add `index (col)` (or make the "
			 "foreign-key columns the first columns of an existing index).",
			 NULL },
	[R_DUP_INDEX] = { "duplicate-index", DESIGN, BOTH, STRATA_LINT_WARNING, "index duplicates another index",
			  "Two indexes on the same columns with the same predicate double the write cost and the "
			  "disk space and help no query. Drop one of them.",
			  NULL },
	[R_REDUNDANT_INDEX] = { "redundant-index", DESIGN, BOTH, STRATA_LINT_WARNING,
				"index is covered by another index or key",
				"An index whose columns are a prefix of another index with the same predicate, or an "
				"index on a column that is already the primary key or unique, is served by the other "
				"one. Drop it (a unique index is kept when it enforces something the longer one does "
				"not).",
				NULL },
	[R_OWNER_INDEX] = { "owner-not-indexed", DESIGN, BOTH, STRATA_LINT_WARNING,
			    "owner column is not the leading column of an index",
			    "Every generated query on an owned table filters by the owner column, so without an "
			    "index whose first column it is each one scans the table. Add `index (owner_col, ...)`.",
			    NULL },
	[R_ID_FKEY] = { "id-without-fkey", DESIGN, BOTH, STRATA_LINT_WARNING, "*_id column without a foreign key",
			"A column named like a reference but without a foreign key lets orphans in and hides the "
			"relationship from tools. Declare it `ref table`, or rename it if it names an external id "
			"(or suppress the finding with the reason). A table's own single-column primary key "
			"(album.album_id) is not a reference and is exempt.",
			NULL },
	[R_MONEY_FLOAT] = { "money-as-float", DESIGN, BOTH, STRATA_LINT_ERROR,
			    "floating-point type for a money-like column",
			    "Binary floating point cannot represent 0.10 exactly; sums of prices drift by cents. A "
			    "column named price, amount, cost, total, balance, fee, salary, tax, discount, refund, "
			    "payment or revenue should be decimal(p,s) or an integer count of cents. Checked in schema "
			    "files, in the columns migrations define, and in live databases (on SQLite also a NUMERIC "
			    "or INTEGER column whose stored values are REAL: SQLite keeps any number that is not whole "
			    "as binary floating point there; the first 10,000 rows of each such column are read).",
			    NULL },
	[R_TS_TZ] = { "timestamp-without-tz", DESIGN, PG, STRATA_LINT_WARNING, "timestamp without time zone",
		      "PostgreSQL's `timestamp` stores a wall-clock reading with no zone; the same instant "
		      "written from two sessions with different TimeZone settings compares unequal. Use "
		      "timestamptz (Strata's `timestamp` type already is). Checked in schema files, live "
		      "databases and the columns migrations define.",
		      NULL },
	[R_CHAR] = { "char-type", DESIGN, BOTH, STRATA_LINT_WARNING, "char(n) column",
		     "char(n) pads with spaces, which then take part in comparisons, lengths and client code "
		     "in surprising ways, and it is no faster than varchar. Use string(n) (varchar(n) in a "
		     "migration). Checked in schema files, live databases and the columns migrations define.",
		     NULL },
	[R_IDENT_LEN] = { "identifier-too-long", DESIGN, BOTH, STRATA_LINT_ERROR, "identifier longer than 63 bytes",
			  "PostgreSQL silently truncates identifiers to 63 bytes, so two long names can collide and "
			  "the name in the catalog is not the one in the code (a later DROP or RENAME of the long "
			  "name then acts on the truncated one). Use a shorter name: tables, columns, index and "
			  "constraint names alike.",
			  NULL },
	[R_RESERVED] = { "reserved-word", DESIGN, BOTH, STRATA_LINT_WARNING, "identifier is a reserved word",
			 "A table or column named user, order, group, table and the like must be quoted in every "
			 "hand-written query on PostgreSQL or SQLite, and is a syntax error whenever someone "
			 "forgets. Pick another name (users, sort_order, ...).",
			 NULL },
	[R_BIGINT_INT] = { "prefer-bigint-over-int", DESIGN, PG, STRATA_LINT_WARNING, "32-bit integer key column",
			   "An integer (or serial) key runs out at 2,147,483,647; tables that grow past it stop "
			   "taking inserts, and widening the key later rewrites the table and every table that "
			   "references it under an exclusive lock. Use bigint (or bigint generated by default as "
			   "identity) for primary keys, references and *_id columns. Default `bigint-scope = keys`; "
			   "with `bigint-scope = all` every integer column a migration defines is reported.",
			   "bigint-scope" },
	[R_BIGINT_SMALLINT] = { "prefer-bigint-over-smallint", DESIGN, PG, STRATA_LINT_WARNING,
				"16-bit integer key column",
				"A smallint (or smallserial) key runs out at 32,767, far sooner than anyone expects, "
				"and "
				"widening it later rewrites the table and its referencing tables under an exclusive "
				"lock. "
				"Use bigint for keys and references (`bigint-scope = all` reports every smallint "
				"column).",
				"bigint-scope" },
	[R_IDENTITY] = { "prefer-identity", DESIGN, PG, STRATA_LINT_WARNING,
			 "serial column instead of an identity column",
			 "serial and bigserial create a separately owned sequence whose permissions, ownership "
			 "and dump order have to be managed by hand, and that an INSERT with an explicit id "
			 "silently leaves behind. Use `bigint generated by default as identity` (or `generated "
			 "always`), the SQL standard's form, which PostgreSQL manages with the column.",
			 NULL },
	[R_DOMAIN_CHECK] = { "ban-create-domain-with-constraint", DESIGN, PG, STRATA_LINT_WARNING,
			     "domain created with a constraint",
			     "A CHECK (or NOT NULL) on a domain applies to every column of every table that uses the "
			     "domain, and changing it later (ALTER DOMAIN ... ADD CONSTRAINT) scans all of them while "
			     "holding locks; there is no way to do it one table at a time. Put the CHECK on the "
			     "columns (a table CHECK can be added NOT VALID and validated online), and keep domains "
			     "as plain aliases.",
			     NULL },
	[R_DROP_TABLE] = { "drop-table", DESTRUCTIVE, BOTH, STRATA_LINT_ERROR, "migration drops a table",
			   "The table's rows are gone for good and code still reading it fails. Stop using the "
			   "table in a release first, back it up (`strata migrate up --safe`), then drop it in a "
			   "later migration with a suppression comment giving the reason.",
			   NULL },
	[R_DROP_COLUMN] = { "drop-column", DESTRUCTIVE, BOTH, STRATA_LINT_ERROR, "migration drops a column",
			    "The column's data is gone and running code that selects it fails. Remove it from the "
			    "code and the schema first, deploy, then drop it in a later migration (with a "
			    "suppression comment saying so).",
			    NULL },
	[R_TRUNCATE] = { "truncate-table", DESTRUCTIVE, PG, STRATA_LINT_ERROR, "migration truncates a table",
			 "TRUNCATE deletes every row and takes an ACCESS EXCLUSIVE lock. Data changes do not "
			 "belong in schema migrations; if it is really meant, suppress with the reason. "
			 "TRUNCATE ... CASCADE is reported by ban-truncate-cascade as well.",
			 NULL },
	[R_TRUNCATE_CASCADE] = { "ban-truncate-cascade", DESTRUCTIVE, PG, STRATA_LINT_ERROR, "TRUNCATE ... CASCADE",
				 "TRUNCATE ... CASCADE also empties every table that references the truncated one, and "
				 "every table that references those, recursively: tables that nobody named in the "
				 "migration lose all their rows. Name every table to empty explicitly (TRUNCATE a, b), "
				 "or delete the rows that should go with a WHERE.",
				 NULL },
	[R_DROP_DATABASE] = { "ban-drop-database", DESTRUCTIVE, PG, STRATA_LINT_ERROR, "migration drops a database",
			      "DROP DATABASE destroys every table, row and role grant of the database at once, and "
			      "every client connected to it fails. It has no place in a schema migration: do it by "
			      "hand, after a backup, when it is really meant.",
			      NULL },
	[R_DML_NO_WHERE] = { "dml-without-where", DESTRUCTIVE, BOTH, STRATA_LINT_ERROR,
			     "DELETE or UPDATE without WHERE",
			     "A DELETE or UPDATE without WHERE changes every row of the table, in one long "
			     "transaction. Add the WHERE that says which rows (WHERE true if it really is all of "
			     "them), and batch large backfills.",
			     NULL },
	[R_NARROWING] = { "narrowing-type", DESTRUCTIVE, BOTH, STRATA_LINT_ERROR, "column type change can lose data",
			  "Changing a column to a narrower type (a shorter varchar, a smaller integer, fewer "
			  "decimal digits, text to a number) fails on or truncates existing values. Add a new "
			  "column, backfill it with an explicit conversion, and switch over.",
			  NULL },
	[R_INDEX_CONC] = { "add-index-concurrently", LOCKING, PG, STRATA_LINT_WARNING,
			   "index built without CONCURRENTLY on an existing table",
			   "CREATE INDEX blocks every write to the table until the index is built, which on a big "
			   "table is minutes; so does every unique constraint or primary key added to an existing "
			   "table (ADD CONSTRAINT ... UNIQUE, ADD COLUMN ... UNIQUE, ADD COLUMN ... serial PRIMARY "
			   "KEY). Use CREATE [UNIQUE] INDEX CONCURRENTLY in a migration marked `-- migrate:up "
			   "transaction:false` (then ADD CONSTRAINT ... USING INDEX). Tables created in the same "
			   "migration, or in an earlier pending one, are exempt.",
			   NULL },
	[R_DROP_INDEX_CONC] = { "drop-index-concurrently", LOCKING, PG, STRATA_LINT_WARNING,
				"DROP INDEX without CONCURRENTLY",
				"DROP INDEX takes an ACCESS EXCLUSIVE lock on the table, queued behind every running "
				"query and blocking every later one. Use DROP INDEX CONCURRENTLY in a migration marked "
				"`transaction:false`. Indexes of tables created in the same migration, or in an "
				"earlier "
				"pending one, are exempt.",
				NULL },
	[R_CONC_TX] = { "concurrently-in-transaction", LOCKING, PG, STRATA_LINT_ERROR,
			"CONCURRENTLY (or VACUUM) inside a transaction",
			"CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY, DETACH PARTITION CONCURRENTLY and "
			"VACUUM cannot run inside a transaction block, and migrations run in one by default (as "
			"does anything between an explicit BEGIN and COMMIT), so the migration fails. Mark the "
			"section `-- migrate:up transaction:false`, keep the statement outside any BEGIN ... "
			"COMMIT, and keep it alone in the section.",
			NULL },
	[R_NOT_VALID] = { "add-constraint-not-valid", LOCKING, PG, STRATA_LINT_WARNING,
			  "foreign key or CHECK added without NOT VALID",
			  "Adding a foreign key (ADD CONSTRAINT ... FOREIGN KEY, or ADD COLUMN ... REFERENCES) or "
			  "a CHECK validates every existing row while holding a lock that blocks writes (and, for "
			  "a foreign key, writes to the referenced table too). Add it with NOT VALID, then run "
			  "ALTER TABLE ... VALIDATE CONSTRAINT in a later transaction, which does not block "
			  "writes. A VALIDATE in the same transaction as its NOT VALID add is reported too: the "
			  "add's lock is still held while it scans.",
			  NULL },
	[R_SET_NOT_NULL] = { "set-not-null", LOCKING, PG, STRATA_LINT_WARNING,
			     "SET NOT NULL scans the table under an exclusive lock",
			     "ALTER COLUMN SET NOT NULL reads the whole table while holding ACCESS EXCLUSIVE. First "
			     "add CHECK (col IS NOT NULL) NOT VALID and VALIDATE it; PostgreSQL 12+ then uses the "
			     "constraint and SET NOT NULL is instant.",
			     NULL },
	[R_VOLATILE_DEFAULT] = { "volatile-default", LOCKING, PG, STRATA_LINT_WARNING,
				 "column added with a volatile default rewrites the table",
				 "ADD COLUMN on an existing table is instant when its default is a constant or a "
				 "function known to be stable (now(), current_timestamp, lower(...)); any other "
				 "function "
				 "(random(), gen_random_uuid(), clock_timestamp(), nextval(), your own functions, "
				 "now() "
				 "with arguments), a serial or identity column, and a GENERATED ALWAYS AS (...) STORED "
				 "column make PostgreSQL compute a value for every row, rewriting the table under "
				 "ACCESS "
				 "EXCLUSIVE. Add the column without a default, set the default afterwards, and "
				 "backfill "
				 "in batches.",
				 NULL },
	[R_ALTER_TYPE] = { "alter-column-type", LOCKING, PG, STRATA_LINT_WARNING,
			   "ALTER COLUMN TYPE rewrites the table",
			   "Changing a column's type rewrites the table and its indexes under ACCESS EXCLUSIVE "
			   "(widening a varchar or turning it into text is the exception). Add a new column, "
			   "backfill it, and switch over.",
			   NULL },
	[R_NOT_NULL_NO_DEFAULT] = { "add-not-null-column", LOCKING, BOTH, STRATA_LINT_ERROR,
				    "NOT NULL column added without a default",
				    "Adding a NOT NULL column without a default fails as soon as the table has a row "
				    "(SQLite "
				    "refuses it always). Give it a default, or add it nullable, backfill, then set NOT "
				    "NULL.",
				    NULL },
	[R_LOCK_TIMEOUT] = { "require-lock-timeout", LOCKING, PG, STRATA_LINT_WARNING,
			     "migration takes locks without a lock_timeout",
			     "A statement waiting for a lock behind a long query holds its place in the lock queue "
			     "and blocks every query that arrives after it: a short migration becomes an outage. "
			     "Every statement that locks an existing object counts (ALTER TABLE, CREATE INDEX, DROP, "
			     "RENAME, TRUNCATE, REINDEX, VACUUM, CLUSTER, LOCK TABLE, COMMENT ON, CREATE TRIGGER, "
			     "CREATE/ALTER TYPE, ALTER DOMAIN, ALTER SEQUENCE, a foreign key to an existing table). "
			     "Start the migration with `SET lock_timeout = '5s';` and retry on failure.",
			     NULL },
	[R_STMT_TIMEOUT] = { "require-statement-timeout", LOCKING, PG, STRATA_LINT_INFO,
			     "migration takes locks without a statement_timeout",
			     "A statement that holds a lock while it scans or rewrites a table blocks everything "
			     "queued behind the lock for as long as it runs. `SET statement_timeout = '...'` at the "
			     "start of the migration bounds that (the migration fails and rolls back instead). Off "
			     "by default as a warning because a legitimate long backfill needs a generous limit: "
			     "the default severity is info.",
			     NULL },
	[R_REINDEX_CONC] = { "require-concurrent-reindex", LOCKING, PG, STRATA_LINT_WARNING,
			     "REINDEX without CONCURRENTLY",
			     "REINDEX blocks writes to the table and reads that use the index being rebuilt, for as "
			     "long as the rebuild takes. Use REINDEX ... CONCURRENTLY (PostgreSQL 12+) in a "
			     "migration marked `-- migrate:up transaction:false`.",
			     NULL },
	[R_DETACH_CONC] = { "require-concurrent-partition-detach", LOCKING, PG, STRATA_LINT_WARNING,
			    "DETACH PARTITION without CONCURRENTLY",
			    "ALTER TABLE ... DETACH PARTITION takes an ACCESS EXCLUSIVE lock on the partitioned "
			    "table, blocking reads and writes of every partition. Use DETACH PARTITION ... "
			    "CONCURRENTLY (PostgreSQL 14+) in a migration marked `transaction:false`.",
			    NULL },
	[R_REPACK] = { "prefer-repack", LOCKING, PG, STRATA_LINT_WARNING, "VACUUM FULL or CLUSTER on an existing table",
		       "VACUUM FULL and CLUSTER rewrite the whole table under an ACCESS EXCLUSIVE lock, "
		       "blocking reads and writes until they finish. Use pg_repack (or REPACK CONCURRENTLY on "
		       "PostgreSQL 19+), which rebuilds the table while it stays in use, outside migrations.",
		       NULL },
	[R_DOMAIN_ADD] = { "ban-alter-domain-with-add-constraint", LOCKING, PG, STRATA_LINT_WARNING,
			   "ALTER DOMAIN ... ADD CONSTRAINT",
			   "Adding a constraint to a domain checks every column of every table that uses the "
			   "domain, holding locks on all of them until it is done. Add the CHECK to the columns "
			   "as table constraints (NOT VALID, then VALIDATE CONSTRAINT) instead.",
			   NULL },
	[R_RENAME_TABLE] = { "rename-table", BREAKING, BOTH, STRATA_LINT_WARNING, "migration renames a table",
			     "Code that is running during the deploy still uses the old name and fails until it is "
			     "replaced. Create the new table (or a view with the new name), move code over, then "
			     "drop the old name in a later release.",
			     NULL },
	[R_RENAME_COLUMN] = { "rename-column", BREAKING, BOTH, STRATA_LINT_WARNING, "migration renames a column",
			      "Running code still selects and writes the old name. Add the new column, write both, "
			      "backfill, move reads over, then drop the old one.",
			      NULL },
	[R_DROP_SCHEMA_COL] = { "drop-column-in-schema", BREAKING, BOTH, STRATA_LINT_ERROR,
				"migration drops a table or column the schema file still has",
				"The schema file (and the code generated from it) still uses what this migration "
				"drops, so the next deploy breaks or the next `migrate diff` adds it back. Remove it "
				"from the schema first.",
				NULL },
	[R_DROP_NOT_NULL] = { "ban-drop-not-null", BREAKING, PG, STRATA_LINT_WARNING, "ALTER COLUMN ... DROP NOT NULL",
			      "Code that is running (and the code generated from the schema) expects the column never "
			      "to be NULL; once NULLs can be written, reads that assumed a value fail or silently "
			      "mis-handle them. Make the code handle NULL and deploy it first, then drop the "
			      "constraint with a suppression comment saying so.",
			      NULL },
	[R_ENUM_ORDER] = { "require-enum-value-ordering", BREAKING, PG, STRATA_LINT_OFF,
			   "ALTER TYPE ... ADD VALUE without BEFORE or AFTER",
			   "A new enum value goes at the end of the type's order, so comparisons and ORDER BY on "
			   "the column (status < 'approved') silently change meaning when the order matters. Say "
			   "where it goes with BEFORE or AFTER. Off by default (most enums are unordered): turn "
			   "it on with `require-enum-value-ordering = warning`.",
			   NULL },
	[R_IF_EXISTS] = { "require-if-exists", ROBUST, BOTH, STRATA_LINT_WARNING,
			  "statement fails when re-run (missing IF [NOT] EXISTS)",
			  "A migration that failed half-way outside a transaction (a `transaction:false` section, "
			  "outside its own BEGIN ... COMMIT) is re-run from the top; CREATE without IF NOT EXISTS "
			  "and DROP (of a table, index, column, constraint or other object) without IF EXISTS then "
			  "fail on what the first run did. Add IF NOT EXISTS / IF EXISTS. Inside a transaction (the "
			  "runner's, or the file's own BEGIN ... COMMIT) a failure takes the statements before it "
			  "back with it, so those are not reported.",
			  NULL },
	[R_REQUIRE_DOWN] = { "require-down", ROBUST, BOTH, STRATA_LINT_WARNING, "migration has no down section",
			     "Without `-- migrate:down` the migration cannot be rolled back with `strata migrate "
			     "down` when a deploy goes wrong. Write the statements that undo the up section.",
			     NULL },
	[R_DOWN_INVERSE] = { "down-not-inverse", ROBUST, BOTH, STRATA_LINT_WARNING,
			     "down section does not undo the up section",
			     "After up and then down the schema should be where it was; otherwise a rollback leaves "
			     "tables, columns or indexes behind (or loses them). On SQLite this is checked by running "
			     "both on an in-memory scratch database; on PostgreSQL on a throwaway database when a "
			     "server is named (`--scratch-db URL` or `scratch-db` in .strata-lint), otherwise by "
			     "matching what up creates, drops and renames against what down does. Make down the "
			     "exact inverse.",
			     "scratch-db" },
	[R_TX_NESTING] = { "transaction-nesting", ROBUST, BOTH, STRATA_LINT_ERROR,
			   "BEGIN, COMMIT or ROLLBACK that breaks the migration's transaction",
			   "A migration runs in one transaction together with its ledger row, unless its section "
			   "is marked `transaction:false`. BEGIN inside it is ignored (PostgreSQL) or fails "
			   "(SQLite), and COMMIT or ROLLBACK in the middle ends it: what follows runs outside the "
			   "transaction and a failure leaves the migration half applied. In a `transaction:false` "
			   "section, BEGIN inside an open BEGIN and COMMIT without one are mistakes too. Remove the "
			   "statements, or mark the section `transaction:false` and pair each BEGIN with a COMMIT.",
			   NULL },
	[R_TX_UNCOMMITTED] = { "ban-uncommitted-transaction", ROBUST, BOTH, STRATA_LINT_ERROR,
			       "transaction:false section opens a transaction it never commits",
			       "A BEGIN without a COMMIT before the end of a `transaction:false` section leaves the "
			       "work inside it uncommitted: the migration appears to succeed, then the connection "
			       "closes and everything after the BEGIN is rolled back. Add the COMMIT.",
			       NULL },
	[R_DUP_ASSIGN] = { "ban-duplicate-column-assignments", ROBUST, BOTH, STRATA_LINT_ERROR,
			   "the same column assigned or defined twice",
			   "UPDATE ... SET a = 1, a = 2, CREATE TABLE with a column defined twice and CREATE VIEW "
			   "v (a, a) are errors on PostgreSQL (only found when the migration runs) and, on SQLite, an "
			   "UPDATE silently keeps only the last assignment. Assign and define each column once.",
			   NULL },
	[R_TABLE_SCHEMA] = { "require-table-schema", ROBUST, PG, STRATA_LINT_OFF, "table named without its schema",
			     "Without a schema, PostgreSQL looks a table up through search_path, which differs "
			     "between roles, sessions and connection poolers; a migration can then change a "
			     "different table than the one meant. Qualify table names (public.tasks). Off by default "
			     "(most projects use one schema): turn it on with `require-table-schema = warning`.",
			     NULL },
	[R_INVALID_SQL] = { "invalid-sql", META, BOTH, STRATA_LINT_ERROR, "statement does not parse or apply",
			    "The statement is rejected by PostgreSQL's parser, or fails when applied to a scratch "
			    "database (SQLite, or PostgreSQL with --scratch-db) after the earlier migrations; the "
			    "migration will fail. Fix the SQL.",
			    NULL },
	[R_UNUSED_SUP] = { "unused-suppression", META, BOTH, STRATA_LINT_WARNING,
			   "suppression comment suppresses nothing",
			   "A `strata-lint: ignore RULE` comment that matches no finding on the next statement or "
			   "line is stale (or names the wrong rule) and would hide a future finding. Remove it or "
			   "fix the rule id.",
			   NULL },
	[R_SUP_REASON] = { "suppression-without-reason", META, BOTH, STRATA_LINT_WARNING,
			   "suppression comment gives no reason",
			   "Write why the finding is acceptable after the rule id "
			   "(`-- strata-lint: ignore drop-table replaced by archive_tasks`), so a reviewer can judge "
			   "it later.",
			   NULL },
};
/* clang-format on */

const strata_lint_rule *strata_lint_rules(size_t *n)
{
	if (n)
		*n = R__COUNT;
	return strata__lint_rules;
}

const strata_lint_rule *strata_lint_rule_find(const char *id)
{
	if (!id)
		return NULL;
	for (size_t i = 0; i < R__COUNT; i++)
		if (strcmp(strata__lint_rules[i].id, id) == 0)
			return &strata__lint_rules[i];
	return NULL;
}

const char *strata_lint_severity_name(strata_lint_severity s)
{
	switch (s) {
	case STRATA_LINT_OFF: return "off";
	case STRATA_LINT_INFO: return "info";
	case STRATA_LINT_WARNING: return "warning";
	case STRATA_LINT_ERROR: return "error";
	}
	return "unknown";
}

static const char *const reserved[] = {
	"all",
	"analyse",
	"analyze",
	"and",
	"any",
	"array",
	"as",
	"asc",
	"asymmetric",
	"autoincrement",
	"between",
	"both",
	"by",
	"case",
	"cast",
	"check",
	"collate",
	"column",
	"commit",
	"constraint",
	"create",
	"cross",
	"current_date",
	"current_role",
	"current_time",
	"current_timestamp",
	"current_user",
	"default",
	"deferrable",
	"delete",
	"desc",
	"distinct",
	"do",
	"drop",
	"else",
	"end",
	"escape",
	"except",
	"exists",
	"false",
	"fetch",
	"for",
	"foreign",
	"from",
	"full",
	"glob",
	"grant",
	"group",
	"having",
	"if",
	"in",
	"index",
	"initially",
	"inner",
	"insert",
	"intersect",
	"into",
	"is",
	"isnull",
	"join",
	"lateral",
	"leading",
	"left",
	"like",
	"limit",
	"localtime",
	"localtimestamp",
	"natural",
	"not",
	"notnull",
	"null",
	"offset",
	"on",
	"only",
	"or",
	"order",
	"outer",
	"placing",
	"primary",
	"references",
	"regexp",
	"returning",
	"right",
	"select",
	"session_user",
	"set",
	"some",
	"symmetric",
	"table",
	"then",
	"to",
	"trailing",
	"transaction",
	"true",
	"union",
	"unique",
	"update",
	"user",
	"using",
	"values",
	"variadic",
	"when",
	"where",
	"window",
	"with",
};

bool strata__lint_reserved(const char *word)
{
	size_t lo = 0, hi = sizeof reserved / sizeof reserved[0];
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = 0;
		const char *a = word, *b = reserved[mid];
		for (;; a++, b++) {
			int ca = (*a >= 'A' && *a <= 'Z') ? *a + 32 : (unsigned char)*a;
			int cb = (unsigned char)*b;
			if (ca != cb || !ca) {
				c = ca - cb;
				break;
			}
		}
		if (c == 0)
			return true;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}
