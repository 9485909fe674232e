/*
 * The runner: status, drift checks, up, down, redo, the --sql plan,
 * verify, baseline and adopt.
 *
 * The one guarantee everything here keeps: a migration and its ledger row
 * commit together or not at all.  A migration marked transaction:false
 * cannot have that, so its progress is written to its ledger row after each
 * statement ('running', then 'applied' or 'failed'), and status shows how
 * far it got.
 */
#include <errno.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <strata/backup.h>

#include "core/error.h"
#include "core/log.h"
#include "core/url.h"
#include "db/internal.h"
#include "migrate/internal.h"
#include "sql/split.h"

/* ---- options, open, free ---- */

int strata_migrate_options_from_env(strata_migrate_options *opts)
{
	if (!opts)
		return strata__error_set(STRATA_EINVAL, "strata_migrate_options_from_env: opts is NULL");
	const char *dir = getenv("STRATA_MIGRATIONS_DIR");
	if (dir && *dir)
		opts->dir = dir;
	const char *b = getenv("DB_BACKUP_ON_MIGRATE");
	if (b && *b) {
		int v = strata__parse_bool(b);
		if (v < 0)
			return strata__error_set(STRATA_EINVAL, "DB_BACKUP_ON_MIGRATE: '%s' is not true or false", b);
		if (v)
			opts->safe = true;
	}
	return STRATA_OK;
}

static char *dup_or(const char *s, const char *dflt)
{
	return strata__strdup(s && *s ? s : dflt);
}

int strata_migrator_open(strata_migrator **out, strata_db *db, const strata_migrate_options *opts)
{
	strata_migrate_options defaults = STRATA_MIGRATE_OPTIONS_INIT;
	int rc;

	if (!out || !db)
		return strata__error_set(STRATA_EINVAL, "strata_migrator_open: %s is NULL", out ? "db" : "out");
	*out = NULL;
	if (!opts)
		opts = &defaults;
	if (opts->version != STRATA_MIGRATE_OPTIONS_VERSION)
		return strata__error_set(STRATA_EINVAL, "strata_migrator_open: options version %u is not %d",
					 opts->version, STRATA_MIGRATE_OPTIONS_VERSION);
	strata_migrator *m = calloc(1, sizeof *m);
	if (!m)
		return strata__error_nomem();
	m->db = db;
	m->backend = strata_db_backend(db);
	m->opts = *opts;
	if (gethostname(m->host, sizeof m->host - 1) != 0 || !m->host[0])
		snprintf(m->host, sizeof m->host, "localhost");
	m->dir = dup_or(opts->dir, "migrations");
	m->backup_dir = dup_or(opts->backup_dir, "backups");
	m->schema_file = opts->schema_file && *opts->schema_file ? strata__strdup(opts->schema_file) : NULL;
	if (opts->applied_by && *opts->applied_by) {
		m->applied_by = strata__strdup(opts->applied_by);
	} else {
		const char *user = getenv("USER");
		if (!user || !*user)
			user = getenv("LOGNAME");
		struct passwd pw, *pwp = NULL;
		char pwbuf[1024];
		if ((!user || !*user) && getpwuid_r(getuid(), &pw, pwbuf, sizeof pwbuf, &pwp) == 0 && pwp)
			user = pwp->pw_name;
		strata_buf by = STRATA_BUF_INIT;
		if (strata__buf_printf(&by, "%s@%s", user && *user ? user : "unknown", m->host) == STRATA_OK)
			m->applied_by = strata__buf_detach(&by);
	}
	if (!m->dir || !m->backup_dir || !m->applied_by || (opts->schema_file && *opts->schema_file && !m->schema_file)) {
		rc = STRATA_ENOMEM;
		goto fail;
	}
	m->opts.dir = m->dir;
	m->opts.backup_dir = m->backup_dir;
	m->opts.schema_file = m->schema_file;
	m->opts.applied_by = m->applied_by;
	rc = strata__migrations_load(m->dir, m->backend, &m->files, &m->nfiles);
	if (rc != STRATA_OK)
		goto fail;
	*out = m;
	return STRATA_OK;
fail:
	strata_migrator_free(m);
	return rc;
}

void strata_migrator_free(strata_migrator *m)
{
	if (!m)
		return;
	strata__migrate_unlock(m);
	strata__migrations_free(m->files, m->nfiles);
	strata__ledger_clear(m);
	free(m->info);
	free(m->dir);
	free(m->backup_dir);
	free(m->schema_file);
	free(m->applied_by);
	free(m->last_backup);
	free(m->saved_app_name);
	free(m);
}

const char *strata_migrate_last_backup(const strata_migrator *m)
{
	return m ? m->last_backup : NULL;
}

/* ---- status ---- */

/* Files are sorted by version (strata__migrations_load) and so are ledger rows (refresh). */
static int version_key_cmp(const void *key, const void *elem, size_t off)
{
	return strata__version_cmp(key, *(char *const *)((const char *)elem + off));
}

static int file_key_cmp(const void *key, const void *elem)
{
	return version_key_cmp(key, elem, offsetof(strata__migration, version));
}

static int row_key_cmp(const void *key, const void *elem)
{
	return version_key_cmp(key, elem, offsetof(strata__ledger_row, version));
}

static int row_cmp(const void *a, const void *b)
{
	return strata__version_cmp(((const strata__ledger_row *)a)->version, ((const strata__ledger_row *)b)->version);
}

static strata__migration *file_for(strata_migrator *m, const char *version)
{
	if (!m->nfiles)
		return NULL;
	return bsearch(version, m->files, m->nfiles, sizeof *m->files, file_key_cmp);
}

static strata__ledger_row *row_for(strata_migrator *m, const char *version)
{
	if (!m->nrows)
		return NULL;
	return bsearch(version, m->rows, m->nrows, sizeof *m->rows, row_key_cmp);
}

static int info_cmp(const void *a, const void *b)
{
	const strata_migration_info *x = a, *y = b;
	return strata__version_cmp(x->version, y->version);
}

