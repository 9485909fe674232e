/*
 * bench_startup: how long the strata command takes to start and finish
 * when it has (almost) nothing to do, beside dbmate's --version.
 *
 *   bench_startup [--runs N] [--strata PATH] [--dbmate PATH]
 *
 * Each command runs N times (default 300), interleaved with the others so
 * a change in the machine's load hits all of them alike; stdout and stderr
 * go to /dev/null.  Wall time is from posix_spawn to waitpid; CPU time is
 * the child's user + system time (what a busy machine disturbs least).
 * Medians are reported.  `migrate status` runs in an empty project: an
 * empty migrations/ and a SQLite database the first run created.
 *
 * dbmate is the Go binary the npm package installs (`npm install dbmate`
 * under build/ or anywhere, then --dbmate or $DBMATE), not its node
 * launcher; PATH is searched last.  Without it the ratios are skipped with
 * a note.  Targets (issue 14): each strata row at most 3 ms and at most 0.3x
 * dbmate --version, in the same run.  The dynamic loader's own figures
 * (LD_DEBUG=statistics, objects mapped) are printed under the table.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dbmate.h"

extern char **environ;

#define TARGET_MS    3.0
#define TARGET_RATIO 0.3

typedef struct command {
	const char *label;
	char *argv[8];
	bool strata; /* has targets */
	double *wall, *cpu;
	int n;
} command;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Run argv once with output to /dev/null; wall and CPU time in ms.  Returns the exit status. */
static int run(char *const argv[], char **envp, double *wall, double *cpu)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	double t0 = now_ms();
	int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, envp ? envp : environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		fprintf(stderr, "bench_startup: %s: %s\n", argv[0], strerror(rc));
		exit(1);
	}
	int status;
	struct rusage ru;
	while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
		;
	*wall = now_ms() - t0;
	*cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Run `cmd` (a shell command) and return the first line of its output containing `key`, or "". */
static void grep_output(const char *cmd, const char *key, char *line, size_t cap)
{
	line[0] = '\0';
	FILE *p = popen(cmd, "r");
	if (!p)
		return;
	char buf[512];
	while (fgets(buf, sizeof buf, p))
		if (!line[0] && strstr(buf, key)) {
			buf[strcspn(buf, "\n")] = '\0';
			const char *s = strstr(buf, key);
			snprintf(line, cap, "%s", s);
		}
	pclose(p);
}

