/*
 * The rule registry: every rule's id, category, dialects, default
 * severity, summary and explanation.  The order matches the R_ numbers of
 * internal.h; ids are never renamed, only added.
 */
#include <string.h>

#include "lint/internal.h"

#define BOTH (STRATA_LINT_SQLITE | STRATA_LINT_POSTGRES)
#define PG STRATA_LINT_POSTGRES
#define DESIGN STRATA_LINT_CAT_DESIGN
#define DESTRUCTIVE STRATA_LINT_CAT_DESTRUCTIVE
#define LOCKING STRATA_LINT_CAT_LOCKING
#define BREAKING STRATA_LINT_CAT_BREAKING
#define ROBUST STRATA_LINT_CAT_ROBUSTNESS
#define META STRATA_LINT_CAT_META

const strata_lint_rule strata__lint_rules[R__COUNT] = {
	[R_REQUIRE_PK] = { "require-primary-key", DESIGN, BOTH, STRATA_LINT_ERROR,
		"table has no primary key",
		"Without a primary key a row cannot be addressed, updated or replicated reliably "
		"(logical replication refuses UPDATE and DELETE on such tables) and ORMs and generated "
		"code cannot find it again. Add `id uuid primary key` (or serial), or a composite "
		"`primary key (a, b)` for a junction table.", NULL },
	[R_REQUIRE_TIMESTAMPS] = { "require-timestamps", DESIGN, BOTH, STRATA_LINT_WARNING,
		"table has no created_at/updated_at columns",
		"When a row was created and last changed is the first question in every incident and "
		"the basis of incremental exports and caches. Add `use timestamps` to the table (or "
		"`use timestamps` at file level for every table), which adds created_at and updated_at "
		"with defaults. A pure junction table (every column is in the primary key and a foreign key) "
		"is exempt.", NULL },
	[R_UPDATED_AT] = { "updated-at-not-maintained", DESIGN, BOTH, STRATA_LINT_WARNING,
		"updated_at is not kept current",
		"An updated_at column that nothing updates keeps its insert time forever and silently "
		"lies. Mark it `auto_update` (Strata writes the trigger on both dialects), or use the "
		"timestamps mixin; in a live database, add a BEFORE UPDATE trigger that sets it.", NULL },
	[R_STRING_LENGTH] = { "string-without-length", DESIGN, BOTH, STRATA_LINT_WARNING,
		"string column without a maximum length",
		"An unbounded string lets one request store megabytes in a name field, and every "
		"consumer (forms, indexes, exports) has to guess a limit. Use string(n); on PostgreSQL "
		"text with CHECK (length(col) <= n) also counts. Default `string-style = length` because "
		"the limit is part of the data's contract on both dialects (SQLite ignores varchar "
		"lengths, so Strata writes the CHECK). PostgreSQL's own advice is to prefer text: with "
		"`string-style = text` the rule instead reports varchar(n) on PostgreSQL and accepts text.",
		"string-style" },
	[R_PREFER_ENUM] = { "prefer-enum", DESIGN, BOTH, STRATA_LINT_WARNING,
		"status-like column stored as free text",
		"A column named status, state, kind, type, role, category, stage, phase or mode (or "
		"ending in _status, _state, _kind, _type, _role, _category, _stage, _phase, _mode; "
		"content_type and mime_type excepted) almost always holds one of a few values; as free "
		"text it collects typos. Declare an enum. Default `enum-style = native`: one declaration, "
		"a native type on PostgreSQL and a CHECK on SQLite, and checked in generated code; text "
		"with a CHECK (col IN (...)) is reported too. With `enum-style = check` text with a CHECK "
		"is accepted and native enum columns are reported on PostgreSQL, because enum values "
		"cannot be removed or reordered without rebuilding the type.", "enum-style" },
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
		"foreign-key columns the first columns of an existing index).", NULL },
	[R_DUP_INDEX] = { "duplicate-index", DESIGN, BOTH, STRATA_LINT_WARNING,
		"index duplicates another index",
		"Two indexes on the same columns with the same predicate double the write cost and the "
		"disk space and help no query. Drop one of them.", NULL },
	[R_REDUNDANT_INDEX] = { "redundant-index", DESIGN, BOTH, STRATA_LINT_WARNING,
		"index is covered by another index or key",
		"An index whose columns are a prefix of another index with the same predicate, or an "
		"index on a column that is already the primary key or unique, is served by the other "
		"one. Drop it (a unique index is kept when it enforces something the longer one does not).",
		NULL },
	[R_OWNER_INDEX] = { "owner-not-indexed", DESIGN, BOTH, STRATA_LINT_WARNING,
		"owner column is not the leading column of an index",
		"Every generated query on an owned table filters by the owner column, so without an "
		"index whose first column it is each one scans the table. Add `index (owner_col, ...)`.",
		NULL },
	[R_ID_FKEY] = { "id-without-fkey", DESIGN, BOTH, STRATA_LINT_WARNING,
		"*_id column without a foreign key",
		"A column named like a reference but without a foreign key lets orphans in and hides the "
		"relationship from tools. Declare it `ref table`, or rename it if it names an external id "
		"(or suppress the finding with the reason).", NULL },
	[R_MONEY_FLOAT] = { "money-as-float", DESIGN, BOTH, STRATA_LINT_ERROR,
		"floating-point type for a money-like column",
		"Binary floating point cannot represent 0.10 exactly; sums of prices drift by cents. A "
		"column named price, amount, cost, total, balance, fee, salary, tax, discount, refund, "
		"payment or revenue should be decimal(p,s) or an integer count of cents.", NULL },
	[R_TS_TZ] = { "timestamp-without-tz", DESIGN, PG, STRATA_LINT_WARNING,
		"timestamp without time zone",
		"PostgreSQL's `timestamp` stores a wall-clock reading with no zone; the same instant "
		"written from two sessions with different TimeZone settings compares unequal. Use "
		"timestamptz (Strata's `timestamp` type already is).", NULL },
	[R_CHAR] = { "char-type", DESIGN, BOTH, STRATA_LINT_WARNING,
		"char(n) column",
		"char(n) pads with spaces, which then take part in comparisons, lengths and client code "
		"in surprising ways, and it is no faster than varchar. Use string(n).", NULL },
	[R_IDENT_LEN] = { "identifier-too-long", DESIGN, BOTH, STRATA_LINT_ERROR,
		"identifier longer than 63 bytes",
		"PostgreSQL silently truncates identifiers to 63 bytes, so two long names can collide and "
		"the name in the catalog is not the one in the code. Use a shorter name (index and "
		"constraint names included).", NULL },
	[R_RESERVED] = { "reserved-word", DESIGN, BOTH, STRATA_LINT_WARNING,
		"identifier is a reserved word",
		"A table or column named user, order, group, table and the like must be quoted in every "
		"hand-written query on PostgreSQL or SQLite, and is a syntax error whenever someone "
		"forgets. Pick another name (users, sort_order, ...).", NULL },
	[R_DROP_TABLE] = { "drop-table", DESTRUCTIVE, BOTH, STRATA_LINT_ERROR,
		"migration drops a table",
		"The table's rows are gone for good and code still reading it fails. Stop using the "
		"table in a release first, back it up (`strata migrate up --safe`), then drop it in a "
		"later migration with a suppression comment giving the reason.", NULL },
	[R_DROP_COLUMN] = { "drop-column", DESTRUCTIVE, BOTH, STRATA_LINT_ERROR,
		"migration drops a column",
		"The column's data is gone and running code that selects it fails. Remove it from the "
		"code and the schema first, deploy, then drop it in a later migration (with a "
		"suppression comment saying so).", NULL },
	[R_TRUNCATE] = { "truncate-table", DESTRUCTIVE, PG, STRATA_LINT_ERROR,
		"migration truncates a table",
		"TRUNCATE deletes every row (and with CASCADE every row of every referencing table) and "
		"takes an ACCESS EXCLUSIVE lock. Data changes do not belong in schema migrations; if it "
		"is really meant, suppress with the reason.", NULL },
	[R_DML_NO_WHERE] = { "dml-without-where", DESTRUCTIVE, BOTH, STRATA_LINT_ERROR,
		"DELETE or UPDATE without WHERE",
		"A DELETE or UPDATE without WHERE changes every row of the table, in one long "
		"transaction. Add the WHERE that says which rows (WHERE true if it really is all of "
		"them), and batch large backfills.", NULL },
	[R_NARROWING] = { "narrowing-type", DESTRUCTIVE, BOTH, STRATA_LINT_ERROR,
		"column type change can lose data",
		"Changing a column to a narrower type (a shorter varchar, a smaller integer, fewer "
		"decimal digits, text to a number) fails on or truncates existing values. Add a new "
		"column, backfill it with an explicit conversion, and switch over.", NULL },
	[R_INDEX_CONC] = { "add-index-concurrently", LOCKING, PG, STRATA_LINT_WARNING,
		"CREATE INDEX without CONCURRENTLY on an existing table",
		"CREATE INDEX blocks every write to the table until the index is built, which on a big "
		"table is minutes. Use CREATE INDEX CONCURRENTLY in a migration marked "
		"`-- migrate:up transaction:false`. Tables created in the same migration are exempt.",
		NULL },
	[R_DROP_INDEX_CONC] = { "drop-index-concurrently", LOCKING, PG, STRATA_LINT_WARNING,
		"DROP INDEX without CONCURRENTLY",
		"DROP INDEX takes an ACCESS EXCLUSIVE lock on the table, queued behind every running "
		"query and blocking every later one. Use DROP INDEX CONCURRENTLY in a migration marked "
		"`transaction:false`.", NULL },
	[R_CONC_TX] = { "concurrently-in-transaction", LOCKING, PG, STRATA_LINT_ERROR,
		"CONCURRENTLY inside a transaction",
		"CREATE/DROP INDEX CONCURRENTLY cannot run inside a transaction block, and migrations run "
		"in one by default, so this migration fails. Mark the section "
		"`-- migrate:up transaction:false` and keep the statement alone in it.", NULL },
	[R_NOT_VALID] = { "add-constraint-not-valid", LOCKING, PG, STRATA_LINT_WARNING,
		"foreign key or CHECK added without NOT VALID",
		"Adding a foreign key or CHECK validates every existing row while holding a lock that "
		"blocks writes (and, for a foreign key, writes to the referenced table too). Add it "
		"with NOT VALID, then run ALTER TABLE ... VALIDATE CONSTRAINT in a later migration, "
		"which does not block writes.", NULL },
	[R_SET_NOT_NULL] = { "set-not-null", LOCKING, PG, STRATA_LINT_WARNING,
		"SET NOT NULL scans the table under an exclusive lock",
		"ALTER COLUMN SET NOT NULL reads the whole table while holding ACCESS EXCLUSIVE. First "
		"add CHECK (col IS NOT NULL) NOT VALID and VALIDATE it; PostgreSQL 12+ then uses the "
		"constraint and SET NOT NULL is instant.", NULL },
	[R_VOLATILE_DEFAULT] = { "volatile-default", LOCKING, PG, STRATA_LINT_WARNING,
		"column added with a volatile default rewrites the table",
		"ADD COLUMN with a default that differs per row (random(), gen_random_uuid(), "
		"clock_timestamp(), nextval() and serial types) rewrites every row under ACCESS "
		"EXCLUSIVE. Add the column without a default, set the default afterwards, and backfill "
		"in batches. (A constant default or now() is instant since PostgreSQL 11.)", NULL },
	[R_ALTER_TYPE] = { "alter-column-type", LOCKING, PG, STRATA_LINT_WARNING,
		"ALTER COLUMN TYPE rewrites the table",
		"Changing a column's type rewrites the table and its indexes under ACCESS EXCLUSIVE "
		"(widening a varchar or turning it into text is the exception). Add a new column, "
		"backfill it, and switch over.", NULL },
	[R_NOT_NULL_NO_DEFAULT] = { "add-not-null-column", LOCKING, BOTH, STRATA_LINT_ERROR,
		"NOT NULL column added without a default",
		"Adding a NOT NULL column without a default fails as soon as the table has a row (SQLite "
		"refuses it always). Give it a default, or add it nullable, backfill, then set NOT NULL.",
		NULL },
	[R_LOCK_TIMEOUT] = { "require-lock-timeout", LOCKING, PG, STRATA_LINT_WARNING,
		"migration takes strong locks without a lock_timeout",
		"An ALTER TABLE waiting behind a long query holds its place in the lock queue and "
		"blocks every query that arrives after it: a short migration becomes an outage. Start "
		"the migration with `SET lock_timeout = '5s';` and retry on failure.", NULL },
	[R_RENAME_TABLE] = { "rename-table", BREAKING, BOTH, STRATA_LINT_WARNING,
		"migration renames a table",
		"Code that is running during the deploy still uses the old name and fails until it is "
		"replaced. Create the new table (or a view with the new name), move code over, then "
		"drop the old name in a later release.", NULL },
	[R_RENAME_COLUMN] = { "rename-column", BREAKING, BOTH, STRATA_LINT_WARNING,
		"migration renames a column",
		"Running code still selects and writes the old name. Add the new column, write both, "
		"backfill, move reads over, then drop the old one.", NULL },
	[R_DROP_SCHEMA_COL] = { "drop-column-in-schema", BREAKING, BOTH, STRATA_LINT_ERROR,
		"migration drops a table or column the schema file still has",
		"The schema file (and the code generated from it) still uses what this migration "
		"drops, so the next deploy breaks or the next `migrate diff` adds it back. Remove it "
		"from the schema first.", NULL },
	[R_IF_EXISTS] = { "require-if-exists", ROBUST, BOTH, STRATA_LINT_WARNING,
		"statement fails when re-run (missing IF [NOT] EXISTS)",
		"A migration that failed half-way (transaction:false, or DDL that cannot run in a "
		"transaction) is re-run from the top; CREATE without IF NOT EXISTS and DROP without IF "
		"EXISTS then fail on what the first run did. Add IF NOT EXISTS / IF EXISTS.", NULL },
	[R_REQUIRE_DOWN] = { "require-down", ROBUST, BOTH, STRATA_LINT_WARNING,
		"migration has no down section",
		"Without `-- migrate:down` the migration cannot be rolled back with `strata migrate "
		"down` when a deploy goes wrong. Write the statements that undo the up section.", NULL },
	[R_DOWN_INVERSE] = { "down-not-inverse", ROBUST, BOTH, STRATA_LINT_WARNING,
		"down section does not undo the up section",
		"After up and then down the schema should be where it was; otherwise a rollback leaves "
		"tables, columns or indexes behind (or loses them). On SQLite this is checked by running "
		"both on an in-memory scratch database; on PostgreSQL on a throwaway database when a "
		"server is named (`--scratch-db URL` or `scratch-db` in .strata-lint), otherwise by "
		"matching what up creates, drops and renames against what down does. Make down the "
		"exact inverse.", "scratch-db" },
	[R_INVALID_SQL] = { "invalid-sql", META, BOTH, STRATA_LINT_ERROR,
		"statement does not parse or apply",
		"The statement is rejected by PostgreSQL's parser, or fails when applied to a scratch "
		"database (SQLite, or PostgreSQL with --scratch-db) after the earlier migrations; the "
		"migration will fail. Fix the SQL.",
		NULL },
	[R_UNUSED_SUP] = { "unused-suppression", META, BOTH, STRATA_LINT_WARNING,
		"suppression comment suppresses nothing",
		"A `strata-lint: ignore RULE` comment that matches no finding on the next statement or "
		"line is stale (or names the wrong rule) and would hide a future finding. Remove it or "
		"fix the rule id.", NULL },
	[R_SUP_REASON] = { "suppression-without-reason", META, BOTH, STRATA_LINT_WARNING,
		"suppression comment gives no reason",
		"Write why the finding is acceptable after the rule id "
		"(`-- strata-lint: ignore drop-table replaced by archive_tasks`), so a reviewer can judge "
		"it later.", NULL },
};

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
	"all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "autoincrement",
	"between", "both", "by", "case", "cast", "check", "collate", "column", "commit", "constraint",
	"create", "cross", "current_date", "current_role", "current_time", "current_timestamp",
	"current_user", "default", "deferrable", "delete", "desc", "distinct", "do", "drop", "else",
	"end", "escape", "except", "exists", "false", "fetch", "for", "foreign", "from", "full", "glob",
	"grant", "group", "having", "if", "in", "index", "initially", "inner", "insert", "intersect",
	"into", "is", "isnull", "join", "lateral", "leading", "left", "like", "limit", "localtime",
	"localtimestamp", "natural", "not", "notnull", "null", "offset", "on", "only", "or", "order",
	"outer", "placing", "primary", "references", "regexp", "returning", "right", "select",
	"session_user", "set", "some", "symmetric", "table", "then", "to", "trailing", "transaction",
	"true", "union", "unique", "update", "user", "using", "values", "variadic", "when", "where",
	"window", "with",
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
