/* The schema language: parsing, the model, printing, and every error class. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <strata.h>

#include "example_schema.h"

#define ST_OK(call)                                                                             \
	do {                                                                                    \
		int st_rc_ = (call);                                                            \
		cr_assert_eq(st_rc_, STRATA_OK, "%s: %s", #call, strata_error_last()->message); \
	} while (0)

static strata_schema *parse_ok(const char *text)
{
	strata_schema *s = NULL;
	int rc = strata_schema_parse(&s, text, strlen(text), "schema.strata");
	cr_assert_eq(rc, STRATA_OK, "parse failed: %s", strata_error_last()->message);
	return s;
}

Test(schema, design_example_model)
{
	strata_schema *s = parse_ok(test_example_schema);
	cr_assert_eq(s->ntables, 4);
	cr_assert_eq(s->nenums, 1);
	const strata_table *users = strata_schema_table(s, "users");
	cr_assert_not_null(users);
	cr_assert_eq(users->ncolumns, 6);
	cr_assert_str_eq(users->columns[0].name, "created_at");
	cr_assert_str_eq(users->columns[0].mixin, "timestamps");
	cr_assert(users->columns[1].auto_update);
	const strata_column *email = strata_table_column(users, "email");
	cr_assert_eq(email->type.kind, STRATA_T_STRING);
	cr_assert_eq(email->type.length, 255);
	cr_assert(email->unique && email->not_null);
	cr_assert_eq(users->npkey, 1);
	cr_assert_str_eq(users->pkey[0], "id");
	cr_assert_eq(strata_table_column(users, "id")->dflt.kind, STRATA_DEFAULT_UUID_V7);
	cr_assert_str_eq(users->indexes[0].name, "users_email_is_active_idx");

	const strata_table *tasks = strata_schema_table(s, "tasks");
	const strata_column *uid = strata_table_column(tasks, "user_id");
	cr_assert_eq(uid->type.kind, STRATA_T_UUID, "ref takes the referenced key's type");
	cr_assert(uid->owner);
	cr_assert_str_eq(tasks->owner, "user_id");
	cr_assert_eq(tasks->nfkeys, 1);
	cr_assert_str_eq(tasks->fkeys[0].name, "tasks_user_id_fkey");
	cr_assert_str_eq(tasks->fkeys[0].ref_table, "users");
	cr_assert_str_eq(tasks->fkeys[0].ref_columns[0], "id");
	cr_assert_eq(tasks->fkeys[0].on_delete, STRATA_FK_CASCADE);
	cr_assert_eq(strata_table_fkey(tasks, "user_id"), &tasks->fkeys[0]);
	cr_assert_null(strata_table_fkey(tasks, "title"));
	const strata_column *prio = strata_table_column(tasks, "priority");
	cr_assert_str_eq(prio->check, "priority between 0 and 4");
	const strata_column *state = strata_table_column(tasks, "state");
	cr_assert_eq(state->type.kind, STRATA_T_ENUM);
	cr_assert_str_eq(state->type.enum_name, "status");
	cr_assert_eq(state->dflt.kind, STRATA_DEFAULT_ENUM);
	const strata_column *labels = strata_table_column(tasks, "labels");
	cr_assert(labels->type.array);
	const strata_index *open = strata_table_index(tasks, "open_by_due");
	cr_assert_not_null(open);
	cr_assert_str_eq(open->where, "state <> 'completed'");
	cr_assert_eq(tasks->nmixins, 2);
	cr_assert_str_eq(strata_table_column(tasks, "deleted_at")->mixin, "soft_delete");

	const strata_table *tt = strata_schema_table(s, "task_tags");
	cr_assert_eq(tt->npkey, 2);
	cr_assert_eq(strata_table_column(tt, "tag_id")->type.kind, STRATA_T_BIGINT, "serial is referenced as bigint");

	const strata_relation *rels;
	int n;
	ST_OK(strata_schema_relations(s, "tasks", &rels, &n));
	bool user = false, tags = false, task_tags = false;
	for (int i = 0; i < n; i++) {
		if (strcmp(rels[i].name, "user") == 0 && rels[i].kind == STRATA_REL_MANY_TO_ONE)
			user = true;
		if (strcmp(rels[i].name, "tags") == 0 && rels[i].kind == STRATA_REL_MANY_TO_MANY)
			tags = strcmp(rels[i].through, "task_tags") == 0;
		if (strcmp(rels[i].name, "task_tags") == 0 && rels[i].kind == STRATA_REL_ONE_TO_MANY)
			task_tags = true;
	}
	cr_assert(user && tags && task_tags, "tasks has user, tags (through task_tags) and task_tags");
	strata_schema_free(s);
}

Test(schema, print_round_trip)
{
	strata_schema *s = parse_ok(test_example_schema);
	for (unsigned flags = 0; flags <= STRATA_PRINT_FLAT; flags++) {
		char *a, *b;
		ST_OK(strata_schema_print(s, flags, &a));
		strata_schema *s2 = parse_ok(a);
		ST_OK(strata_schema_print(s2, flags, &b));
		cr_assert_str_eq(a, b, "printing is stable:\n%s\n----\n%s", a, b);
		strata_schema_free(s2);
		free(a);
		free(b);
	}
	char *text;
	ST_OK(strata_schema_print(s, 0, &text));
	cr_assert(strstr(text, "    user_id ref users not null on delete cascade owner\n"), "%s", text);
	cr_assert(strstr(text, "    index open_by_due (user_id, due_date) where state <> 'completed'\n"), "%s", text);
	cr_assert(strstr(text, "    use timestamps, soft_delete\n") ||
			  strstr(text, "    use timestamps\n    use soft_delete\n"),
		  "%s", text);
	free(text);
	strata_schema_free(s);
}

Test(schema, features)
{
	strata_schema *s =
		parse_ok("use timestamps\n"
			 "enum role { admin member 'read only' }\n"
			 "mixin owned { owner_id ref users not null owner on delete cascade }\n"
			 "table users {\n"
			 "  id bigint primary key\n"
			 "  role role not null default 'read only'\n"
			 "  balance decimal(12,2) not null default 0.00\n"
			 "  ratio float default -1.5\n"
			 "  avatar bytes\n"
			 "  born date default '2000-01-01'\n"
			 "  api_key uuid default uuid_v4 unique\n"
			 "  prefs json default '{\"a\": 1}'\n"
			 "  \"index\" text renamed_from idx\n"
			 "  geo sql('point')\n"
			 "  parent_id ref users on delete set null as parent backref children\n"
			 "}\n"
			 "table audit_log renamed_from log {\n"
			 "  skip timestamps\n"
			 "  id serial primary key\n"
			 "  a int not null\n"
			 "  b int not null\n"
			 "  unique (a, b)\n"
			 "  check positive (a > 0 and b > 0)\n"
			 "  unique index ab_low (a) where b < 10\n"
			 "}\n"
			 "table docs {\n"
			 "  use owned\n"
			 "  id serial primary key\n"
			 "  la int not null\n"
			 "  lb int not null\n"
			 "  foreign key (la, lb) references audit_log (a, b) on delete restrict on update cascade\n"
			 "}\n");
	const strata_table *u = strata_schema_table(s, "users");
	cr_assert_eq(u->ncolumns, 13);
	cr_assert_str_eq(u->columns[12].name, "updated_at", "file-level mixin columns come last");
	cr_assert_eq(strata_table_column(u, "role")->dflt.kind, STRATA_DEFAULT_ENUM);
	cr_assert_str_eq(strata_table_column(u, "index")->renamed_from, "idx");
	cr_assert_eq(strata_table_column(u, "geo")->type.kind, STRATA_T_RAW);
	cr_assert_str_eq(strata_table_column(u, "geo")->type.raw, "point");
	cr_assert_eq(strata_table_column(u, "balance")->type.precision, 12);
	cr_assert_eq(strata_table_column(u, "parent_id")->type.kind, STRATA_T_BIGINT);
	const strata_table *a = strata_schema_table(s, "audit_log");
	cr_assert_str_eq(a->renamed_from, "log");
	cr_assert_null(strata_table_column(a, "created_at"), "skip opts out of a file-level mixin");
	cr_assert_str_eq(a->uniques[0].name, "audit_log_a_b_key");
	cr_assert_str_eq(a->checks[0].name, "positive");
	cr_assert(a->indexes[0].unique);
	const strata_table *d = strata_schema_table(s, "docs");
	cr_assert_str_eq(d->owner, "owner_id");
	cr_assert_eq(d->nfkeys, 2);
	const strata_relation *rels;
	int n;
	ST_OK(strata_schema_relations(s, "users", &rels, &n));
	bool parent = false, children = false;
	for (int i = 0; i < n; i++) {
		parent |= strcmp(rels[i].name, "parent") == 0 && strcmp(rels[i].target, "users") == 0;
		children |= strcmp(rels[i].name, "children") == 0 && rels[i].kind == STRATA_REL_ONE_TO_MANY;
	}
	cr_assert(parent && children);
	char *t1, *t2;
	ST_OK(strata_schema_print(s, 0, &t1));
	strata_schema *s2 = parse_ok(t1);
	ST_OK(strata_schema_print(s2, 0, &t2));
	cr_assert_str_eq(t1, t2);
	free(t1);
	free(t2);
	strata_schema_free(s2);
	strata_schema_free(s);
}

Test(schema, circular_references)
{
	strata_schema *s = parse_ok("table a { id serial primary key\n b_id ref b }\n"
				    "table b { id serial primary key\n a_id ref a }\n");
	cr_assert_eq(strata_schema_table(s, "a")->fkeys[0].ref_table[0], 'b');
	strata_schema_free(s);
}

/* ---- errors: each with its line and column ---- */

