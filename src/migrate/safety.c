/*
 * Around a run: the backup taken before destructive migrations (--safe)
 * and the schema file written after up/down changed something.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <strata/backup.h>

#include "core/error.h"
#include "core/fs.h"
#include "migrate/internal.h"

int strata__mig_backup(strata_migrator *m, const char *before_version)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	strata_buf path = STRATA_BUF_INIT;
	int rc = strata__buf_printf(&path, "%s/%s-before-%s.%s", m->backup_dir, stamp, before_version,
				    m->backend == STRATA_BACKEND_SQLITE ? "sqlite3" : "dump");
	if (rc != STRATA_OK) {
		strata__buf_free(&path);
		return rc;
	}
	rc = strata__mkdirs(m->backup_dir, 0700);
	if (rc == STRATA_OK)
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

int strata__mig_write_schema(strata_migrator *m)
{
	if (!m->schema_file || m->opts.dry_run)
		return STRATA_OK;
	int rc = strata__mkdirs_parent(m->schema_file, 0755);
	if (rc == STRATA_OK)
		rc = strata_backup_to_file(m->db, m->schema_file, STRATA_BACKUP_SCHEMA_SQL);
	if (rc == STRATA_OK && chmod(m->schema_file, 0644) != 0)
		rc = strata__error_set(STRATA_EIO, "%s: %s", m->schema_file, strerror(errno));
	return rc;
}