/* Build m->info from the files and m->rows (already read). */
static int build_info(strata_migrator *m)
{
	free(m->info);
	m->info = NULL;
	m->ninfo = 0;
	strata_migration_info *info = calloc(m->nfiles + m->nrows + 1, sizeof *info);
	if (!info)
		return strata__error_nomem();
	size_t n = 0;
	const char *newest = NULL;
	for (size_t i = 0; i < m->nrows; i++)
		if (!newest || strata__version_cmp(m->rows[i].version, newest) > 0)
			newest = m->rows[i].version;
	for (size_t i = 0; i < m->nfiles; i++) {
		strata__migration *f = &m->files[i];
		strata__ledger_row *r = row_for(m, f->version);
		strata_migration_info *it = &info[n++];
		it->version = f->version;
		it->name = f->name;
		it->file = f->path;
		it->transactional = f->up.transaction;
		it->has_down = f->down.present;
		it->has_verify = f->verify.present;
		it->destructive = f->destructive;
		it->destructive_why = f->destructive_why;
		it->checksum = f->checksum;
		it->applied_by = "";
		it->note = "";
		if (!r) {
			it->state = STRATA_MIGRATION_PENDING;
			it->out_of_order = newest && strata__version_cmp(f->version, newest) < 0;
			continue;
		}
		it->applied_at = r->applied_at;
		it->duration_ms = r->duration_ms;
		it->applied_by = r->applied_by;
		it->note = r->note;
		if (strcmp(r->state, "failed") == 0)
			it->state = STRATA_MIGRATION_FAILED;
		else if (strcmp(r->state, "running") == 0)
			it->state = STRATA_MIGRATION_RUNNING;
		else if (r->checksum[0] && strcmp(r->checksum, f->checksum) != 0)
			it->state = STRATA_MIGRATION_CHANGED;
		else
			it->state = STRATA_MIGRATION_APPLIED;
	}
	for (size_t i = 0; i < m->nrows; i++) {
		strata__ledger_row *r = &m->rows[i];
		if (file_for(m, r->version))
			continue;
		strata_migration_info *it = &info[n++];
		it->version = r->version;
		it->name = r->name;
		it->file = "";
		it->state = STRATA_MIGRATION_MISSING;
		it->transactional = true;
		it->destructive_why = "";
		it->checksum = r->checksum;
		it->applied_at = r->applied_at;
		it->duration_ms = r->duration_ms;
		it->applied_by = r->applied_by;
		it->note = r->note;
	}
	qsort(info, n, sizeof *info, info_cmp);
	m->info = info;
	m->ninfo = n;
	return STRATA_OK;
}

static int refresh(strata_migrator *m)
{
	int rc = strata__ledger_read(m);
	if (rc == STRATA_OK && m->nrows > 1)
		qsort(m->rows, m->nrows, sizeof *m->rows, row_cmp);
	if (rc == STRATA_OK)
		rc = build_info(m);
	return rc;
}

int strata_migrate_status(strata_migrator *m, const strata_migration_info **items, size_t *count)
{
	if (!m || !items || !count)
		return strata__error_set(STRATA_EINVAL, "strata_migrate_status: a NULL argument");
	int rc = refresh(m);
	*items = m->info;
	*count = rc == STRATA_OK ? m->ninfo : 0;
	return rc;
}

/*
 * Drift: errors unless allowed.  `up` checks pending-out-of-order too.
 * Failed or interrupted transaction:false migrations block everything but
 * `up --retry-failed`.
 */
static int check_drift(strata_migrator *m, bool up)
{
	for (size_t i = 0; i < m->ninfo; i++) {
		const strata_migration_info *it = &m->info[i];
		switch (it->state) {
		case STRATA_MIGRATION_CHANGED:
			if (!m->opts.allow_changed)
				return strata__error_set(
					STRATA_EMIGRATE,
					"%s: migration %s was applied, but its up section has changed since (checksum %.12s "
					"in the ledger, %.12s now). Restore the file, or pass --allow-changed",
					it->file, it->version, row_for(m, it->version)->checksum, it->checksum);
			break;
		case STRATA_MIGRATION_MISSING:
			if (!m->opts.allow_missing)
				return strata__error_set(STRATA_EMIGRATE,
							 "migration %s (%s) is applied, but no file in %s has that version. "
							 "Restore the file, or pass --allow-missing",
							 it->version, it->name, m->dir);
			break;
		case STRATA_MIGRATION_FAILED:
		case STRATA_MIGRATION_RUNNING:
			if (!(up && m->opts.retry_failed))
				return strata__error_set(
					STRATA_EMIGRATE,
					"%s: migration %s (transaction:false) %s part-way: %s. Check the database, then run "
					"`strata migrate up --retry-failed` to resume at the statement that did not finish",
					it->file[0] ? it->file : it->version, it->version,
					it->state == STRATA_MIGRATION_FAILED ? "failed" : "was interrupted", it->note);
			break;
		case STRATA_MIGRATION_PENDING:
			if (up && it->out_of_order && !m->opts.allow_out_of_order)
				return strata__error_set(STRATA_EMIGRATE,
							 "%s: migration %s is pending but older than the newest applied "
							 "one; it may depend on a schema that changed since. Rename it to a "
							 "newer version, or pass --allow-out-of-order",
							 it->file, it->version);
			break;
		default: break;
		}
	}
	return STRATA_OK;
}

/* ---- running sections ---- */

typedef struct section_run {
	strata__migration *f;
	const strata__mig_section *s;
	const char *label; /* "up", "down", "verify" */
	strata__sql_piece *pcs;
	size_t np;
} section_run;

static int split_section(strata_migrator *m, strata__migration *f, const strata__mig_section *s, const char *label,
			 section_run *r)
{
	r->f = f;
	r->s = s;
	r->label = label;
	r->pcs = NULL;
	r->np = 0;
	if (!s->present)
		return STRATA_OK;
	return strata__sql_split(f->text + s->offset, s->len, m->backend, &r->pcs, &r->np);
}

static const char *piece_text(const section_run *r, size_t i)
{
	return r->f->text + r->s->offset + r->pcs[i].offset;
}

static int piece_line(const section_run *r, size_t i)
{
	return r->s->line + r->pcs[i].line;
}