static void expect_error(const char *text, int line, int col, const char *msg)
{
	strata_schema *s = (strata_schema *)1;
	int rc = strata_schema_parse(&s, text, strlen(text), "schema.strata");
	const strata_error *e = strata_error_last();
	cr_assert_eq(rc, STRATA_EPARSE, "want a parse error for:\n%s", text);
	cr_assert_null(s);
	cr_assert_str_eq(e->message, msg);
	cr_assert_eq(e->line, line, "line %d, want %d: %s", e->line, line, e->message);
	cr_assert_eq(e->column, col, "column %d, want %d: %s", e->column, col, e->message);
}

Test(schema_errors, unknown_type)
{
	expect_error("table t {\n  id serial primary key\n  name strng(20)\n}\n", 3, 8,
		     "schema.strata:3:8: unknown type 'strng'; did you mean 'string'?");
	expect_error("enum status { a b }\ntable t {\n  s statsu\n}\n", 3, 5,
		     "schema.strata:3:5: unknown type 'statsu'; did you mean 'status'?");
}

Test(schema_errors, unknown_table)
{
	expect_error("table users { id serial primary key }\ntable t {\n  u ref usres\n}\n", 3, 9,
		     "schema.strata:3:9: unknown table 'usres' in a reference; did you mean 'users'?");
}

