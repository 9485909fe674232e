/*
 * A small load generator for the example server (server.c), on loopback,
 * bounded in requests and time.
 *
 *   async_load --server PATH [--mode async|threads] [--connections N]
 *              [--concurrency C] [--requests N] [--seconds S] [--users U] [--tasks K]
 *
 * The database is $DATABASE_URL.  When it has no users yet, async_load
 * creates the tasks schema (examples/tasks/schema.strata, compiled in as
 * ASYNC_LOAD_SCHEMA) and U users (default 20) with K tasks each (default
 * 5), each task's title naming its owner.  It then starts the server PATH
 * with --mode and --connections (its port is the one it prints), opens C
 * client connections (default 64) and keeps one request in flight on each
 * until N requests (default 2,000) were answered or S seconds (default 60)
 * passed, all from one thread.  Every answer is checked: status 200,
 * exactly the owner's tasks (count from the database), every title naming
 * the owner asked for.  Then it stops the server (SIGTERM) and checks that
 * it exited cleanly.  It prints one line:
 *
 *   requests N ok N bad N seconds S rps R p50_us A p99_us B max_us C
 *
 * and exits 0 only when every request was answered correctly and the
 * server stopped cleanly (the first problem goes to stderr).
 */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <strata.h>

#include "tasks_db.h"

#define MAX_CLIENTS 1024
#define MAX_USERS   1000

typedef struct user_info {
	user_id id;
	char text[STRATA_UUID_STRLEN + 1];
	int64_t ntasks;
} user_info;

typedef struct client {
	int fd;
	int user;	 /* whose tasks the request in flight asks for; -1: none */
	int64_t sent_ns; /* when it was sent */
	char buf[65536];
	size_t len;
} client;

static user_info users[MAX_USERS];
static int nusers = 20, ntasks = 5;
static long bad;
static char first_problem[512];

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void problem(const char *fmt, const char *detail)
{
	bad++;
	if (!first_problem[0])
		snprintf(first_problem, sizeof first_problem, fmt, detail);
}

static void fail(const char *what)
{
	fprintf(stderr, "async_load: %s: %s\n", what, strata_error_last()->message);
	exit(1);
}

/* The users and their task counts; made first when the database has none. */
static void seed(const char *url)
{
	strata_db *db;
	if (strata_open(&db, url, NULL) != STRATA_OK)
		fail("opening the database");
	int64_t have = 0;
	if (strata_query_int64(db, &have, "SELECT count(*) FROM users", NULL, 0) != STRATA_OK) {
		strata_schema *s;
		if (strata_schema_load(&s, ASYNC_LOAD_SCHEMA) != STRATA_OK)
			fail("reading the tasks schema");
		if (strata_schema_apply(db, s) != STRATA_OK)
			fail("creating the tasks schema");
		strata_schema_free(s);
		have = 0;
	}
	if (have == 0) {
		for (int u = 0; u < nusers; u++) {
			char email[64], name[32];
			snprintf(email, sizeof email, "load-%d@example.test", u);
			snprintf(name, sizeof name, "Load %d", u);
			user row = { 0 };
			row.email = email;
			row.name = name;
			if (user_insert(db, &row) != STRATA_OK)
				fail("inserting a user");
			char uuid[STRATA_UUID_STRLEN + 1];
			strata_uuid_format(&row.id.v, uuid);
			for (int k = 0; k < ntasks; k++) {
				char title[96];
				snprintf(title, sizeof title, "task %d of %s", k, uuid);
				task t = { 0 };
				t.title = title;
				if (task_insert(db, row.id, &t) != STRATA_OK)
					fail("inserting a task");
			}
		}
	}
	user_page page = { 0 };
	user_query q = { 0 };
	q.limit = MAX_USERS;
	if (user_list(db, &q, &page) != STRATA_OK)
		fail("listing the users");
	nusers = (int)page.n;
	for (int u = 0; u < nusers; u++) {
		users[u].id = page.items[u].id;
		strata_uuid_format(&users[u].id.v, users[u].text);
		if (task_count(db, users[u].id, NULL, &users[u].ntasks) != STRATA_OK)
			fail("counting tasks");
	}
	user_page_free(&page);
	strata_close(db);
	if (nusers == 0) {
		fprintf(stderr, "async_load: the database has no users\n");
		exit(1);
	}
}

/* Start the server; its pid, and its port in *port. */
static pid_t start_server(const char *path, const char *mode, const char *connections, int *port)
{
	int p[2];
	if (pipe(p) != 0) {
		perror("async_load: pipe");
		exit(1);
	}
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execl(path, path, "--mode", mode, "--connections", connections, (char *)NULL);
		perror("async_load: starting the server");
		_exit(127);
	}
	close(p[1]);
	FILE *f = fdopen(p[0], "r");
	char line[128] = "";
	if (!f || !fgets(line, sizeof line, f) || sscanf(line, "listening on 127.0.0.1:%d", port) != 1) {
		fprintf(stderr, "async_load: the server did not start (it said: %s)\n", line);
		kill(pid, SIGKILL);
		exit(1);
	}
	fclose(f);
	return pid;
}

