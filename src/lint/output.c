/*
 * Writing a report: compiler-style text, JSON, and SARIF 2.1.0.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "lint/internal.h"

static bool listed(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* " (lock: L; blocks reads and writes of a; writes of b)" after a finding that carries a lock. */
static int text_lock(strata_buf *b, const strata_lint_finding *f)
{
	if (!f->lock || !*f->lock)
		return STRATA_OK;
	int rc = strata__buf_printf(b, " (lock: %s; blocks ", f->lock);
	if (rc == STRATA_OK && !f->nblocks_writes && !f->nblocks_reads)
		rc = strata__buf_puts(b, "neither reads nor writes");
	if (rc == STRATA_OK && f->nblocks_reads) {
		rc = strata__buf_puts(b, "reads and writes of ");
		for (size_t i = 0; i < f->nblocks_reads && rc == STRATA_OK; i++)
			rc = strata__buf_printf(b, "%s%s", i ? ", " : "", f->blocks_reads[i]);
	}
	size_t only = 0;
	for (size_t i = 0; i < f->nblocks_writes && rc == STRATA_OK; i++) {
		if (listed(f->blocks_reads, f->nblocks_reads, f->blocks_writes[i]))
			continue;
		rc = strata__buf_printf(b, "%s%s",
					only		   ? ", "
					: f->nblocks_reads ? "; writes of "
							   : "writes of ",
					f->blocks_writes[i]);
		only++;
	}
	return rc == STRATA_OK ? strata__buf_puts(b, ")") : rc;
}

static int write_text(const strata_lint_report *r, char **out)
{
	strata_buf b = STRATA_BUF_INIT;
	int rc = strata__buf_puts(&b, "");
	for (size_t i = 0; rc == STRATA_OK && i < r->n; i++) {
		const strata_lint_finding *f = &r->items[i].f;
		if (f->line > 0)
			rc = strata__buf_printf(&b, "%s:%d:%d: ", f->file, f->line, f->column > 0 ? f->column : 1);
		else
			rc = strata__buf_printf(&b, "%s: ", f->file);
		if (rc == STRATA_OK)
			rc = strata__buf_printf(&b, "%s: [%s] %s%s%s", strata_lint_severity_name(f->severity), f->rule,
						f->line > 0 || !*f->object ? "" : f->object,
						f->line > 0 || !*f->object ? "" : ": ", f->message);
		if (rc == STRATA_OK)
			rc = text_lock(&b, f);
		if (rc == STRATA_OK)
			rc = strata__buf_puts(&b, "\n");
	}
	if (rc != STRATA_OK) {
		strata__buf_free(&b);
		return rc;
	}
	*out = strata__buf_detach(&b);
	return *out ? STRATA_OK : STRATA_ENOMEM;
}

/* json_object_set_new that reports a failed allocation. */
static bool put(json_t *o, const char *k, json_t *v)
{
	return v && json_object_set_new(o, k, v) == 0;
}

static bool append(json_t *a, json_t *v)
{
	return v && json_array_append_new(a, v) == 0;
}

static int dump(json_t *root, char **out)
{
	char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!s)
		return strata__error_nomem();
	size_t n = strlen(s);
	char *copy = malloc(n + 2);
	if (!copy) {
		free(s);
		return strata__error_nomem();
	}
	memcpy(copy, s, n);
	copy[n] = '\n';
	copy[n + 1] = '\0';
	free(s);
	*out = copy;
	return STRATA_OK;
}

