/*
 * Database branches: copies for development, tests and previews.
 *
 * SQLite: "<dir>/<stem>.branch.NAME<ext>" beside "<dir>/<stem><ext>",
 * copied through the online backup API (consistent while the original is
 * in use).  PostgreSQL: a database "<db>_NAME" made with CREATE DATABASE
 * ... TEMPLATE "<db>" from the server's `postgres` database, marked as a
 * branch by its comment ('strata branch of "<db>" created at <time>'),
 * which is also where its creation time is kept.
 */
#define _GNU_SOURCE /* statx, for a file's birth time */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/url.h"
#include "db/native.h"
#include "ops/internal.h"

static int check_name(const char *name)
{
	if (!name || !*name || strlen(name) > 40)
		return strata__error_set(STRATA_EINVAL, "branch: a name is 1 to 40 letters, digits, '_' or '-'");
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      *p == '-'))
			return strata__error_set(STRATA_EINVAL,
						 "branch: '%s' is not a valid name (letters, digits, '_' and '-' only)",
						 name);
	return STRATA_OK;
}

/* ---- SQLite ---- */

/* Split "dir/stem.ext" into its parts (new strings). */
static int split_path(const char *path, char **dir, char **stem, char **ext)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	const char *dot = strrchr(base, '.');
	if (!dot || dot == base)
		dot = base + strlen(base);
	*dir = slash ? strata__strndup(path, (size_t)(slash - path) + (slash == path)) : strata__strdup(".");
	*stem = strata__strndup(base, (size_t)(dot - base));
	*ext = strata__strdup(dot);
	if (!*dir || !*stem || !*ext) {
		free(*dir);
		free(*stem);
		free(*ext);
		return STRATA_ENOMEM;
	}
	return STRATA_OK;
}

static int sqlite_branch_path(const char *path, const char *name, strata_buf *out)
{
	char *dir, *stem, *ext;
	int rc = split_path(path, &dir, &stem, &ext);
	if (rc != STRATA_OK)
		return rc;
	rc = strata__buf_printf(out, "%s/%s.branch.%s%s", dir, stem, name, ext);
	free(dir);
	free(stem);
	free(ext);
	return rc;
}

/*
 * The branch file beside the original: its path is built from the decoded
 * path (never from the URL's text), it is created with O_EXCL (an existing
 * file is never overwritten) with the original's mode at most 0600, and
 * both files are opened through URLs built from their paths.
 */
static int sqlite_create(const strata__url *u, const char *name, char **branch_url)
{
	strata_buf path = STRATA_BUF_INIT;
	strata_db *src = NULL, *dst = NULL;
	struct stat sb;
	bool created = false;
	int rc = sqlite_branch_path(u->path, name, &path);
	if (rc != STRATA_OK)
		return rc;
	if (stat(u->path, &sb) != 0) {
		rc = strata__error_set(STRATA_ENOTFOUND, "branch: %s does not exist", u->path);
		goto done;
	}
	mode_t mode = 0600 & sb.st_mode;
	int fd = open(path.ptr, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		rc = errno == EEXIST
			     ? strata__error_set(STRATA_ECONSTRAINT,
						 "branch: %s exists already (strata branch delete %s)", path.ptr, name)
			     : strata__error_set(STRATA_EIO, "branch: cannot create %s: %s", path.ptr, strerror(errno));
		goto done;
	}
	created = true;
	int chmod_rc = fchmod(fd, mode); /* whatever the umask */
	close(fd);
	if (chmod_rc != 0) {
		rc = strata__error_set(STRATA_EIO, "branch: cannot set the mode of %s: %s", path.ptr, strerror(errno));
		goto done;
	}
	/* mode=rw: the original's journal mode is left as it is */
	rc = strata__ops_open_file(&src, u->path, "mode=rw");
	if (rc == STRATA_OK)
		rc = strata__ops_open_file(&dst, path.ptr, "mode=rw");
	if (rc == STRATA_OK)
		rc = strata__db_copy_pages(src, dst, 30000, NULL, NULL);
	strata_close(dst);
	if (rc == STRATA_OK && branch_url)
		rc = strata__ops_sqlite_url(path.ptr, NULL, branch_url);
done:
	if (rc != STRATA_OK && created) {
		strata__error_saved saved;
		strata__error_save(&saved);
		strata__ops_remove_db_files(path.ptr);
		strata__error_restore(&saved);
	}
	strata_close(src);
	strata__buf_free(&path);
	return rc;
}

