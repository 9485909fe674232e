/*
 * PostgreSQL's lock model for migration linting: which lock each effect
 * takes on which relation (from the documentation of ALTER TABLE, CREATE
 * INDEX, REINDEX, VACUUM, CLUSTER, LOCK, CREATE TRIGGER, COMMENT and the
 * "Explicit Locking" chapter), whether a lock_timeout should bound the
 * wait, and how the statement is called.  The rules (migrules.c) turn this
 * into require-lock-timeout and into the lock every finding carries.
 */
#include <stdio.h>
#include <string.h>

#include "lint/mig.h"

const char *strata__lint_lock_name(lint_lock l)
{
	static const char *const names[] = {
		"",	 "ACCESS SHARE",	"ROW SHARE", "ROW EXCLUSIVE",	"SHARE UPDATE EXCLUSIVE",
		"SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"
	};
	return (unsigned)l < sizeof names / sizeof names[0] ? names[l] : "";
}

/* The lock an ALTER TABLE subcommand takes on its table (tablecmds.c's AlterTableGetLockLevel, as documented). */
static lint_lock alter_level(const char *sub)
{
	static const char *const sue[] = { "AT_SetStatistics",	 "AT_ClusterOn",	  "AT_DropCluster",
					   "AT_SetRelOptions",	 "AT_ResetRelOptions",	  "AT_ReplaceRelOptions",
					   "AT_AttachPartition", "AT_ValidateConstraint", NULL };
	static const char *const sre[] = { "AT_EnableTrig",	"AT_EnableAlwaysTrig", "AT_EnableReplicaTrig",
					   "AT_EnableTrigAll",	"AT_EnableTrigUser",   "AT_DisableTrig",
					   "AT_DisableTrigAll", "AT_DisableTrigUser",  NULL };
	for (const char *const *p = sue; sub && *p; p++)
		if (!strcmp(sub, *p))
			return LINT_LK_SHARE_UPDATE_EXCLUSIVE;
	for (const char *const *p = sre; sub && *p; p++)
		if (!strcmp(sub, *p))
			return LINT_LK_SHARE_ROW_EXCLUSIVE;
	return LINT_LK_ACCESS_EXCLUSIVE;
}

static lint_lock lock_mode(const char *what)
{
	for (int l = LINT_LK_ACCESS_SHARE; l <= LINT_LK_ACCESS_EXCLUSIVE; l++)
		if (what && !strcmp(what, strata__lint_lock_name((lint_lock)l)))
			return (lint_lock)l;
	return LINT_LK_ACCESS_EXCLUSIVE;
}

/* Relations among what DROP removes. */
static bool relation_kind(const char *what)
{
	return what && (!strcmp(what, "VIEW") || !strcmp(what, "MATVIEW") || !strcmp(what, "SEQUENCE") ||
			!strcmp(what, "FOREIGN_TABLE") || !strcmp(what, "TABLE") || !strcmp(what, "INDEX"));
}

/* Objects tables depend on, whose drop waits for the tables' users (not functions, which calls do not lock). */
static bool type_kind(const char *what)
{
	return what && (!strcmp(what, "TYPE") || !strcmp(what, "DOMAIN") || !strcmp(what, "SCHEMA") ||
			!strcmp(what, "EXTENSION"));
}

