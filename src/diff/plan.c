/*
 * The differ's entry point: two models in, an ordered plan and its SQL out.
 *
 * strata_diff() runs one direction from `from` to `to` (up) and the same
 * differ from `to` back to `from` with the renames reversed (down).  The
 * order of one direction: enum types and values, table renames, new
 * tables in dependency order, tables on both sides (table.c), foreign
 * keys added once every table exists, recreated enums, dropped tables,
 * dropped enums.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "diff/internal.h"
#include "schema/model.h"
#include "sql/ddl.h"

static bool never_skip(void *ud, const strata_fkey *f)
{
	(void)ud;
	(void)f;
	return true;
}

/* A new table with its indexes, triggers and comments. */
/*
 * Table `name` is to be dropped: refuse when something the database holds
 * and Strata leaves alone needs it (an INHERITS child, a foreign key of an
 * unmanaged table).  PostgreSQL would refuse the DROP TABLE, and the
 * differ never drops what it does not manage.
 */
static int check_unmanaged_needs(const strata_schema *a, const char *name)
{
	for (int i = 0; i < a->nunmanaged; i++) {
		const strata_unmanaged *u = &a->unmanaged[i];
		for (int k = 0; k < u->ndepends; k++)
			if (strcmp(u->depends[k], name) == 0)
				return strata__error_set(
					STRATA_EUNSUPPORTED,
					"cannot drop table %s: %s %s needs it (%s) and Strata does not manage %s; "
					"detach "
					"or drop %s first in a migration of your own (ALTER TABLE %s NO INHERIT %s, or "
					"drop its foreign key), or keep %s in the schema",
					name, u->kind, u->name, u->detail ? u->detail : "it reads it", u->name, u->name,
					u->name, name, name);
	}
	return STRATA_OK;
}

static int create_table(strata__diff_ctx *c, const strata_table *tb)
{
	int rc;
	for (int j = 0; j < tb->ncolumns; j++)
		c->need_prelude |= tb->columns[j].auto_update || tb->columns[j].dflt.kind == STRATA_DEFAULT_UUID_V7 ||
				   tb->columns[j].dflt.kind == STRATA_DEFAULT_ACTOR;
	if ((rc = strata__diff_change(c, STRATA_CHANGE_CREATE_TABLE, tb->name, NULL, false, "create table %s",
				      tb->name)) ||
	    (rc = strata__sql_create_table(c->tx, c->d, c->b, tb, NULL, c->pg ? never_skip : NULL, NULL)) ||
	    (rc = strata__sql_check_comments(c->tx, c->d, tb)) || (rc = strata__sql_comments(c->tx, c->d, tb)))
		return rc;
	for (int j = 0; j < tb->nindexes; j++)
		if ((rc = strata__sql_create_index(c->tx, c->d, tb, &tb->indexes[j], false)))
			return rc;
	if ((rc = strata__sql_triggers(c->tx, c->d, tb)))
		return rc;
	return strata__sql_table_item_triggers(c->tx, c->d, c->b, tb);
}