static strata_timestamp birth_time(const char *path, int64_t *bytes)
{
	struct statx sx;
	if (statx(AT_FDCWD, path, 0, STATX_BTIME | STATX_MTIME | STATX_SIZE, &sx) != 0)
		return 0;
	*bytes = (int64_t)sx.stx_size;
	struct statx_timestamp t = (sx.stx_mask & STATX_BTIME) ? sx.stx_btime : sx.stx_mtime;
	return (strata_timestamp)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static int push_info(strata_branch_info **list, size_t *n, const char *name, const char *url, int64_t bytes,
		     strata_timestamp created)
{
	strata_branch_info *g = realloc(*list, (*n + 1) * sizeof *g);
	if (!g)
		return strata__error_nomem();
	*list = g;
	g += *n;
	g->name = strdup(name);
	g->url = strata_url_redact(url);
	g->bytes = bytes;
	g->created_at = created;
	if (!g->name || !g->url) {
		free(g->name);
		free(g->url);
		return strata__error_nomem();
	}
	(*n)++;
	return STRATA_OK;
}

static int sqlite_list(const strata__url *u, strata_branch_info **out, size_t *count)
{
	char *dir, *stem, *ext;
	int rc = split_path(u->path, &dir, &stem, &ext);
	if (rc != STRATA_OK)
		return rc;
	strata_buf prefix = STRATA_BUF_INIT, full = STRATA_BUF_INIT;
	DIR *d = opendir(dir);
	if (!d) {
		rc = strata__error_set(STRATA_EIO, "branch: cannot list %s: %s", dir, strerror(errno));
		goto done;
	}
	rc = strata__buf_printf(&prefix, "%s.branch.", stem);
	struct dirent *e;
	size_t el = strlen(ext);
	while (rc == STRATA_OK && (e = readdir(d)) != NULL) {
		size_t nl = strlen(e->d_name);
		if (strncmp(e->d_name, prefix.ptr, prefix.len) != 0 || nl <= prefix.len + el ||
		    strcmp(e->d_name + nl - el, ext) != 0)
			continue;
		char name[256];
		snprintf(name, sizeof name, "%.*s", (int)(nl - prefix.len - el), e->d_name + prefix.len);
		if (check_name(name) != STRATA_OK) {
			strata_error_clear();
			continue;
		}
		strata__buf_clear(&full);
		rc = strata__buf_printf(&full, "%s/%s", dir, e->d_name);
		int64_t bytes = 0;
		strata_timestamp created = rc == STRATA_OK ? birth_time(full.ptr, &bytes) : 0;
		char *burl = NULL;
		if (rc == STRATA_OK)
			rc = strata__ops_sqlite_url(full.ptr, NULL, &burl);
		if (rc == STRATA_OK)
			rc = push_info(out, count, name, burl, bytes, created);
		free(burl);
		strata__buf_clear(&prefix);
		if (rc == STRATA_OK)
			rc = strata__buf_printf(&prefix, "%s.branch.", stem);
	}
	closedir(d);
done:
	strata__buf_free(&prefix);
	strata__buf_free(&full);
	free(dir);
	free(stem);
	free(ext);
	return rc;
}

/* ---- PostgreSQL ---- */

/* `url` with its database replaced by `dbname` (postgres:// URLs). */
static int pg_url_for(const char *url, const char *dbname, strata_buf *out)
{
	const char *auth = strstr(url, "://");
	if (!auth)
		return strata__error_set(STRATA_EINVAL, "branch: PostgreSQL branches need a postgres:// URL");
	const char *slash = strchr(auth + 3, '/');
	const char *q = strchr(auth + 3, '?');
	if (slash && q && slash > q)
		slash = NULL;
	size_t head = slash ? (size_t)(slash - url) : q ? (size_t)(q - url) : strlen(url);
	int rc = strata__buf_append(out, url, head);
	if (rc == STRATA_OK)
		rc = strata__buf_putc(out, '/');
	for (const char *p = dbname; rc == STRATA_OK && *p; p++)
		rc = ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      *p == '-' || *p == '.')
			     ? strata__buf_putc(out, *p)
			     : strata__buf_printf(out, "%%%02X", (unsigned char)*p);
	if (rc == STRATA_OK && q)
		rc = strata__buf_puts(out, q);
	return rc;
}

