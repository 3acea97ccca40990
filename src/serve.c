/*
 * serve.c - serve() and the server modes, in one place: which modes exist,
 * what each needs of a transport, and which loop runs each.  The loops are
 * in files of their own that know nothing of each other or of this one:
 * server.c (iterative) and server_mux.c (select, poll, epoll).  A new mode
 * is one row of `modes` below: its name, its loop, and what it asks of a
 * transport.  Also the server in a forked
 * child (server_spawn(), server_stop()), which serves through serve().
 */
#include "server.h"
#include "server_uring.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef int serve_fn(struct ipc_server *s, const struct serve_opts *o, struct ipc_error *e);
typedef int serve_check_fn(const struct ipc_transport *t, enum serve_mode mode,
			   struct ipc_error *e);

/* select, poll, epoll: a descriptor per client to multiplex. */
static int per_client_check(const struct ipc_transport *t, enum serve_mode mode,
			    struct ipc_error *e)
{
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

/* uring, uring-sqpoll: what a ring can serve (server_uring.c). */
static int uring_check(const struct ipc_transport *t, enum serve_mode mode, struct ipc_error *e)
{
	(void)mode;
	return serve_uring_check(t, e);
}

static const struct serve_mode_def {
	const char *name;      /* as --mode takes it */
	serve_fn *loop;
	serve_check_fn *check; /* can it serve this transport?  NULL: any */
} modes[] = {
	[SERVE_ITERATIVE] = { "iterative", serve_iterative, NULL },
	[SERVE_SELECT] = { "select", serve_mux, per_client_check },
	[SERVE_POLL] = { "poll", serve_mux, per_client_check },
	[SERVE_EPOLL] = { "epoll", serve_mux, per_client_check },
	/* One io_uring (server_uring.c): the socket transports only. */
	[SERVE_URING] = { "uring", serve_uring, uring_check },
	[SERVE_URING_SQPOLL] = { "uring-sqpoll", serve_uring, uring_check },
};
#define NMODES (sizeof modes / sizeof modes[0])

const char *serve_mode_name(enum serve_mode mode)
{
	return (unsigned)mode < NMODES && modes[mode].name ? modes[mode].name : "?";
}

int serve_mode_parse(const char *name, enum serve_mode *mode)
{
	for (size_t i = 0; i < NMODES; i++) {
		if (modes[i].name && !strcmp(name, modes[i].name)) {
			*mode = (enum serve_mode)i;
			return 0;
		}
	}
	return -1;
}

int serve_mode_check(const struct ipc_transport *t, enum serve_mode mode, struct ipc_error *e)
{
	if ((unsigned)mode >= NMODES || !modes[mode].loop)
		return ipc_fail(e, IPC_USAGE, 0, "unknown server mode %d", (int)mode);
	return modes[mode].check ? modes[mode].check(t, mode, e) : 0;
}

int serve(struct ipc_server *s, const struct serve_opts *o, struct ipc_error *e)
{
	if (serve_mode_check(s->t, o->mode, e) < 0)
		return -1;
	return modes[o->mode].loop(s, o, e);
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