/* Run statement i; on failure, set the error at file:line with the statement. */
static int run_piece(strata_migrator *m, const section_run *r, size_t i, const char *what)
{
	char *sql = strata__strndup(piece_text(r, i), r->pcs[i].len);
	if (!sql)
		return STRATA_ENOMEM;
	int rc = strata_exec(m->db, sql);
	if (rc != STRATA_OK) {
		const strata_error *e = strata_error_last();
		char dberr[600];
		snprintf(dberr, sizeof dberr, "%s", e->message);
		int status = rc == STRATA_EBUSY || rc == STRATA_ECONNECT ? rc : STRATA_EMIGRATE;
		rc = strata__error_set_at(status, r->f->path, piece_line(r, i), 1,
					  "%s section of %s, statement %zu of %zu failed: %s; %s. Statement: %.160s%s",
					  r->label, r->f->version, i + 1, r->np, dberr, what, sql,
					  strlen(sql) > 160 ? "..." : "");
	}
	free(sql);
	return rc;
}

static bool rebuilds_table(strata_migrator *m, const section_run *r)
{
	if (m->backend != STRATA_BACKEND_SQLITE)
		return false;
	for (size_t i = 0; i < r->np; i++) {
		char w1[16], w2[16];
		size_t pos = 0;
		const char *t = piece_text(r, i);
		if (strata__sql_next_word(t, r->pcs[i].len, m->backend, &pos, w1, sizeof w1) &&
		    strata__sql_next_word(t, r->pcs[i].len, m->backend, &pos, w2, sizeof w2) &&
		    (strcmp(w1, "DROP") == 0 || strcmp(w1, "ALTER") == 0) && strcmp(w2, "TABLE") == 0)
			return true;
	}
	return false;
}

/* SQLite: how many rows break a foreign key now. */
static int fk_count(strata_migrator *m, int64_t *n)
{
	return strata_query_int64(m->db, n, "SELECT count(*) FROM pragma_foreign_key_check", NULL, 0);
}

/*
 * SQLite: did the migration break a foreign key?  More violations than
 * `before` (rows that were already broken do not count against it) fails,
 * naming one of them.
 */
static int fk_check(strata_migrator *m, const strata__migration *f, int64_t before)
{
	int64_t after = 0;
	strata_stmt *st = NULL;
	int rc = fk_count(m, &after);
	if (rc != STRATA_OK || after <= before)
		return rc;
	rc = strata_prepare(&st, m->db, "PRAGMA foreign_key_check");
	if (rc != STRATA_OK)
		return rc;
	rc = strata_step(st);
	if (rc == STRATA_ROW) {
		const char *table = "?", *parent = "?";
		int64_t rowid = 0;
		strata_column_text(st, 0, &table, NULL);
		if (!strata_column_is_null(st, 1))
			strata_column_int64(st, 1, &rowid);
		strata_column_text(st, 2, &parent, NULL);
		rc = strata__error_set_at(STRATA_EMIGRATE, f->path, f->up.line, 1,
					  "migration %s leaves %lld broken foreign key%s (e.g. row %lld of %s references a "
					  "missing row of %s); nothing was applied",
					  f->version, (long long)(after - before), after - before == 1 ? "" : "s",
					  (long long)rowid, table ? table : "?", parent ? parent : "?");
	} else if (rc == STRATA_DONE) {
		rc = STRATA_OK;
	}
	strata_finalize(st);
	return rc;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void rollback_keep_error(strata_db *db)
{
	strata__error_saved saved;
	strata__error_save(&saved);
	strata_rollback(db);
	strata__error_restore(&saved);
}

/*
 * Run one section in a transaction with its ledger change (insert for up,
 * delete for down).  In a dry run the caller's outer transaction makes this
 * a savepoint, and foreign keys stay as they are.
 */
static int run_transactional(strata_migrator *m, section_run *r, bool up)
{
	bool fk_off = false;
	int64_t fk_before = 0;
	int64_t t0 = mono_ms();
	int rc;

	if (!m->opts.dry_run && !m->opts.single_transaction && rebuilds_table(m, r)) {
		int64_t on = 0;
		rc = strata_query_int64(m->db, &on, "PRAGMA foreign_keys", NULL, 0);
		if (rc != STRATA_OK)
			return rc;
		if (on) {
			rc = strata_exec(m->db, "PRAGMA foreign_keys = OFF");
			if (rc != STRATA_OK)
				return rc;
			fk_off = true;
		}
	}
	rc = strata_begin(m->db, NULL);
	if (rc != STRATA_OK)
		goto restore_fk;
	if (fk_off)
		rc = fk_count(m, &fk_before);
	for (size_t i = 0; i < r->np && rc == STRATA_OK; i++)
		rc = run_piece(m, r, i, m->opts.dry_run ? "dry run, rolled back" : "nothing from this migration was applied");
	if (rc == STRATA_OK && fk_off)
		rc = fk_check(m, r->f, fk_before);
	if (rc == STRATA_OK) {
		if (up)
			rc = strata__ledger_insert(m, r->f->version, r->f->name, r->f->checksum, strata_timestamp_now(),
						   mono_ms() - t0, m->applied_by, "applied", NULL);
		else
			rc = strata__ledger_delete(m, r->f->version);
	}
	if (rc == STRATA_OK)
		rc = strata_commit(m->db);
	else
		rollback_keep_error(m->db);
restore_fk:
	if (fk_off) {
		strata__error_saved saved;
		strata__error_save(&saved);
		int frc = strata_exec(m->db, "PRAGMA foreign_keys = ON");
		strata__error_restore(&saved);
		if (rc == STRATA_OK)
			rc = frc;
	}
	return rc;
}

static int set_progress(strata_migrator *m, const char *version, const char *state, const char *note)
{
	return strata_exec_values(m->db, "UPDATE strata_migrations SET state = ?, note = ? WHERE version = ?",
				  (const strata_value[]){ STRATA_TEXT(state), note ? STRATA_TEXT(note) : STRATA_NULL,
							  STRATA_TEXT(version) },
				  3, NULL);
}

/*
 * transaction:false, up: a 'running' row first, its note updated after each
 * statement, 'applied' at the end or 'failed' with the statement.  `from`
 * is where a retry resumes.
 */
static int run_loose_up(strata_migrator *m, section_run *r, size_t from)
{
	char note[900];
	int64_t t0 = mono_ms();
	int rc;

	if (from == 0) {
		rc = strata__ledger_delete(m, r->f->version);
		if (rc == STRATA_OK) {
			snprintf(note, sizeof note, "0 of %zu statements done", r->np);
			rc = strata__ledger_insert(m, r->f->version, r->f->name, r->f->checksum, strata_timestamp_now(),
						   0, m->applied_by, "running", note);
		}
	} else {
		snprintf(note, sizeof note, "%zu of %zu statements done", from, r->np);
		rc = set_progress(m, r->f->version, "running", note);
	}
	if (rc != STRATA_OK)
		return rc;
	for (size_t i = from; i < r->np; i++) {
		char what[200];
		snprintf(what, sizeof what,
			 "transaction:false: statements 1 to %zu ran and stay applied; the ledger marks %s as failed",
			 i, r->f->version);
		rc = run_piece(m, r, i, i == 0 ? "transaction:false: nothing ran before it" : what);
		if (rc != STRATA_OK) {
			strata__error_saved saved;
			strata__error_save(&saved);
			snprintf(note, sizeof note, "%zu of %zu statements done; statement %zu (line %d) failed: %s", i, r->np,
				 i + 1, piece_line(r, i), saved.message ? saved.message : "");
			set_progress(m, r->f->version, "failed", note);
			strata__error_restore(&saved);
			return rc;
		}
		snprintf(note, sizeof note, "%zu of %zu statements done", i + 1, r->np);
		rc = set_progress(m, r->f->version, "running", note);
		if (rc != STRATA_OK)
			return rc;
	}
	return strata_exec_values(m->db,
				  "UPDATE strata_migrations SET state = 'applied', note = NULL, duration_ms = ?, applied_at = ?, "
				  "checksum = ? WHERE version = ?",
				  (const strata_value[]){ STRATA_INT(mono_ms() - t0), STRATA_TIMESTAMP(strata_timestamp_now()),
							  STRATA_TEXT(r->f->checksum), STRATA_TEXT(r->f->version) },
				  4, NULL);
}

/* transaction:false, down: statements one by one, then the ledger row goes. */
static int run_loose_down(strata_migrator *m, section_run *r)
{
	int rc = STRATA_OK;
	for (size_t i = 0; i < r->np && rc == STRATA_OK; i++)
		rc = run_piece(m, r, i, "transaction:false: the statements before it ran; the migration stays recorded as applied");
	if (rc == STRATA_OK)
		rc = strata__ledger_delete(m, r->f->version);
	return rc;
}

/* ---- backups and the schema file ---- */

static int mkdirs(const char *path, mode_t mode)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return strata__error_set(STRATA_EIO, "cannot create directory %s: %s", buf, strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, mode) != 0 && errno != EEXIST)
		return strata__error_set(STRATA_EIO, "cannot create directory %s: %s", buf, strerror(errno));
	return STRATA_OK;
}

