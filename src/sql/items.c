/*
 * SQLite's check of each item of an array column whose items are strings
 * in the JSON (text, string(n), uuid, enums, dates, timestamps, booleans,
 * decimals, bytes).  A CHECK cannot look at the items without json_each,
 * a subquery, which SQLite refuses in a CHECK; so two Strata-owned
 * triggers per column do it, <table>_<column>_items_insert (BEFORE
 * INSERT) and <table>_<column>_items_update (BEFORE UPDATE OF the
 * column), and abort the statement with a message naming the column and
 * the rule.  Arrays of numbers are checked by their CHECK (ddl.c).
 *
 * An item's rule is the scalar column's implied CHECK where SQLite has
 * one (string(n), enums, decimals, uuid, dates, timestamps: ddl.c, the
 * one place these rules are written), over json_each's "value".
 */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "schema/model.h"
#include "sql/ddl.h"

bool strata__sql_items_checked(const strata_column *c)
{
	if (!c->type.array)
		return false;
	switch (c->type.kind) {
	case STRATA_T_STRING:
	case STRATA_T_TEXT:
	case STRATA_T_BYTES:
	case STRATA_T_UUID:
	case STRATA_T_DATE:
	case STRATA_T_TIMESTAMP:
	case STRATA_T_BOOL:
	case STRATA_T_DECIMAL:
	case STRATA_T_ENUM: return true;
	default: return false;
	}
}

void strata__sql_item_trigger_name(char *buf, size_t cap, const char *table, const char *column, bool update)
{
	snprintf(buf, cap, "%s_%s_items_%s", table, column, update ? "update" : "insert");
}

/* The scalar column's implied CHECK, over the item's "value". */
static int scalar_rule(strata_buf *b, const strata_schema *s, const strata_column *c)
{
	strata_column item = *c;
	item.name = "value";
	item.type.array = false;
	item.not_null = true;
	strata_buf cond = STRATA_BUF_INIT;
	int rc = strata__sql_implied_check(&cond, s, &item, 0);
	if (!rc)
		rc = strata__buf_printf(b, " AND %s", strata__buf_cstr(&cond));
	strata__buf_free(&cond);
	return rc;
}

/*
 * The condition a string item (json_each's "type" is 'text') of `c` meets
 * beyond being a string, after " AND ", and what it says in the message.
 * 1 when a string is enough.
 */
static int item_rule(strata_buf *b, const strata_schema *s, const strata_column *c, strata_buf *what)
{
	int rc;
	switch (c->type.kind) {
	case STRATA_T_STRING:
		if ((rc = strata__buf_printf(what, "a string of at most %d characters", c->type.length)))
			return rc;
		return scalar_rule(b, s, c);
	case STRATA_T_ENUM:
		if ((rc = strata__buf_printf(what, "a value of enum %s", c->type.enum_name)))
			return rc;
		return scalar_rule(b, s, c);
	case STRATA_T_DECIMAL:
		if ((rc = strata__buf_printf(what, "a number in a string that fits decimal(%d,%d)", c->type.precision,
					     c->type.scale)))
			return rc;
		return scalar_rule(b, s, c);
	case STRATA_T_UUID:
		if ((rc = strata__buf_puts(what, "a UUID in a string (8-4-4-4-12 hexadecimal digits)")))
			return rc;
		return scalar_rule(b, s, c);
	case STRATA_T_DATE:
		if ((rc = strata__buf_puts(what, "a date in a string (YYYY-MM-DD)")))
			return rc;
		return scalar_rule(b, s, c);
	case STRATA_T_TIMESTAMP:
		if ((rc = strata__buf_puts(what,
					   "a timestamp in a string (YYYY-MM-DD[ HH:MM[:SS[.ffffff]]][Z|+HH:MM])")))
			return rc;
		return scalar_rule(b, s, c);
	case STRATA_T_BOOL:
		/* the spellings PostgreSQL reads as a boolean; generated code reads the items as strings */
		if ((rc = strata__buf_puts(what, "a boolean in a string ('true', 'false', 't', 'f', 'yes', 'no', "
						 "'on', 'off', '1', '0')")))
			return rc;
		return strata__buf_puts(b, " AND lower(trim(\"value\")) IN ('t', 'true', 'f', 'false', 'y', 'yes', "
					   "'n', 'no', 'on', 'off', '1', '0')");
	default:
		if ((rc = strata__buf_puts(what, "a string")))
			return rc;
		return 1;
	}
}

