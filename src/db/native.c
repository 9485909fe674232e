/* The backup primitives of a connection's driver; see db/native.h. */
#include "core/error.h"
#include "db/internal.h"
#include "db/native.h"

int strata__db_copy_pages(strata_db *src, strata_db *dst, int wait_ms, strata__copy_step step, void *ud)
{
	if (!src || !dst)
		return strata__error_set(STRATA_EINVAL, "copy: %s is NULL", src ? "dst" : "src");
	if (src->drv != dst->drv || !dst->drv->copy_pages)
		return strata__error_set(STRATA_EUNSUPPORTED, "copy: page copies need two SQLite databases");
	if (dst->tx_depth > 0)
		return strata__error_set(STRATA_EMISUSE, "copy: a transaction is open on the destination");
	return dst->drv->copy_pages(src->conn, dst->conn, wait_ms, step, ud);
}

int strata__db_run_tool(strata_db *db, const strata__tool *tool)
{
	if (!tool || !tool->argv || !tool->argv[0])
		return strata__error_set(STRATA_EINVAL, "run_tool: NULL argument");
	if (!db) /* a program that needs no connection (pg_restore --list) */
		return strata__postgres_driver.run_tool(NULL, tool);
	if (!db->drv->run_tool)
		return strata__error_set(STRATA_EUNSUPPORTED, "the %s driver runs no client programs", db->drv->name);
	return db->drv->run_tool(db->conn, tool);
}
