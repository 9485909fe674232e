/*
 * strata_activity_collect: what the server is doing now (`strata top`).
 *
 * PostgreSQL: one read of pg_stat_activity with pg_blocking_pids() for
 * every client session of the server, and the connection limits.
 * SQLite has no server: what is known comes from the file.  Its size, the
 * WAL's size, the frames not yet checkpointed (read from the WAL-index
 * header in the -shm file, documented in SQLite's file format), whether a
 * writer holds the lock (a BEGIN IMMEDIATE that must not wait, rolled back
 * at once), and on Linux which processes have the file open and which
 * locks they hold (/proc/locks: the WAL write lock makes a writer, a read
 * mark a reader).
 */
#include <ctype.h>
#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <strata/activity.h>

#include "core/error.h"
#include "health/internal.h"

/* The activity and the strings it owns. */
typedef struct act {
	strata_activity pub;
	char **strs;
	size_t nstrs;
	bool oom;
} act;

static const char *keep(act *a, const char *s)
{
	char **v = realloc(a->strs, (a->nstrs + 1) * sizeof *v);
	char *d = v ? strdup(s ? s : "") : NULL;
	if (v)
		a->strs = v;
	if (!d) {
		a->oom = true;
		return "";
	}
	a->strs[a->nstrs++] = d;
	return d;
}

static strata_session *add_session(act *a)
{
	strata_session *v = realloc(a->pub.sessions, (a->pub.nsessions + 1) * sizeof *v);
	if (!v) {
		a->oom = true;
		return NULL;
	}
	a->pub.sessions = v;
	v += a->pub.nsessions++;
	memset(v, 0, sizeof *v);
	v->database = v->user = v->application = v->client = v->state = v->wait = v->query = "";
	v->query_ms = v->transaction_ms = v->state_ms = -1;
	return v;
}

void strata_activity_free(strata_activity *p)
{
	if (!p)
		return;
	act *a = (act *)p;
	for (size_t i = 0; i < a->nstrs; i++)
		free(a->strs[i]);
	free(a->strs);
	for (size_t i = 0; i < p->nsessions; i++)
		free(p->sessions[i].blocked_by);
	free(p->sessions);
	free(p->states);
	free(a);
}

/* ---- PostgreSQL ---- */

static const char pg_sessions_sql[] =
	"SELECT a.pid, coalesce(a.datname, ''), coalesce(a.usename, ''), coalesce(a.application_name, ''), "
	"coalesce(host(a.client_addr), ''), coalesce(a.state, ''), "
	"coalesce(a.wait_event_type || ':' || a.wait_event, ''), "
	"left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 500), "
	"CASE WHEN a.query_start IS NULL THEN -1 "
	"     WHEN a.state = 'active' THEN extract(epoch FROM clock_timestamp() - a.query_start) * 1000 "
	"     ELSE extract(epoch FROM a.state_change - a.query_start) * 1000 END, "
	"coalesce(extract(epoch FROM clock_timestamp() - a.xact_start) * 1000, -1), "
	"coalesce(extract(epoch FROM clock_timestamp() - a.state_change) * 1000, -1), "
	"array_to_string(pg_blocking_pids(a.pid), ','), a.pid = pg_backend_pid() "
	"FROM pg_stat_activity a WHERE a.backend_type = 'client backend' "
	"ORDER BY a.state = 'active' DESC, a.xact_start IS NULL, a.query_start NULLS LAST, a.pid";

static int parse_pids(act *a, strata_session *s, const char *list)
{
	for (const char *p = list; *p;) {
		char *end;
		long long pid = strtoll(p, &end, 10);
		if (end == p)
			break;
		int64_t *v = realloc(s->blocked_by, (s->nblocked_by + 1) * sizeof *v);
		if (!v) {
			a->oom = true;
			return STRATA_ENOMEM;
		}
		s->blocked_by = v;
		s->blocked_by[s->nblocked_by++] = pid;
		p = *end == ',' ? end + 1 : end;
	}
	return STRATA_OK;
}

