/*
 * Verify sections: statements that must succeed after up; a single false,
 * 0 or NULL value fails.  Each runs in a transaction that is rolled back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "migrate/internal.h"
#include "core/log.h"
#include "db/internal.h"

/* Did the statement's single value say false? */
static bool says_false(strata_stmt *st)
{
	if (strata_column_count(st) != 1)
		return false;
	switch (strata_column_type(st, 0)) {
	case STRATA_TYPE_NULL: return true;
	case STRATA_TYPE_BOOL: {
		bool b = true;
		return strata_column_bool(st, 0, &b) == STRATA_OK && !b;
	}
	case STRATA_TYPE_INT: {
		int64_t i = 1;
		return strata_column_int64(st, 0, &i) == STRATA_OK && i == 0;
	}
	case STRATA_TYPE_DOUBLE: {
		double d = 1;
		return strata_column_double(st, 0, &d) == STRATA_OK && d == 0;
	}
	case STRATA_TYPE_TEXT: {
		const char *s = "";
		if (strata_column_text(st, 0, &s, NULL) != STRATA_OK || !s)
			return false;
		return strcmp(s, "f") == 0 || strcmp(s, "false") == 0 || strcmp(s, "0") == 0;
	}
	default: return false;
	}
}

static int verify_piece(strata_migrator *m, const strata__section_run *r, size_t i, const char *what)
{
	char *sql = strata__strndup(strata__piece_text(r, i), r->pcs[i].len);
	strata_stmt *st = NULL;
	if (!sql)
		return STRATA_ENOMEM;
	int rc = strata_begin(m->db, NULL);
	if (rc != STRATA_OK)
		goto free_sql;
	rc = strata_prepare(&st, m->db, sql);
	if (rc == STRATA_OK)
		rc = strata_step(st);
	if (rc == STRATA_ROW) {
		bool f = says_false(st);
		rc = strata_step(st);
		if (rc == STRATA_DONE && f)
			rc = strata__error_set_at(
				STRATA_EMIGRATE, r->f->path, strata__piece_line(r, i), 1,
				"verify of %s failed: the statement returned false, 0 or NULL%s%s: %.160s",
				r->f->version, what ? "; " : "", what ? what : "", sql);
		else if (rc == STRATA_ROW)
			rc = STRATA_DONE; /* several rows: only whether it ran counts */
	}
	if (rc == STRATA_DONE) {
		rc = STRATA_OK;
	} else if (rc != STRATA_OK && rc != STRATA_EMIGRATE) {
		char dberr[600];
		snprintf(dberr, sizeof dberr, "%s", strata_error_last()->message);
		rc = strata__error_set_at(STRATA_EMIGRATE, r->f->path, strata__piece_line(r, i), 1,
					  "verify of %s failed: %s%s%s. Statement: %.160s", r->f->version, dberr,
					  what ? "; " : "", what ? what : "", sql);
	}
	strata_finalize(st);
	strata__mig_rollback(m->db);
free_sql:
	free(sql);
	return rc;
}

int strata__mig_verify_section(strata_migrator *m, strata__migration *f, const char *what)
{
	strata__section_run r;
	if (!f->verify.present)
		return STRATA_OK;
	int rc = strata__mig_split(m, f, &f->verify, "verify", &r);
	for (size_t j = 0; rc == STRATA_OK && j < r.np; j++)
		rc = verify_piece(m, &r, j, what);
	free(r.pcs);
	return rc;
}

int strata_migrate_verify(strata_migrator *m, size_t *checked, size_t *failed)
{
	size_t nchecked = 0, nfailed = 0;
	strata__error_saved first;
	bool have_first = false;
	int rc;

	if (!m)
		return strata__error_set(STRATA_EINVAL, "strata_migrate_verify: m is NULL");
	rc = strata__mig_refresh(m);
	for (size_t i = 0; rc == STRATA_OK && i < m->ninfo; i++) {
		const strata_migration_info *it = &m->info[i];
		if (it->state != STRATA_MIGRATION_APPLIED && it->state != STRATA_MIGRATION_CHANGED)
			continue;
		strata__migration *f = strata__mig_file(m, it->version);
		if (!f || !f->verify.present)
			continue;
		strata__section_run r;
		rc = strata__mig_split(m, f, &f->verify, "verify", &r);
		for (size_t j = 0; rc == STRATA_OK && j < r.np; j++) {
			nchecked++;
			int vrc = verify_piece(m, &r, j, NULL);
			if (vrc == STRATA_EMIGRATE) {
				nfailed++;
				if (!have_first) {
					strata__error_save(&first);
					have_first = true;
				} else {
					/* the first failure is the error; the others are told as they come */
					strata__log(m->db->log, m->db->log_ud, STRATA_LOG_ERROR, "%s",
						    strata_error_last()->message);
				}
			} else if (vrc != STRATA_OK) {
				rc = vrc;
			}
		}
		free(r.pcs);
	}
	if (checked)
		*checked = nchecked;
	if (failed)
		*failed = nfailed;
	if (have_first) {
		if (rc == STRATA_OK) {
			strata__error_restore(&first);
			rc = STRATA_EMIGRATE;
		} else {
			free(first.message);
			free(first.sqlstate);
			free(first.constraint);
			free(first.file);
		}
	}
	return rc;
}