static int diff_all(strata__diff_ctx *c)
{
	int rc;
	const strata_schema *a = c->a, *b = c->b;
	if ((rc = strata__diff_enum_renames(c)) || (c->pg && (rc = strata__diff_pg_enums_before(c))))
		return rc;
	if ((rc = strata__diff_views_drop(c)) || (rc = strata__diff_objects_before(c)))
		return rc;
	/* Table renames. */
	for (int i = 0; i < b->ntables; i++) {
		const strata_table *tb = &b->tables[i], *ta = strata__diff_old_table(c, tb);
		if (!ta || strcmp(ta->name, tb->name) == 0)
			continue;
		if ((rc = strata__diff_change(c, STRATA_CHANGE_RENAME_TABLE, tb->name, NULL, false,
					      "rename table %s to %s", ta->name, tb->name)) ||
		    (rc = strata__diff_alter_table(c, c->tx, ta->name)) ||
		    (rc = strata__buf_puts(c->tx, "RENAME TO ")) || (rc = strata__sql_ident(c->tx, c->d, tb->name)) ||
		    (rc = strata__buf_puts(c->tx, ";\n")))
			return rc;
	}
	/* New tables, in dependency order; their keys to other tables come after on PostgreSQL. */
	bool *made = calloc((size_t)b->ntables + 1, sizeof *made);
	if (!made)
		return strata__error_nomem();
	rc = STRATA_OK;
	for (int i = 0; i < b->ntables; i++)
		made[i] = strata__diff_old_table(c, &b->tables[i]) != NULL;
	/* A partition after its parent; on PostgreSQL keys between tables are added once they all exist. */
	for (bool progress = true; progress && !rc;) {
		progress = false;
		for (int i = 0; i < b->ntables && !rc; i++) {
			const strata_table *tb = &b->tables[i], *parent = strata_schema_table(b, tb->partition_of);
			if (made[i] || (parent && !made[parent - b->tables]))
				continue;
			made[i] = progress = true;
			rc = create_table(c, tb);
		}
	}
	for (int i = 0; i < b->ntables && !rc; i++)
		if (!made[i])
			rc = create_table(c, &b->tables[i]); /* partitions of a cycle: let the database say so */
	free(made);
	if (rc)
		return rc;
	/* Tables on both sides. */
	for (int i = 0; i < b->ntables; i++) {
		const strata_table *tb = &b->tables[i], *ta = strata__diff_old_table(c, tb);
		if (ta && (rc = strata__diff_table(c, ta, tb)))
			return rc;
	}
	if (c->pg) {
		for (int i = 0; i < b->ntables; i++)
			if ((rc = strata__diff_pg_add_fkeys(c, strata__diff_old_table(c, &b->tables[i]),
							    &b->tables[i])))
				return rc;
		for (int i = 0; i < b->nenums; i++) {
			const strata_enum *ea = strata__diff_old_enum(c, b->enums[i].name);
			if (ea &&
			    !strata__diff_same_list(ea->values, ea->nvalues, b->enums[i].values, b->enums[i].nvalues) &&
			    !strata__diff_enum_extends(ea, &b->enums[i]) &&
			    (rc = strata__diff_pg_enum_recreate(c, ea, &b->enums[i])))
				return rc;
		}
	}
	/* Dropped tables: referencing tables first.  Keys between dropped tables go first on PostgreSQL. */
	for (int i = 0; i < a->ntables; i++)
		if (!strata__diff_new_table(c, &a->tables[i]) && (rc = check_unmanaged_needs(a, a->tables[i].name)))
			return rc;
	for (int i = 0; c->pg && i < a->ntables; i++) {
		const strata_table *ta = &a->tables[i];
		if (strata__diff_new_table(c, ta))
			continue;
		for (int j = 0; j < ta->nfkeys; j++)
			if ((rc = strata__diff_drop_constraint(c, ta->name, ta->fkeys[j].name)))
				return rc;
	}
	for (int i = a->ntables - 1; i >= 0; i--) {
		const strata_table *ta = &a->tables[i];
		if (strata__diff_new_table(c, ta))
			continue;
		if ((rc = strata__diff_change(c, STRATA_CHANGE_DROP_TABLE, ta->name, NULL, true, "drop table %s",
					      ta->name)) ||
		    (rc = strata__diff_destructive(c->tx, "DROP TABLE loses every row")) ||
		    (rc = strata__buf_puts(c->tx, "DROP TABLE IF EXISTS ")) ||
		    (rc = strata__sql_ident(c->tx, c->d, ta->name)) || (rc = strata__buf_puts(c->tx, ";\n")))
			return rc;
	}
	for (int i = 0; c->pg && i < a->nenums; i++) {
		if (strata_schema_enum(b, a->enums[i].name))
			continue;
		if ((rc = strata__diff_change(c, STRATA_CHANGE_DROP_ENUM, NULL, a->enums[i].name, false, "drop enum %s",
					      a->enums[i].name)) ||
		    (rc = strata__buf_puts(c->tx, "DROP TYPE IF EXISTS ")) ||
		    (rc = strata__sql_ident(c->tx, c->d, a->enums[i].name)) || (rc = strata__buf_puts(c->tx, ";\n")))
			return rc;
	}
	if ((rc = strata__diff_views_create(c)))
		return rc;
	return strata__diff_objects_after(c);
}

