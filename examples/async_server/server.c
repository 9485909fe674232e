/*
 * An HTTP server on libuv that answers every request from one thread over
 * a few database connections, through the code `strata gen c --async`
 * writes for examples/tasks/schema.strata.
 *
 *   GET /users/<uuid>/tasks    200: one line per task of that user ("<id>\t<title>")
 *                              400: not a UUID; 404: another path; 503: the database failed
 *
 *   async_server [--port N] [--mode async|threads] [--connections N]
 *
 * The database is $DATABASE_URL (or .env); nothing else is read, so no
 * password shows on a command line.  The server listens on 127.0.0.1 (port
 * 0, the default, picks a free one), prints "listening on 127.0.0.1:PORT"
 * once it accepts, and stops cleanly on SIGTERM or SIGINT.
 *
 * --mode async (the default; PostgreSQL only): N non-blocking connections
 *     (strata_open_async, default 2).  Each has a uv_poll_t on its socket and
 *     a uv_timer_t for its deadline; every request starts task_list_start()
 *     on the connection with the fewest statements in flight (libpq's
 *     pipeline mode keeps many in flight on each) and answers from the
 *     callback with task_list_finish().  A connection that breaks is
 *     replaced; the requests it carried answer 503.
 * --mode threads: the blocking way, for comparison and for SQLite: each
 *     request runs the blocking task_list() on libuv's worker threads
 *     (uv_queue_work, $UV_THREADPOOL_SIZE of them, default 4) with a
 *     strata_pool of as many connections (--connections sets both), and
 *     is answered on the loop thread.  This is the pattern docs/async.md
 *     recommends for SQLite, which has no non-blocking interface.
 *
 * One request at a time per client connection (HTTP/1.1 keep-alive, no
 * HTTP pipelining); requests are read up to 4 KiB.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strata.h>
#include <strata/async.h>
#include <uv.h>

#include "tasks_db.h" /* strata gen c --async examples/tasks/schema.strata */

#define MAX_CONNS 64

typedef struct dbconn {
	strata_db *db;
	uv_poll_t *poll; /* on the socket the connection wants watched, or NULL */
	int fd;
	uv_timer_t timer;
	int index;
} dbconn;

typedef struct client {
	uv_tcp_t tcp;
	char buf[4096];
	size_t len;
	bool busy;   /* a request of this client is being answered */
	bool closed; /* uv_close() called: answers are dropped */
	int refs;    /* the handle itself and each request in flight */
} client;

typedef struct request {
	client *c;
	user_id owner;
	task_query q;
	task_page page;
	int status;
	char message[256];
	uv_work_t work;
} request;

static uv_loop_t *loop;
static uv_tcp_t listener;
static uv_signal_t sigterm, sigint;
static bool threads_mode;
static int nconns = 2;
static dbconn conns[MAX_CONNS];
static strata_pool *pool;
static char *db_url;
static bool stopping;

static void die(const char *what)
{
	fprintf(stderr, "async_server: %s: %s\n", what, strata_error_last()->message);
	exit(1);
}

/* ---- clients ---- */

static void client_unref(client *c)
{
	if (--c->refs == 0)
		free(c);
}

static void on_client_closed(uv_handle_t *h)
{
	client_unref(h->data);
}

static void client_close(client *c)
{
	if (!c->closed) {
		c->closed = true;
		uv_close((uv_handle_t *)&c->tcp, on_client_closed);
	}
}

typedef struct reply {
	uv_write_t w;
	client *c;
	char *text;
} reply;

static void serve_next(client *c);

static void on_written(uv_write_t *w, int st)
{
	reply *r = (reply *)w;
	client *c = r->c;
	free(r->text);
	free(r);
	if (st < 0)
		client_close(c);
	else if (!c->closed)
		serve_next(c);
	client_unref(c);
}

