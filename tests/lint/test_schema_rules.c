/*
 * The design rules on schema files: each fires on a flawed schema and stays
 * quiet on a sound one, for both dialects (PostgreSQL-only rules: quiet on
 * SQLite).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "helpers.h"
#include "testdb.h"

#define PG STRATA_BACKEND_POSTGRES
#define SQ STRATA_BACKEND_SQLITE

static const strata_backend both[] = { SQ, PG };

/* Lint `text` for each dialect and expect `rule` to fire or not. */
static void expect(const char *text, const char *rule, bool fire_sqlite, bool fire_pg, const strata_lint_config *cfg)
{
	for (int i = 0; i < 2; i++) {
		strata_lint_report *r = lint_schema_text(text, both[i], cfg);
		bool want = both[i] == SQ ? fire_sqlite : fire_pg;
		if (want)
			cr_assert(count_rule(r, rule) > 0, "%s should fire on %s:\n%s\ngot:\n%s", rule,
				  both[i] == SQ ? "SQLite" : "PostgreSQL", text, report_text(r));
		else
			cr_assert(count_rule(r, rule) == 0, "%s should not fire on %s:\n%s\ngot:\n%s", rule,
				  both[i] == SQ ? "SQLite" : "PostgreSQL", text, report_text(r));
		strata_lint_report_free(r);
	}
}

#define FIRE(text, rule)  expect((text), (rule), true, true, NULL)
#define CLEAN(text, rule) expect((text), (rule), false, false, NULL)

#define USERS "table users {\n use timestamps\n id uuid primary key\n email string(255) not null unique\n}\n"

Test(schema_rules, require_primary_key)
{
	FIRE("table notes {\n use timestamps\n body string(100)\n}\n", "require-primary-key");
	CLEAN(USERS, "require-primary-key");
}

Test(schema_rules, require_timestamps)
{
	FIRE("table notes {\n id uuid primary key\n}\n", "require-timestamps");
	CLEAN(USERS, "require-timestamps");
	/* A pure junction table is exempt. */
	CLEAN(USERS "table tags {\n use timestamps\n id serial primary key\n}\n"
		    "table user_tags {\n user_id ref users not null on delete cascade\n"
		    " tag_id ref tags not null on delete cascade\n primary key (user_id, tag_id)\n index (tag_id)\n}\n",
	      "require-timestamps");
}

Test(schema_rules, updated_at_not_maintained)
{
	FIRE("table notes {\n id uuid primary key\n created_at timestamp not null default now\n"
	     " updated_at timestamp not null default now\n}\n",
	     "updated-at-not-maintained");
	CLEAN("table notes {\n id uuid primary key\n created_at timestamp not null default now\n"
	      " updated_at timestamp not null default now auto_update\n}\n",
	      "updated-at-not-maintained");
	CLEAN(USERS, "updated-at-not-maintained");
}

Test(schema_rules, string_without_length)
{
	FIRE(USERS "table notes {\n use timestamps\n id uuid primary key\n body text\n}\n", "string-without-length");
	CLEAN(USERS "table notes {\n use timestamps\n id uuid primary key\n body string(2000)\n}\n",
	      "string-without-length");
	CLEAN(USERS
	      "table notes {\n use timestamps\n id uuid primary key\n body text check (length(body) <= 2000)\n}\n",
	      "string-without-length");
}

Test(schema_rules, string_style_text)
{
	strata_lint_config *cfg;
	ST_OK(strata_lint_config_new(&cfg));
	ST_OK(strata_lint_config_set(cfg, "string-style", "text"));
	/* With string-style = text, varchar(n) is reported on PostgreSQL and text is fine. */
	expect(USERS, "string-without-length", false, true, cfg);
	expect("table notes {\n use timestamps\n id uuid primary key\n body text\n}\n", "string-without-length", false,
	       false, cfg);
	strata_lint_config_free(cfg);
}

Test(schema_rules, prefer_enum)
{
	FIRE("table jobs {\n use timestamps\n id uuid primary key\n status string(20) not null\n}\n", "prefer-enum");
	FIRE("table jobs {\n use timestamps\n id uuid primary key\n job_type string(20) not null\n}\n", "prefer-enum");
	/* Default enum-style = native: text with a CHECK list is reported too. */
	FIRE("table jobs {\n use timestamps\n id uuid primary key\n"
	     " status string(20) not null check (status in ('a', 'b'))\n}\n",
	     "prefer-enum");
	CLEAN("enum job_status { queued done }\ntable jobs {\n use timestamps\n id uuid primary key\n"
	      " status job_status not null default queued\n content_type string(100)\n}\n",
	      "prefer-enum");
}

Test(schema_rules, enum_style_check)
{
	strata_lint_config *cfg;
	ST_OK(strata_lint_config_new(&cfg));
	ST_OK(strata_lint_config_set(cfg, "enum-style", "check"));
	expect("table jobs {\n use timestamps\n id uuid primary key\n"
	       " status string(20) not null check (status in ('a', 'b'))\n}\n",
	       "prefer-enum", false, false, cfg);
	/* Native enums are reported on PostgreSQL under enum-style = check. */
	expect("enum job_status { queued done }\ntable jobs {\n use timestamps\n id uuid primary key\n"
	       " status job_status not null default queued\n}\n",
	       "prefer-enum", false, true, cfg);
	strata_lint_config_free(cfg);
}

