/* Listing, paging, counting, bulk writes, eager loading, JSON and the start-up check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_support.h"

static task make_task(const char *title, int priority)
{
	task t = { 0 };
	t.title = title;
	t.priority = (strata_opt_int32)STRATA_SOME(priority);
	return t;
}

DB_TEST(gen, list_filters_orders_and_counts)
{
	gen_apply_schema(db);
	user_id alice = gen_make_user(db, "alice@example.com");
	char titles[20][16];
	task rows[20];
	for (int i = 0; i < 20; i++) {
		snprintf(titles[i], sizeof titles[i], "t%02d", i);
		rows[i] = make_task(titles[i], i % 5);
	}
	ST_OK(task_insert_many(db, alice, rows, 20));
	for (int i = 1; i < 20; i++)
		cr_assert_gt(rows[i].id.v, rows[i - 1].id.v, "insert_many returns ids in order");

	task_query q = { 0 };
	q.priority = (strata_opt_int32)STRATA_SOME(2);
	int64_t n;
	ST_OK(task_count(db, alice, &q, &n));
	cr_assert_eq(n, 4);
	task_page page;
	ST_OK(task_list(db, alice, &q, &page));
	cr_assert_eq(page.n, 4);
	for (size_t i = 0; i < page.n; i++)
		cr_assert_eq(page.items[i].priority.v, 2);
	task_page_free(&page);

	task_query range = { 0 };
	range.priority_from = (strata_opt_int32)STRATA_SOME(3);
	range.order = TASK_ORDER_PRIORITY;
	range.desc = true;
	ST_OK(task_list(db, alice, &range, &page));
	cr_assert_eq(page.n, 8);
	cr_assert_eq(page.items[0].priority.v, 4);
	cr_assert_eq(page.items[7].priority.v, 3);
	task_page_free(&page);

	/* limit/offset */
	task_query lo = { 0 };
	lo.limit = 7;
	lo.offset = 14;
	ST_OK(task_list(db, alice, &lo, &page));
	cr_assert_eq(page.n, 6);
	cr_assert(!page.has_more);
	cr_assert_str_eq(page.items[0].title, "t14");
	task_page_free(&page);

	/* bulk update by ids */
	task_id ids[3] = { rows[0].id, rows[1].id, rows[2].id };
	task v = { 0 };
	v.state = (status_opt)STRATA_SOME(STATUS_COMPLETED);
	int64_t changed = 0;
	ST_OK(task_update_many(db, alice, ids, 3, &v, TASK_STATE, &changed));
	cr_assert_eq(changed, 3);
	task_query done = { 0 };
	done.state = (status_opt)STRATA_SOME(STATUS_COMPLETED);
	ST_OK(task_count(db, alice, &done, &n));
	cr_assert_eq(n, 3);
	(void)url;
	(void)backend;
}

DB_TEST(gen, keyset_pages_miss_nothing_while_rows_arrive)
{
	gen_apply_schema(db);
	user_id alice = gen_make_user(db, "alice@example.com");
	task rows[50];
	for (int i = 0; i < 50; i++)
		rows[i] = make_task("paged", i % 5);
	ST_OK(task_insert_many(db, alice, rows, 50));

	/* by priority, then id: rows inserted between pages land before or after the cursor, never twice */
	bool seen[400] = { false };
	int seen_n = 0, pages = 0;
	task_cursor cur = { 0 };
	task_query q = { 0 };
	q.order = TASK_ORDER_PRIORITY;
	q.limit = 7;
	for (;;) {
		q.after = cur.valid ? &cur : NULL;
		task_page page;
		ST_OK(task_list(db, alice, &q, &page));
		for (size_t i = 0; i < page.n; i++) {
			int64_t id = page.items[i].id.v;
			cr_assert_lt(id, 400);
			cr_assert(!seen[id], "row %lld seen twice", (long long)id);
			seen[id] = true;
			seen_n++;
		}
		bool more = page.has_more;
		cur = page.next;
		task_page_free(&page);
		pages++;
		if (!more)
			break;
		/* a new row between pages (priority 4 sorts after the cursor until the end) */
		task extra = make_task("late", 4);
		ST_OK(task_insert(db, alice, &extra));
	}
	for (int i = 0; i < 50; i++)
		cr_assert(seen[rows[i].id.v], "row %lld missed", (long long)rows[i].id.v);
	cr_assert_geq(pages, 8);
	cr_assert_geq(seen_n, 50);

	/* a cursor from another order is refused */
	task_query other = { 0 };
	other.order = TASK_ORDER_CREATED_AT;
	other.after = &cur;
	task_page page;
	ST_EXPECT(task_list(db, alice, &other, &page), STRATA_EINVAL);
	(void)url;
	(void)backend;
}

static void count_queries(const strata_query_info *info, void *ud)
{
	(void)info;
	(*(int *)ud)++;
}