static int take_backup(strata_migrator *m, const char *before_version)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	int rc = mkdirs(m->backup_dir, 0700);
	if (rc != STRATA_OK)
		return rc;
	strata_buf path = STRATA_BUF_INIT;
	rc = strata__buf_printf(&path, "%s/%s-before-%s.%s", m->backup_dir, stamp, before_version,
				m->backend == STRATA_BACKEND_SQLITE ? "sqlite3" : "dump");
	if (rc != STRATA_OK)
		return rc;
	rc = strata_backup_to_file(m->db, path.ptr, STRATA_BACKUP_FULL);
	if (rc != STRATA_OK) {
		strata__error_saved saved;
		strata__error_save(&saved);
		strata__error_set(rc, "the backup before the destructive migration %s failed, so nothing was run: %s",
				  before_version, saved.message ? saved.message : "");
		free(saved.message);
		free(saved.sqlstate);
		free(saved.constraint);
		free(saved.file);
		strata__buf_free(&path);
		return rc;
	}
	free(m->last_backup);
	m->last_backup = strata__buf_detach(&path);
	return m->last_backup ? STRATA_OK : STRATA_ENOMEM;
}

static int write_schema(strata_migrator *m)
{
	if (!m->schema_file || m->opts.dry_run)
		return STRATA_OK;
	const char *slash = strrchr(m->schema_file, '/');
	if (slash && slash != m->schema_file) {
		char dir[4096];
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - m->schema_file), m->schema_file);
		int rc = mkdirs(dir, 0755);
		if (rc != STRATA_OK)
			return rc;
	}
	int rc = strata_backup_to_file(m->db, m->schema_file, STRATA_BACKUP_SCHEMA_SQL);
	if (rc == STRATA_OK && chmod(m->schema_file, 0644) != 0)
		rc = strata__error_set(STRATA_EIO, "%s: %s", m->schema_file, strerror(errno));
	return rc;
}

/* ---- up ---- */

/* Resume point of a failed/interrupted transaction:false migration. */
static size_t resume_at(const strata__ledger_row *r)
{
	unsigned long done = 0;
	if (r && sscanf(r->note, "%lu of", &done) == 1)
		return (size_t)done;
	return 0;
}

/* Lock, make sure the ledger exists, read it, check drift.  Undo with unlock. */
static int prepare_run(strata_migrator *m, bool up)
{
	int rc = strata__migrate_lock(m);
	if (rc != STRATA_OK)
		return rc;
	if (!m->opts.dry_run)
		rc = strata__ledger_ensure(m);
	if (rc == STRATA_OK)
		rc = refresh(m);
	if (rc == STRATA_OK)
		rc = check_drift(m, up);
	if (rc != STRATA_OK)
		strata__migrate_unlock(m);
	return rc;
}

/* The pending files up to target, in order.  *list is an array of pointers (free()). */
static int pending_list(strata_migrator *m, const char *target, strata__migration ***list, size_t *n)
{
	*list = NULL;
	*n = 0;
	if (target && !file_for(m, target))
		return strata__error_set(STRATA_ENOTFOUND, "no migration in %s has version %s", m->dir, target);
	strata__migration **arr = calloc(m->nfiles + 1, sizeof *arr);
	if (!arr)
		return strata__error_nomem();
	size_t k = 0;
	for (size_t i = 0; i < m->ninfo; i++) {
		const strata_migration_info *it = &m->info[i];
		if (it->state != STRATA_MIGRATION_PENDING && it->state != STRATA_MIGRATION_FAILED &&
		    it->state != STRATA_MIGRATION_RUNNING)
			continue;
		if (target && strata__version_cmp(it->version, target) > 0)
			continue;
		arr[k++] = file_for(m, it->version);
	}
	*list = arr;
	*n = k;
	return STRATA_OK;
}