typedef struct pg_ctx {
	strata_db *admin;
	char *dbname;
} pg_ctx;

/* Connect to the database to learn its name, then to the server's `postgres` database. */
static int pg_connect(const char *url, pg_ctx *c)
{
	strata_db *db = NULL;
	strata_buf admin = STRATA_BUF_INIT;
	int rc = strata_open(&db, url, NULL);
	if (rc == STRATA_OK)
		rc = strata_query_text(db, &c->dbname, "SELECT current_database()::text", NULL, 0);
	strata_close(db);
	if (rc == STRATA_OK)
		rc = pg_url_for(url, "postgres", &admin);
	if (rc == STRATA_OK)
		rc = strata_open(&c->admin, admin.ptr, NULL);
	strata__buf_free(&admin);
	return rc;
}

static void pg_disconnect(pg_ctx *c)
{
	strata_close(c->admin);
	free(c->dbname);
}

/* Who keeps `db` busy: an EBUSY error naming the sessions. */
static int pg_busy(strata_db *admin, const char *db, const char *doing)
{
	strata_stmt *st = NULL;
	strata_buf who = STRATA_BUF_INIT;
	int64_t n = 0;
	int rc = strata_prepare(
		&st, admin,
		"SELECT pid, coalesce(nullif(application_name, ''), usename::text, '?') FROM pg_stat_activity "
		"WHERE datname = ? AND pid <> pg_backend_pid() AND backend_type = 'client backend' ORDER BY pid");
	if (rc == STRATA_OK)
		rc = strata_bind_text(st, 1, db, -1);
	while ((rc == STRATA_OK || rc == STRATA_ROW) && (rc = strata_step(st)) == STRATA_ROW) {
		if (++n <= 5)
			strata__buf_printf(&who, "%spid %lld (%s)", n > 1 ? ", " : "",
					   (long long)strata__col_i64(st, 0), strata__col_str(st, 1));
	}
	strata_finalize(st);
	rc = strata__error_set(STRATA_EBUSY,
			       "cannot %s: %lld other session%s connected to database \"%s\"%s%s; close %s (or end %s "
			       "with pg_terminate_backend) and try again",
			       doing, (long long)n, n == 1 ? " is" : "s are", db, n ? ": " : "", strata__buf_cstr(&who),
			       n == 1 ? "it" : "them", n == 1 ? "it" : "them");
	strata__buf_free(&who);
	return rc;
}

static int pg_branch_comment_prefix(strata_buf *b, const char *db)
{
	return strata__buf_printf(b, "strata branch of \"%s\" created at ", db);
}

