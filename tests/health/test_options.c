/* Health options by name and from a config file, as a program sets them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strata/health.h>

#include "testdb.h"

Test(health_options, set_by_name)
{
	strata_health_options o = STRATA_HEALTH_OPTIONS_INIT;
	ST_OK(strata_health_options_set(&o, "idle_in_transaction_ms", "5000"));
	ST_OK(strata_health_options_set(&o, "seq_scan_ratio", "0.75"));
	ST_OK(strata_health_options_set(&o, "unused_index_bytes", "10485760"));
	ST_OK(strata_health_options_set(&o, "thorough", "yes"));
	ST_OK(strata_health_options_set(&o, "checks", "integrity,performance"));
	cr_assert_eq(o.thresholds.idle_in_transaction_ms, 5000);
	cr_assert_float_eq(o.thresholds.seq_scan_ratio, 0.75, 1e-9);
	cr_assert_eq(o.thresholds.unused_index_bytes, 10485760);
	cr_assert(o.thorough);
	cr_assert_str_eq(o.checks, "integrity,performance");
	ST_EXPECT(strata_health_options_set(&o, "seq_scan_ratio", "2"), STRATA_EINVAL);
	ST_EXPECT(strata_health_options_set(&o, "long_query_ms", "-1"), STRATA_EINVAL);
	ST_EXPECT(strata_health_options_set(&o, "long_query_ms", "12abc"), STRATA_EINVAL);
	ST_EXPECT(strata_health_options_set(&o, "nope", "1"), STRATA_EINVAL);
	cr_assert(strstr(strata_error_last()->message, "unknown health option 'nope'"));
}

Test(health_options, config_file_with_errors_at_their_line)
{
	char *dir = test_tmpdir(), path[4200], *storage = NULL;
	snprintf(path, sizeof path, "%s/health.conf", dir);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fputs("# thresholds\n\nlong_query_ms = 60000   # a minute\nrequired_file = checks/required.sql\n", f);
	fclose(f);
	strata_health_options o = STRATA_HEALTH_OPTIONS_INIT;
	ST_OK(strata_health_options_load(&o, path, &storage));
	cr_assert_eq(o.thresholds.long_query_ms, 60000);
	cr_assert_str_eq(o.required_file, "checks/required.sql");
	free(storage);
	f = fopen(path, "w");
	cr_assert(f);
	fputs("long_query_ms = 1\nthis is not a setting\n", f);
	fclose(f);
	ST_EXPECT(strata_health_options_load(&o, path, &storage), STRATA_EPARSE);
	cr_assert_eq(strata_error_last()->line, 2);
	cr_assert_null(storage);
	test_rmrf(dir);
	free(dir);
}

Test(health_options, report_json_and_exit_status)
{
	strata_health_report *r = NULL;
	strata_health_options o = STRATA_HEALTH_OPTIONS_INIT;
	o.checks = "connectivity,integrity";
	ST_OK(strata_health_run_url(&r, "sqlite::memory:", &o));
	cr_assert_eq(r->nchecks, 2);
	cr_assert_str_eq(r->checks[0].name, "connectivity");
	cr_assert_eq(r->level, STRATA_HEALTH_OK);
	cr_assert_eq(strata_health_exit_status(r->level), 0);
	char *json = NULL;
	ST_OK(strata_health_report_json(r, false, &json));
	cr_assert(strstr(json, "\"status\":\"ok\""), "%s", json);
	cr_assert(strstr(json, "\"name\":\"integrity\""), "%s", json);
	free(json);
	strata_health_report_free(r);
	cr_assert_eq(strata_health_exit_status(STRATA_HEALTH_WARNING), 1);
	cr_assert_eq(strata_health_exit_status(STRATA_HEALTH_FAILURE), 2);
	cr_assert_eq(strata_health_exit_status(STRATA_HEALTH_SKIPPED), 0);
	o.checks = "connectivity,bogus";
	ST_EXPECT(strata_health_run_url(&r, "sqlite::memory:", &o), STRATA_EINVAL);
}
