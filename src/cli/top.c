/*
 * strata top [--url URL] [--interval S] [--once] [--json] [--all]: what
 * the database is doing now.  PostgreSQL: sessions running or holding a
 * transaction, their waits, who blocks whom, connections by state against
 * max_connections.  SQLite: the file, its WAL, the write lock and the
 * processes using it.  On a terminal the picture refreshes in place every
 * interval until Ctrl-C; elsewhere (or with --json, one object per line)
 * each snapshot follows the last; --once prints one and exits.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <strata/activity.h>

#include "cli.h"
#include "ops.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: strata top [--url URL] [--interval S] [--once] [--json] [--all]\n"
		   "What the database is doing now.  PostgreSQL: running queries and open transactions with\n"
		   "their duration and wait, blocked and blocking sessions, connections by state against\n"
		   "max_connections.  SQLite: the file and its WAL, the write lock, the processes using it.\n\n"
		   "  --interval S  seconds between refreshes (default 2)\n"
		   "  --once        print one snapshot and exit\n"
		   "  --json        JSON, one object per snapshot (one line each unless --once)\n"
		   "  --all         PostgreSQL: list idle sessions too\n");
}

/* "850 ms", "12.3 s", "4 min 10 s", "2 h 5 min"; "-" when unknown. */
static void duration(double ms, char *buf, size_t cap)
{
	if (ms < 0)
		snprintf(buf, cap, "-");
	else if (ms < 1000)
		snprintf(buf, cap, "%.0f ms", ms);
	else if (ms < 60000)
		snprintf(buf, cap, "%.1f s", ms / 1000);
	else if (ms < 3600000)
		snprintf(buf, cap, "%d min %d s", (int)(ms / 60000), (int)(ms / 1000) % 60);
	else
		snprintf(buf, cap, "%d h %d min", (int)(ms / 3600000), (int)(ms / 60000) % 60);
}

static const strata_session *find_pid(const strata_activity *a, int64_t pid)
{
	for (size_t i = 0; i < a->nsessions; i++)
		if (a->sessions[i].pid == pid)
			return &a->sessions[i];
	return NULL;
}

static void print_pg(const strata_activity *a, bool all, bool color)
{
	char when[STRATA_TIMESTAMP_BUFSZ];
	strata_timestamp_format(a->taken_at, when);
	int64_t usable = a->max_connections - a->reserved_connections;
	printf("connections %lld of %lld (%lld reserved for superusers)", (long long)a->connections,
	       (long long)a->max_connections, (long long)a->reserved_connections);
	for (size_t i = 0; i < a->nstates; i++)
		printf("%s %lld %s", i ? "," : ":", (long long)a->states[i].count, a->states[i].state);
	if (usable > 0 && a->connections * 10 >= usable * 8)
		printf("  %s(%.0f%% of the usable connections)%s", ops_c(color, OPS_YELLOW),
		       100.0 * (double)a->connections / (double)usable, ops_c(color, OPS_RESET));
	printf("\n");
	/* who waits for whom, in one line each */
	for (size_t i = 0; i < a->nsessions; i++) {
		const strata_session *s = &a->sessions[i];
		if (!s->nblocked_by)
			continue;
		char d[32];
		duration(s->query_ms, d, sizeof d);
		printf("%sblocked:%s pid %lld has waited %s for", ops_c(color, OPS_YELLOW), ops_c(color, OPS_RESET),
		       (long long)s->pid, d);
		for (size_t k = 0; k < s->nblocked_by; k++) {
			const strata_session *b = find_pid(a, s->blocked_by[k]);
			char bd[32] = "";
			if (b)
				duration(b->state_ms, bd, sizeof bd);
			printf("%s pid %lld", k ? "," : "", (long long)s->blocked_by[k]);
			if (b)
				printf(" (%s %s)", b->state, bd);
		}
		printf("\n");
	}
	static const char *const head[] = { "PID",	  "DATABASE",  "USER",	     "STATE", "WAIT",
					    "QUERY TIME", "XACT TIME", "BLOCKED BY", "QUERY" };
	ops_table t;
	ops_table_init(&t, 9, "rllllrrll", head);
	size_t shown = 0;
	for (size_t i = 0; i < a->nsessions; i++) {
		const strata_session *s = &a->sessions[i];
		bool busy = strcmp(s->state, "idle") != 0 || s->blocking || s->nblocked_by;
		if (s->self || (!all && !busy))
			continue;
		char pid[24], q[32], x[32], by[96] = "";
		snprintf(pid, sizeof pid, "%lld", (long long)s->pid);
		duration(s->query_ms, q, sizeof q);
		duration(s->transaction_ms, x, sizeof x);
		for (size_t k = 0, n = 0; k < s->nblocked_by && n + 16 < sizeof by; k++)
			n += (size_t)snprintf(by + n, sizeof by - n, "%s%lld", k ? "," : "",
					      (long long)s->blocked_by[k]);
		const char *row[] = { pid, s->database, s->user, s->state, s->wait, q, x, by, s->query };
		ops_table_row(&t, row);
		shown++;
	}
	if (shown) {
		printf("\n");
		ops_table_fit_last(&t, ops_term_width()); /* the query gets what is left */
		ops_table_print(&t, stdout, color, "");
	} else {
		printf("\nno %ssessions running a query or holding a transaction\n", all ? "" : "other ");
	}
	ops_table_free(&t);
	(void)when;
}

