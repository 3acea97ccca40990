/* server.c - see server.h. */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conn.h"
#include "io.h"
#include "protocol.h"

static void say(const struct serve_opts *o, const struct ipc_server *s, const char *what,
		const char *detail)
{
	if (o->log)
		fprintf(o->log, "ipclab serve %s: %s%s%s\n", s->t->name, what,
			detail ? ": " : "", detail ? detail : "");
}

enum conn_end { CONN_DONE, CONN_STOP };

/* One stream client, from its first byte to its end of stream. */
static enum conn_end serve_stream_client(struct ipc_server *s, struct ipc_conn *c,
					 const struct serve_opts *o)
{
	struct greet_session *sess = malloc(sizeof *sess);
	char out[8 * GREET_REPLY_MAX];
	struct ipc_error e;
	enum conn_end end = CONN_DONE;

	if (!sess) {
		say(o, s, "out of memory for a client", c->peer_text);
		return CONN_DONE;
	}
	greet_session_init(sess);
	/* The idle timeout runs from the last completed request, not from the
	 * last byte: a client that trickles a byte a second and never ends a
	 * line must not hold the server (and every client behind it). */
	long long deadline = o->idle_timeout_ms < 0 ? -1 : io_now_ms() + o->idle_timeout_ms;
	/* Read once before the first poll(): a FIFO client that left before we
	 * accepted it reads as end of file, but poll() never reports a hang-up
	 * on a FIFO whose writer was gone before we opened it. */
	for (bool first = true;; first = false) {
		int r = IO_READY;
		if (!first) {
			long long left = deadline < 0 ? -1 : deadline - io_now_ms();
			if (deadline >= 0 && left <= 0)
				r = IO_TIMEOUT;
			else
				r = io_wait(c->rfd, POLLIN, o->stop_fd,
					    left > INT_MAX ? INT_MAX : (int)left);
		}
		if (r == IO_STOPPED) {
			end = CONN_STOP;
			break;
		}
		if (r == IO_TIMEOUT) {
			say(o, s, "closing idle client", c->peer_text);
			break;
		}
		size_t room;
		char *space = greet_session_space(sess, &room);
		ssize_t n = c->t->recv(c, space, room, &e);
		if (n == IPC_WOULD_BLOCK)
			continue;
		if (n < 0) {
			say(o, s, "client lost", e.msg);
			break;
		}
		if (n == 0) {
			if (greet_session_partial(sess))
				say(o, s, "client left in the middle of a request", c->peer_text);
			break;
		}
		greet_session_received(sess, (size_t)n);
		size_t len;
		while ((len = greet_session_answer(sess, out, sizeof out)) > 0) {
			if (deadline >= 0) /* a request completed: a new idle period */
				deadline = io_now_ms() + o->idle_timeout_ms;
			if (conn_send_all(c, out, len, o->stop_fd, o->idle_timeout_ms, &e) < 0) {
				say(o, s, "reply not delivered", e.msg);
				goto done;
			}
		}
	}
done:
	free(sess);
	return end;
}

static int serve_streams(struct ipc_server *s, const struct serve_opts *o, struct ipc_error *e)
{
	for (;;) {
		struct ipc_conn c;
		struct ipc_error ae;
		ipc_conn_init(&c, s->t, s->ctx);
		/* accept() first, poll() only when nobody waits: the pipe's
		 * first accept() closes the client's ends its child inherited,
		 * and until then its request pipe could never report EOF. */
		int r = s->t->accept(s, &c, &ae);
		if (r == IPC_WOULD_BLOCK) {
			r = io_wait(s->fd, POLLIN, o->stop_fd, -1);
			if (r == IO_STOPPED)
				return 0;
			if (r < 0)
				return ipc_fail(e, IPC_SYSTEM, errno, "poll %s", s->addr.text);
			continue;
		}
		if (r < 0) {
			if (ae.status == IPC_DONE)
				return 0;
			say(o, s, "accept failed", ae.msg);
			/* Out of descriptors: the pending client stays queued and
			 * poll() would wake us at once.  Pause instead of spinning. */
			if (ae.sys_errno == EMFILE || ae.sys_errno == ENFILE)
				if (io_wait(-1, 0, o->stop_fd, 100) == IO_STOPPED)
					return 0;
			continue;
		}
		enum conn_end end = serve_stream_client(s, &c, o);
		s->t->close(&c);
		if (end == CONN_STOP)
			return 0;
	}
}

