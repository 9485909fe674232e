/*
 * Audit columns (`default actor`, the `audit` mixin): the connection's or
 * the transaction's actor fills created_by_id and updated_by_id in the
 * generated insert and update and in plain SQL, on both backends, and a
 * pooled connection never passes an actor on to its next user.
 */
#include <stdio.h>
#include <string.h>

#include <strata/async.h>
#include <strata/pool.h>
#include <strata/schema.h>

#include "audit_db.h"
#include "testdb.h"

static void apply_audit_schema(strata_db *db)
{
	strata_schema *s = NULL;
	ST_OK(strata_schema_load(&s, STRATA_SOURCE_DIR "/tests/gen/schemas/audit.strata"));
	ST_OK(strata_schema_apply(db, s));
	strata_schema_free(s);
}

static int64_t make_user(strata_db *db, const char *name)
{
	audit_user u = { 0 };
	u.name = name;
	ST_OK(audit_user_insert(db, &u));
	return u.id.v;
}

/* A note's created_by_id or updated_by_id; -1 for NULL. */
static int64_t by(strata_db *db, const char *column, int64_t id)
{
	char sql[128];
	int64_t v = 0;
	snprintf(sql, sizeof sql, "SELECT coalesce(%s, -1) FROM notes WHERE id = ?", column);
	strata_value k = STRATA_INT(id);
	ST_OK(strata_query_int64(db, &v, sql, &k, 1));
	return v;
}

static int64_t last_note(strata_db *db)
{
	int64_t id = 0;
	ST_OK(strata_query_int64(db, &id, "SELECT max(id) FROM notes", NULL, 0));
	return id;
}

DB_TEST(actor, generated_insert_and_update_take_the_connections_actor)
{
	apply_audit_schema(db);
	int64_t alice = make_user(db, "alice"), bob = make_user(db, "bob");
	char a[32], b[32];
	snprintf(a, sizeof a, "%lld", (long long)alice);
	snprintf(b, sizeof b, "%lld", (long long)bob);

	audit_note n = { 0 };
	n.body = "nobody wrote this";
	ST_OK(audit_note_insert(db, &n));
	cr_assert_eq(by(db, "created_by_id", n.id.v), -1, "no actor: NULL");
	cr_assert_eq(by(db, "updated_by_id", n.id.v), -1);

	ST_OK(strata_db_set_actor(db, a));
	cr_assert_str_eq(strata_db_actor(db), a);
	audit_note m = { 0 };
	m.body = "alice wrote this";
	ST_OK(audit_note_insert(db, &m));
	cr_assert_eq(by(db, "created_by_id", m.id.v), alice);
	cr_assert_eq(by(db, "updated_by_id", m.id.v), alice);

	/* a value the row names beats the actor */
	audit_note x = { 0 };
	x.body = "written for bob";
	x.created_by_id = (audit_user_id_opt)STRATA_SOME(((audit_user_id){ bob }));
	ST_OK(audit_note_insert(db, &x));
	cr_assert_eq(by(db, "created_by_id", x.id.v), bob);
	cr_assert_eq(by(db, "updated_by_id", x.id.v), alice);

	audit_note many[2];
	memset(many, 0, sizeof many);
	many[0].body = "one";
	many[1].body = "two";
	ST_OK(audit_note_insert_many(db, many, 2));
	cr_assert_eq(by(db, "created_by_id", last_note(db)), alice, "insert_many too");

	ST_OK(strata_db_set_actor(db, b));
	audit_note v = { 0 };
	v.body = "bob edited this";
	ST_OK(audit_note_update(db, m.id, &v, AUDIT_NOTE_BODY));
	cr_assert_eq(by(db, "created_by_id", m.id.v), alice, "the creator stays");
	cr_assert_eq(by(db, "updated_by_id", m.id.v), bob, "the update is bob's");

	ST_OK(strata_db_set_actor(db, NULL));
	cr_assert_null(strata_db_actor(db));
	ST_OK(audit_note_update(db, m.id, &v, AUDIT_NOTE_BODY));
	cr_assert_eq(by(db, "updated_by_id", m.id.v), -1, "an update without an actor is nobody's");
	(void)url;
	(void)backend;
}