static void count_state(act *a, const char *state)
{
	const char *name = *state ? state : "unknown";
	for (size_t i = 0; i < a->pub.nstates; i++)
		if (!strcmp(a->pub.states[i].state, name)) {
			a->pub.states[i].count++;
			return;
		}
	strata_session_count *v = realloc(a->pub.states, (a->pub.nstates + 1) * sizeof *v);
	if (!v) {
		a->oom = true;
		return;
	}
	a->pub.states = v;
	v[a->pub.nstates++] = (strata_session_count){ keep(a, name), 1 };
}

static int pg_collect(act *a, strata_db *db)
{
	char *dbname = NULL;
	int rc = strata_query_text(db, &dbname, "SELECT current_database()", NULL, 0);
	if (rc != STRATA_OK)
		return rc;
	a->pub.database = keep(a, dbname);
	free(dbname);
	strata_stmt *st = NULL;
	rc = strata_prepare(&st, db,
			    "SELECT current_setting('max_connections')::int, "
			    "current_setting('superuser_reserved_connections')::int");
	if (rc == STRATA_OK && (rc = strata_step(st)) == STRATA_ROW) {
		a->pub.max_connections = strata__col_i64(st, 0);
		a->pub.reserved_connections = strata__col_i64(st, 1);
		rc = STRATA_OK;
	}
	strata_finalize(st);
	if (rc != STRATA_OK)
		return rc;
	if ((rc = strata_prepare(&st, db, pg_sessions_sql)) != STRATA_OK)
		return rc;
	while ((rc = strata_step(st)) == STRATA_ROW && !a->oom) {
		strata_session *s = add_session(a);
		if (!s)
			break;
		s->pid = strata__col_i64(st, 0);
		s->database = keep(a, strata__col_str(st, 1));
		s->user = keep(a, strata__col_str(st, 2));
		s->application = keep(a, strata__col_str(st, 3));
		s->client = keep(a, strata__col_str(st, 4));
		s->state = keep(a, strata__col_str(st, 5));
		s->wait = keep(a, strata__col_str(st, 6));
		s->query = keep(a, strata__col_str(st, 7));
		s->query_ms = strata__col_dbl(st, 8);
		s->transaction_ms = strata__col_dbl(st, 9);
		s->state_ms = strata__col_dbl(st, 10);
		parse_pids(a, s, strata__col_str(st, 11));
		bool self = false;
		strata_column_bool(st, 12, &self);
		s->self = self;
		count_state(a, s->state);
	}
	strata_finalize(st);
	if (rc != STRATA_DONE && !a->oom)
		return rc;
	a->pub.connections = (int64_t)a->pub.nsessions;
	/* who blocks how many */
	for (size_t i = 0; i < a->pub.nsessions; i++)
		for (size_t k = 0; k < a->pub.sessions[i].nblocked_by; k++)
			for (size_t j = 0; j < a->pub.nsessions; j++)
				if (a->pub.sessions[j].pid == a->pub.sessions[i].blocked_by[k])
					a->pub.sessions[j].blocking++;
	return STRATA_OK;
}

/* ---- SQLite ---- */

static int64_t file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (int64_t)sb.st_size : -1;
}

/*
 * Frames in the WAL not yet copied into the database: mxFrame of the
 * WAL-index header minus nBackfill of the checkpoint information (both
 * in native byte order at the start of the -shm file; the header is kept
 * twice and only trusted when both copies agree).  -1 when unknown.
 */
static int64_t wal_frames(const char *shm)
{
	unsigned char buf[100];
	FILE *f = fopen(shm, "rb");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	if (n < sizeof buf || memcmp(buf, buf + 48, 48) != 0 || !buf[12])
		return -1;
	uint32_t mx, backfill;
	memcpy(&mx, buf + 16, 4);
	memcpy(&backfill, buf + 96, 4);
	return mx >= backfill ? (int64_t)(mx - backfill) : -1;
}

/* Does another connection hold the write lock?  A BEGIN IMMEDIATE that does not wait tells. */
static int probe_writer(strata_db *db, bool *locked)
{
	int64_t busy = 0;
	char sql[64];
	*locked = false;
	int rc = strata_query_int64(db, &busy, "PRAGMA busy_timeout", NULL, 0);
	if (rc == STRATA_OK)
		rc = strata_exec(db, "PRAGMA busy_timeout = 0");
	if (rc != STRATA_OK)
		return rc;
	strata__error_saved saved;
	strata__error_save(&saved);
	int brc = strata_exec(db, "BEGIN IMMEDIATE");
	if (brc == STRATA_OK)
		strata_exec(db, "ROLLBACK");
	else
		*locked = brc == STRATA_EBUSY;
	snprintf(sql, sizeof sql, "PRAGMA busy_timeout = %lld", (long long)busy);
	strata_exec(db, sql);
	strata__error_restore(&saved);
	return STRATA_OK;
}