/* Run one direction; the SQL is the prelude (when needed) and the statements. */
static int run(const strata_schema *a, const strata_schema *b, strata_backend d, strata__diff_rename *rn, int nrn,
	       const strata__diff_rename *ern, int nern, bool concurrent, strata_plan *plan, strata_schema *arena,
	       char **tx_out, char **nontx_out, bool *own_tx, char **pre_out)
{
	strata_buf tx = STRATA_BUF_INIT, nontx = STRATA_BUF_INIT, full = STRATA_BUF_INIT, pre = STRATA_BUF_INIT;
	strata__diff_ctx c = { .a = a,
			       .b = b,
			       .d = d,
			       .pg = d == STRATA_BACKEND_POSTGRES,
			       .rn = rn,
			       .nrn = nrn,
			       .tx = &tx,
			       .nontx = &nontx,
			       .pre = pre_out ? &pre : NULL,
			       .plan = plan,
			       .arena = arena,
			       .concurrent = concurrent,
			       .ern = ern,
			       .nern = nern };
	int rc = diff_all(&c);
	free(c.view_gone);
	strata__diff_enums_free(&c);
	/*
	 * SQLite's documented rebuild needs foreign keys off, which only works
	 * outside a transaction: the section says foreign_keys:off and the
	 * runner switches them off before its BEGIN, checks them before COMMIT
	 * and keeps sqlite_sequence, all in one transaction with the ledger row.
	 */
	if (!rc && c.need_prelude && tx.len)
		rc = strata__sql_prelude(&full, d, b);
	if (!rc && tx.len)
		rc = strata__buf_puts(&full, strata__buf_cstr(&tx));
	if (own_tx)
		*own_tx = c.rebuilt;
	if (!rc) {
		*tx_out = full.ptr ? strata__buf_detach(&full) : strata__strdup("");
		*nontx_out = nontx.len ? strata__buf_detach(&nontx) : NULL;
		if (!*tx_out || (nontx.len && !*nontx_out))
			rc = STRATA_ENOMEM;
		if (!rc && pre_out && pre.len && !(*pre_out = strata__buf_detach(&pre)))
			rc = STRATA_ENOMEM;
	}
	strata__buf_free(&pre);
	strata__buf_free(&tx);
	strata__buf_free(&nontx);
	strata__buf_free(&full);
	return rc;
}

struct plan_private {
	strata_plan plan;
	strata_schema *arena;
};

void strata_plan_free(strata_plan *p)
{
	if (!p)
		return;
	struct plan_private *pp = (struct plan_private *)p;
	free(p->up);
	free(p->down);
	free(p->up_nontx);
	free(p->down_nontx);
	free(p->up_pre);
	strata_schema_free(pp->arena);
	free(pp);
}

static bool enum_has(const strata_enum *e, const char *v)
{
	for (int i = 0; i < e->nvalues; i++)
		if (strcmp(e->values[i], v) == 0)
			return true;
	return false;
}

/* A PostgreSQL duration: digits, then ms, s, min or h (a bare number, PostgreSQL's milliseconds, only as 0). */
static bool is_duration(const char *t)
{
	size_t n = strspn(t, "0123456789");
	if (n == 0)
		return false;
	if (!t[n])
		return strspn(t, "0") == n;
	t += n;
	return strcmp(t, "ms") == 0 || strcmp(t, "s") == 0 || strcmp(t, "min") == 0 || strcmp(t, "h") == 0;
}