/*
 * Run the up (or down) sections of `files` in order, stopping at the first
 * failure; in a dry run all inside one transaction that is rolled back
 * (transaction:false sections cannot be tried there and are left out).
 * Writes the schema file when anything ran.
 */
static int run_files(strata_migrator *m, strata__migration **files, size_t n, bool up, size_t *done)
{
	bool outer = false, fk_off = false;
	int64_t fk_before = 0;
	int rc = STRATA_OK;

	*done = 0;
	if (m->opts.single_transaction && !m->opts.dry_run)
		for (size_t i = 0; i < n; i++) {
			const strata__mig_section *s = up ? &files[i]->up : &files[i]->down;
			if (!s->transaction)
				return strata__error_set_at(STRATA_EMIGRATE, files[i]->path, s->line, 1,
							    "%s is transaction:false, so it cannot run inside a single "
							    "transaction with the others; nothing was run",
							    files[i]->version);
		}
	if (m->opts.single_transaction && !m->opts.dry_run && m->backend == STRATA_BACKEND_SQLITE && n > 0) {
		/* rebuilds inside the one transaction: foreign keys off around it, checked before commit */
		int64_t on = 0;
		rc = strata_query_int64(m->db, &on, "PRAGMA foreign_keys", NULL, 0);
		if (rc == STRATA_OK && on)
			rc = strata_exec(m->db, "PRAGMA foreign_keys = OFF");
		if (rc != STRATA_OK)
			return rc;
		fk_off = on != 0;
	}
	if (m->opts.dry_run || m->opts.single_transaction) {
		rc = strata_begin(m->db, NULL);
		if (rc != STRATA_OK)
			goto restore_fk;
		outer = true;
		if (up)
			rc = strata__ledger_ensure(m);
		if (rc == STRATA_OK && fk_off)
			rc = fk_count(m, &fk_before);
	}
	for (size_t i = 0; i < n && rc == STRATA_OK; i++) {
		strata__migration *f = files[i];
		const strata__mig_section *s = up ? &f->up : &f->down;
		section_run r;
		if (m->opts.progress)
			m->opts.progress(i, n, f->version, f->name, m->opts.progress_ud);
		rc = split_section(m, f, s, up ? "up" : "down", &r);
		if (rc != STRATA_OK)
			break;
		if (s->transaction) {
			rc = run_transactional(m, &r, up);
		} else if (m->opts.dry_run) {
			/* cannot be tried inside a transaction */
		} else if (up) {
			rc = run_loose_up(m, &r, resume_at(row_for(m, f->version)));
		} else {
			rc = run_loose_down(m, &r);
		}
		free(r.pcs);
		if (rc == STRATA_OK)
			(*done)++;
	}
	if (m->opts.progress && rc == STRATA_OK && n > 0)
		m->opts.progress(n, n, "", "", m->opts.progress_ud);
	if (outer && fk_off && rc == STRATA_OK)
		rc = fk_check(m, files[n - 1], fk_before);
	if (outer && (m->opts.dry_run || rc != STRATA_OK))
		rollback_keep_error(m->db);
	else if (outer)
		rc = strata_commit(m->db);
	if (rc != STRATA_OK && outer && !m->opts.dry_run)
		*done = 0; /* the single transaction took them all back */
	if (rc == STRATA_OK && *done > 0)
		rc = write_schema(m);
restore_fk:
	if (fk_off) {
		strata__error_saved saved;
		strata__error_save(&saved);
		int frc = strata_exec(m->db, "PRAGMA foreign_keys = ON");
		strata__error_restore(&saved);
		if (rc == STRATA_OK)
			rc = frc;
	}
	return rc;
}

int strata_migrate_up(strata_migrator *m, const char *target, size_t *applied)
{
	strata__migration **list = NULL;
	size_t n = 0, done = 0;
	int rc;

	if (applied)
		*applied = 0;
	if (!m)
		return strata__error_set(STRATA_EINVAL, "strata_migrate_up: m is NULL");
	free(m->last_backup);
	m->last_backup = NULL;
	rc = prepare_run(m, true);
	if (rc != STRATA_OK)
		return rc;
	rc = pending_list(m, target, &list, &n);
	if (rc != STRATA_OK)
		goto unlock;
	if (m->opts.safe && !m->opts.dry_run) {
		for (size_t i = 0; i < n; i++)
			if (list[i]->destructive) {
				rc = take_backup(m, list[i]->version);
				break;
			}
		if (rc != STRATA_OK)
			goto unlock;
	}
	rc = run_files(m, list, n, true, &done);
unlock:
	free(list);
	strata__migrate_unlock(m);
	if (applied)
		*applied = done;
	return rc;
}

/* ---- down ---- */

/* Applied versions to revert, newest first. */
static int revert_list(strata_migrator *m, int steps, const char *target, strata_migration_info ***list, size_t *n)
{
	*list = NULL;
	*n = 0;
	bool all = target && strcmp(target, "0") == 0;
	if (target && !all) {
		strata__ledger_row *r = row_for(m, target);
		if (!r)
			return strata__error_set(STRATA_ENOTFOUND, "version %s is not applied, so it cannot be the target "
								   "of down (use --to 0 to roll back everything)",
						 target);
	}
	if (!target && steps <= 0)
		steps = 1;
	strata_migration_info **arr = calloc(m->ninfo + 1, sizeof *arr);
	if (!arr)
		return strata__error_nomem();
	size_t k = 0;
	for (size_t i = m->ninfo; i-- > 0;) {
		strata_migration_info *it = &m->info[i];
		if (it->state == STRATA_MIGRATION_PENDING)
			continue;
		if (target && !all && strata__version_cmp(it->version, target) <= 0)
			break;
		if (!target && (int)k >= steps)
			break;
		arr[k++] = it;
	}
	*list = arr;
	*n = k;
	return STRATA_OK;
}