static int pg_create(const char *url, const char *name, char **branch_url)
{
	pg_ctx c = { NULL, NULL };
	strata_buf target = STRATA_BUF_INIT, sql = STRATA_BUF_INIT, comment = STRATA_BUF_INIT, burl = STRATA_BUF_INIT;
	int rc = pg_connect(url, &c);
	if (rc == STRATA_OK)
		rc = strata__buf_printf(&target, "%s_%s", c.dbname, name);
	int64_t exists = 0;
	if (rc == STRATA_OK)
		rc = strata_query_int64v(c.admin, &exists, "SELECT count(*) FROM pg_database WHERE datname = ?",
					 STRATA_TEXT(target.ptr));
	if (rc == STRATA_OK && exists)
		rc = strata__error_set(STRATA_ECONSTRAINT,
				       "branch: database \"%s\" exists already (strata branch delete %s)", target.ptr,
				       name);
	if (rc == STRATA_OK)
		rc = strata__buf_puts(&sql, "CREATE DATABASE ");
	if (rc == STRATA_OK)
		rc = strata__sql_ident(&sql, STRATA_BACKEND_POSTGRES, target.ptr);
	if (rc == STRATA_OK)
		rc = strata__buf_puts(&sql, " TEMPLATE ");
	if (rc == STRATA_OK)
		rc = strata__sql_ident(&sql, STRATA_BACKEND_POSTGRES, c.dbname);
	if (rc == STRATA_OK) {
		rc = strata_exec(c.admin, sql.ptr);
		if (rc != STRATA_OK && !strcmp(strata_error_last()->sqlstate, "55006"))
			rc = pg_busy(c.admin, c.dbname, "branch it");
	}
	if (rc == STRATA_OK) {
		char ts[STRATA_TIMESTAMP_BUFSZ];
		strata_timestamp_format(strata_timestamp_now(), ts);
		strata__buf_clear(&sql);
		rc = pg_branch_comment_prefix(&comment, c.dbname);
		if (rc == STRATA_OK)
			rc = strata__buf_puts(&comment, ts);
		if (rc == STRATA_OK)
			rc = strata__buf_puts(&sql, "COMMENT ON DATABASE ");
		if (rc == STRATA_OK)
			rc = strata__sql_ident(&sql, STRATA_BACKEND_POSTGRES, target.ptr);
		if (rc == STRATA_OK)
			rc = strata__buf_puts(&sql, " IS ");
		if (rc == STRATA_OK)
			rc = strata__sql_literal(&sql, comment.ptr);
		if (rc == STRATA_OK)
			rc = strata_exec(c.admin, sql.ptr);
	}
	if (rc == STRATA_OK && branch_url) {
		rc = pg_url_for(url, target.ptr, &burl);
		if (rc == STRATA_OK) {
			*branch_url = strata__buf_detach(&burl);
			if (!*branch_url)
				rc = STRATA_ENOMEM;
		}
	}
	pg_disconnect(&c);
	strata__buf_free(&target);
	strata__buf_free(&sql);
	strata__buf_free(&comment);
	strata__buf_free(&burl);
	return rc;
}

static int pg_list(const char *url, strata_branch_info **out, size_t *count)
{
	pg_ctx c = { NULL, NULL };
	strata_buf prefix = STRATA_BUF_INIT, burl = STRATA_BUF_INIT;
	strata_stmt *st = NULL;
	int rc = pg_connect(url, &c);
	if (rc == STRATA_OK)
		rc = pg_branch_comment_prefix(&prefix, c.dbname);
	if (rc == STRATA_OK)
		rc = strata_prepare(
			&st, c.admin,
			"SELECT datname::text, pg_database_size(oid), shobj_description(oid, 'pg_database') "
			"FROM pg_database WHERE left(shobj_description(oid, 'pg_database'), ?) = ? ORDER BY 1");
	if (rc == STRATA_OK)
		rc = strata_bind_int64(st, 1, (int64_t)prefix.len);
	if (rc == STRATA_OK)
		rc = strata_bind_text(st, 2, prefix.ptr, -1);
	size_t dl = c.dbname ? strlen(c.dbname) : 0;
	while ((rc == STRATA_OK || rc == STRATA_ROW) && (rc = strata_step(st)) == STRATA_ROW) {
		const char *dat = strata__col_str(st, 0);
		strata_timestamp created = 0;
		const char *cm = strata__col_str(st, 2);
		if (strata_timestamp_parse(cm + prefix.len, strlen(cm + prefix.len), &created) != STRATA_OK)
			created = 0;
		strata__buf_clear(&burl);
		rc = pg_url_for(url, dat, &burl);
		const char *name = strlen(dat) > dl + 1 ? dat + dl + 1 : dat;
		if (rc == STRATA_OK)
			rc = push_info(out, count, name, burl.ptr, strata__col_i64(st, 1), created);
	}
	strata_finalize(st);
	if (rc == STRATA_DONE)
		rc = STRATA_OK;
	pg_disconnect(&c);
	strata__buf_free(&prefix);
	strata__buf_free(&burl);
	return rc;
}