Test(schema_rules, fk_on_delete)
{
	FIRE(USERS
	     "table posts {\n use timestamps\n id uuid primary key\n user_id ref users not null\n index (user_id)\n}\n",
	     "fk-on-delete");
	CLEAN(USERS "table posts {\n use timestamps\n id uuid primary key\n"
		    " user_id ref users not null on delete restrict\n index (user_id)\n}\n",
	      "fk-on-delete");
}

Test(schema_rules, fk_missing_index)
{
	FIRE(USERS "table posts {\n use timestamps\n id uuid primary key\n"
		   " user_id ref users not null on delete cascade\n title string(100)\n index (title, user_id)\n}\n",
	     "fk-missing-index");
	CLEAN(USERS "table posts {\n use timestamps\n id uuid primary key\n"
		    " user_id ref users not null on delete cascade\n title string(100)\n index (user_id, title)\n}\n",
	      "fk-missing-index");
}

Test(schema_rules, duplicate_index)
{
	FIRE("table t {\n use timestamps\n id uuid primary key\n a int\n index a1 (a)\n index a2 (a)\n}\n",
	     "duplicate-index");
	CLEAN("table t {\n use timestamps\n id uuid primary key\n a int\n b int\n index a1 (a)\n index b1 (b)\n}\n",
	      "duplicate-index");
	/* Same columns, different predicates: two different indexes. */
	CLEAN("table t {\n use timestamps\n id uuid primary key\n a int\n index a1 (a) where a > 0\n index a2 (a)\n}\n",
	      "duplicate-index");
}

Test(schema_rules, redundant_index)
{
	FIRE("table t {\n use timestamps\n id uuid primary key\n a int\n b int\n index (a)\n index (a, b)\n}\n",
	     "redundant-index");
	FIRE("table t {\n use timestamps\n id uuid primary key\n email string(200) unique\n index (email)\n}\n",
	     "redundant-index");
	FIRE("table t {\n use timestamps\n id uuid primary key\n index (id)\n}\n", "redundant-index");
	CLEAN("table t {\n use timestamps\n id uuid primary key\n a int\n b int\n index (a, b)\n index (b)\n}\n",
	      "redundant-index");
}

Test(schema_rules, owner_not_indexed)
{
	FIRE(USERS "table posts {\n use timestamps\n id uuid primary key\n"
		   " user_id ref users not null on delete cascade owner\n title string(100)\n}\n",
	     "owner-not-indexed");
	CLEAN(USERS
	      "table posts {\n use timestamps\n id uuid primary key\n"
	      " user_id ref users not null on delete cascade owner\n title string(100)\n index (user_id, title)\n}\n",
	      "owner-not-indexed");
}

Test(schema_rules, id_without_fkey)
{
	FIRE("table t {\n use timestamps\n id uuid primary key\n org_id bigint\n index (org_id)\n}\n",
	     "id-without-fkey");
	CLEAN("table orgs {\n use timestamps\n id uuid primary key\n}\n"
	      "table t {\n use timestamps\n id uuid primary key\n org_id ref orgs on delete cascade\n index "
	      "(org_id)\n}\n",
	      "id-without-fkey");
}

Test(schema_rules, money_as_float)
{
	FIRE("table t {\n use timestamps\n id uuid primary key\n unit_price float\n}\n", "money-as-float");
	CLEAN("table t {\n use timestamps\n id uuid primary key\n unit_price decimal(12,2)\n ratio float\n}\n",
	      "money-as-float");
}

Test(schema_rules, timestamp_without_tz)
{
	/* PostgreSQL only. */
	expect("table t {\n use timestamps\n id uuid primary key\n seen_at sql('timestamp')\n}\n",
	       "timestamp-without-tz", false, true, NULL);
	CLEAN("table t {\n use timestamps\n id uuid primary key\n seen_at timestamp\n}\n", "timestamp-without-tz");
}

Test(schema_rules, char_type)
{
	FIRE("table t {\n use timestamps\n id uuid primary key\n code sql('char(3)')\n}\n", "char-type");
	CLEAN("table t {\n use timestamps\n id uuid primary key\n code string(3)\n}\n", "char-type");
}

Test(schema_rules, reserved_word)
{
	FIRE("table order {\n use timestamps\n id uuid primary key\n}\n", "reserved-word");
	FIRE("table t {\n use timestamps\n id uuid primary key\n user string(10)\n}\n", "reserved-word");
	CLEAN("table orders {\n use timestamps\n id uuid primary key\n sort_order int\n}\n", "reserved-word");
}

Test(schema_rules, example_schema_lints_clean)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/examples/tasks/schema.strata", STRATA_SOURCE_DIR);
	strata_lint_report *r;
	ST_OK(strata_lint_report_new(&r));
	ST_OK(strata_lint_schema_file(r, path, NULL));
	cr_assert_eq(strata_lint_report_count(r), 0, "the example schema has findings:\n%s", report_text(r));
	strata_lint_report_free(r);
}

Test(schema_rules, suppression_in_schema)
{
	const char *text = "table t {\n use timestamps\n id uuid primary key\n"
			   " // strata-lint: ignore money-as-float an estimate, never summed\n"
			   " unit_price float\n"
			   " # strata-lint: ignore char-type nothing here\n"
			   " code string(3)\n}\n";
	strata_lint_report *r = lint_schema_text(text, 0, NULL);
	QUIET(r, "money-as-float");
	FIRES(r, "unused-suppression");
	cr_assert_eq(strata_lint_report_suppressed(r), 1);
	strata_lint_report_free(r);
}