/* SQLite's lock bytes, in the database file and (WAL mode) in the -shm file. */
#define PENDING_BYTE   0x40000000LL
#define RESERVED_BYTE  (PENDING_BYTE + 1)
#define SHARED_FIRST   (PENDING_BYTE + 2)
#define SHM_WRITE      120
#define SHM_CKPT       121
#define SHM_RECOVER    122
#define SHM_READ_FIRST 123
#define SHM_READ_LAST  127

enum role {
	ROLE_OPEN,
	ROLE_READER,
	ROLE_CHECKPOINTER,
	ROLE_WRITER
};
static const char *const role_names[] = { "open", "reader", "checkpointer", "writer" };

typedef struct holder {
	int64_t pid;
	enum role role;
} holder;

typedef struct holders {
	holder *v;
	size_t n;
	bool oom;
} holders;

static void note(holders *h, int64_t pid, enum role role)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->v[i].pid == pid) {
			if (role > h->v[i].role)
				h->v[i].role = role;
			return;
		}
	holder *v = realloc(h->v, (h->n + 1) * sizeof *v);
	if (!v) {
		h->oom = true;
		return;
	}
	h->v = v;
	h->v[h->n++] = (holder){ pid, role };
}

static bool covers(long long start, long long end, long long byte)
{
	return start <= byte && (end < 0 || end >= byte);
}

/*
 * The lock holders of the database (and -shm) file from /proc/locks.
 * False when it cannot be read (not Linux).
 */
static bool read_locks(const struct stat *dbs, const struct stat *shms, bool wal, holders *h)
{
	FILE *f = fopen("/proc/locks", "r");
	if (!f)
		return false;
	char line[256];
	while (fgets(line, sizeof line, f)) {
		if (strstr(line, "->"))
			continue; /* a waiter, not a holder */
		char kind[16], adv[16], mode[16], range_end[32];
		long long pid, start;
		unsigned int maj, min;
		unsigned long long ino;
		if (sscanf(line, "%*d: %15s %15s %15s %lld %x:%x:%llu %lld %31s", kind, adv, mode, &pid, &maj, &min,
			   &ino, &start, range_end) != 9)
			continue;
		long long end = strcmp(range_end, "EOF") == 0 ? -1 : atoll(range_end);
		bool on_db = ino == (unsigned long long)dbs->st_ino && maj == major(dbs->st_dev) &&
			     min == minor(dbs->st_dev);
		bool on_shm = shms && ino == (unsigned long long)shms->st_ino && maj == major(shms->st_dev) &&
			      min == minor(shms->st_dev);
		if (on_shm) {
			if (covers(start, end, SHM_WRITE) || covers(start, end, SHM_RECOVER))
				note(h, pid, ROLE_WRITER);
			else if (covers(start, end, SHM_CKPT))
				note(h, pid, ROLE_CHECKPOINTER);
			else if (start <= SHM_READ_LAST && (end < 0 || end >= SHM_READ_FIRST))
				note(h, pid, ROLE_READER);
			else
				note(h, pid, ROLE_OPEN);
		} else if (on_db) {
			if (!wal && (covers(start, end, PENDING_BYTE) || covers(start, end, RESERVED_BYTE)))
				note(h, pid, ROLE_WRITER);
			else if (!wal && covers(start, end, SHARED_FIRST + 1))
				note(h, pid, ROLE_READER);
			else
				note(h, pid, ROLE_OPEN); /* WAL mode: every connection keeps a shared lock */
		}
	}
	fclose(f);
	return true;
}