static int pg_delete(const char *url, const char *name)
{
	pg_ctx c = { NULL, NULL };
	strata_buf target = STRATA_BUF_INIT, prefix = STRATA_BUF_INIT, sql = STRATA_BUF_INIT;
	int64_t is_branch = 0;
	int rc = pg_connect(url, &c);
	if (rc == STRATA_OK)
		rc = strata__buf_printf(&target, "%s_%s", c.dbname, name);
	if (rc == STRATA_OK)
		rc = pg_branch_comment_prefix(&prefix, c.dbname);
	if (rc == STRATA_OK)
		rc = strata_query_int64v(c.admin, &is_branch,
					 "SELECT count(*) FROM pg_database WHERE datname = ? "
					 "AND left(shobj_description(oid, 'pg_database'), ?) = ?",
					 STRATA_TEXT(target.ptr), STRATA_INT((int64_t)prefix.len),
					 STRATA_TEXT(prefix.ptr));
	if (rc == STRATA_OK && !is_branch)
		rc = strata__error_set(STRATA_ENOTFOUND, "branch: %s has no branch named '%s'", c.dbname, name);
	if (rc == STRATA_OK)
		rc = strata__buf_puts(&sql, "DROP DATABASE ");
	if (rc == STRATA_OK)
		rc = strata__sql_ident(&sql, STRATA_BACKEND_POSTGRES, target.ptr);
	if (rc == STRATA_OK) {
		rc = strata_exec(c.admin, sql.ptr);
		if (rc != STRATA_OK && !strcmp(strata_error_last()->sqlstate, "55006"))
			rc = pg_busy(c.admin, target.ptr, "delete the branch");
	}
	pg_disconnect(&c);
	strata__buf_free(&target);
	strata__buf_free(&prefix);
	strata__buf_free(&sql);
	return rc;
}

/* ---- the public functions ---- */

static int parse(const char *url, strata__url *u)
{
	if (!url)
		return strata__error_set(STRATA_EINVAL, "branch: url is NULL");
	int rc = strata__url_parse(u, url);
	if (rc != STRATA_OK)
		return rc;
	if (u->backend == STRATA_BACKEND_SQLITE && u->memory) {
		strata__url_free(u);
		return strata__error_set(STRATA_EINVAL, "branch: an in-memory database cannot be branched");
	}
	return STRATA_OK;
}

int strata_branch_create(const char *url, const char *name, char **branch_url)
{
	strata__url u;
	if (branch_url)
		*branch_url = NULL;
	int rc = check_name(name);
	if (rc == STRATA_OK)
		rc = parse(url, &u);
	if (rc != STRATA_OK)
		return rc;
	rc = u.backend == STRATA_BACKEND_SQLITE ? sqlite_create(&u, name, branch_url)
						: pg_create(url, name, branch_url);
	strata__url_free(&u);
	return rc;
}

int strata_branch_list(const char *url, strata_branch_info **out, size_t *count)
{
	strata__url u;
	if (!out || !count)
		return strata__error_set(STRATA_EINVAL, "strata_branch_list: NULL argument");
	*out = NULL;
	*count = 0;
	int rc = parse(url, &u);
	if (rc != STRATA_OK)
		return rc;
	rc = u.backend == STRATA_BACKEND_SQLITE ? sqlite_list(&u, out, count) : pg_list(url, out, count);
	strata__url_free(&u);
	if (rc != STRATA_OK) {
		strata_branch_list_free(*out, *count);
		*out = NULL;
		*count = 0;
	}
	return rc;
}

void strata_branch_list_free(strata_branch_info *list, size_t count)
{
	for (size_t i = 0; list && i < count; i++) {
		free(list[i].name);
		free(list[i].url);
	}
	free(list);
}

int strata_branch_delete(const char *url, const char *name)
{
	strata__url u;
	int rc = check_name(name);
	if (rc == STRATA_OK)
		rc = parse(url, &u);
	if (rc != STRATA_OK)
		return rc;
	if (u.backend == STRATA_BACKEND_SQLITE) {
		strata_buf path = STRATA_BUF_INIT;
		struct stat sb;
		rc = sqlite_branch_path(u.path, name, &path);
		if (rc == STRATA_OK && stat(path.ptr, &sb) != 0)
			rc = strata__error_set(STRATA_ENOTFOUND, "branch: %s has no branch named '%s' (no %s)", u.path,
					       name, path.ptr);
		if (rc == STRATA_OK)
			strata__ops_remove_db_files(path.ptr);
		strata__buf_free(&path);
	} else {
		rc = pg_delete(url, name);
	}
	strata__url_free(&u);
	return rc;
}