/* A JSON array of n strings (NULL on ENOMEM). */
static json_t *str_array(const char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		if (!append(a, json_string(v[i]))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static int write_json(const strata_lint_report *r, char **out)
{
	json_t *root = json_object(), *arr = json_array();
	bool ok = root && arr;
	for (size_t i = 0; ok && i < r->n; i++) {
		const strata_lint_finding *f = &r->items[i].f;
		json_t *o = json_object();
		ok = o && put(o, "file", json_string(f->file)) && put(o, "line", json_integer(f->line)) &&
		     put(o, "column", json_integer(f->column)) && put(o, "rule", json_string(f->rule)) &&
		     put(o, "severity", json_string(strata_lint_severity_name(f->severity))) &&
		     put(o, "object", json_string(f->object)) && put(o, "message", json_string(f->message)) &&
		     put(o, "lock", *f->lock ? json_string(f->lock) : json_null()) &&
		     put(o, "blocks_reads", str_array(f->blocks_reads, f->nblocks_reads)) &&
		     put(o, "blocks_writes", str_array(f->blocks_writes, f->nblocks_writes));
		if (!ok)
			json_decref(o);
		else
			ok = append(arr, o);
	}
	if (!ok) {
		json_decref(arr);
		json_decref(root);
		return strata__error_nomem();
	}
	/* put() hands its value over even when it fails. */
	if (!put(root, "findings", arr) ||
	    !put(root, "errors", json_integer((json_int_t)strata_lint_report_count_severity(r, STRATA_LINT_ERROR))) ||
	    !put(root, "warnings",
		 json_integer((json_int_t)strata_lint_report_count_severity(r, STRATA_LINT_WARNING))) ||
	    !put(root, "infos", json_integer((json_int_t)strata_lint_report_count_severity(r, STRATA_LINT_INFO))) ||
	    !put(root, "suppressed", json_integer((json_int_t)r->suppressed))) {
		json_decref(root);
		return strata__error_nomem();
	}
	return dump(root, out);
}

static const char *sarif_level(strata_lint_severity s)
{
	return s == STRATA_LINT_ERROR ? "error" : s == STRATA_LINT_WARNING ? "warning" : "note";
}

static json_t *text_obj(const char *s)
{
	json_t *o = json_object();
	if (o && !put(o, "text", json_string(s))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *sarif_rules(void)
{
	json_t *rules = json_array();
	for (size_t i = 0; rules && i < R__COUNT; i++) {
		const strata_lint_rule *d = &strata__lint_rules[i];
		json_t *o = json_object(), *cfg = json_object();
		bool ok = o && cfg && put(o, "id", json_string(d->id)) &&
			  put(o, "shortDescription", text_obj(d->summary)) &&
			  put(o, "fullDescription", text_obj(d->explanation)) &&
			  put(o, "helpUri", json_sprintf("https://strata.dev/docs/lint-rules#%s", d->id)) &&
			  put(cfg, "level", json_string(sarif_level(d->severity)));
		if (ok) {
			ok = put(o, "defaultConfiguration", cfg);
			cfg = NULL;
		}
		if (!ok) {
			json_decref(cfg);
			json_decref(o);
		}
		if (!ok || !append(rules, o)) {
			json_decref(rules);
			return NULL;
		}
	}
	return rules;
}

static json_t *sarif_result(const strata_lint_finding *f, size_t rule_index)
{
	/* Each put() and append() takes its value over, success or not. */
	json_t *o = json_object();
	if (!o)
		return NULL;
	bool ok = put(o, "ruleId", json_string(f->rule)) && put(o, "ruleIndex", json_integer((json_int_t)rule_index)) &&
		  put(o, "level", json_string(sarif_level(f->severity))) && put(o, "message", text_obj(f->message));
	json_t *locs = ok ? json_array() : NULL;
	ok = ok && put(o, "locations", locs);
	json_t *loc = ok ? json_object() : NULL;
	ok = ok && append(locs, loc);
	json_t *phys = ok ? json_object() : NULL;
	ok = ok && put(loc, "physicalLocation", phys);
	json_t *art = ok ? json_object() : NULL;
	ok = ok && put(phys, "artifactLocation", art) && put(art, "uri", json_string(f->file));
	if (ok && f->line > 0) {
		json_t *region = json_object();
		ok = put(phys, "region", region) && put(region, "startLine", json_integer(f->line)) &&
		     put(region, "startColumn", json_integer(f->column > 0 ? f->column : 1));
	}
	if (ok && *f->lock) {
		json_t *props = json_object();
		ok = put(o, "properties", props) && put(props, "lock", json_string(f->lock)) &&
		     put(props, "blocksReads", str_array(f->blocks_reads, f->nblocks_reads)) &&
		     put(props, "blocksWrites", str_array(f->blocks_writes, f->nblocks_writes));
	}
	if (ok && *f->object) {
		json_t *logs = json_array();
		ok = put(loc, "logicalLocations", logs);
		json_t *lg = ok ? json_object() : NULL;
		ok = ok && append(logs, lg) && put(lg, "fullyQualifiedName", json_string(f->object));
	}
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int write_sarif(const strata_lint_report *r, char **out)
{
	json_t *root = json_object(), *runs = json_array(), *run = json_object(), *tool = json_object(),
	       *driver = json_object(), *results = json_array();
	bool ok = root && runs && run && tool && driver && results &&
		  put(root, "$schema", json_string("https://json.schemastore.org/sarif-2.1.0.json")) &&
		  put(root, "version", json_string("2.1.0")) && put(driver, "name", json_string("strata-lint")) &&
		  put(driver, "informationUri", json_string("https://strata.dev/docs/lint-rules")) &&
		  put(driver, "rules", sarif_rules());
	for (size_t i = 0; ok && i < r->n; i++) {
		const lint_item *it = &r->items[i];
		ok = append(results, sarif_result(&it->f, (size_t)it->rule));
	}
	if (ok) {
		ok = put(tool, "driver", driver);
		driver = NULL;
	}
	if (ok) {
		ok = put(run, "tool", tool);
		tool = NULL;
	}
	if (ok) {
		ok = put(run, "results", results);
		results = NULL;
	}
	if (ok) {
		ok = append(runs, run);
		run = NULL;
	}
	if (ok) {
		ok = put(root, "runs", runs);
		runs = NULL;
	}
	json_decref(results);
	json_decref(driver);
	json_decref(tool);
	json_decref(run);
	json_decref(runs);
	if (!ok) {
		json_decref(root);
		return strata__error_nomem();
	}
	return dump(root, out);
}

int strata_lint_report_format(const strata_lint_report *r, strata_lint_format fmt, char **out)
{
	if (!r || !out)
		return strata__error_set(STRATA_EINVAL, "lint: NULL report or output");
	*out = NULL;
	switch (fmt) {
	case STRATA_LINT_FORMAT_TEXT: return write_text(r, out);
	case STRATA_LINT_FORMAT_JSON: return write_json(r, out);
	case STRATA_LINT_FORMAT_SARIF: return write_sarif(r, out);
	}
	return strata__error_set(STRATA_EINVAL, "lint: unknown output format %d", (int)fmt);
}