DB_TEST(actor, plain_sql_is_attributed_by_the_defaults_and_triggers)
{
	apply_audit_schema(db);
	int64_t alice = make_user(db, "alice"), bob = make_user(db, "bob");
	char a[32], b[32];
	snprintf(a, sizeof a, "%lld", (long long)alice);
	snprintf(b, sizeof b, "%lld", (long long)bob);

	ST_OK(strata_db_set_actor(db, a));
	ST_OK(strata_exec(db, "INSERT INTO notes (body) VALUES ('plain')"));
	int64_t id = last_note(db);
	cr_assert_eq(by(db, "created_by_id", id), alice, "the column default reads the actor");
	cr_assert_eq(by(db, "updated_by_id", id), alice);

	ST_OK(strata_db_set_actor(db, b));
	ST_OK(strata_exec(db, "UPDATE notes SET body = 'edited'"));
	cr_assert_eq(by(db, "created_by_id", id), alice);
	cr_assert_eq(by(db, "updated_by_id", id), bob, "the trigger stamps the update");

	/* an UPDATE that names the column keeps its value */
	char sql[96];
	snprintf(sql, sizeof sql, "UPDATE notes SET body = 'again', updated_by_id = %lld", (long long)alice);
	ST_OK(strata_exec(db, sql));
	cr_assert_eq(by(db, "updated_by_id", id), alice);

	ST_OK(strata_db_set_actor(db, NULL));
	ST_OK(strata_exec(db, "UPDATE notes SET body = 'anonymous'"));
	cr_assert_eq(by(db, "updated_by_id", id), -1, "no actor: NULL");

	char *got = NULL;
	ST_OK(strata_db_set_actor(db, "someone"));
	ST_OK(strata_query_text(db, &got, "SELECT strata_actor()", NULL, 0));
	cr_assert_str_eq(got, "someone", "SQL reads the actor with strata_actor()");
	free(got);
	ST_OK(strata_db_set_actor(db, NULL));
	(void)url;
	(void)backend;
}

static int edit_all(strata_db *db, void *arg)
{
	(void)arg;
	return strata_exec(db, "UPDATE notes SET body = body || '.'");
}

DB_TEST(actor, a_transaction_has_its_own_actor_and_it_ends_with_it)
{
	apply_audit_schema(db);
	int64_t alice = make_user(db, "alice"), bob = make_user(db, "bob");
	char a[32], b[32];
	snprintf(a, sizeof a, "%lld", (long long)alice);
	snprintf(b, sizeof b, "%lld", (long long)bob);
	ST_OK(strata_exec(db, "INSERT INTO notes (body) VALUES ('n')"));
	int64_t id = last_note(db);

	ST_OK(strata_db_set_actor(db, a));
	strata_tx_options o = STRATA_TX_OPTIONS_INIT;
	o.actor = b;
	ST_OK(strata_begin(db, &o));
	cr_assert_str_eq(strata_db_actor(db), b, "the transaction's actor wins");
	ST_EXPECT(strata_db_set_actor(db, a), STRATA_EMISUSE);
	ST_OK(edit_all(db, NULL));
	ST_OK(strata_commit(db));
	cr_assert_eq(by(db, "updated_by_id", id), bob);
	cr_assert_str_eq(strata_db_actor(db), a, "after it, the connection's again");
	ST_OK(edit_all(db, NULL));
	cr_assert_eq(by(db, "updated_by_id", id), alice);

	/* rolled back: the same */
	ST_OK(strata_begin(db, &o));
	ST_OK(strata_rollback(db));
	ST_OK(edit_all(db, NULL));
	cr_assert_eq(by(db, "updated_by_id", id), alice);

	ST_OK(strata_db_set_actor(db, NULL));
	ST_OK(strata_transact(db, edit_all, NULL, &o));
	cr_assert_eq(by(db, "updated_by_id", id), bob);
	cr_assert_null(strata_db_actor(db));
	ST_OK(edit_all(db, NULL));
	cr_assert_eq(by(db, "updated_by_id", id), -1, "nothing is left of the transaction's actor");

	/* options of version 1 have no actor field: still accepted, the connection's actor applies */
	strata_tx_options v1 = STRATA_TX_OPTIONS_INIT;
	v1.version = 1;
	ST_OK(strata_db_set_actor(db, a));
	ST_OK(strata_transact(db, edit_all, NULL, &v1));
	cr_assert_eq(by(db, "updated_by_id", id), alice);
	ST_OK(strata_db_set_actor(db, NULL));

	ST_EXPECT(strata_db_set_actor(db, ""), STRATA_EINVAL);
	o.actor = "";
	ST_EXPECT(strata_begin(db, &o), STRATA_EINVAL);
	cr_assert(!strata_in_transaction(db));
	(void)url;
	(void)backend;
}