DB_TEST(gen, eager_loading_costs_one_query_per_batch)
{
	gen_apply_schema(db);
	user_id alice = gen_make_user(db, "alice@example.com");
	enum {
		N = 300
	};
	static task rows[N];
	for (int i = 0; i < N; i++)
		rows[i] = make_task("tagged", i % 5);
	ST_OK(task_insert_many(db, alice, rows, N));
	tag tags[3];
	memset(tags, 0, sizeof tags);
	const char *names[3] = { "red", "green", "blue" };
	for (int i = 0; i < 3; i++) {
		tags[i].name = names[i];
		ST_OK(tag_insert(db, alice, &tags[i]));
	}
	/* task i gets tags 0..(i % 3) */
	for (int i = 0; i < N; i++)
		for (int k = 0; k <= i % 3; k++) {
			task_tag link = { 0 };
			link.task_id = rows[i].id;
			link.tag_id = tags[k].id;
			ST_OK(task_tag_insert(db, alice, &link));
		}

	int queries = 0;
	strata_db_set_hook(db, count_queries, &queries);
	task_page page;
	task_query all = { 0 };
	all.limit = STRATA_LIMIT_ALL;
	ST_OK(task_list(db, alice, &all, &page));
	cr_assert_eq(page.n, N);
	ST_OK(task_load_tags(db, alice, &page));
	ST_OK(task_load_user(db, &page));
	strata_db_set_hook(db, NULL, NULL);
	/* 1 list + 2 batches of tags (256 + 44) + 2 batches of users */
	cr_assert_eq(queries, 5, "%d queries for %d rows", queries, N);
	for (size_t i = 0; i < page.n; i++) {
		const task *t = &page.items[i];
		int want = (int)((t->id.v - rows[0].id.v) % 3) + 1;
		cr_assert_eq((int)t->ntags, want, "task %lld has %zu tags", (long long)t->id.v, t->ntags);
		cr_assert_str_eq(t->tags[0].name, "red");
		cr_assert_not_null(t->user);
		cr_assert_str_eq(t->user->email, "alice@example.com");
	}
	char *json = NULL;
	ST_OK(task_to_json(&page.items[2], &json));
	cr_assert(strstr(json, "\"title\":\"tagged\"") != NULL, "%s", json);
	cr_assert(strstr(json, "\"tags\":[{") != NULL, "%s", json);
	cr_assert(strstr(json, "\"user\":{") != NULL, "%s", json);
	cr_assert(strstr(json, "\"state\":\"pending\"") != NULL, "%s", json);
	cr_assert(strstr(json, "\"config\":null") != NULL, "%s", json);
	free(json);
	task_page_free(&page);

	/* the reverse direction: a user's tasks, one query */
	user_page users;
	ST_OK(user_list(db, NULL, &users));
	queries = 0;
	strata_db_set_hook(db, count_queries, &queries);
	ST_OK(user_load_tasks(db, alice, &users));
	strata_db_set_hook(db, NULL, NULL);
	cr_assert_eq(queries, 1);
	cr_assert_eq(users.items[0].ntasks, (size_t)N);
	ST_OK(user_page_to_json(&users, &json));
	cr_assert(strstr(json, "\"email\":\"alice@example.com\"") != NULL);
	free(json);
	user_page_free(&users);
	(void)url;
	(void)backend;
}

DB_TEST(gen, junction_links_insert_in_batches_checked_against_the_owner)
{
	gen_apply_schema(db);
	user_id alice = gen_make_user(db, "alice@example.com");
	user_id bob = gen_make_user(db, "bob@example.com");
	enum {
		NTASKS = 400,
		NLINKS = 1200
	};
	static task tasks[NTASKS];
	for (int i = 0; i < NTASKS; i++)
		tasks[i] = make_task("linked", i % 5);
	ST_OK(task_insert_many(db, alice, tasks, NTASKS));
	tag tags[3], bobs = { 0 };
	memset(tags, 0, sizeof tags);
	const char *names[3] = { "red", "green", "blue" };
	for (int i = 0; i < 3; i++) {
		tags[i].name = names[i];
		ST_OK(tag_insert(db, alice, &tags[i]));
	}
	bobs.name = "bob's";
	ST_OK(tag_insert(db, bob, &bobs));
	static task_tag links[NLINKS];
	for (int i = 0; i < NLINKS; i++) {
		links[i] = (task_tag){ 0 };
		links[i].task_id = tasks[i / 3].id;
		links[i].tag_id = tags[i % 3].id;
	}
	/* one of Bob's tags in the middle: the whole call is refused, nothing is kept */
	links[700].tag_id = bobs.id;
	ST_EXPECT(task_tag_insert_many(db, alice, links, NLINKS), STRATA_ENOTFOUND);
	int64_t n = -1;
	ST_OK(strata_query_int64(db, &n, "SELECT count(*) FROM task_tags", NULL, 0));
	cr_assert_eq(n, 0);
	/* and for Bob, Alice's tasks are not there */
	ST_EXPECT(task_tag_insert_many(db, bob, links, NLINKS), STRATA_ENOTFOUND);

	links[700].tag_id = tags[700 % 3].id;
	int queries = 0;
	strata_db_set_hook(db, count_queries, &queries);
	ST_OK(task_tag_insert_many(db, alice, links, NLINKS));
	strata_db_set_hook(db, NULL, NULL);
	/* BEGIN, 5 batches of up to 256 links, COMMIT: not 1,200 statements */
	cr_assert_leq(queries, 7, "%d statements for %d links", queries, NLINKS);
	ST_OK(strata_query_int64(db, &n, "SELECT count(*) FROM task_tags", NULL, 0));
	cr_assert_eq(n, NLINKS);
	(void)url;
	(void)backend;
}