static void print_sqlite(const strata_activity *a, bool color)
{
	char size[32], wal[32];
	ops_bytes(a->database_bytes, size, sizeof size);
	printf("file %s, journal mode %s", size, a->journal_mode);
	if (a->wal_bytes >= 0) {
		ops_bytes(a->wal_bytes, wal, sizeof wal);
		printf("; WAL %s", wal);
		if (a->wal_frames >= 0)
			printf(", %lld page%s not yet checkpointed into the file", (long long)a->wal_frames,
			       a->wal_frames == 1 ? "" : "s");
	}
	printf("\nwrite lock: %s%s%s\n", ops_c(color, a->write_locked ? OPS_YELLOW : OPS_GREEN),
	       a->write_locked ? "held (a write transaction is open)" : "free", ops_c(color, OPS_RESET));
	if (!a->nsessions) {
		printf("%s\n", a->locks_known ? "no process has the file open"
					      : "(which processes use the file is only known on Linux)");
		return;
	}
	static const char *const head[] = { "PID", "ROLE", "COMMAND", "" };
	ops_table t;
	ops_table_init(&t, 4, "rlll", head);
	for (size_t i = 0; i < a->nsessions; i++) {
		const strata_session *s = &a->sessions[i];
		char pid[24];
		snprintf(pid, sizeof pid, "%lld", (long long)s->pid);
		const char *row[] = { pid, s->state, s->application, s->self ? "(this command)" : "" };
		ops_table_row(&t, row);
	}
	printf("\n");
	ops_table_print(&t, stdout, color, "");
	ops_table_free(&t);
}

static void print_frame(const ops_db *d, const strata_activity *a, bool all, bool color, double interval, bool live)
{
	char when[STRATA_TIMESTAMP_BUFSZ];
	strata_timestamp_format(a->taken_at, when);
	bool pg = !strcmp(a->backend, "postgres");
	printf("%sstrata top%s  %s  %s %s  %.19s UTC", ops_c(color, OPS_BOLD), ops_c(color, OPS_RESET), d->shown,
	       pg ? "PostgreSQL" : "SQLite", strata_db_server_version(d->db), when);
	if (live)
		printf("  %s(every %g s, Ctrl-C to quit)%s", ops_c(color, OPS_DIM), interval, ops_c(color, OPS_RESET));
	printf("\n");
	if (pg)
		print_pg(a, all, color);
	else
		print_sqlite(a, color);
}

static void nap(double seconds)
{
	struct timespec ts = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
	while (!stop && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int cmd_top(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "interval", required_argument, NULL, 'i' },
		{ "once", no_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *flag_url = NULL;
	double interval = 2;
	bool once = false, json = false, all = false;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "u:i:ojah", longopts, NULL)) != -1) {
		switch (c) {
		case 'u': flag_url = optarg; break;
		case 'i': {
			char *end;
			errno = 0;
			interval = strtod(optarg, &end);
			if (end == optarg || *end || errno || !(interval >= 0.1) || interval > 86400) {
				cli_errorf("top: --interval '%s' is not a number of seconds from 0.1 to 86400", optarg);
				return 2;
			}
			break;
		}
		case 'o': once = true; break;
		case 'j': json = true; break;
		case 'a': all = true; break;
		case 'h': usage(stdout); return 0;
		default: cli_errorf("top: unknown option '%s' (see strata top --help)", argv[optind - 1]); return 2;
		}
	}
	if (optind < argc) {
		cli_errorf("top: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	ops_db d;
	int status = 1;
	if (ops_db_open(&d, flag_url, OPS_EXISTING, json))
		goto done;
	strata_db *db = d.db;
	bool tty = isatty(STDOUT_FILENO);
	bool color = cli_color(), in_place = tty && !once && !json;
	struct sigaction sa = { 0 }, old_int, old_term;
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	for (bool first = true; !stop; first = false) {
		strata_activity *a = NULL;
		if (strata_activity_collect(db, &a) != STRATA_OK) {
			ops_fail("top", json);
			goto restore;
		}
		if (json) {
			char *text = NULL;
			if (strata_activity_json(a, once, &text) != STRATA_OK) {
				strata_activity_free(a);
				cli_error("top");
				goto restore;
			}
			puts(text);
			free(text);
		} else {
			if (in_place)
				fputs("\033[H\033[2J", stdout); /* home, clear: the new picture replaces the old */
			else if (!first)
				putchar('\n');
			print_frame(&d, a, all, color, interval, in_place);
		}
		fflush(stdout);
		strata_activity_free(a);
		if (once)
			break;
		nap(interval);
	}
	status = 0;
restore:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
done:
	ops_db_close(&d);
	return status;
}