static int item_trigger(strata_buf *b, const strata_table *t, const strata_column *c, bool update, const char *rule,
			const char *message)
{
	const strata_backend d = STRATA_BACKEND_SQLITE;
	char name[160];
	int rc;
	strata__sql_item_trigger_name(name, sizeof name, t->name, c->name, update);
	if ((rc = strata__buf_puts(b, "CREATE TRIGGER IF NOT EXISTS ")) || (rc = strata__sql_ident(b, d, name)) ||
	    (rc = strata__buf_puts(b, update ? " BEFORE UPDATE OF " : " BEFORE INSERT ON ")))
		return rc;
	if (update && ((rc = strata__sql_ident(b, d, c->name)) || (rc = strata__buf_puts(b, " ON "))))
		return rc;
	/* not JSON, or not an array: the column's CHECK says so */
	if ((rc = strata__sql_ident(b, d, t->name)) ||
	    (rc = strata__buf_puts(b, " FOR EACH ROW WHEN json_valid(NEW.")) ||
	    (rc = strata__sql_ident(b, d, c->name)) || (rc = strata__buf_puts(b, ") AND json_type(NEW.")) ||
	    (rc = strata__sql_ident(b, d, c->name)) ||
	    (rc = strata__buf_puts(b, ") = 'array' AND EXISTS (SELECT 1 FROM json_each(NEW.")) ||
	    (rc = strata__sql_ident(b, d, c->name)) ||
	    (rc = strata__buf_printf(b, ") WHERE NOT (\"type\" = 'null' OR \"type\" = 'text'%s))", rule)) ||
	    (rc = strata__buf_puts(b, " BEGIN SELECT RAISE(ABORT, ")) || (rc = strata__sql_literal(b, message)))
		return rc;
	return strata__buf_puts(b, "); END;\n");
}

int strata__sql_item_triggers(strata_buf *b, strata_backend d, const strata_schema *s, const strata_table *t,
			      const strata_column *c)
{
	if (d != STRATA_BACKEND_SQLITE || !strata__sql_items_checked(c))
		return STRATA_OK;
	strata_buf rule = STRATA_BUF_INIT, what = STRATA_BUF_INIT, message = STRATA_BUF_INIT;
	int rc = item_rule(&rule, s, c, &what);
	if (rc == 1)
		rc = STRATA_OK;
	if (!rc)
		rc = strata__buf_printf(&message, "%s.%s: every item of this array must be %s, or null", t->name,
					c->name, strata__buf_cstr(&what));
	if (!rc)
		rc = item_trigger(b, t, c, false, strata__buf_cstr(&rule), strata__buf_cstr(&message));
	if (!rc)
		rc = item_trigger(b, t, c, true, strata__buf_cstr(&rule), strata__buf_cstr(&message));
	strata__buf_free(&rule);
	strata__buf_free(&what);
	strata__buf_free(&message);
	return rc;
}

int strata__sql_drop_item_triggers(strata_buf *b, strata_backend d, const char *table, const strata_column *c)
{
	int rc = STRATA_OK;
	if (d != STRATA_BACKEND_SQLITE || !strata__sql_items_checked(c))
		return STRATA_OK;
	for (int update = 0; update < 2 && !rc; update++) {
		char name[160];
		strata__sql_item_trigger_name(name, sizeof name, table, c->name, update);
		if (!(rc = strata__buf_puts(b, "DROP TRIGGER IF EXISTS ")) && !(rc = strata__sql_ident(b, d, name)))
			rc = strata__buf_puts(b, ";\n");
	}
	return rc;
}

int strata__sql_table_item_triggers(strata_buf *b, strata_backend d, const strata_schema *s, const strata_table *t)
{
	int rc = STRATA_OK;
	for (int i = 0; i < t->ncolumns && !rc; i++)
		rc = strata__sql_item_triggers(b, d, s, t, &t->columns[i]);
	return rc;
}

int strata__sql_drop_table_item_triggers(strata_buf *b, strata_backend d, const strata_table *t)
{
	int rc = STRATA_OK;
	for (int i = 0; i < t->ncolumns && !rc; i++)
		rc = strata__sql_drop_item_triggers(b, d, t->name, &t->columns[i]);
	return rc;
}