DB_TEST(gen, insert_many_streams_and_returns_keys_in_order)
{
	gen_apply_schema(db);
	user_id alice = gen_make_user(db, "alice@example.com");
	enum {
		N = 3000
	};
	static task rows[N];
	const char *labels[] = { "x", "y" };
	for (int i = 0; i < N; i++) {
		rows[i] = make_task("streamed", i % 5);
		if (i % 2)
			rows[i].labels = (strata_opt_text_array)STRATA_SOME(((strata_text_array){ labels, 2 }));
		if (i % 3 == 0)
			rows[i].config = "{\"n\": 1}";
	}
	rows[7].state = (status_opt)STRATA_SOME(STATUS_FAILED);
	int queries = 0;
	strata_db_set_hook(db, count_queries, &queries);
	ST_OK(task_insert_many(db, alice, rows, N));
	strata_db_set_hook(db, NULL, NULL);
	cr_assert_leq(queries, 6, "%d statements for %d rows", queries, N);
	for (int i = 1; i < N; i++)
		cr_assert_gt(rows[i].id.v, rows[i - 1].id.v, "keys come back in order");
	task *got = NULL;
	ST_OK(task_get(db, alice, rows[7].id, false, &got));
	cr_assert_eq(got->state.v, STATUS_FAILED);
	cr_assert(got->labels.has && got->labels.v.n == 2 && strcmp(got->labels.v.items[1], "y") == 0);
	cr_assert_str_eq(got->title, "streamed");
	task_free(got);
	ST_OK(task_get(db, alice, rows[9].id, false, &got));
	cr_assert(strstr(got->config, "\"n\"") != NULL);
	cr_assert_eq(got->priority.v, 4);
	task_free(got);
	/* a plain insert afterwards takes the next key */
	task after = make_task("after", 0);
	ST_OK(task_insert(db, alice, &after));
	cr_assert_gt(after.id.v, rows[N - 1].id.v);
	/* a bad row: nothing of the call is kept */
	task bad[5];
	for (int i = 0; i < 5; i++)
		bad[i] = make_task("bad", i);
	bad[3].priority = (strata_opt_int32)STRATA_SOME(9); /* check (priority between 0 and 4) */
	ST_EXPECT(task_insert_many(db, alice, bad, 5), STRATA_ECONSTRAINT);
	int64_t n;
	ST_OK(strata_query_int64(db, &n, "SELECT count(*) FROM tasks WHERE title = 'bad'", NULL, 0));
	cr_assert_eq(n, 0);
	(void)url;
	(void)backend;
}

DB_TEST(gen, list_pages_by_default_and_loads_everything_only_when_asked)
{
	gen_apply_schema(db);
	user_id alice = gen_make_user(db, "alice@example.com");
	enum {
		N = 1200
	};
	static task rows[N];
	for (int i = 0; i < N; i++)
		rows[i] = make_task("paged", i % 5);
	ST_OK(task_insert_many(db, alice, rows, N));
	task_page page;
	ST_OK(task_list(db, alice, NULL, &page));
	cr_assert_eq(page.n, STRATA_PAGE_SIZE, "no query: the first page (%zu rows)", page.n);
	cr_assert(page.has_more);
	task_page_free(&page);
	task_query q = { 0 };
	q.limit = 5000;
	ST_OK(task_list(db, alice, &q, &page));
	cr_assert_eq(page.n, STRATA_PAGE_MAX, "a limit over the maximum is cut to it (%zu rows)", page.n);
	cr_assert(page.has_more);
	/* the cursor carries on after the cut page */
	task_cursor cur = page.next;
	task_page_free(&page);
	q.after = &cur;
	ST_OK(task_list(db, alice, &q, &page));
	cr_assert_eq(page.n, N - STRATA_PAGE_MAX);
	cr_assert(!page.has_more);
	task_page_free(&page);
	q.after = NULL;
	q.limit = STRATA_LIMIT_ALL;
	ST_OK(task_list(db, alice, &q, &page));
	cr_assert_eq(page.n, N, "STRATA_LIMIT_ALL: every row (%zu)", page.n);
	cr_assert(!page.has_more);
	task_page_free(&page);
	(void)url;
	(void)backend;
}

