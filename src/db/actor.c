/*
 * Who a connection's writes are made for (strata_db_set_actor, and
 * strata_tx_options.actor for one transaction).  The connection keeps the
 * strings; SQLite's strata_actor() function reads them through the driver;
 * PostgreSQL reads the setting strata.actor, which is written for the
 * session (never behind a transaction-mode pooler, where it would reach
 * other clients) and, where the session's value is not the one wanted,
 * for the transaction at its BEGIN (set_config(..., true) ends with it).
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "db/internal.h"

/* The longest actor: an id, a UUID or a name, never a document. */
#define ACTOR_MAX 256

static int check_actor(const char *fn, const char *actor)
{
	if (actor && !*actor)
		return strata__error_set(STRATA_EINVAL, "%s: the actor is empty (NULL means none)", fn);
	if (actor && strlen(actor) > ACTOR_MAX)
		return strata__error_set(STRATA_EINVAL, "%s: the actor is longer than %d bytes", fn, ACTOR_MAX);
	return STRATA_OK;
}

/* Drivers take text as pointer and length (see strata_bind_text); NULL is "", none. */
static strata_value text_value(const char *actor)
{
	const char *text = actor ? actor : "";
	strata_value v = { .type = STRATA_TYPE_TEXT };
	v.v.blob.p = text;
	v.v.blob.len = strlen(text);
	return v;
}

/*
 * strata.actor on the server: for the session, or (local) until the
 * transaction ends; "" is none.  Straight through the driver, past the
 * query hook: a pool's hook takes any set_config() for a change of session
 * state and would reset the connection after every attributed transaction
 * (a session actor is cleared by the pool itself, src/pool/pool.c).
 */
static int pg_set(strata_db *db, const char *actor, bool local)
{
	strata_value v = text_value(actor);
	void *st = NULL;
	int64_t deadline = db->timeout_ms ? strata__monotonic_us() + (int64_t)db->timeout_ms * 1000 : 0;
	int rc = db->drv->prepare(db->conn,
				  local ? "SELECT set_config('strata.actor', $1, true)"
					: "SELECT set_config('strata.actor', $1, false)",
				  1, false, &st);
	if (rc == STRATA_OK)
		rc = db->drv->bind(st, 1, &v);
	while (rc == STRATA_OK && (rc = db->drv->step(st, deadline)) == STRATA_ROW)
		rc = STRATA_OK;
	if (st)
		db->drv->finalize(st);
	return rc == STRATA_DONE ? STRATA_OK : rc;
}

/*
 * No session settings: they would reach a pooler's other clients (said by
 * the URL, or found by the driver), and a non-blocking connection never
 * runs a statement of its own out of the loop.
 */
static bool behind_pooler(const strata_db *db)
{
	return db->pgbouncer || db->async;
}

int strata_db_set_actor(strata_db *db, const char *actor)
{
	int rc;
	if (!db)
		return strata__error_set(STRATA_EINVAL, "strata_db_set_actor: db is NULL");
	if (db->tx_depth > 0)
		return strata__error_set(STRATA_EMISUSE,
					 "strata_db_set_actor: a transaction is open and its actor was fixed at its "
					 "BEGIN; set strata_tx_options.actor to attribute one transaction");
	if ((rc = check_actor("strata_db_set_actor", actor)))
		return rc;
	char *copy = NULL;
	if (actor && !(copy = strata__strdup(actor)))
		return strata__error_nomem();
	if (db->drv->backend == STRATA_BACKEND_POSTGRES) {
		bool session = !behind_pooler(db) && actor;
		if ((session || db->actor_session) && (rc = pg_set(db, actor, false))) {
			free(copy);
			return rc;
		}
		db->actor_session = session;
	}
	if (db->drv->set_actor)
		db->drv->set_actor(db->conn, copy);
	free(db->actor);
	db->actor = copy;
	return STRATA_OK;
}

const char *strata_db_actor(const strata_db *db)
{
	if (!db)
		return NULL;
	return db->tx_actor ? db->tx_actor : db->actor;
}

/* The transaction's own actor: options of version 2 and later have one. */
static const char *tx_actor(const strata_tx_options *opts)
{
	return opts && opts->version >= 2 ? opts->actor : NULL;
}

int strata__db_actor_enter(strata_db *db, const strata_tx_options *opts, const char **local)
{
	const char *want = tx_actor(opts);
	int rc;
	*local = NULL;
	if ((rc = check_actor("strata_begin", want)))
		return rc;
	if (want && !(db->tx_actor = strata__strdup(want)))
		return strata__error_nomem();
	const char *a = strata_db_actor(db);
	if (db->drv->set_actor)
		db->drv->set_actor(db->conn, a);
	else if (a && (want || !db->actor_session || behind_pooler(db)))
		*local = a;
	return STRATA_OK;
}

int strata__db_begin_as(strata_db *db, const char *begin, const char *actor)
{
	strata_value v = text_value(actor);
	int64_t t0 = strata__db_timing(db) ? strata__monotonic_ns() : 0;
	int rc;
	if (!db->drv->exec_batch) {
		if ((rc = db->drv->exec(db->conn, begin, 0)) == STRATA_OK &&
		    (rc = pg_set(db, actor, true)) != STRATA_OK)
			goto rollback;
	} else {
		strata__batch_item items[2] = { { begin, NULL, 0 },
						{ "SELECT set_config('strata.actor', $1, true)", &v, 1 } };
		size_t at = 0;
		int64_t deadline = db->timeout_ms ? strata__monotonic_us() + (int64_t)db->timeout_ms * 2000 : 0;
		if ((rc = db->drv->exec_batch(db->conn, items, 2, deadline, &at)) != STRATA_OK && at == 1)
			goto rollback;
	}
	if (t0)
		strata__db_observe(db, begin, NULL, t0, 0, rc);
	return rc;
rollback:
	/* BEGIN ran, the setting failed: the transaction block is open and aborted */
	if (t0)
		strata__db_observe(db, begin, NULL, t0, 0, rc);
	if (!db->drv->is_broken(db->conn)) {
		strata__error_saved saved;
		strata__error_save(&saved);
		db->drv->exec(db->conn, "ROLLBACK", 0);
		strata__error_restore(&saved);
	}
	return rc;
}

void strata__db_actor_end(strata_db *db)
{
	if (!db->tx_actor)
		return;
	if (db->drv->set_actor)
		db->drv->set_actor(db->conn, db->actor);
	free(db->tx_actor);
	db->tx_actor = NULL;
}