int main(int argc, char **argv)
{
	int runs = 300;
	const char *strata = STRATA_BENCH_CLI, *dbmate_arg = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--strata") && i + 1 < argc)
			strata = argv[++i];
		else if (!strcmp(argv[i], "--dbmate") && i + 1 < argc)
			dbmate_arg = argv[++i];
		else {
			fprintf(stderr, "usage: bench_startup [--runs N] [--strata PATH] [--dbmate PATH]\n");
			return 2;
		}
	}
	if (runs < 5)
		runs = 5;
	char *dbmate = (char *)dbmate_find(dbmate_arg, STRATA_BENCH_BUILD);

	/* the empty project */
	char dir[] = "/tmp/strata-bench-startup-XXXXXX";
	if (!mkdtemp(dir)) {
		perror("bench_startup: mkdtemp");
		return 1;
	}
	char migrations[256], url[256];
	snprintf(migrations, sizeof migrations, "%s/migrations", dir);
	snprintf(url, sizeof url, "sqlite:%s/db.sqlite", dir);
	mkdir(migrations, 0700);
	{
		/* status only reads: the database must exist (an empty SQLite file) */
		char path[300];
		snprintf(path, sizeof path, "%s/db.sqlite", dir);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd >= 0)
			close(fd);
	}

	command cmds[5];
	int ncmd = 0;
	cmds[ncmd++] = (command){ "/bin/true (process floor)", { "/bin/true", NULL }, false, NULL, NULL, 0 };
	cmds[ncmd++] = (command){ "strata --version", { (char *)strata, "--version", NULL }, true, NULL, NULL, 0 };
	cmds[ncmd++] = (command){ "strata migrate status (empty)",
				  { (char *)strata, "migrate", "status", "--url", url, "--dir", migrations, NULL },
				  true,
				  NULL,
				  NULL,
				  0 };
	int dbmate_version = -1;
	if (dbmate) {
		dbmate_version = ncmd;
		cmds[ncmd++] = (command){ "dbmate --version", { dbmate, "--version", NULL }, false, NULL, NULL, 0 };
		cmds[ncmd++] = (command){ "dbmate status (empty)",
					  { dbmate, "--url", url, "--migrations-dir", migrations, "--no-dump-schema",
					    "status", NULL },
					  false,
					  NULL,
					  NULL,
					  0 };
	}
	for (int c = 0; c < ncmd; c++) {
		cmds[c].wall = calloc((size_t)runs, sizeof(double));
		cmds[c].cpu = calloc((size_t)runs, sizeof(double));
		if (!cmds[c].wall || !cmds[c].cpu)
			return 1;
		/* a warm-up run, which also checks the command works */
		double w, u;
		int st = run(cmds[c].argv, NULL, &w, &u);
		if (st != 0) {
			fprintf(stderr, "bench_startup: `%s` exits %d\n", cmds[c].label, st);
			return 1;
		}
	}
	for (int r = 0; r < runs; r++)
		for (int c = 0; c < ncmd; c++) {
			command *k = &cmds[(c + r) % ncmd]; /* rotate the order too */
			run(k->argv, NULL, &k->wall[k->n], &k->cpu[k->n]);
			k->n++;
		}

	double ref_wall = dbmate_version >= 0 ? median(cmds[dbmate_version].wall, runs) : 0;
	double ref_cpu = dbmate_version >= 0 ? median(cmds[dbmate_version].cpu, runs) : 0;
	printf("start-up, median of %d interleaved runs each (ms)\n\n", runs);
	printf("%-32s %9s %9s %11s %10s  %s\n", "command", "wall", "cpu", "wall/dbmate", "cpu/dbmate", "target");
	bool all_met = true;
	for (int c = 0; c < ncmd; c++) {
		double w = median(cmds[c].wall, runs), u = median(cmds[c].cpu, runs);
		char rw[16] = "-", rc[16] = "-", target[96] = "";
		if (ref_wall > 0) {
			snprintf(rw, sizeof rw, "%.2fx", w / ref_wall);
			snprintf(rc, sizeof rc, "%.2fx", u / ref_cpu);
		}
		if (cmds[c].strata) {
			bool met_ms = w <= TARGET_MS;
			bool met_ratio = ref_wall > 0 && w / ref_wall <= TARGET_RATIO;
			if (ref_wall > 0)
				snprintf(target, sizeof target, "<= %.0f ms: %s; <= %.1fx dbmate: %s", TARGET_MS,
					 met_ms ? "met" : "NOT met", TARGET_RATIO, met_ratio ? "met" : "NOT met");
			else
				snprintf(target, sizeof target, "<= %.0f ms: %s; dbmate ratio: skipped", TARGET_MS,
					 met_ms ? "met" : "NOT met");
			all_met = all_met && met_ms && (ref_wall == 0 || met_ratio);
		}
		printf("%-32s %9.2f %9.2f %11s %10s  %s\n", cmds[c].label, w, u, rw, rc, target);
	}
	if (!dbmate)
		printf("\ndbmate not found: the ratios are skipped (npm install dbmate under build/, or pass --dbmate "
		       "PATH)\n");
	else
		printf("\ndbmate: %s\n", dbmate);

	/* what the dynamic loader does for `strata --version` */
	char cmd[4600], line[512];
	snprintf(cmd, sizeof cmd, "LD_DEBUG=statistics '%s' --version 2>&1 >/dev/null", strata);
	grep_output(cmd, "total startup time in dynamic loader", line, sizeof line);
	printf("loader: %s\n", line[0] ? line : "(LD_DEBUG gave nothing)");
	grep_output(cmd, "number of relocations:", line, sizeof line);
	printf("loader: %s\n", line);
	snprintf(cmd, sizeof cmd,
		 "LD_DEBUG=files '%s' migrate status --url '%s' --dir '%s' 2>&1 >/dev/null | grep -c 'file=.*\\[0\\];  "
		 "needed by'",
		 strata, url, migrations);
	grep_output(cmd, "", line, sizeof line);
	printf("shared objects mapped by `strata migrate status` on SQLite: %s (ldd lists them)\n", line);
	printf("\ntargets: %s\n", all_met ? "all met" : "NOT all met");

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_startup: could not remove %s\n", dir);
	for (int c = 0; c < ncmd; c++) {
		free(cmds[c].wall);
		free(cmds[c].cpu);
	}
	return 0;
}