Test(schema_errors, fk_to_non_unique)
{
	expect_error(
		"table users { id serial primary key\n email text }\ntable t {\n  e ref users.email\n}\n", 4, 9,
		"schema.strata:4:9: foreign key to non-unique column users(email): make it unique or the primary key");
}

Test(schema_errors, duplicates)
{
	expect_error("table t { id int }\ntable t { id int }\n", 2, 1,
		     "schema.strata:2:1: duplicate table 't' (first declared on line 1)");
	expect_error("table t {\n  id int\n  id text\n}\n", 3, 3,
		     "schema.strata:3:3: duplicate column 'id' in table 't'");
	expect_error("enum e { a b a }\n", 1, 14, "schema.strata:1:14: duplicate value 'a' in enum 'e'");
	expect_error("table t {\n  a int\n  index x (a)\n  index x (a)\n}\n", 4, 3,
		     "schema.strata:4:3: duplicate index or constraint name 'x'");
	expect_error("table t {\n  use timestamps\n  created_at int\n}\n", 3, 3,
		     "schema.strata:3:3: duplicate column 'created_at' in table 't'");
}

Test(schema_errors, index_on_missing_column)
{
	expect_error("table t {\n  title text\n  index (titel)\n}\n", 3, 10,
		     "schema.strata:3:10: index: table 't' has no column 'titel'; did you mean 'title'?");
}

Test(schema_errors, mixin_cycle)
{
	expect_error("mixin a { use b }\nmixin b { use a }\ntable t { use a }\n", 1, 1,
		     "schema.strata:1:1: cycle of mixins: a -> b -> a");
	expect_error("table t { use timestamp }\n", 1, 15,
		     "schema.strata:1:15: unknown mixin 'timestamp'; did you mean 'timestamps'?");
}