DB_TEST(gen, schema_check_names_what_is_missing)
{
	gen_apply_schema(db);
	ST_OK(schema_check(db));
	ST_OK(strata_exec(db, "DROP TABLE task_tags"));
	ST_EXPECT(schema_check(db), STRATA_ENOTFOUND);
	cr_assert(strstr(strata_error_last()->message, "missing table task_tags") != NULL, "%s",
		  strata_error_last()->message);
	(void)url;
	(void)backend;
}

Test(gen, output_is_stable_and_matches_the_golden_files)
{
	char *out;
	char *dir = test_tmpdir();
	int rc = test_run_cmd(
		&out,
		"mkdir %s/again && %s gen c --schema %s/examples/tasks/schema.strata -o %s --name tasks_db && "
		"%s gen c --schema %s/examples/tasks/schema.strata -o %s/again --name tasks_db",
		dir, STRATA_CLI, STRATA_SOURCE_DIR, dir, STRATA_CLI, STRATA_SOURCE_DIR, dir);
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	/* same input, same bytes; and the committed golden copy is what the generator writes */
	rc = test_run_cmd(&out,
			  "cd %s && cmp tasks_db.c again/tasks_db.c >/dev/null || echo DIFFER; "
			  "diff -u %s/tests/gen/golden/tasks_db.h tasks_db.h && diff -u %s/tests/gen/golden/tasks_db.c "
			  "tasks_db.c",
			  dir, STRATA_SOURCE_DIR, STRATA_SOURCE_DIR);
	cr_assert_eq(
		rc, 0,
		"generated output differs from tests/gen/golden (regenerate it if the change is intended):\n%.3000s",
		out);
	cr_assert(strstr(out, "DIFFER") == NULL);
	free(out);
	test_rmrf(dir);
	free(dir);
}

Test(gen, bad_input_is_reported)
{
	char *out;
	int rc = test_run_cmd(&out, "%s gen c --schema /nonexistent.strata -o /tmp", STRATA_CLI);
	cr_assert_eq(rc, 1);
	cr_assert(strstr(out, "--schema /nonexistent.strata") != NULL, "%s", out);
	free(out);
	rc = test_run_cmd(&out, "%s gen c --schema %s/examples/tasks/schema.strata", STRATA_CLI, STRATA_SOURCE_DIR);
	cr_assert_eq(rc, 2);
	cr_assert(strstr(out, "-o DIR is required") != NULL, "%s", out);
	free(out);
	rc = test_run_cmd(&out, "%s gen c --schema %s/examples/tasks/schema.strata -o /tmp --prefix 9bad", STRATA_CLI,
			  STRATA_SOURCE_DIR);
	cr_assert_eq(rc, 1);
	cr_assert(strstr(out, "--prefix '9bad'") != NULL, "%s", out);
	free(out);
	rc = test_run_cmd(&out, "%s gen rust -o /tmp", STRATA_CLI);
	cr_assert_eq(rc, 2);
	free(out);
}

Test(gen, unscoped_on_an_unowned_table_is_refused)
{
	char *dir = test_tmpdir();
	char *out;
	int rc = test_run_cmd(
		&out,
		"cd %s && printf 'table users {\\n id serial primary key\\n unscoped admin\\n}\\n' > s.strata && "
		"%s gen c --schema s.strata -o .",
		dir, STRATA_CLI);
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, "table users: `unscoped admin` on a table that has no owner") != NULL, "%s", out);
	free(out);
	test_rmrf(dir);
	free(dir);
}

/* The library names the option, the command its flag (issue 17). */
Test(gen, a_bad_prefix_names_the_option_not_the_flag)
{
	static const char text[] = "table notes {\n id serial primary key\n body text\n}\n";
	strata_schema *s = NULL;
	cr_assert_eq(strata_schema_parse(&s, text, strlen(text), "n.strata"), STRATA_OK);
	strata_gen_options o = STRATA_GEN_OPTIONS_INIT;
	o.prefix = "9bad";
	char *h = NULL, *c = NULL;
	cr_assert_eq(strata_gen_c(s, text, &o, &h, &c), STRATA_EINVAL);
	const char *msg = strata_error_last()->message;
	cr_assert(strstr(msg, "option `prefix` '9bad' is not a C identifier") != NULL, "%s", msg);
	cr_assert_null(strstr(msg, "--"), "%s", msg);
	free(h);
	free(c);
	strata_schema_free(s);
}