size_t strata__lint_effect_locks(const lint_effect *e, const lint_catalog *cat, lint_rel_lock out[2], bool *waits,
				 const char **verb, char scratch[2][80])
{
	size_t n = 0;
	bool conc = (e->flags & LINT_F_CONCURRENTLY) != 0;
	const char *t = e->table && *e->table ? e->table : NULL;
	*waits = true;
	*verb = NULL;
#define LOCK(r, l, isrel)                  \
	do {                               \
		out[n].rel = (r);          \
		out[n].level = (l);        \
		out[n].relation = (isrel); \
		n++;                       \
	} while (0)
	switch (e->op) {
	case LINT_OP_DEF_COLUMN:
	case LINT_OP_DEF_CONSTRAINT:
		/* A foreign key of a new table locks the table it references. */
		if ((e->flags & LINT_F_FOREIGN) && e->to && *e->to) {
			*verb = "CREATE TABLE";
			LOCK(e->to, LINT_LK_SHARE_ROW_EXCLUSIVE, true);
		}
		break;
	case LINT_OP_DROP_TABLE:
		*verb = "DROP TABLE";
		LOCK(t, LINT_LK_ACCESS_EXCLUSIVE, true);
		break;
	case LINT_OP_ADD_COLUMN:
		*verb = "ALTER TABLE";
		LOCK(t, LINT_LK_ACCESS_EXCLUSIVE, true);
		if ((e->flags & LINT_F_FOREIGN) && e->to && *e->to)
			LOCK(e->to, LINT_LK_SHARE_ROW_EXCLUSIVE, true);
		break;
	case LINT_OP_DROP_COLUMN:
	case LINT_OP_SET_TYPE:
	case LINT_OP_SET_NOT_NULL:
	case LINT_OP_DROP_NOT_NULL:
	case LINT_OP_DROP_CONSTRAINT:
		*verb = "ALTER TABLE";
		LOCK(t, LINT_LK_ACCESS_EXCLUSIVE, true);
		break;
	case LINT_OP_ADD_CONSTRAINT:
		*verb = "ALTER TABLE";
		if (e->flags & LINT_F_FOREIGN) {
			LOCK(t, LINT_LK_SHARE_ROW_EXCLUSIVE, true);
			if (e->to && *e->to)
				LOCK(e->to, LINT_LK_SHARE_ROW_EXCLUSIVE, true);
		} else {
			LOCK(t, LINT_LK_ACCESS_EXCLUSIVE, true);
		}
		break;
	case LINT_OP_VALIDATE_CONSTRAINT:
		*verb = "ALTER TABLE";
		LOCK(t, LINT_LK_SHARE_UPDATE_EXCLUSIVE, true);
		break;
	case LINT_OP_ALTER_OTHER:
		*verb = "ALTER TABLE";
		LOCK(t, alter_level(e->what), true);
		break;
	case LINT_OP_DETACH_PARTITION:
		*verb = "ALTER TABLE";
		*waits = !conc;
		LOCK(t, conc ? LINT_LK_SHARE_UPDATE_EXCLUSIVE : LINT_LK_ACCESS_EXCLUSIVE, true);
		if (e->name)
			LOCK(e->name, LINT_LK_ACCESS_EXCLUSIVE, true);
		break;
	case LINT_OP_RENAME_TABLE:
		*verb = "ALTER TABLE RENAME";
		LOCK(t, LINT_LK_ACCESS_EXCLUSIVE, true);
		break;
	case LINT_OP_RENAME_COLUMN:
		*verb = "ALTER TABLE RENAME COLUMN";
		LOCK(t, LINT_LK_ACCESS_EXCLUSIVE, true);
		break;
	case LINT_OP_RENAME_OTHER:
		*verb = "RENAME";
		LOCK(t ? t : e->name, LINT_LK_ACCESS_EXCLUSIVE, t || relation_kind(e->what));
		break;
	case LINT_OP_CREATE_INDEX:
		*verb = conc ? NULL : "CREATE INDEX";
		*waits = !conc;
		LOCK(t, conc ? LINT_LK_SHARE_UPDATE_EXCLUSIVE : LINT_LK_SHARE, true);
		break;
	case LINT_OP_DROP_INDEX: {
		const char *it = strata__lint_cat_index_table(cat, e->name);
		*verb = conc ? NULL : "DROP INDEX";
		*waits = !conc;
		LOCK(it ? it : e->name, conc ? LINT_LK_SHARE_UPDATE_EXCLUSIVE : LINT_LK_ACCESS_EXCLUSIVE, true);
		break;
	}
	case LINT_OP_REINDEX: {
		const char *w = e->what ? e->what : "";
		const char *rel = e->name;
		if (!strcmp(w, "INDEX")) {
			const char *it = strata__lint_cat_index_table(cat, e->name);
			rel = it ? it : e->name;
		} else if (!strcmp(w, "SCHEMA")) {
			snprintf(scratch[0], 80, "%s.*", e->name ? e->name : "");
			rel = scratch[0];
		} else if (strcmp(w, "TABLE") != 0) {
			rel = "*";
		}
		*verb = conc ? NULL : "REINDEX";
		*waits = !conc;
		/* Writes of the table wait; so do reads through the index being rebuilt (ACCESS EXCLUSIVE on it). */
		LOCK(rel, conc ? LINT_LK_SHARE_UPDATE_EXCLUSIVE : LINT_LK_SHARE, true);
		break;
	}
	case LINT_OP_VACUUM:
		*verb = e->what && !strcmp(e->what, "ANALYZE") ? "ANALYZE" : "VACUUM";
		LOCK(t ? t : "*", e->flags & LINT_F_FULL ? LINT_LK_ACCESS_EXCLUSIVE : LINT_LK_SHARE_UPDATE_EXCLUSIVE,
		     true);
		break;
	case LINT_OP_CLUSTER:
		*verb = "CLUSTER";
		LOCK(t ? t : "*", LINT_LK_ACCESS_EXCLUSIVE, true);
		break;
	case LINT_OP_LOCK:
		*verb = "LOCK TABLE";
		LOCK(t, lock_mode(e->what), true);
		break;
	case LINT_OP_TRUNCATE:
		*verb = "TRUNCATE";
		LOCK(t, LINT_LK_ACCESS_EXCLUSIVE, true);
		break;
	case LINT_OP_DELETE:
	case LINT_OP_UPDATE:
		*waits = false;
		LOCK(t, LINT_LK_ROW_EXCLUSIVE, true);
		break;
	case LINT_OP_CREATE_TRIGGER:
		*verb = "CREATE TRIGGER";
		LOCK(t, LINT_LK_SHARE_ROW_EXCLUSIVE, true);
		break;
	case LINT_OP_COMMENT:
		*verb = "COMMENT ON";
		if (!t && e->what && !strcmp(e->what, "INDEX"))
			t = strata__lint_cat_index_table(cat, e->name);
		if (t) /* a comment on anything else (a type, a function) waits for nothing worth a limit */
			LOCK(t, LINT_LK_SHARE_UPDATE_EXCLUSIVE, true);
		break;
	case LINT_OP_ALTER_SEQUENCE:
		*verb = "ALTER SEQUENCE";
		LOCK(e->name, LINT_LK_SHARE_ROW_EXCLUSIVE, true);
		break;
	case LINT_OP_CREATE_TYPE:
		/* A new type locks only its schema (against a concurrent DROP SCHEMA). */
		*verb = "CREATE TYPE";
		LOCK(e->name, LINT_LK_ACCESS_SHARE, false);
		break;
	case LINT_OP_ALTER_TYPE:
	case LINT_OP_ADD_ENUM_VALUE:
		*verb = "ALTER TYPE";
		LOCK(e->name, LINT_LK_ACCESS_EXCLUSIVE, false);
		break;
	case LINT_OP_ALTER_DOMAIN:
		*verb = "ALTER DOMAIN";
		LOCK(e->name, LINT_LK_ACCESS_EXCLUSIVE, false);
		break;
	case LINT_OP_DROP_OTHER:
		snprintf(scratch[1], 80, "DROP %s", e->what ? e->what : "");
		*verb = scratch[1];
		if (t) /* a trigger, rule or policy: on its table */
			LOCK(t, LINT_LK_ACCESS_EXCLUSIVE, true);
		else if (relation_kind(e->what) || type_kind(e->what))
			LOCK(e->name, LINT_LK_ACCESS_EXCLUSIVE, relation_kind(e->what));
		break;
	default: break;
	}
#undef LOCK
	/* A lock on nothing named (a statement the adapter could not name the table of) is none. */
	for (size_t i = 0; i < n; i++)
		if (!out[i].rel || !*out[i].rel) {
			out[i] = out[--n];
			i--;
		}
	if (!n)
		*verb = NULL;
	return n;
}