Test(schema_errors, default_wrong_type)
{
	expect_error(
		"table t {\n  n int default 'x'\n}\n", 2, 17,
		"schema.strata:2:17: default 'x' does not fit column 'n' of type int; write numbers without quotes");
	expect_error("table t {\n  b bool default 1\n}\n", 2, 18,
		     "schema.strata:2:18: default 1 does not fit column 'b' of type bool");
	expect_error(
		"table t {\n  s string(2) default 'abc'\n}\n", 2, 23,
		"schema.strata:2:23: default 'abc' does not fit column 's' of type string(2): longer than its length");
	expect_error("enum st { open closed }\ntable t {\n  s st default opne\n}\n", 3, 16,
		     "schema.strata:3:16: default 'opne' is not a value of enum 'st'; did you mean 'open'?");
	expect_error("table t {\n  ts timestamp default 'yesterday'\n}\n", 3 - 1, 24,
		     "schema.strata:2:24: default 'yesterday' does not fit column 'ts' of type timestamp: not an "
		     "ISO-8601 time");
}

Test(schema_errors, syntax)
{
	expect_error(
		"tabel t { }\n", 1, 1,
		"schema.strata:1:1: expected 'table', 'enum', 'mixin', 'use', 'view', 'materialized view', 'function', "
		"'trigger', 'domain', 'extension' or 'sequence', found 'tabel'; did you mean 'table'?");
	expect_error("table t {\n  a int nul\n}\n", 2, 9,
		     "schema.strata:2:9: unknown column option 'nul'; did you mean 'null'?");
	expect_error("table t {\n  a string\n}\n", 2, 5,
		     "schema.strata:2:5: string needs a maximum length: string(n); use text for unbounded text");
	expect_error("table t {\n  a int\n", 3, 1, "schema.strata:3:1: missing '}' at the end of table 't'");
	expect_error("table t {\n  a int check (a > 0\n}\n", 2, 15, "schema.strata:2:15: unbalanced parentheses");
	expect_error("table t { a text default 'x }\n", 1, 26, "schema.strata:1:26: unterminated string");
	expect_error("table t { a int }\x01", 1, 18, "schema.strata:1:18: unexpected byte 0x01");
}

Test(schema_errors, keys)
{
	expect_error(
		"table t {\n  a int primary key\n  b int primary key\n}\n", 3, 3,
		"schema.strata:3:3: table 't' has two primary key columns ('a' and 'b'); write primary key (a, b)");
	expect_error("table t {\n  a serial\n}\n", 2, 5,
		     "schema.strata:2:5: serial column 'a' must be the table's whole primary key");
	expect_error("table p { id serial primary key }\ntable t {\n  p ref p not null on delete set null\n}\n", 3, 3,
		     "schema.strata:3:3: column 'p' is not null but its foreign key says set null");
}

Test(schema_errors, nul_byte)
{
	static const char text[] = "table t {\n  a text default 'x\0y'\n}\n";
	strata_schema *s = NULL;
	cr_assert_eq(strata_schema_parse(&s, text, sizeof text - 1, "schema.strata"), STRATA_EPARSE);
	cr_assert_str_eq(strata_error_last()->message,
			 "schema.strata:2:20: a NUL byte: this is not a text file (or it is cut short)");
}

Test(schema_errors, never_crashes)
{
	/* Truncations of a valid file: each either parses or fails cleanly. */
	size_t n = strlen(test_example_schema);
	for (size_t i = 0; i < n; i++) {
		strata_schema *s = NULL;
		int rc = strata_schema_parse(&s, test_example_schema, i, "x");
		cr_assert(rc == STRATA_OK || rc == STRATA_EPARSE, "rc %d at %zu", rc, i);
		strata_schema_free(s);
	}
}

Test(schema, nested_mixins_print_as_written)
{
	strata_schema *s =
		parse_ok("mixin b { bx int }\nmixin a {\n  use b\n  ax int\n}\n"
			 "table t {\n  id serial primary key\n  use a\n  use timestamps, soft_delete\n  z int\n}\n");
	const strata_table *t = strata_schema_table(s, "t");
	cr_assert_str_eq(strata_table_column(t, "bx")->mixin, "a", "the mixin the table uses");
	char *text = NULL;
	ST_OK(strata_schema_print(s, 0, &text));
	cr_assert(strstr(text,
			 "table t {\n    id serial primary key\n    use a, timestamps, soft_delete\n    z int\n}\n"),
		  "%s", text);
	strata_schema *again = parse_ok(text);
	cr_assert_eq(strata_schema_table(again, "t")->ncolumns, t->ncolumns);
	strata_schema_free(again);
	free(text);
	strata_schema_free(s);
}