static int serve_datagrams(struct ipc_server *s, const struct serve_opts *o, struct ipc_error *e)
{
	struct ipc_conn c;
	char in[GREET_DGRAM_MAX], out[GREET_REPLY_MAX];

	ipc_conn_init(&c, s->t, s->ctx);
	if (s->t->accept(s, &c, e) < 0)
		return -1;
	for (;;) {
		int r = io_wait(s->fd, POLLIN, o->stop_fd, -1);
		if (r == IO_STOPPED)
			break;
		if (r < 0) {
			ipc_fail(e, IPC_SYSTEM, errno, "poll %s", s->addr.text);
			s->t->close(&c);
			return -1;
		}
		struct ipc_error de;
		ssize_t n = s->t->recv(&c, in, sizeof in, &de);
		if (n == IPC_WOULD_BLOCK)
			continue;
		if (n < 0) {
			say(o, s, "receive failed", de.msg);
			continue;
		}
		size_t got = (size_t)n < sizeof in ? (size_t)n : sizeof in;
		size_t len = greet_datagram(in, got, (size_t)n, out, sizeof out);
		/* One try: a client whose receive queue is full would make us
		 * wait (poll cannot tell when its queue drains), and a datagram
		 * reply may be lost anyway; the client resends. */
		n = s->t->send(&c, out, len, &de);
		if (n == IPC_WOULD_BLOCK)
			say(o, s, "reply dropped, the client's queue is full", c.peer_text);
		else if (n < 0)
			say(o, s, "reply not delivered", de.msg);
	}
	s->t->close(&c);
	return 0;
}

int serve_iterative(struct ipc_server *s, const struct serve_opts *o, struct ipc_error *e)
{
	if (s->t->kind == IPC_DATAGRAM)
		return serve_datagrams(s, o, e);
	return serve_streams(s, o, e);
}

static const char *const mode_names[] = {
	[SERVE_ITERATIVE] = "iterative",
	[SERVE_SELECT] = "select",
	[SERVE_POLL] = "poll",
	[SERVE_EPOLL] = "epoll",
};

const char *serve_mode_name(enum serve_mode mode)
{
	return (unsigned)mode < sizeof mode_names / sizeof mode_names[0] ? mode_names[mode] : "?";
}

int serve_mode_parse(const char *name, enum serve_mode *mode)
{
	for (size_t i = 0; i < sizeof mode_names / sizeof mode_names[0]; i++) {
		if (!strcmp(name, mode_names[i])) {
			*mode = (enum serve_mode)i;
			return 0;
		}
	}
	return -1;
}

int serve_mode_check(const struct ipc_transport *t, enum serve_mode mode, struct ipc_error *e)
{
	if (mode == SERVE_ITERATIVE)
		return 0;
	if ((unsigned)mode >= sizeof mode_names / sizeof mode_names[0])
		return ipc_fail(e, IPC_USAGE, 0, "unknown server mode %d", (int)mode);
	if (t->kind == IPC_DATAGRAM) {
		ipc_fail(e, IPC_USAGE, 0, "%s servers have no --mode %s: one datagram socket "
			 "already receives the requests of every client, so there is no "
			 "per-client descriptor to multiplex", t->name, serve_mode_name(mode));
		return ipc_hint(e, "leave out --mode (iterative)");
	}
	if (!t->servable) {
		ipc_fail(e, IPC_USAGE, 0, "a %s has exactly one client, the forked child: there "
			 "is nothing to multiplex", t->name);
		return ipc_hint(e, "leave out --mode");
	}
	return 0;
}

int serve(struct ipc_server *s, const struct serve_opts *o, struct ipc_error *e)
{
	if (serve_mode_check(s->t, o->mode, e) < 0)
		return -1;
	return o->mode == SERVE_ITERATIVE ? serve_iterative(s, o, e) : serve_mux(s, o, e);
}

int server_spawn(struct ipc_server *s, const struct serve_opts *opts, struct server_child *child,
		 struct ipc_error *e)
{
	FILE *log = opts->log;
	int stop[2];

	if (pipe2(stop, O_CLOEXEC) < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "pipe for the %s server", s->t->name);
	if (log)
		fflush(log);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		close(stop[0]);
		close(stop[1]);
		return ipc_fail(e, IPC_SYSTEM, errno, "fork a %s server", s->t->name);
	}
	if (pid == 0) {
		/* Child: the server.  A client that vanishes must not kill us. */
		signal(SIGPIPE, SIG_IGN);
		close(stop[1]);
		struct serve_opts o = *opts;
		o.stop_fd = stop[0];
		struct ipc_error se;
		int rc = serve(s, &o, &se);
		if (rc < 0 && log)
			fprintf(log, "ipclab serve %s: %s\n", s->t->name, se.msg);
		s->t->shutdown(s, true);
		close(stop[0]);
		/* _exit() skips stdio: whatever the log holds in its buffer
		 * would be lost (a log that is a file is fully buffered). */
		if (log)
			fflush(log);
		_exit(rc < 0 ? se.status : 0);
	}
	/* Parent: drop our copy of the server's descriptors, keep the address. */
	close(stop[0]);
	s->t->shutdown(s, false);
	child->pid = pid;
	child->stop_fd = stop[1];
	return 0;
}

int server_stop(struct server_child *child, struct ipc_error *e)
{
	int status;

	if (child->stop_fd >= 0) {
		close(child->stop_fd); /* the child's poll() sees the hang-up */
		child->stop_fd = -1;
	}
	while (waitpid(child->pid, &status, 0) < 0)
		if (errno != EINTR)
			return ipc_fail(e, IPC_SYSTEM, errno, "waitpid %d", (int)child->pid);
	if (WIFSIGNALED(status))
		return ipc_fail(e, IPC_SYSTEM, 0, "server process %d died of signal %d (%s)",
				(int)child->pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
	return WEXITSTATUS(status);
}