/* Send a response (`body` is taken over) and go on with the next request. */
static void respond(client *c, int code, const char *reason, char *body, size_t body_len)
{
	c->busy = false;
	if (c->closed) {
		free(body);
		return;
	}
	char head[160];
	int hn =
		snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n",
			 code, reason, body_len);
	reply *r = malloc(sizeof *r);
	char *text = malloc((size_t)hn + body_len);
	if (!r || !text) {
		free(r);
		free(text);
		free(body);
		client_close(c);
		return;
	}
	memcpy(text, head, (size_t)hn);
	if (body_len)
		memcpy(text + hn, body, body_len);
	free(body);
	r->c = c;
	r->text = text;
	c->refs++;
	uv_buf_t b = uv_buf_init(text, (unsigned)(hn + (int)body_len));
	if (uv_write(&r->w, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) {
		free(text);
		free(r);
		c->refs--;
		client_close(c);
	}
}

static void respond_text(client *c, int code, const char *reason, const char *msg)
{
	char *body = strdup(msg);
	respond(c, code, reason, body, body ? strlen(body) : 0);
}

/* The request's answer: its tasks, or why there are none. */
static void answer(request *r)
{
	client *c = r->c;
	if (r->status != STRATA_OK) {
		char msg[300];
		snprintf(msg, sizeof msg, "database: %s\n", r->message);
		respond_text(c, 503, "Service Unavailable", msg);
	} else {
		size_t cap = 64, len = 0;
		for (size_t i = 0; i < r->page.n; i++)
			cap += strlen(r->page.items[i].title) + 24;
		char *body = malloc(cap);
		if (!body) {
			respond_text(c, 503, "Service Unavailable", "out of memory\n");
		} else {
			for (size_t i = 0; i < r->page.n; i++)
				len += (size_t)snprintf(body + len, cap - len, "%lld\t%s\n",
							(long long)r->page.items[i].id.v, r->page.items[i].title);
			respond(c, 200, "OK", body, len);
		}
	}
	task_page_free(&r->page);
	client_unref(c);
	free(r);
}

/* ---- the non-blocking way ---- */

static void conn_arm(dbconn *d);

static void on_poll(uv_poll_t *h, int st, int events)
{
	dbconn *d = h->data;
	unsigned rev = (events & UV_READABLE ? STRATA_WANT_READ : 0) | (events & UV_WRITABLE ? STRATA_WANT_WRITE : 0);
	if (st < 0)
		rev = STRATA_WANT_READ; /* let libpq find the error */
	strata_db_process(d->db, rev);
	conn_arm(d);
}

static void on_timer(uv_timer_t *t)
{
	dbconn *d = t->data;
	strata_db_process(d->db, 0);
	conn_arm(d);
}

static void free_handle(uv_handle_t *h)
{
	free(h);
}

static void conn_unwatch(dbconn *d)
{
	if (d->poll) {
		uv_close((uv_handle_t *)d->poll, free_handle);
		d->poll = NULL;
	}
	d->fd = -1;
}

static void conn_open(dbconn *d)
{
	if (strata_open_async(&d->db, db_url, NULL) != STRATA_OK)
		die("opening a non-blocking connection");
}

/* Watch what the connection wants now; replace it when it broke. */
static void conn_arm(dbconn *d)
{
	if (stopping)
		return;
	strata_wants w;
	strata_db_wants(d->db, &w);
	if (w.fd < 0) {
		/* broken: its statements have had their callbacks (503); open another */
		fprintf(stderr, "async_server: connection %d broke (%s); opening another\n", d->index,
			strata_error_last()->message);
		conn_unwatch(d);
		strata_close(d->db);
		conn_open(d);
		strata_db_wants(d->db, &w);
	}
	if (w.fd != d->fd) {
		conn_unwatch(d);
		d->poll = malloc(sizeof *d->poll);
		if (!d->poll || uv_poll_init(loop, d->poll, w.fd) != 0) {
			fprintf(stderr, "async_server: cannot watch a socket\n");
			exit(1);
		}
		d->poll->data = d;
		d->fd = w.fd;
	}
	int ev = (w.events & STRATA_WANT_READ ? UV_READABLE : 0) | (w.events & STRATA_WANT_WRITE ? UV_WRITABLE : 0);
	if (ev)
		uv_poll_start(d->poll, ev, on_poll);
	else
		uv_poll_stop(d->poll);
	if (w.timeout_ms >= 0)
		uv_timer_start(&d->timer, on_timer, (uint64_t)w.timeout_ms, 0);
	else
		uv_timer_stop(&d->timer);
}