int strata_migrate_down(strata_migrator *m, int steps, const char *target, size_t *reverted)
{
	strata_migration_info **list = NULL;
	strata__migration **files = NULL;
	size_t n = 0, done = 0;
	int rc;

	if (reverted)
		*reverted = 0;
	if (!m)
		return strata__error_set(STRATA_EINVAL, "strata_migrate_down: m is NULL");
	if (steps < 0)
		return strata__error_set(STRATA_EINVAL, "--steps must be a positive number, not %d", steps);
	free(m->last_backup);
	m->last_backup = NULL;
	rc = prepare_run(m, false);
	if (rc != STRATA_OK)
		return rc;
	rc = revert_list(m, steps, target, &list, &n);
	if (rc != STRATA_OK)
		goto unlock;
	/* every one must be revertible before any runs */
	for (size_t i = 0; i < n; i++) {
		strata__migration *f = file_for(m, list[i]->version);
		if (!f) {
			rc = strata__error_set(STRATA_EMIGRATE, "cannot roll back %s: no file in %s has that version",
					       list[i]->version, m->dir);
			goto unlock;
		}
		if (!f->down.present) {
			rc = strata__error_set_at(STRATA_EMIGRATE, f->path, 1, 1,
						  "cannot roll back %s: the file has no '-- migrate:down' section; nothing "
						  "was rolled back",
						  f->version);
			goto unlock;
		}
	}
	if (m->opts.safe && !m->opts.dry_run) {
		for (size_t i = 0; i < n; i++) {
			strata__migration *f = file_for(m, list[i]->version);
			section_run r;
			bool destructive = false;
			rc = split_section(m, f, &f->down, "down", &r);
			for (size_t j = 0; rc == STRATA_OK && j < r.np && !destructive; j++)
				destructive = strata__sql_is_destructive(piece_text(&r, j), r.pcs[j].len, m->backend, NULL, 0);
			free(r.pcs);
			if (rc == STRATA_OK && destructive) {
				rc = take_backup(m, f->version);
				break;
			}
			if (rc != STRATA_OK)
				break;
		}
		if (rc != STRATA_OK)
			goto unlock;
	}
	files = calloc(n + 1, sizeof *files);
	if (!files) {
		rc = strata__error_nomem();
		goto unlock;
	}
	for (size_t i = 0; i < n; i++)
		files[i] = file_for(m, list[i]->version);
	rc = run_files(m, files, n, false, &done);
unlock:
	free(files);
	free(list);
	strata__migrate_unlock(m);
	if (reverted)
		*reverted = done;
	return rc;
}

int strata_migrate_redo(strata_migrator *m)
{
	if (!m)
		return strata__error_set(STRATA_EINVAL, "strata_migrate_redo: m is NULL");
	int rc = refresh(m);
	if (rc != STRATA_OK)
		return rc;
	const char *newest = NULL;
	for (size_t i = m->ninfo; i-- > 0;)
		if (m->info[i].state != STRATA_MIGRATION_PENDING) {
			newest = m->info[i].version;
			break;
		}
	if (!newest)
		return strata__error_set(STRATA_EMIGRATE, "nothing to redo: no migration is applied");
	char version[128];
	snprintf(version, sizeof version, "%s", newest);
	size_t n = 0;
	rc = strata_migrate_down(m, 1, NULL, &n);
	if (rc == STRATA_OK)
		rc = strata_migrate_up(m, version, &n);
	return rc;
}

/* ---- the --sql plan ---- */

/* A literal for display only: the runner binds these values, it never pastes them. */
static int put_literal(strata_buf *b, const char *s)
{
	int rc = strata__buf_putc(b, '\'');
	for (const char *p = s; rc == STRATA_OK && *p; p++)
		rc = *p == '\'' ? strata__buf_puts(b, "''") : strata__buf_putc(b, *p);
	return rc == STRATA_OK ? strata__buf_putc(b, '\'') : rc;
}

/* INSERT INTO strata_migrations ... as the runner would bind it. */
static int plan_insert(strata_migrator *m, strata_buf *b, const strata__migration *f, const char *at, const char *state,
		       const char *note)
{
	int rc = strata__buf_puts(b, "INSERT INTO strata_migrations (version, name, checksum, applied_at, duration_ms, "
				     "applied_by, state, note) VALUES (");
	const char *vals[] = { f->version, f->name, f->checksum, at };
	for (size_t i = 0; rc == STRATA_OK && i < 4; i++) {
		rc = put_literal(b, vals[i]);
		if (rc == STRATA_OK)
			rc = strata__buf_puts(b, ", ");
	}
	if (rc == STRATA_OK)
		rc = strata__buf_puts(b, "0, ");
	if (rc == STRATA_OK)
		rc = put_literal(b, m->applied_by);
	if (rc == STRATA_OK)
		rc = strata__buf_printf(b, ", '%s', ", state);
	if (rc == STRATA_OK)
		rc = note ? put_literal(b, note) : strata__buf_puts(b, "NULL");
	return rc == STRATA_OK ? strata__buf_puts(b, ");\n") : rc;
}

static int plan_note(strata_buf *b, const strata__migration *f, size_t done, size_t total)
{
	int rc = strata__buf_printf(b,
				    "UPDATE strata_migrations SET state = 'running', note = '%zu of %zu statements done' "
				    "WHERE version = ",
				    done, total);
	if (rc == STRATA_OK)
		rc = put_literal(b, f->version);
	return rc == STRATA_OK ? strata__buf_puts(b, ";\n") : rc;
}