static int connect_to(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { 0 };
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		perror("async_load: connecting to the server");
		exit(1);
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static void send_request(client *c, int who)
{
	char req[256];
	int n = snprintf(req, sizeof req, "GET /users/%s/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", users[who].text);
	c->user = who;
	c->len = 0;
	c->sent_ns = now_ns();
	if (write(c->fd, req, (size_t)n) != n) {
		perror("async_load: sending a request");
		exit(1);
	}
}

/* A complete response in c->buf?  Check it; true when it was complete. */
static bool check_response(client *c)
{
	char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
	if (!end)
		return false;
	char *cl = memmem(c->buf, (size_t)(end - c->buf), "Content-Length: ", 16);
	size_t body_len = cl ? strtoul(cl + 16, NULL, 10) : 0;
	char *body = end + 4;
	if ((size_t)(c->buf + c->len - body) < body_len)
		return false;
	const user_info *u = &users[c->user];
	if (strncmp(c->buf, "HTTP/1.1 200 ", 13) != 0) {
		char what[300];
		snprintf(what, sizeof what, "%.*s", (int)(c->buf + c->len - c->buf > 290 ? 290 : c->len), c->buf);
		problem("an answer was not 200: %s", what);
		return true;
	}
	int64_t lines = 0;
	for (char *p = body; p < body + body_len;) {
		char *nl = memchr(p, '\n', (size_t)(body + body_len - p));
		if (!nl)
			break;
		if (!memmem(p, (size_t)(nl - p), u->text, STRATA_UUID_STRLEN)) {
			problem("a task of another user came back for %s", u->text);
			return true;
		}
		lines++;
		p = nl + 1;
	}
	if (lines != u->ntasks)
		problem("the wrong number of tasks came back for %s", u->text);
	return true;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int usage(void)
{
	fprintf(stderr, "usage: async_load --server PATH [--mode async|threads] [--connections N] [--concurrency C]\n"
			"                  [--requests N] [--seconds S] [--users U] [--tasks K]\n"
			"The database is $DATABASE_URL.\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *server = NULL, *mode = "async", *connections = "2";
	int concurrency = 64;
	long requests = 2000;
	double seconds = 60;
	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			return usage();
		const char *a = argv[i], *v = argv[++i];
		if (strcmp(a, "--server") == 0)
			server = v;
		else if (strcmp(a, "--mode") == 0)
			mode = v;
		else if (strcmp(a, "--connections") == 0)
			connections = v;
		else if (strcmp(a, "--concurrency") == 0)
			concurrency = atoi(v);
		else if (strcmp(a, "--requests") == 0)
			requests = atol(v);
		else if (strcmp(a, "--seconds") == 0)
			seconds = atof(v);
		else if (strcmp(a, "--users") == 0)
			nusers = atoi(v);
		else if (strcmp(a, "--tasks") == 0)
			ntasks = atoi(v);
		else
			return usage();
	}
	if (!server || concurrency < 1 || concurrency > MAX_CLIENTS || requests < 1 || nusers < 1 ||
	    nusers > MAX_USERS || ntasks < 0)
		return usage();
	char *url = strata_url_resolve(NULL);
	if (!url)
		fail("DATABASE_URL");
	seed(url);
	free(url);

	signal(SIGPIPE, SIG_IGN);
	int port = 0;
	pid_t pid = start_server(server, mode, connections, &port);
	static client clients[MAX_CLIENTS];
	static struct pollfd pfd[MAX_CLIENTS];
	int64_t *lat = calloc((size_t)requests, sizeof *lat);
	if (!lat)
		return 1;
	long sent = 0, done = 0;
	int64_t t0 = now_ns(), stop_at = t0 + (int64_t)(seconds * 1e9);
	for (int i = 0; i < concurrency; i++) {
		clients[i].fd = connect_to(port);
		clients[i].user = -1;
		if (sent < requests)
			send_request(&clients[i], (int)(sent++ % nusers));
	}
	while (done < sent && now_ns() < stop_at) {
		for (int i = 0; i < concurrency; i++) {
			pfd[i].fd = clients[i].user >= 0 ? clients[i].fd : -1;
			pfd[i].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)concurrency, 100) < 0 && errno != EINTR) {
			perror("async_load: poll");
			break;
		}
		for (int i = 0; i < concurrency; i++) {
			client *c = &clients[i];
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t n = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
			if (n <= 0) {
				if (n < 0 && errno == EAGAIN)
					continue;
				problem("the server closed a connection%s", "");
				c->user = -1;
				done++; /* counted as answered, badly */
				continue;
			}
			c->len += (size_t)n;
			if (!check_response(c))
				continue;
			lat[done++] = now_ns() - c->sent_ns;
			c->user = -1;
			if (sent < requests && now_ns() < stop_at)
				send_request(c, (int)(sent++ % nusers));
		}
	}
	double elapsed = (double)(now_ns() - t0) / 1e9;
	if (done < sent)
		problem("%s", "requests were still unanswered when time ran out");
	for (int i = 0; i < concurrency; i++)
		close(clients[i].fd);

	int st = 0;
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		problem("%s", "the server did not stop cleanly");

	long answered = done;
	qsort(lat, (size_t)answered, sizeof *lat, cmp_i64);
	int64_t p50 = answered ? lat[answered / 2] : 0, p99 = answered ? lat[(answered * 99) / 100] : 0;
	int64_t mx = answered ? lat[answered - 1] : 0;
	long ok = answered - bad < 0 ? 0 : answered - bad;
	printf("requests %ld ok %ld bad %ld seconds %.3f rps %.0f p50_us %lld p99_us %lld max_us %lld\n", sent, ok, bad,
	       elapsed, (double)answered / elapsed, (long long)(p50 / 1000), (long long)(p99 / 1000),
	       (long long)(mx / 1000));
	free(lat);
	if (bad) {
		fprintf(stderr, "async_load: %s\n", first_problem);
		return 1;
	}
	return ok == requests ? 0 : 1;
}