static void on_tasks(strata_stmt *st, int outcome, void *ud)
{
	request *r = ud;
	r->status = task_list_finish(st, outcome, &r->q, &r->page);
	if (r->status != STRATA_OK)
		snprintf(r->message, sizeof r->message, "%s", strata_error_last()->message);
	answer(r);
}

static void start_async(request *r)
{
	dbconn *best = &conns[0];
	for (int i = 1; i < nconns; i++)
		if (strata_db_pending(conns[i].db) < strata_db_pending(best->db))
			best = &conns[i];
	int rc = task_list_start(best->db, r->owner, &r->q, on_tasks, r, NULL);
	if (rc != STRATA_OK) {
		r->status = rc;
		snprintf(r->message, sizeof r->message, "%s", strata_error_last()->message);
		answer(r);
		return;
	}
	conn_arm(best);
}

/* ---- the blocking way, on worker threads ---- */

static void work(uv_work_t *w)
{
	request *r = w->data;
	strata_db *db = NULL;
	r->status = strata_pool_acquire(pool, &db);
	if (r->status == STRATA_OK) {
		r->status = task_list(db, r->owner, &r->q, &r->page);
		if (r->status != STRATA_OK)
			snprintf(r->message, sizeof r->message, "%s", strata_error_last()->message);
		strata_pool_release(pool, db);
	} else {
		snprintf(r->message, sizeof r->message, "%s", strata_error_last()->message);
	}
}

static void after_work(uv_work_t *w, int st)
{
	(void)st;
	answer(w->data);
}

/* ---- HTTP ---- */

/* Handle the first complete request in the client's buffer, if any. */
static void serve_next(client *c)
{
	if (c->busy || c->closed)
		return;
	char *end = NULL;
	for (size_t i = 0; i + 3 < c->len; i++)
		if (memcmp(c->buf + i, "\r\n\r\n", 4) == 0) {
			end = c->buf + i + 4;
			break;
		}
	if (!end) {
		if (c->len == sizeof c->buf)
			client_close(c); /* a request this server does not read */
		return;
	}
	size_t used = (size_t)(end - c->buf);
	char path[256] = "";
	int ok = sscanf(c->buf, "GET %255s HTTP/1.", path) == 1;
	memmove(c->buf, end, c->len - used);
	c->len -= used;
	c->busy = true;

	static const char prefix[] = "/users/", suffix[] = "/tasks";
	size_t pl = strlen(path);
	if (!ok || pl != sizeof prefix - 1 + STRATA_UUID_STRLEN + sizeof suffix - 1 ||
	    strncmp(path, prefix, sizeof prefix - 1) != 0 || strcmp(path + pl - (sizeof suffix - 1), suffix) != 0) {
		respond_text(c, 404, "Not Found", "try GET /users/<uuid>/tasks\n");
		return;
	}
	request *r = calloc(1, sizeof *r);
	if (!r) {
		respond_text(c, 503, "Service Unavailable", "out of memory\n");
		return;
	}
	if (strata_uuid_parse(path + sizeof prefix - 1, STRATA_UUID_STRLEN, &r->owner.v) != STRATA_OK) {
		free(r);
		respond_text(c, 400, "Bad Request", "not a UUID\n");
		return;
	}
	r->c = c;
	c->refs++;
	if (threads_mode) {
		r->work.data = r;
		if (uv_queue_work(loop, &r->work, work, after_work) != 0) {
			r->status = STRATA_ENOMEM;
			snprintf(r->message, sizeof r->message, "cannot queue the work");
			answer(r);
		}
	} else {
		start_async(r);
	}
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	(void)suggested;
	client *c = h->data;
	*b = uv_buf_init(c->buf + c->len, (unsigned)(sizeof c->buf - c->len));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	(void)b;
	client *c = s->data;
	if (n < 0) {
		client_close(c);
		return;
	}
	c->len += (size_t)n;
	serve_next(c);
}

