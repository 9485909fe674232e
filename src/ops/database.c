/*
 * Creating and dropping the database a URL names (strata_database_create,
 * strata_database_drop): on PostgreSQL CREATE/DROP DATABASE through the
 * server's `postgres` database, on SQLite the file.  Used by restore (a
 * database it creates), `strata db`, migrate diff's scratch databases and
 * lint's.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/url.h"
#include "ops/internal.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * Split a postgres:// URL into the server's maintenance URL (database
 * "postgres") and the database name (percent-decoded).
 */
static int pg_split(const char *url, char **admin, char **dbname)
{
	const char *auth = strstr(url, "://");
	strata_buf a = STRATA_BUF_INIT, d = STRATA_BUF_INIT;
	int rc = STRATA_OK;
	*admin = *dbname = NULL;
	if (!auth)
		return strata__error_set(STRATA_EINVAL, "not a postgres:// URL");
	auth += 3;
	size_t alen = strcspn(auth, "/?");
	const char *path = auth + alen;
	const char *q = strchr(path, '?');
	const char *name = *path == '/' ? path + 1 : path;
	size_t nlen = q ? (size_t)(q - name) : strlen(name);
	for (size_t i = 0; i < nlen && rc == STRATA_OK; i++) {
		if (name[i] == '%' && i + 2 < nlen + 1 && hexval((unsigned char)name[i + 1]) >= 0 &&
		    hexval((unsigned char)name[i + 2]) >= 0) {
			rc = strata__buf_putc(&d, (char)(hexval((unsigned char)name[i + 1]) * 16 +
							 hexval((unsigned char)name[i + 2])));
			i += 2;
		} else {
			rc = strata__buf_putc(&d, name[i]);
		}
	}
	if (rc == STRATA_OK && d.len == 0)
		rc = strata__error_set(STRATA_EINVAL, "the URL names no database (postgres://host/DBNAME)");
	if (rc == STRATA_OK)
		rc = strata__buf_printf(&a, "%.*s/postgres%s", (int)(auth + alen - url), url, q ? q : "");
	if (rc == STRATA_OK) {
		*admin = strata__buf_detach(&a);
		*dbname = strata__buf_detach(&d);
		if (!*admin || !*dbname) {
			free(*admin);
			free(*dbname);
			*admin = *dbname = NULL;
			rc = STRATA_ENOMEM;
		}
	}
	strata__buf_free(&a);
	strata__buf_free(&d);
	return rc;
}

/* "name" with inner quotes doubled: PostgreSQL's identifier quoting. */
static int quote_ident(strata_buf *b, const char *name)
{
	int rc = strata__buf_putc(b, '"');
	for (const char *p = name; rc == STRATA_OK && *p; p++)
		rc = *p == '"' ? strata__buf_puts(b, "\"\"") : strata__buf_putc(b, *p);
	return rc == STRATA_OK ? strata__buf_putc(b, '"') : rc;
}

static int pg_admin(const char *url, bool create, bool *existed)
{
	char *admin_url = NULL, *name = NULL;
	strata_db *db = NULL;
	strata_buf sql = STRATA_BUF_INIT;
	int64_t n = 0;
	int rc = pg_split(url, &admin_url, &name);
	if (rc != STRATA_OK)
		return rc;
	rc = strata_open(&db, admin_url, NULL);
	if (rc == STRATA_OK)
		rc = strata_query_int64(db, &n, "SELECT count(*) FROM pg_database WHERE datname = ?",
					(const strata_value[]){ STRATA_TEXT(name) }, 1);
	if (rc != STRATA_OK)
		goto done;
	if (existed)
		*existed = n > 0;
	if ((create && n > 0) || (!create && n == 0))
		goto done;
	rc = strata__buf_puts(&sql, create ? "CREATE DATABASE " : "DROP DATABASE ");
	if (rc == STRATA_OK)
		rc = quote_ident(&sql, name);
	if (rc == STRATA_OK)
		rc = strata_exec(db, sql.ptr);
	/*
	 * Another session created (dropped) it between the look and the
	 * statement: as if it had been there (gone).  Two CREATE DATABASE at
	 * once may also end in a unique violation on pg_database's name.
	 */
	const strata_error *e = strata_error_last();
	if (rc != STRATA_OK && (strcmp(e->sqlstate, create ? "42P04" : "3D000") == 0 ||
				(create && strcmp(e->sqlstate, "23505") == 0 &&
				 strcmp(e->constraint, "pg_database_datname_index") == 0))) {
		strata_error_clear();
		rc = STRATA_OK;
		if (existed)
			*existed = create;
	}
done:
	strata_close(db);
	strata__buf_free(&sql);
	free(admin_url);
	free(name);
	return rc;
}

static int sqlite_admin(const char *url, const strata__url *u, bool create, bool *existed)
{
	struct stat st;
	bool there = stat(u->path, &st) == 0;
	if (existed)
		*existed = there;
	if (create) {
		if (there)
			return STRATA_OK;
		int rc = strata__mkdirs_parent(u->path, 0755);
		if (rc != STRATA_OK)
			return rc;
		strata_db *db = NULL;
		rc = strata_open(&db, url, NULL);
		strata_close(db);
		return rc;
	}
	if (!there)
		return STRATA_OK;
	if (unlink(u->path) != 0)
		return strata__error_set(STRATA_EIO, "cannot remove %s: %s", u->path, strerror(errno));
	char side[4200];
	snprintf(side, sizeof side, "%s-wal", u->path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", u->path);
	unlink(side);
	snprintf(side, sizeof side, "%s-journal", u->path);
	unlink(side);
	return STRATA_OK;
}

static int admin(const char *url, bool create, bool *existed)
{
	strata__url u;
	if (existed)
		*existed = false;
	int rc = strata__url_parse(&u, url);
	if (rc != STRATA_OK)
		return rc;
	if (u.backend == STRATA_BACKEND_SQLITE) {
		if (u.memory)
			rc = strata__error_set(STRATA_EINVAL, "sqlite::memory: is not a database that can be %s",
					       create ? "created" : "dropped");
		else
			rc = sqlite_admin(url, &u, create, existed);
	} else {
		rc = pg_admin(url, create, existed);
	}
	strata__url_free(&u);
	return rc;
}

int strata_database_create(const char *url, bool *existed)
{
	return admin(url, true, existed);
}

int strata_database_drop(const char *url, bool *existed)
{
	return admin(url, false, existed);
}
