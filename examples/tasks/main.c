/*
 * The tasks example: a small program on the code `strata gen c` writes from
 * examples/tasks/schema.strata, and on the connection pool.
 *
 *   DATABASE_URL=sqlite:tasks.db ./tasks_example
 *   DATABASE_URL=postgres://user:pw@localhost/tasks ./tasks_example
 *
 * The database must have the schema: `strata migrate up --dir
 * examples/tasks/migrations/sqlite` (or .../postgres), migrations written by
 * `strata migrate diff` from schema.strata.  Each step runs as one
 * request: strata_pool_transact() takes a connection, runs the step in a
 * transaction (commit, or roll back and retry when the database says so),
 * and gives the connection back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strata.h>

#include "tasks_db.h"

static void fail(const char *what)
{
	fprintf(stderr, "tasks_example: %s: %s\n", what, strata_error_last()->message);
	exit(1);
}

struct world {
	char alice_email[64], bob_email[64];
	user_id alice, bob;
	tag_id tags[3];
	task_id tasks[12];
};

static int create_users(strata_db *db, void *arg)
{
	struct world *w = arg;
	user a = { 0 }, b = { 0 };
	a.email = w->alice_email;
	a.name = "Alice";
	b.email = w->bob_email;
	b.name = "Bob";
	int rc = user_insert(db, &a);
	if (rc == STRATA_OK)
		rc = user_insert(db, &b);
	w->alice = a.id;
	w->bob = b.id;
	return rc;
}

static int create_tasks(strata_db *db, void *arg)
{
	struct world *w = arg;
	static const char *const tag_names[3] = { "home", "work", "urgent" };
	for (int i = 0; i < 3; i++) {
		tag t = { 0 };
		t.name = tag_names[i];
		int rc = tag_insert(db, w->alice, &t);
		if (rc != STRATA_OK)
			return rc;
		w->tags[i] = t.id;
	}
	static const char *const titles[12] = { "buy milk",	"file taxes",	"call mum",	"fix the bike",
						"book flights", "write report", "water plants", "renew passport",
						"clean garage", "plan sprint",	"pay rent",	"read a book" };
	const char *labels[2] = { "example", "demo" };
	task rows[12];
	memset(rows, 0, sizeof rows);
	for (int i = 0; i < 12; i++) {
		rows[i].title = titles[i];
		rows[i].priority = (strata_opt_int32)STRATA_SOME(i % 5);
		rows[i].labels = (strata_opt_text_array)STRATA_SOME(((strata_text_array){ labels, 2 }));
		if (i % 4 == 0)
			rows[i].config = "{\"remind\": true}";
	}
	int rc = task_insert_many(db, w->alice, rows, 12); /* one statement for all twelve */
	for (int i = 0; rc == STRATA_OK && i < 12; i++) {
		w->tasks[i] = rows[i].id;
		for (int k = 0; rc == STRATA_OK && k <= i % 3; k++) {
			task_tag link = { 0 };
			link.task_id = rows[i].id;
			link.tag_id = w->tags[k];
			rc = task_tag_insert(db, w->alice, &link);
		}
	}
	return rc;
}

static int complete_some(strata_db *db, void *arg)
{
	struct world *w = arg;
	task done = { 0 };
	done.state = (status_opt)STRATA_SOME(STATUS_COMPLETED);
	int64_t changed = 0;
	int rc = task_update_many(db, w->alice, w->tasks, 4, &done, TASK_STATE, &changed);
	if (rc == STRATA_OK)
		printf("completed %lld tasks in one statement\n", (long long)changed);
	return rc;
}

static int list_open(strata_db *db, void *arg)
{
	struct world *w = arg;
	task_query q = { 0 };
	q.state = (status_opt)STRATA_SOME(STATUS_PENDING); /* served by index (user_id, state) */
	q.order = TASK_ORDER_PRIORITY;
	q.desc = true;
	q.limit = 3;
	task_cursor cursor = { 0 };
	int page_no = 0, rc = STRATA_OK;
	printf("alice's pending tasks, 3 per page, most important first (keyset paging, tags loaded per page):\n");
	for (;;) {
		q.after = cursor.valid ? &cursor : NULL;
		task_page page;
		if ((rc = task_list(db, w->alice, &q, &page)) != STRATA_OK)
			return rc;
		if ((rc = task_load_tags(db, w->alice, &page)) != STRATA_OK) { /* one query for the page's tags */
			task_page_free(&page);
			return rc;
		}
		printf("  page %d:\n", ++page_no);
		for (size_t i = 0; i < page.n; i++) {
			const task *t = &page.items[i];
			printf("    #%-3lld p%d %-16s [", (long long)t->id.v, t->priority.v, t->title);
			for (size_t k = 0; k < t->ntags; k++)
				printf("%s%s", k ? ", " : "", t->tags[k].name);
			printf("]\n");
		}
		bool more = page.has_more;
		cursor = page.next;
		task_page_free(&page);
		if (!more)
			break;
	}
	int64_t open = 0, all = 0;
	task_query pending = { 0 };
	pending.state = (status_opt)STRATA_SOME(STATUS_PENDING);
	if ((rc = task_count(db, w->alice, &pending, &open)) == STRATA_OK &&
	    (rc = task_count(db, w->alice, NULL, &all)) == STRATA_OK)
		printf("alice has %lld tasks, %lld pending\n", (long long)all, (long long)open);
	return rc;
}