/* Processes with the file open (Linux: /proc/PID/fd), as holders without a lock. */
static void open_by(const char *path, holders *h)
{
	char want[PATH_MAX];
	if (!realpath(path, want))
		return;
	DIR *proc = opendir("/proc");
	if (!proc)
		return;
	struct dirent *de;
	while ((de = readdir(proc))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		char fddir[300];
		snprintf(fddir, sizeof fddir, "/proc/%s/fd", de->d_name);
		DIR *fds = opendir(fddir);
		if (!fds)
			continue;
		struct dirent *fe;
		while ((fe = readdir(fds))) {
			char link[600], target[PATH_MAX];
			snprintf(link, sizeof link, "%s/%s", fddir, fe->d_name);
			ssize_t n = readlink(link, target, sizeof target - 1);
			if (n <= 0)
				continue;
			target[n] = '\0';
			if (strcmp(target, want) == 0) {
				note(h, atoll(de->d_name), ROLE_OPEN);
				break;
			}
		}
		closedir(fds);
	}
	closedir(proc);
}

static const char *command_of(act *a, int64_t pid)
{
	char path[64], comm[64] = "";
	snprintf(path, sizeof path, "/proc/%lld/comm", (long long)pid);
	FILE *f = fopen(path, "r");
	if (f) {
		if (fgets(comm, sizeof comm, f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	return keep(a, comm);
}

static int by_role(const void *x, const void *y)
{
	const holder *a = x, *b = y;
	if (a->role != b->role)
		return a->role > b->role ? -1 : 1;
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

static int sqlite_collect(act *a, strata_db *db)
{
	char *file = NULL, *jm = NULL;
	int rc;
	if (strata_in_transaction(db))
		return strata__error_set(STRATA_EMISUSE,
					 "strata_activity_collect: a transaction is open on this connection");
	if ((rc = strata_query_text(db, &file, "SELECT file FROM pragma_database_list WHERE name = 'main'", NULL, 0)) !=
		    STRATA_OK ||
	    (rc = strata_query_text(db, &jm, "PRAGMA journal_mode", NULL, 0)) != STRATA_OK ||
	    (rc = strata_query_int64(db, &a->pub.page_size, "PRAGMA page_size", NULL, 0)) != STRATA_OK)
		goto out;
	for (char *p = jm; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	a->pub.database = keep(a, file);
	a->pub.journal_mode = keep(a, jm);
	a->pub.wal_bytes = a->pub.wal_frames = -1;
	bool wal = strcmp(jm, "wal") == 0;
	if (!*file) {
		a->pub.database_bytes = 0; /* in memory: nothing else to know */
		goto out;
	}
	a->pub.database_bytes = file_size(file);
	size_t n = strlen(file) + 8;
	char *side = malloc(n);
	if (!side) {
		rc = strata__error_nomem();
		goto out;
	}
	snprintf(side, n, "%s-wal", file);
	a->pub.wal_bytes = file_size(side);
	snprintf(side, n, "%s-shm", file);
	if (wal)
		a->pub.wal_frames = wal_frames(side);
	if ((rc = probe_writer(db, &a->pub.write_locked)) != STRATA_OK) {
		free(side);
		goto out;
	}
	struct stat dbs, shms;
	holders h = { NULL, 0, false };
	bool have_shm = wal && stat(side, &shms) == 0;
	if (stat(file, &dbs) == 0)
		a->pub.locks_known = read_locks(&dbs, have_shm ? &shms : NULL, wal, &h);
	open_by(file, &h);
	free(side);
	if (h.oom)
		a->oom = true;
	if (h.n > 1)
		qsort(h.v, h.n, sizeof *h.v, by_role);
	for (size_t i = 0; i < h.n && !a->oom; i++) {
		strata_session *s = add_session(a);
		if (!s)
			break;
		s->pid = h.v[i].pid;
		s->state = role_names[h.v[i].role];
		s->application = command_of(a, s->pid);
		s->self = s->pid == (int64_t)getpid();
	}
	free(h.v);
out:
	free(file);
	free(jm);
	return rc;
}

int strata_activity_collect(strata_db *db, strata_activity **out)
{
	if (!db || !out)
		return strata__error_set(STRATA_EINVAL, "strata_activity_collect: %s is NULL", db ? "out" : "db");
	*out = NULL;
	act *a = calloc(1, sizeof *a);
	if (!a)
		return strata__error_nomem();
	bool pg = strata_db_backend(db) == STRATA_BACKEND_POSTGRES;
	a->pub.backend = pg ? "postgres" : "sqlite";
	a->pub.taken_at = strata_timestamp_now();
	a->pub.database = a->pub.journal_mode = "";
	int rc = pg ? pg_collect(a, db) : sqlite_collect(a, db);
	if (rc == STRATA_OK && a->oom)
		rc = strata__error_nomem();
	if (rc != STRATA_OK) {
		strata_activity_free(&a->pub);
		return rc;
	}
	*out = &a->pub;
	return STRATA_OK;
}

/* ---- JSON ---- */

static json_t *ms_json(double ms)
{
	return ms < 0 ? json_null() : json_real(ms);
}

static json_t *session_json(const strata_session *s, bool pg)
{
	json_t *o = json_pack("{s:I, s:s, s:s}", "pid", (json_int_t)s->pid, "state", s->state, "application",
			      s->application);
	if (!o)
		return NULL;
	if (pg) {
		json_t *by = json_array();
		for (size_t i = 0; by && i < s->nblocked_by; i++)
			json_array_append_new(by, json_integer((json_int_t)s->blocked_by[i]));
		json_object_set_new(o, "database", json_string(s->database));
		json_object_set_new(o, "user", json_string(s->user));
		json_object_set_new(o, "client", json_string(s->client));
		json_object_set_new(o, "wait", json_string(s->wait));
		json_object_set_new(o, "query", json_string(s->query));
		json_object_set_new(o, "query_ms", ms_json(s->query_ms));
		json_object_set_new(o, "transaction_ms", ms_json(s->transaction_ms));
		json_object_set_new(o, "state_ms", ms_json(s->state_ms));
		json_object_set_new(o, "blocked_by", by ? by : json_array());
		json_object_set_new(o, "blocking", json_integer((json_int_t)s->blocking));
	}
	json_object_set_new(o, "self", json_boolean(s->self));
	return o;
}

int strata_activity_json(const strata_activity *a, bool pretty, char **out)
{
	if (!a || !out)
		return strata__error_set(STRATA_EINVAL, "strata_activity_json: NULL argument");
	*out = NULL;
	bool pg = !strcmp(a->backend, "postgres");
	char when[STRATA_TIMESTAMP_BUFSZ];
	strata_timestamp_format(a->taken_at, when);
	json_t *sessions = json_array();
	for (size_t i = 0; sessions && i < a->nsessions; i++)
		json_array_append_new(sessions, session_json(&a->sessions[i], pg));
	json_t *root = json_pack("{s:s, s:s, s:s}", "backend", a->backend, "taken_at", when, "database", a->database);
	if (root && pg) {
		json_t *states = json_object();
		for (size_t i = 0; states && i < a->nstates; i++)
			json_object_set_new(states, a->states[i].state, json_integer((json_int_t)a->states[i].count));
		json_object_set_new(root, "connections", json_integer((json_int_t)a->connections));
		json_object_set_new(root, "max_connections", json_integer((json_int_t)a->max_connections));
		json_object_set_new(root, "reserved_connections", json_integer((json_int_t)a->reserved_connections));
		json_object_set_new(root, "states", states ? states : json_object());
	} else if (root) {
		json_object_set_new(root, "journal_mode", json_string(a->journal_mode));
		json_object_set_new(root, "page_size", json_integer((json_int_t)a->page_size));
		json_object_set_new(root, "database_bytes", json_integer((json_int_t)a->database_bytes));
		json_object_set_new(root, "wal_bytes",
				    a->wal_bytes < 0 ? json_null() : json_integer((json_int_t)a->wal_bytes));
		json_object_set_new(root, "wal_frames",
				    a->wal_frames < 0 ? json_null() : json_integer((json_int_t)a->wal_frames));
		json_object_set_new(root, "write_locked", json_boolean(a->write_locked));
		json_object_set_new(root, "locks_known", json_boolean(a->locks_known));
	}
	if (root && sessions)
		json_object_set_new(root, "sessions", sessions);
	else
		json_decref(sessions);
	if (root)
		*out = json_dumps(root, (pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_PRESERVE_ORDER |
						JSON_REAL_PRECISION(6));
	json_decref(root);
	return *out ? STRATA_OK : strata__error_nomem();
}