static void on_connection(uv_stream_t *server, int st)
{
	if (st < 0)
		return;
	client *c = calloc(1, sizeof *c);
	if (!c)
		return;
	c->refs = 1;
	uv_tcp_init(loop, &c->tcp);
	c->tcp.data = c;
	if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0 ||
	    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
		client_close(c);
}

/* ---- start and stop ---- */

static void close_any(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (uv_is_closing(h))
		return;
	if (h->type == UV_TCP && h != (uv_handle_t *)&listener)
		client_close(h->data);
	else if (h->type == UV_POLL)
		uv_close(h, free_handle);
	else
		uv_close(h, NULL);
}

static void on_signal(uv_signal_t *s, int signum)
{
	(void)s;
	(void)signum;
	stopping = true;
	uv_walk(loop, close_any, NULL);
}

static int usage(void)
{
	fprintf(stderr, "usage: async_server [--port N] [--mode async|threads] [--connections N]\n"
			"The database is $DATABASE_URL.\n");
	return 2;
}

int main(int argc, char **argv)
{
	int port = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
			port = atoi(argv[++i]);
		else if (strcmp(argv[i], "--connections") == 0 && i + 1 < argc)
			nconns = atoi(argv[++i]);
		else if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc) {
			const char *m = argv[++i];
			if (strcmp(m, "threads") == 0)
				threads_mode = true;
			else if (strcmp(m, "async") != 0)
				return usage();
		} else
			return usage();
	}
	if (nconns < 1 || nconns > MAX_CONNS || port < 0 || port > 65535) {
		fprintf(stderr, "async_server: --connections must be 1 to %d and --port 0 to 65535\n", MAX_CONNS);
		return 2;
	}
	db_url = strata_url_resolve(NULL);
	if (!db_url)
		die("DATABASE_URL");
	signal(SIGPIPE, SIG_IGN);
	loop = uv_default_loop();

	if (threads_mode) {
		/* as many workers as connections; set before libuv starts its threads */
		char n[16];
		snprintf(n, sizeof n, "%d", nconns);
		setenv("UV_THREADPOOL_SIZE", n, 0);
		strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
		o.size = nconns;
		o.max_overflow = 0;
		if (strata_pool_open(&pool, db_url, &o) != STRATA_OK)
			die("opening the pool");
	} else {
		for (int i = 0; i < nconns; i++) {
			conns[i].index = i;
			conns[i].fd = -1;
			uv_timer_init(loop, &conns[i].timer);
			conns[i].timer.data = &conns[i];
			conn_open(&conns[i]);
			conn_arm(&conns[i]);
		}
	}

	struct sockaddr_in addr;
	uv_ip4_addr("127.0.0.1", port, &addr);
	uv_tcp_init(loop, &listener);
	int e = uv_tcp_bind(&listener, (const struct sockaddr *)&addr, 0);
	if (e == 0)
		e = uv_listen((uv_stream_t *)&listener, 512, on_connection);
	if (e != 0) {
		fprintf(stderr, "async_server: cannot listen on 127.0.0.1:%d: %s\n", port, uv_strerror(e));
		return 1;
	}
	struct sockaddr_storage bound;
	int blen = sizeof bound;
	uv_tcp_getsockname(&listener, (struct sockaddr *)&bound, &blen);
	uv_signal_init(loop, &sigterm);
	uv_signal_start(&sigterm, on_signal, SIGTERM);
	uv_signal_init(loop, &sigint);
	uv_signal_start(&sigint, on_signal, SIGINT);
	printf("listening on 127.0.0.1:%d\n", ntohs(((struct sockaddr_in *)&bound)->sin_port));
	fflush(stdout);

	uv_run(loop, UV_RUN_DEFAULT);

	/* every handle is closed; what is still in flight goes with its connection */
	for (int i = 0; i < nconns && !threads_mode; i++)
		strata_close(conns[i].db);
	strata_pool_close(pool);
	uv_loop_close(loop);
	free(db_url);
	return 0;
}
