/*
 * connect.c - `ipclab bench connect`: what it costs to set up a connection.
 *
 * For fifo, unix_stream and tcp: the client's time from the start of the
 * transport's connect() (socket() included; for the FIFO, the whole
 * notice-and-pair dance) until the first byte written by the freshly
 * accepted server side arrives.  The server accepts through the transport
 * interface too, writes one byte and closes: the product's code path on
 * both sides.  The client waits in poll() for that byte, because a FIFO
 * client cannot block in read() before the server has opened its end.
 *
 * Who closes first matters for TCP.  The side that closes first keeps the
 * connection in TIME_WAIT for a minute; if that were the client, every
 * connection would pin one of the client's ~28000 ephemeral ports and a
 * long run would fail with EADDRNOTAVAIL.  So the server closes first (as
 * an HTTP/1.0 server does) and the client waits for the end of stream
 * before closing: TIME_WAIT stays on the server's side, keyed by the client's
 * port, which never blocks a new connect().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench.h"
#include "io.h"

struct server_arg {
	const struct bench_opts *o;
	int stop_fd; /* the parent closes its end: stop */
	int parent_end;
};

static void server(struct bench_pair *p, struct ipc_server *s, void *arg,
		   struct bench_child_report *rep)
{
	struct server_arg *a = arg;
	const struct ipc_transport *t = s->t;
	struct bench_usage u0 = { 0 }, u1;
	struct ipc_error e;
	bool started = false;

	close(a->parent_end);
	bench_child_ready(p);
	for (;;) {
		/* Our measured part starts with the first timed connection. */
		if (!started && rep->messages == a->o->warmup) {
			bench_usage_now(&u0, NULL);
			started = true;
		}
		int r = io_wait(s->fd, POLLIN, a->stop_fd, BENCH_CHILD_TIMEOUT_MS);
		if (r == IO_STOPPED)
			break;
		if (r != IO_READY) {
			ipc_fail(&e, r == IO_TIMEOUT ? IPC_TIMEOUT : IPC_SYSTEM,
				 r == IO_TIMEOUT ? 0 : errno, "%s server: waiting for a client",
				 t->name);
			bench_report_error(rep, &e);
			return;
		}
		struct ipc_conn c;
		r = t->accept(s, &c, &e);
		if (r == IPC_WOULD_BLOCK)
			continue;
		if (r < 0) {
			bench_report_error(rep, &e);
			return;
		}
		/* One byte into a fresh connection always fits: no waiting. */
		ssize_t n = t->send(&c, "!", 1, &e);
		t->close(&c);
		if (n != 1) {
			if (n == IPC_WOULD_BLOCK)
				ipc_fail(&e, IPC_SYSTEM, 0, "%s server: no room for 1 byte in a new "
					 "connection (its send would block)", t->name);
			bench_report_error(rep, &e);
			return;
		}
		rep->messages++;
	}
	bench_usage_now(&u1, NULL);
	if (started) {
		rep->cpu_us = u1.cpu_us - u0.cpu_us;
		rep->ctxsw = u1.ctxsw - u0.ctxsw;
	}
}

/* Wait for one byte (want_eof: for the end of stream) on a client. */
static int await(struct ipc_conn *c, bool want_eof, struct ipc_error *e)
{
	for (;;) {
		char byte;
		int r = io_wait(c->rfd, POLLIN, -1, BENCH_CHILD_TIMEOUT_MS);
		if (r != IO_READY)
			return ipc_fail(e, r == IO_TIMEOUT ? IPC_TIMEOUT : IPC_SYSTEM,
					r == IO_TIMEOUT ? 0 : errno, "%s: waiting for the server's %s",
					c->t->name, want_eof ? "close" : "byte");
		ssize_t n = c->t->recv(c, &byte, 1, e);
		if (n == IPC_WOULD_BLOCK)
			continue;
		if (n < 0)
			return -1;
		if ((n == 0) != want_eof)
			return ipc_fail(e, IPC_PROTOCOL, 0, "%s: %s", c->t->name,
					want_eof ? "more than one byte from the server"
						 : "the server closed before its byte");
		return 0;
	}
}

static int run_connects(const struct bench_opts *o, struct bench_pair *p, uint64_t *ns,
			struct bench_usage *u0, struct ipc_error *e)
{
	const unsigned long long n = o->warmup + o->count;
	struct bench_progress pg;

	bench_progress_start(&pg, o, "connect %s", o->t->name);
	for (unsigned long long i = 0; i < n; i++) {
		struct ipc_conn c;
		if (i == o->warmup && bench_usage_now(u0, e) < 0)
			return -1;
		ipc_conn_init(&c, o->t, o->ctx);
		uint64_t t0 = bench_now_ns();
		if (o->t->connect(&c, &p->s.addr, e) < 0)
			return -1;
		if (await(&c, false, e) < 0) {
			o->t->close(&c);
			return -1;
		}
		uint64_t t1 = bench_now_ns();
		if (i >= o->warmup)
			ns[i - o->warmup] = t1 - t0;
		int r = await(&c, true, e); /* the server closed: now us */
		o->t->close(&c);
		if (r < 0)
			return -1;
		if ((i & 255) == 0)
			bench_progress_tick(&pg, i, n);
	}
	bench_progress_end(&pg);
	return 0;
}

int bench_connect(const struct bench_opts *o, struct bench_result *r, struct ipc_error *e)
{
	struct bench_pair p;
	struct bench_usage u0 = { 0 }, u1;
	struct bench_child_report rep;
	int stop[2];
	int rc = -1;

	bench_result_init(r, o, "connect");
	if (o->t->kind != IPC_STREAM || !o->t->servable)
		return ipc_fail(e, IPC_USAGE, 0, "connect: %s has no connection to set up "
				"(only fifo, unix_stream and tcp have one)", o->t->name);
	if (o->count == 0)
		return ipc_fail(e, IPC_USAGE, 0, "--count must be at least 1");
	uint64_t *ns = calloc(o->count, sizeof *ns);
	double *us = calloc(o->count, sizeof *us);
	if (!ns || !us) {
		ipc_fail(e, IPC_SYSTEM, ENOMEM, "memory for %lu samples", o->count);
		goto out;
	}
	if (pipe2(stop, O_CLOEXEC) < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "pipe to stop the %s server", o->t->name);
		goto out;
	}
	struct server_arg a = { .o = o, .stop_fd = stop[0], .parent_end = stop[1] };
	rc = bench_pair_start(&p, o, false, server, &a, e);
	close(stop[0]);
	if (rc < 0) {
		close(stop[1]);
		goto out;
	}
	rc = -1;
	if (run_connects(o, &p, ns, &u0, e) < 0 || bench_usage_now(&u1, e) < 0) {
		close(stop[1]);
		bench_pair_abort(&p);
		goto out;
	}
	close(stop[1]); /* the server's poll() sees the hang-up: it reports */
	if (bench_pair_finish(&p, &rep, e) < 0)
		goto out;
	r->row.size = 1;
	r->row.count = o->count;
	bench_cost(&u0, &u1, &rep, o->count, &r->row.cpu_us_per_op, &r->row.ctxsw_per_op);
	double sum = 0;
	for (unsigned long i = 0; i < o->count; i++)
		sum += (double)ns[i];
	r->row.msgs_per_s = sum > 0 ? (double)o->count * 1e9 / sum : 0;
	rc = bench_finish_latency(r, o, ns, us, o->count, e);
out:
	free(ns);
	free(us);
	return rc;
}