DB_TEST(actor, a_pooled_connection_never_passes_its_actor_on)
{
	apply_audit_schema(db);
	int64_t alice = make_user(db, "alice");
	char a[32];
	snprintf(a, sizeof a, "%lld", (long long)alice);
	ST_OK(strata_exec(db, "INSERT INTO notes (body) VALUES ('n')"));
	int64_t id = last_note(db);

	strata_pool *pool = NULL;
	strata_pool_options po = STRATA_POOL_OPTIONS_INIT;
	po.size = 1;
	po.max_overflow = -1;
	po.replica_urls = "";
	ST_OK(strata_pool_open(&pool, url, &po));

	/* per call: the transaction is alice's, the next one nobody's */
	strata_tx_options o = STRATA_TX_OPTIONS_INIT;
	o.actor = a;
	ST_OK(strata_pool_transact(pool, edit_all, NULL, &o));
	cr_assert_eq(by(db, "updated_by_id", id), alice);
	ST_OK(strata_pool_transact(pool, edit_all, NULL, NULL));
	cr_assert_eq(by(db, "updated_by_id", id), -1, "the next transaction on the connection is nobody's");

	/* set on a held connection: cleared when it is given back */
	strata_db *held = NULL;
	ST_OK(strata_pool_acquire(pool, &held));
	ST_OK(strata_db_set_actor(held, a));
	ST_OK(edit_all(held, NULL));
	cr_assert_eq(by(db, "updated_by_id", id), alice);
	ST_OK(strata_pool_release(pool, held));
	ST_OK(strata_pool_acquire(pool, &held));
	cr_assert_null(strata_db_actor(held));
	ST_OK(edit_all(held, NULL));
	ST_OK(strata_pool_release(pool, held));
	cr_assert_eq(by(db, "updated_by_id", id), -1, "the next holder's writes are not alice's");
	strata_pool_close(pool);
	(void)backend;
}

/*
 * Behind pgbouncer in transaction mode a session setting would stay on
 * the server connection for its next client: the actor is set only inside
 * transactions there, and the generated code sends it as a value.
 */