/* *sql (when not empty) with the lock timeout set before it (and reset after, outside a transaction). */
static int with_lock_timeout(char **sql, const char *timeout, bool tx)
{
	if (!*sql || !**sql)
		return STRATA_OK;
	strata_buf b = STRATA_BUF_INIT;
	size_t n = strlen(*sql);
	int rc = strata__buf_printf(&b, "SET %slock_timeout = '%s';\n%s%s%s", tx ? "LOCAL " : "", timeout, *sql,
				    n && (*sql)[n - 1] != '\n' ? "\n" : "", tx ? "" : "RESET lock_timeout;\n");
	char *out = rc ? NULL : strata__buf_detach(&b);
	if (!out) {
		strata__buf_free(&b);
		return rc ? rc : strata__error_nomem();
	}
	free(*sql);
	*sql = out;
	return STRATA_OK;
}

int strata_diff(const strata_schema *from, const strata_schema *to, strata_backend backend, strata_plan **out)
{
	return strata_diff_with(from, to, backend, NULL, out);
}

int strata_diff_with(const strata_schema *from, const strata_schema *to, strata_backend backend,
		     const strata_diff_options *opts, strata_plan **out)
{
	struct plan_private *pp = NULL;
	strata__diff_rename *fw = NULL, *bw = NULL, *efw = NULL, *ebw = NULL;
	int nrn = 0, rc;
	char *ignore = NULL;
	if (!out)
		return strata__error_set(STRATA_EINVAL, "strata_diff: out is NULL");
	*out = NULL;
	if (!from || !to || (backend != STRATA_BACKEND_SQLITE && backend != STRATA_BACKEND_POSTGRES))
		return strata__error_set(STRATA_EINVAL, "strata_diff: bad argument");
	if (opts && opts->version != STRATA_DIFF_OPTIONS_VERSION)
		return strata__error_set(STRATA_EINVAL, "strata_diff: options version %u is not %d", opts->version,
					 STRATA_DIFF_OPTIONS_VERSION);
	const char *lock_timeout = opts && opts->lock_timeout ? opts->lock_timeout : STRATA_DIFF_LOCK_TIMEOUT;
	if (*lock_timeout && !is_duration(lock_timeout))
		return strata__error_set(STRATA_EINVAL,
					 "lock timeout '%s' is not a duration with a unit, such as 10s, 500ms or 1min, "
					 "or 0 (none)",
					 lock_timeout);
	if (strspn(lock_timeout, "0") == strlen(lock_timeout))
		lock_timeout = ""; /* 0: PostgreSQL's own "no limit", so no SET at all */
	if ((rc = strata__sql_check_dialect(to, backend)))
		return rc;
	if (!(pp = calloc(1, sizeof *pp)))
		return strata__error_nomem();
	if ((rc = strata__schema_new(&pp->arena, NULL)))
		goto fail;
	/* Renames from the hints of `to` that apply to `from`. */
	int cap = 1;
	for (int i = 0; i < to->ntables; i++)
		cap += 1 + to->tables[i].ncolumns;
	fw = calloc((size_t)cap, sizeof *fw);
	bw = calloc((size_t)cap, sizeof *bw);
	if (!fw || !bw) {
		rc = strata__error_nomem();
		goto fail;
	}
	for (int i = 0; i < to->ntables; i++) {
		const strata_table *tb = &to->tables[i];
		const strata_table *ta = strata_schema_table(from, tb->name);
		if (!ta && tb->renamed_from && (ta = strata_schema_table(from, tb->renamed_from)) != NULL &&
		    !strata_schema_table(to, tb->renamed_from)) {
			fw[nrn] = (strata__diff_rename){ NULL, ta->name, tb->name };
			bw[nrn++] = (strata__diff_rename){ NULL, tb->name, ta->name };
		} else if (!ta) {
			continue;
		}
		for (int j = 0; j < tb->ncolumns; j++) {
			const strata_column *cb = &tb->columns[j];
			if (!cb->renamed_from || strata_table_column(ta, cb->name) ||
			    !strata_table_column(ta, cb->renamed_from) || strata_table_column(tb, cb->renamed_from))
				continue;
			fw[nrn] = (strata__diff_rename){ tb->name, cb->renamed_from, cb->name };
			bw[nrn++] = (strata__diff_rename){ ta->name, cb->name, cb->renamed_from };
		}
	}
	/* Enum values renamed: a hint whose old value `from` has and whose new one it has not. */
	int nern = 0;
	for (int i = 0; i < to->nenums; i++)
		nern += to->enums[i].renamed_from ? to->enums[i].nvalues : 0;
	efw = calloc((size_t)nern + 1, sizeof *efw);
	ebw = calloc((size_t)nern + 1, sizeof *ebw);
	if (!efw || !ebw) {
		rc = strata__error_nomem();
		goto fail;
	}
	nern = 0;
	for (int i = 0; i < to->nenums; i++) {
		const strata_enum *eb = &to->enums[i], *ea = strata_schema_enum(from, eb->name);
		for (int k = 0; ea && eb->renamed_from && k < eb->nvalues; k++) {
			const char *old = eb->renamed_from[k];
			if (old && enum_has(ea, old) && !enum_has(ea, eb->values[k]) && !enum_has(eb, old)) {
				efw[nern] = (strata__diff_rename){ eb->name, old, eb->values[k] };
				ebw[nern++] = (strata__diff_rename){ eb->name, eb->values[k], old };
			}
		}
	}
	if ((rc = run(from, to, backend, fw, nrn, efw, nern, true, &pp->plan, pp->arena, &pp->plan.up,
		      &pp->plan.up_nontx, &pp->plan.up_own_tx, &pp->plan.up_pre)))
		goto fail;
	if ((rc = run(to, from, backend, bw, nrn, ebw, nern, false, NULL, pp->arena, &pp->plan.down, &ignore,
		      &pp->plan.down_own_tx, NULL)))
		goto fail;
	free(ignore);
	if (pp->plan.up_nontx) {
		/* The concurrently created indexes go away in the same way. */
		strata_buf b = STRATA_BUF_INIT;
		for (int i = 0; i < pp->plan.nchanges && !rc; i++) {
			const strata_change *ch = &pp->plan.changes[i];
			const strata_table *on = ch->table ? strata_schema_table(to, ch->table) : NULL;
			if (on && on->partition_by)
				continue; /* a partitioned index cannot go CONCURRENTLY: the down part drops it, and its
					     partitions' */
			if (ch->kind == STRATA_CHANGE_CREATE_INDEX &&
			    !(rc = strata__buf_puts(&b, "DROP INDEX CONCURRENTLY IF EXISTS ")) &&
			    !(rc = strata__sql_ident(&b, backend, ch->name)))
				rc = strata__buf_puts(&b, ";\n");
		}
		if (rc || !(pp->plan.down_nontx = strata__buf_detach(&b))) {
			strata__buf_free(&b);
			rc = rc ? rc : STRATA_ENOMEM;
			goto fail;
		}
	}
	if (backend == STRATA_BACKEND_POSTGRES && *lock_timeout) {
		strata_plan *pl = &pp->plan;
		if ((rc = with_lock_timeout(&pl->up, lock_timeout, true)) ||
		    (rc = with_lock_timeout(&pl->down, lock_timeout, true)) ||
		    (rc = with_lock_timeout(&pl->up_pre, lock_timeout, false)) ||
		    (rc = with_lock_timeout(&pl->up_nontx, lock_timeout, false)) ||
		    (rc = with_lock_timeout(&pl->down_nontx, lock_timeout, false)))
			goto fail;
	}
	free(fw);
	free(bw);
	free(efw);
	free(ebw);
	*out = &pp->plan;
	return STRATA_OK;
fail:
	free(fw);
	free(bw);
	free(efw);
	free(ebw);
	strata_plan_free(&pp->plan);
	return rc;
}