/* One migration's part of the --sql plan: what run_transactional or run_loose_* would send. */
static int plan_section(strata_migrator *m, strata_buf *b, strata__migration *f, bool down, bool fk_on)
{
	const strata__mig_section *s = down ? &f->down : &f->up;
	section_run r;
	char at[STRATA_TIMESTAMP_BUFSZ], note[64];
	int rc = split_section(m, f, s, down ? "down" : "up", &r);
	if (rc != STRATA_OK)
		return rc;
	bool tx = s->transaction;
	bool fk = tx && fk_on && rebuilds_table(m, &r);
	bool loose_up = !tx && !down;
	strata_timestamp_format(strata_timestamp_now(), at);
	rc = strata__buf_printf(b, "\n-- %s %s_%s (%s)%s\n", down ? "revert" : "apply", f->version, f->name, f->path,
				tx ? "" : " transaction:false");
	if (rc == STRATA_OK && fk)
		rc = strata__buf_puts(b, "PRAGMA foreign_keys = OFF;\n");
	if (rc == STRATA_OK && tx)
		rc = strata__buf_puts(b, m->backend == STRATA_BACKEND_SQLITE ? "BEGIN IMMEDIATE;\n" : "BEGIN;\n");
	if (rc == STRATA_OK && loose_up) {
		rc = strata__buf_puts(b, "DELETE FROM strata_migrations WHERE version = ");
		if (rc == STRATA_OK)
			rc = put_literal(b, f->version);
		if (rc == STRATA_OK)
			rc = strata__buf_puts(b, ";\n");
		snprintf(note, sizeof note, "0 of %zu statements done", r.np);
		if (rc == STRATA_OK)
			rc = plan_insert(m, b, f, at, "running", note);
	}
	for (size_t i = 0; rc == STRATA_OK && i < r.np; i++) {
		rc = strata__buf_printf(b, "%.*s;\n", (int)r.pcs[i].len, piece_text(&r, i));
		if (rc == STRATA_OK && loose_up)
			rc = plan_note(b, f, i + 1, r.np);
	}
	if (rc == STRATA_OK && fk)
		rc = strata__buf_puts(b, "PRAGMA foreign_key_check;\n");
	if (rc == STRATA_OK && loose_up) {
		rc = strata__buf_printf(b, "UPDATE strata_migrations SET state = 'applied', note = NULL, duration_ms = 0, "
					   "applied_at = '%s', checksum = '%s' WHERE version = ",
					at, f->checksum);
		if (rc == STRATA_OK)
			rc = put_literal(b, f->version);
		if (rc == STRATA_OK)
			rc = strata__buf_puts(b, ";\n");
	} else if (rc == STRATA_OK && !down) {
		rc = plan_insert(m, b, f, at, "applied", NULL);
	} else if (rc == STRATA_OK) {
		rc = strata__buf_puts(b, "DELETE FROM strata_migrations WHERE version = ");
		if (rc == STRATA_OK)
			rc = put_literal(b, f->version);
		if (rc == STRATA_OK)
			rc = strata__buf_puts(b, ";\n");
	}
	if (rc == STRATA_OK && tx)
		rc = strata__buf_puts(b, "COMMIT;\n");
	if (rc == STRATA_OK && fk)
		rc = strata__buf_puts(b, "PRAGMA foreign_keys = ON;\n");
	free(r.pcs);
	return rc;
}

int strata_migrate_plan_sql(strata_migrator *m, bool down, int steps, const char *target, char **sql)
{
	strata_buf b = STRATA_BUF_INIT;
	int rc;
	if (!m || !sql)
		return strata__error_set(STRATA_EINVAL, "strata_migrate_plan_sql: a NULL argument");
	*sql = NULL;
	rc = refresh(m);
	if (rc == STRATA_OK)
		rc = check_drift(m, !down);
	if (rc != STRATA_OK)
		return rc;
	int64_t fk_on = 0;
	if (m->backend == STRATA_BACKEND_SQLITE) {
		rc = strata_query_int64(m->db, &fk_on, "PRAGMA foreign_keys", NULL, 0);
		if (rc != STRATA_OK)
			return rc;
	}
	rc = strata__buf_printf(&b, "-- strata migrate %s: the SQL it would run (nothing was run)\n", down ? "down" : "up");
	if (rc == STRATA_OK)
		rc = strata__buf_printf(&b, "%s;\n", m->backend == STRATA_BACKEND_SQLITE
								? "CREATE TABLE IF NOT EXISTS strata_migrations (version TEXT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL, duration_ms INTEGER NOT NULL, applied_by TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'applied', note TEXT)"
								: "CREATE TABLE IF NOT EXISTS strata_migrations (version text PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL, duration_ms bigint NOT NULL, applied_by text NOT NULL, state text NOT NULL DEFAULT 'applied', note text)");
	if (rc != STRATA_OK)
		goto done;
	if (!down) {
		strata__migration **list = NULL;
		size_t n = 0;
		rc = pending_list(m, target, &list, &n);
		for (size_t i = 0; rc == STRATA_OK && i < n; i++)
			rc = plan_section(m, &b, list[i], false, fk_on != 0);
		if (rc == STRATA_OK && n == 0)
			rc = strata__buf_puts(&b, "-- nothing to apply: the database is up to date\n");
		free(list);
	} else {
		strata_migration_info **list = NULL;
		size_t n = 0;
		rc = revert_list(m, steps, target, &list, &n);
		for (size_t i = 0; rc == STRATA_OK && i < n; i++) {
			strata__migration *f = file_for(m, list[i]->version);
			if (!f || !f->down.present)
				rc = strata__error_set(STRATA_EMIGRATE, "cannot roll back %s: %s", list[i]->version,
						       f ? "the file has no '-- migrate:down' section" : "no file has that version");
			else
				rc = plan_section(m, &b, f, true, fk_on != 0);
		}
		if (rc == STRATA_OK && n == 0)
			rc = strata__buf_puts(&b, "-- nothing to roll back\n");
		free(list);
	}
	if (rc == STRATA_OK) {
		*sql = strata__buf_detach(&b);
		rc = *sql ? STRATA_OK : STRATA_ENOMEM;
	}
done:
	strata__buf_free(&b);
	return rc;
}

/* ---- verify ---- */

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

static int verify_piece(strata_migrator *m, const section_run *r, size_t i)
{
	char *sql = strata__strndup(piece_text(r, i), r->pcs[i].len);
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
			rc = strata__error_set_at(STRATA_EMIGRATE, r->f->path, piece_line(r, i), 1,
						  "verify of %s failed: the statement returned false, 0 or NULL: %.160s",
						  r->f->version, sql);
		else if (rc == STRATA_ROW)
			rc = STRATA_DONE; /* several rows: only whether it ran counts */
	}
	if (rc == STRATA_DONE) {
		rc = STRATA_OK;
	} else if (rc != STRATA_OK && rc != STRATA_EMIGRATE) {
		char dberr[600];
		snprintf(dberr, sizeof dberr, "%s", strata_error_last()->message);
		rc = strata__error_set_at(STRATA_EMIGRATE, r->f->path, piece_line(r, i), 1,
					  "verify of %s failed: %s. Statement: %.160s", r->f->version, dberr, sql);
	}
	strata_finalize(st);
	rollback_keep_error(m->db);