Test(actor, behind_pgbouncer_the_actor_never_reaches_another_client)
{
	const char *pgb = getenv("STRATA_TEST_PGBOUNCER_URL");
	cr_assert(pgb && *pgb, "STRATA_TEST_PGBOUNCER_URL is not set: run the tests through `make check` "
			       "(scripts/check starts pgbouncer with scripts/pgbouncer-test-server)");
	char name[64];
	char *direct_url = test_pg_create_db(name, sizeof name);
	char *via = test_pg_url_for(pgb, name);
	strata_db *direct = NULL, *a = NULL, *b = NULL;
	ST_OK(strata_open(&direct, direct_url, NULL));
	apply_audit_schema(direct);
	int64_t alice = make_user(direct, "alice");
	char who[32];
	snprintf(who, sizeof who, "%lld", (long long)alice);
	ST_OK(strata_exec(direct, "INSERT INTO notes (body) VALUES ('n')"));
	int64_t id = last_note(direct);

	ST_OK(strata_open(&a, via, NULL));
	ST_OK(strata_open(&b, via, NULL));
	ST_OK(strata_db_set_actor(a, who));
	char *seen = NULL;
	ST_OK(strata_query_text(b, &seen, "SELECT coalesce(strata_actor(), 'none')", NULL, 0));
	cr_assert_str_eq(seen, "none", "another client of the pooler does not see the actor");
	free(seen);

	ST_OK(strata_transact(a, edit_all, NULL, NULL));
	cr_assert_eq(by(direct, "updated_by_id", id), alice, "a transaction is attributed");
	ST_OK(strata_query_text(b, &seen, "SELECT coalesce(strata_actor(), 'none')", NULL, 0));
	cr_assert_str_eq(seen, "none", "nor after a transaction that had it");
	free(seen);

	audit_note n = { 0 };
	n.body = "outside a transaction";
	ST_OK(audit_note_insert(a, &n));
	cr_assert_eq(by(direct, "created_by_id", n.id.v), alice, "the generated insert sends the actor itself");

	strata_close(a);
	strata_close(b);
	strata_close(direct);
	free(via);
	free(direct_url);
	test_pg_drop_db(name);
}

static void count_resets(const strata_query_info *info, void *ud)
{
	if (strstr(info->sql, "RESET ALL"))
		++*(int *)ud;
}

/* Attributing a pooled transaction costs no reset of the connection on its return. */
DB_TEST(actor, an_attributed_pool_transaction_needs_no_reset)
{
	apply_audit_schema(db);
	int64_t alice = make_user(db, "alice");
	char a[32];
	snprintf(a, sizeof a, "%lld", (long long)alice);
	ST_OK(strata_exec(db, "INSERT INTO notes (body) VALUES ('n')"));
	int resets = 0;
	strata_open_options oo = STRATA_OPEN_OPTIONS_INIT;
	oo.hook = count_resets;
	oo.hook_ud = &resets;
	strata_pool_options po = STRATA_POOL_OPTIONS_INIT;
	po.size = 1;
	po.max_overflow = -1;
	po.replica_urls = "";
	po.open = &oo;
	strata_pool *pool = NULL;
	ST_OK(strata_pool_open(&pool, url, &po));
	strata_tx_options o = STRATA_TX_OPTIONS_INIT;
	o.actor = a;
	for (int i = 0; i < 3; i++)
		ST_OK(strata_pool_transact(pool, edit_all, NULL, &o));
	cr_assert_eq(by(db, "updated_by_id", last_note(db)), alice);
	strata_pool_metrics m = STRATA_POOL_METRICS_INIT;
	ST_OK(strata_pool_stats(pool, &m));
	cr_assert_eq(m.opened, 1, "the connection was kept, not replaced (%llu opened)", (unsigned long long)m.opened);
	cr_assert_eq(resets, 0, "the connection was not reset");
	strata_pool_close(pool);
	(void)backend;
}

/* A non-blocking connection keeps its actor client-side: setting it runs nothing out of the loop. */
Test(actor, a_non_blocking_connection_keeps_its_actor_client_side)
{
	strata_db *db = NULL;
	ST_OK(strata_open_async(&db, test_pg_base_url(), NULL));
	ST_OK(strata_db_set_actor(db, "7"));
	cr_assert_str_eq(strata_db_actor(db), "7");
	cr_assert(strata_db_connecting(db), "nothing was sent: the connection is still being made");
	ST_OK(strata_db_set_actor(db, NULL));
	cr_assert_null(strata_db_actor(db));
	strata_close(db);
}
