/*
 * A migrator: its options (and those the environment gives), opening one
 * over a connection (which reads and parses the migrations directory),
 * freeing it, and auto-migrate at program start-up.
 */
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/url.h"
#include "migrate/internal.h"

int strata_migrate_options_from_env(strata_migrate_options *opts)
{
	if (!opts)
		return strata__error_set(STRATA_EINVAL, "strata_migrate_options_from_env: opts is NULL");
	const char *dir = getenv("STRATA_MIGRATIONS_DIR");
	if (!dir || !*dir)
		dir = getenv("DBMATE_MIGRATIONS_DIR"); /* a dbmate project's setting works as it is */
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

/* A migrator with its options and no files yet: the backend says which dialect the files are read in. */
static int migrator_new(strata_migrator **out, strata_backend backend, const strata_migrate_options *opts,
			const char *fn)
{
	strata_migrate_options defaults = STRATA_MIGRATE_OPTIONS_INIT;
	if (!opts)
		opts = &defaults;
	if (opts->version != STRATA_MIGRATE_OPTIONS_VERSION)
		return strata__error_set(STRATA_EINVAL, "%s: options version %u is not %d", fn, opts->version,
					 STRATA_MIGRATE_OPTIONS_VERSION);
	strata_migrator *m = calloc(1, sizeof *m);
	if (!m)
		return strata__error_nomem();
	m->backend = backend;
	m->opts = *opts;
	if (gethostname(m->host, sizeof m->host - 1) != 0 || !m->host[0])
		snprintf(m->host, sizeof m->host, "localhost");
	m->dir = dup_or(opts->dir, strata_migrate_default_dir());
	m->backup_dir = dup_or(opts->backup_dir, "backups");
	m->schema_file = opts->schema_file && *opts->schema_file ? strata__strdup(opts->schema_file) : NULL;
	if ((opts->applied_by && *opts->applied_by && !(m->applied_by = strata__strdup(opts->applied_by))) || !m->dir ||
	    !m->backup_dir || (opts->schema_file && *opts->schema_file && !m->schema_file)) {
		strata_migrator_free(m);
		return strata__error_nomem();
	}
	m->opts.dir = m->dir;
	m->opts.backup_dir = m->backup_dir;
	m->opts.schema_file = m->schema_file;
	m->opts.applied_by = NULL; /* strata__mig_applied_by() */
	*out = m;
	return STRATA_OK;
}

int strata_migrator_open(strata_migrator **out, strata_db *db, const strata_migrate_options *opts)
{
	if (!out || !db)
		return strata__error_set(STRATA_EINVAL, "strata_migrator_open: %s is NULL", out ? "db" : "out");
	*out = NULL;
	strata_migrator *m;
	int rc = migrator_new(&m, strata_db_backend(db), opts, "strata_migrator_open");
	if (rc != STRATA_OK)
		return rc;
	m->db = db;
	rc = strata__migrations_load(m->dir, m->backend, &m->files, &m->nfiles);
	if (rc != STRATA_OK) {
		strata_migrator_free(m);
		return rc;
	}
	*out = m;
	return STRATA_OK;
}

/* The listed files, loaded on their own thread; the error travels back with the result. */
typedef struct dir_load {
	strata_migrator *m;
	strata__mig_listing list;
	int rc;
	strata__error_saved err;
} dir_load;

static void *dir_load_run(void *arg)
{
	dir_load *l = arg;
	l->rc = strata__migrations_load_listed(&l->list, l->m->dir, l->m->backend, &l->m->files, &l->m->nfiles);
	if (l->rc != STRATA_OK)
		strata__error_save(&l->err);
	return NULL;
}

int strata_migrator_connect(strata_migrator **out, strata_db **db, const char *url,
			    const strata_open_options *open_opts, const strata_migrate_options *opts)
{
	if (!out || !db)
		return strata__error_set(STRATA_EINVAL, "strata_migrator_connect: %s is NULL", out ? "db" : "out");
	*out = NULL;
	*db = NULL;
	/* the backend decides the dialect the files are read in; a bad URL is strata_open's to report */
	char *resolved = url ? NULL : strata_url_resolve(NULL);
	strata__url u;
	if ((!url && !resolved) || strata__url_parse(&u, url ? url : resolved) != STRATA_OK) {
		free(resolved);
		return strata_open(db, url, open_opts);
	}
	strata_backend backend = u.backend;
	strata__url_free(&u);
	dir_load l = { NULL, { 0 }, STRATA_OK, { 0 } };
	int rc = migrator_new(&l.m, backend, opts, "strata_migrator_connect");
	if (rc != STRATA_OK) {
		free(resolved);
		return rc;
	}
	/*
	 * The listing is one getdents.  A second thread costs about 0.1 ms, so
	 * it loads the files only where there is time to win: PostgreSQL's
	 * connection takes tens of milliseconds; SQLite's open is quick unless
	 * the schema is large, and so is a small directory.
	 */
	if ((l.rc = strata__migrations_list(l.m->dir, &l.list)) != STRATA_OK)
		strata__error_save(&l.err);
	pthread_t tid;
	bool threaded = l.rc == STRATA_OK &&
			(backend == STRATA_BACKEND_POSTGRES || l.list.count >= STRATA__LOAD_PARALLEL_MIN) &&
			pthread_create(&tid, NULL, dir_load_run, &l) == 0;
	rc = strata_open(db, url ? url : resolved, open_opts);
	free(resolved);
	if (threaded)
		pthread_join(tid, NULL);
	else if (l.rc == STRATA_OK && rc == STRATA_OK)
		dir_load_run(&l); /* one after the other */
	else
		strata__migrations_unlist(&l.list);
	if (rc == STRATA_OK && l.rc != STRATA_OK) {
		strata__error_restore(&l.err); /* the connection is fine: the directory is what failed */
		rc = l.rc;
	} else if (l.rc != STRATA_OK) {
		strata__error_discard(&l.err); /* the connection's error comes first, as one after the other */
	}
	if (rc != STRATA_OK) {
		strata_migrator_free(l.m);
		return rc;
	}
	l.m->db = *db;
	*out = l.m;
	return STRATA_OK;
}

/*
 * Who applies: the applied_by option, else user@host (USER, LOGNAME, then
 * the password database), worked out when a run first writes the ledger,
 * so commands that only read never look a user up.
 */
const char *strata__mig_applied_by(strata_migrator *m)
{
	if (m->applied_by)
		return m->applied_by;
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
	return m->applied_by ? m->applied_by : "unknown";
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

const char *strata_migrate_default_dir(void)
{
	const char *env = getenv("STRATA_MIGRATIONS_DIR");
	if (!env || !*env)
		env = getenv("DBMATE_MIGRATIONS_DIR");
	if (env && *env)
		return env;
	struct stat st;
	if (stat("migrations", &st) != 0 && stat("db/migrations", &st) == 0 && S_ISDIR(st.st_mode))
		return "db/migrations"; /* dbmate's layout */
	return "migrations";
}

const char *strata_migrate_dir(const strata_migrator *m)
{
	return m ? m->dir : NULL;
}

const char *strata_migrate_last_backup(const strata_migrator *m)
{
	return m ? m->last_backup : NULL;
}

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