static int delete_and_restore(strata_db *db, void *arg)
{
	struct world *w = arg;
	int64_t before = 0, during = 0, after = 0;
	int rc = task_count(db, w->alice, NULL, &before);
	if (rc == STRATA_OK)
		rc = task_delete(db, w->alice, w->tasks[11]);
	if (rc == STRATA_OK)
		rc = task_count(db, w->alice, NULL, &during);
	if (rc == STRATA_OK)
		rc = task_restore(db, w->alice, w->tasks[11]);
	if (rc == STRATA_OK)
		rc = task_count(db, w->alice, NULL, &after);
	if (rc == STRATA_OK)
		printf("soft delete: %lld tasks -> %lld after delete -> %lld after restore\n", (long long)before,
		       (long long)during, (long long)after);
	return rc;
}

static int bob_tries(strata_db *db, void *arg)
{
	struct world *w = arg;
	task *t = NULL;
	int rc = task_get(db, w->bob, w->tasks[5], false, &t);
	printf("bob reads alice's task:    %s\n", rc == STRATA_ENOTFOUND ? "not found (scoped by owner)" : "READ IT");
	task change = { 0 };
	change.title = "hacked";
	int rc2 = task_update(db, w->bob, w->tasks[5], &change, TASK_TITLE);
	printf("bob changes alice's task:  %s\n",
	       rc2 == STRATA_ENOTFOUND ? "not found (nothing changed)" : "CHANGED IT");
	int rc3 = task_delete(db, w->bob, w->tasks[5]);
	printf("bob deletes alice's task:  %s\n",
	       rc3 == STRATA_ENOTFOUND ? "not found (nothing deleted)" : "DELETED IT");
	task_free(t);
	if (rc != STRATA_ENOTFOUND || rc2 != STRATA_ENOTFOUND || rc3 != STRATA_ENOTFOUND)
		return strata_error_set(STRATA_ERROR, "owner scoping failed");
	if ((rc = task_get(db, w->alice, w->tasks[5], false, &t)) != STRATA_OK)
		return rc;
	char *json = NULL;
	rc = task_to_json(t, &json);
	if (rc == STRATA_OK)
		printf("alice's task, untouched:   %s\n", json);
	free(json);
	task_free(t);
	return rc;
}

int main(void)
{
	const char *url = getenv("DATABASE_URL");
	if (!url || !*url) {
		fprintf(stderr, "tasks_example: set DATABASE_URL (sqlite:tasks.db or postgres://...)\n");
		return 2;
	}
	strata_pool_options po = STRATA_POOL_OPTIONS_INIT;
	if (strata_pool_options_from_env(&po) != STRATA_OK)
		fail("pool options");
	strata_pool *pool;
	if (strata_pool_open(&pool, url, &po) != STRATA_OK)
		fail("open pool");

	/* the start-up check: the database has what this code was generated for */
	strata_db *db;
	if (strata_pool_acquire(pool, &db) != STRATA_OK)
		fail("acquire");
	if (schema_check(db) != STRATA_OK)
		fail("schema check (run `strata migrate up` first)");
	strata_pool_release(pool, db);
	printf("schema check: the database has every table and column the generated code uses\n");

	struct world w;
	memset(&w, 0, sizeof w);
	long long run = (long long)(strata_timestamp_now() % 1000000000);
	snprintf(w.alice_email, sizeof w.alice_email, "alice+%lld@example.com", run);
	snprintf(w.bob_email, sizeof w.bob_email, "bob+%lld@example.com", run);

	if (strata_pool_transact(pool, create_users, &w, NULL) != STRATA_OK)
		fail("create users");
	printf("created users %s and %s\n", w.alice_email, w.bob_email);
	if (strata_pool_transact(pool, create_tasks, &w, NULL) != STRATA_OK)
		fail("create tasks");
	printf("created 3 tags and 12 tasks for alice, tagged through task_tags\n");
	if (strata_pool_transact(pool, complete_some, &w, NULL) != STRATA_OK)
		fail("complete tasks");
	if (strata_pool_transact(pool, list_open, &w, NULL) != STRATA_OK)
		fail("list tasks");
	if (strata_pool_transact(pool, delete_and_restore, &w, NULL) != STRATA_OK)
		fail("delete and restore");
	if (strata_pool_transact(pool, bob_tries, &w, NULL) != STRATA_OK)
		fail("owner scoping");

	/* With DB_QUERY_STATS=true the pool counted every query: save them for
	 * `strata stats --queries --file FILE` when TASKS_QUERY_STATS names a file. */
	const char *qfile = getenv("TASKS_QUERY_STATS");
	strata_query_stats *qs = NULL;
	if (qfile && *qfile) {
		if (strata_pool_query_stats(pool, &qs) != STRATA_OK)
			fail("query statistics (set DB_QUERY_STATS=true)");
		if (strata_query_stats_save(qs, qfile) != STRATA_OK)
			fail("save query statistics");
		printf("query statistics: %zu queries, %llu calls, saved to %s\n", qs->count,
		       (unsigned long long)qs->calls, qfile);
		strata_query_stats_free(qs);
	}

	strata_pool_metrics m = STRATA_POOL_METRICS_INIT;
	if (strata_pool_stats(pool, &m) == STRATA_OK)
		printf("pool: %llu acquires, %d connection(s) open, %llu leaked\n", (unsigned long long)m.acquires,
		       m.open, (unsigned long long)m.leaks);
	strata_pool_close(pool);
	return 0;
}