free_sql:
	free(sql);
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
	rc = refresh(m);
	for (size_t i = 0; rc == STRATA_OK && i < m->ninfo; i++) {
		const strata_migration_info *it = &m->info[i];
		if (it->state != STRATA_MIGRATION_APPLIED && it->state != STRATA_MIGRATION_CHANGED)
			continue;
		strata__migration *f = file_for(m, it->version);
		if (!f || !f->verify.present)
			continue;
		section_run r;
		rc = split_section(m, f, &f->verify, "verify", &r);
		for (size_t j = 0; rc == STRATA_OK && j < r.np; j++) {
			nchecked++;
			int vrc = verify_piece(m, &r, j);
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

/* ---- baseline and adopt ---- */

int strata_migrate_baseline(strata_migrator *m, const char *version, size_t *recorded)
{
	size_t n = 0;
	int rc;
	if (recorded)
		*recorded = 0;
	if (!m || !version || !*version)
		return strata__error_set(STRATA_EINVAL, "baseline needs a VERSION");
	if (!file_for(m, version))
		return strata__error_set(STRATA_ENOTFOUND, "no migration in %s has version %s", m->dir, version);
	rc = strata__migrate_lock(m);
	if (rc != STRATA_OK)
		return rc;
	rc = strata__ledger_ensure(m);
	if (rc == STRATA_OK)
		rc = refresh(m);
	if (rc == STRATA_OK)
		rc = strata_begin(m->db, NULL);
	if (rc != STRATA_OK)
		goto unlock;
	char by[400];
	snprintf(by, sizeof by, "%s (baseline)", m->applied_by);
	for (size_t i = 0; rc == STRATA_OK && i < m->nfiles; i++) {
		strata__migration *f = &m->files[i];
		if (strata__version_cmp(f->version, version) > 0 || row_for(m, f->version))
			continue;
		rc = strata__ledger_insert(m, f->version, f->name, f->checksum, strata_timestamp_now(), 0, by, "applied",
					   NULL);
		n++;
	}
	if (rc == STRATA_OK)
		rc = strata_commit(m->db);
	else
		rollback_keep_error(m->db);
unlock:
	strata__migrate_unlock(m);
	if (recorded)
		*recorded = rc == STRATA_OK ? n : 0;
	return rc;
}

int strata_migrate_adopt(strata_migrator *m, size_t *imported)
{
	strata_stmt *st = NULL;
	char **versions = NULL;
	size_t nv = 0, cap = 0, n = 0;
	int rc;

	if (imported)
		*imported = 0;
	if (!m)
		return strata__error_set(STRATA_EINVAL, "strata_migrate_adopt: m is NULL");
	bool exists = strata__table_exists(m->db, "schema_migrations", &rc);
	if (rc != STRATA_OK)
		return rc;
	if (!exists)
		return strata__error_set(STRATA_ENOTFOUND,
					 "there is no dbmate ledger (table schema_migrations) in this database to adopt");
	rc = strata__migrate_lock(m);
	if (rc != STRATA_OK)
		return rc;
	rc = strata__ledger_ensure(m);
	if (rc == STRATA_OK)
		rc = refresh(m);
	if (rc == STRATA_OK)
		rc = strata_prepare(&st, m->db, "SELECT version FROM schema_migrations ORDER BY version");
	while (rc == STRATA_OK && (rc = strata_step(st)) == STRATA_ROW) {
		const char *v = NULL;
		rc = STRATA_OK;
		if (strata_column_text(st, 0, &v, NULL) != STRATA_OK || !v)
			continue;
		if (nv == cap) {
			size_t nc = cap ? cap * 2 : 32;
			char **na = realloc(versions, nc * sizeof *na);
			if (!na) {
				rc = strata__error_nomem();
				break;
			}
			versions = na;
			cap = nc;
		}
		versions[nv] = strata__strdup(v);
		if (!versions[nv]) {
			rc = STRATA_ENOMEM;
			break;
		}
		nv++;
	}
	strata_finalize(st);
	if (rc == STRATA_DONE)
		rc = STRATA_OK;
	if (rc == STRATA_OK)
		rc = strata_begin(m->db, NULL);
	if (rc != STRATA_OK)
		goto unlock;
	char by[400];
	snprintf(by, sizeof by, "%s (adopted from dbmate)", m->applied_by);
	for (size_t i = 0; rc == STRATA_OK && i < nv; i++) {
		if (row_for(m, versions[i]))
			continue;
		strata__migration *f = file_for(m, versions[i]);
		rc = strata__ledger_insert(m, versions[i], f ? f->name : "", f ? f->checksum : "",
					   strata_timestamp_now(), 0, by, "applied", NULL);
		n++;
	}
	if (rc == STRATA_OK)
		rc = strata_commit(m->db);
	else
		rollback_keep_error(m->db);
unlock:
	for (size_t i = 0; i < nv; i++)
		free(versions[i]);
	free(versions);
	strata__migrate_unlock(m);
	if (imported)
		*imported = rc == STRATA_OK ? n : 0;
	return rc;
}

/* ---- auto-migrate ---- */

int strata_migrate_auto(strata_db *db, const strata_migrate_options *opts, bool *ran)
{
	strata_migrate_options o = STRATA_MIGRATE_OPTIONS_INIT;
	strata_migrator *m = NULL;
	int rc;

	if (ran)
		*ran = false;
	if (!db)
		return strata__error_set(STRATA_EINVAL, "strata_migrate_auto: db is NULL");
	const char *v = getenv("DB_AUTO_MIGRATE");
	if (!v || !*v)
		return STRATA_OK;
	int on = strata__parse_bool(v);
	if (on < 0)
		return strata__error_set(STRATA_EINVAL, "DB_AUTO_MIGRATE: '%s' is not true or false", v);
	if (!on)
		return STRATA_OK;
	if (opts)
		o = *opts;
	rc = strata_migrate_options_from_env(&o);
	if (rc == STRATA_OK)
		rc = strata_migrator_open(&m, db, &o);
	if (rc == STRATA_OK)
		rc = strata_migrate_up(m, NULL, NULL);
	if (rc == STRATA_OK && ran)
		*ran = true;
	strata_migrator_free(m);
	return rc;
}
