/*
 * load_workers.c - the whole load run: descriptor limit, worker processes,
 * and the merge of their results (see load.h).
 *
 * Workers share one anonymous MAP_SHARED mapping with the parent: a tally
 * each, and one slice of the latency array each, so nothing has to be
 * serialised.  They start together: each says "connected" on the ready
 * pipe, and the parent closing the go pipe is the starting gun.
 */
#include "load.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io.h"

#define FDS_RESERVED 32 /* stdio, the event loop, the pipes of the workers */

unsigned long load_fds_per_conn(const struct ipc_transport *t)
{
	/* A socket is one descriptor; the registry says when a client holds
	 * more (a FIFO client three: fifo/fifo.c). */
	return t->fds_per_conn ? t->fds_per_conn : 1;
}

int load_raise_nofile(unsigned long need, unsigned long *limit, struct ipc_error *e)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "getrlimit RLIMIT_NOFILE");
	*limit = rl.rlim_cur == RLIM_INFINITY ? ULONG_MAX : (unsigned long)rl.rlim_cur;
	if (need <= *limit)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && need > rl.rlim_max) {
		ipc_fail(e, IPC_USAGE, 0, "about %lu open descriptors are needed, but the hard "
			 "limit is %lu (`ulimit -Hn`)", need, (unsigned long)rl.rlim_max);
		return ipc_hint(e, "use fewer --clients, spread them over more --workers, or raise "
				"the hard limit (as root: ulimit -Hn, or limits.conf)");
	}
	rl.rlim_cur = rl.rlim_max; /* the soft limit may go up to the hard one */
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "setrlimit RLIMIT_NOFILE to %lu",
				(unsigned long)rl.rlim_max);
	*limit = rl.rlim_cur == RLIM_INFINITY ? ULONG_MAX : (unsigned long)rl.rlim_cur;
	return 0;
}

/* ---- workers ---------------------------------------------------------- */

struct gate {
	int ready_fd; /* write one byte: connected */
	int go_fd;    /* end of file: start */
};

static int worker_ready(void *arg)
{
	struct gate *g = arg;
	char b = 'r';
	ssize_t n;
	do
		n = write(g->ready_fd, &b, 1);
	while (n < 0 && errno == EINTR);
	close(g->ready_fd);
	if (n != 1)
		return -1;
	char sink;
	do
		n = read(g->go_fd, &sink, 1);
	while (n < 0 && errno == EINTR);
	close(g->go_fd);
	return n == 0 ? 0 : -1;
}

static void tally_add(struct load_tally *sum, const struct load_tally *t)
{
	sum->greetings += t->greetings;
	sum->unanswered += t->unanswered;
	sum->refused += t->refused;
	sum->wrong += t->wrong;
	sum->closed += t->closed;
	sum->timeouts += t->timeouts;
	if (t->start_ns && (!sum->start_ns || t->start_ns < sum->start_ns))
		sum->start_ns = t->start_ns;
	if (t->end_ns > sum->end_ns)
		sum->end_ns = t->end_ns;
	if (!sum->first_status && t->first_status) {
		sum->first_status = t->first_status;
		memcpy(sum->first_error, t->first_error, sizeof sum->first_error);
	}
}

static void worker_main(const struct load_config *cfg, unsigned long first, unsigned long count,
			double *lat, struct load_tally *tally, struct gate *gate)
{
	struct ipc_error e;
	if (load_run_share(cfg, first, count, lat, tally, worker_ready, gate, &e) < 0) {
		memset(tally, 0, sizeof *tally);
		tally->refused = count;
		tally->unanswered = count * cfg->requests;
		tally->first_status = e.status ? e.status : IPC_SYSTEM;
		snprintf(tally->first_error, sizeof tally->first_error, "worker for connections "
			 "%lu-%lu: %.400s", first, first + count - 1, e.msg);
		_exit(1);
	}
	_exit(0);
}

/* Wait until every worker is connected (or gone), then let them all go. */
static void start_workers(int ready_fd, int go_fd, unsigned long workers)
{
	unsigned long got = 0;
	char buf[64];
	while (got < workers) {
		ssize_t n = read(ready_fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* every worker closed its end: some died early */
		got += (unsigned long)n;
	}
	close(go_fd);
}

static int run_workers(const struct load_config *cfg, struct load_tally *tally, double *lat,
		       struct load_tally *tallies, struct ipc_error *e)
{
	unsigned long w, W = cfg->workers;
	int ready[2], go[2];
	pid_t *pids = calloc(W, sizeof *pids);
	int rc = 0;

	if (!pids)
		return ipc_fail(e, IPC_SYSTEM, 0, "out of memory for %lu workers", W);
	if (pipe2(ready, O_CLOEXEC) < 0) {
		free(pids);
		return ipc_fail(e, IPC_SYSTEM, errno, "pipe for the load workers");
	}
	if (pipe2(go, O_CLOEXEC) < 0) {
		int err = errno;
		close(ready[0]);
		close(ready[1]);
		free(pids);
		return ipc_fail(e, IPC_SYSTEM, err, "pipe for the load workers");
	}
	fflush(NULL);
	for (w = 0; w < W; w++) {
		unsigned long first = w * cfg->clients / W, next = (w + 1) * cfg->clients / W;
		pids[w] = fork();
		if (pids[w] < 0) {
			rc = ipc_fail(e, IPC_SYSTEM, errno, "fork load worker %lu of %lu", w + 1, W);
			break;
		}
		if (pids[w] == 0) {
			struct gate gate = { .ready_fd = ready[1], .go_fd = go[0] };
			close(ready[0]);
			close(go[1]);
			worker_main(cfg, first, next - first, lat + first * cfg->requests,
				    &tallies[w], &gate);
		}
	}
	close(ready[1]);
	close(go[0]);
	start_workers(ready[0], go[1], w);
	close(ready[0]);

	size_t pos = 0;
	for (unsigned long k = 0; k < w; k++) {
		int status = 0;
		while (waitpid(pids[k], &status, 0) < 0)
			if (errno != EINTR) {
				if (rc == 0)
					rc = ipc_fail(e, IPC_SYSTEM, errno, "waitpid load worker %d",
						      (int)pids[k]);
				break;
			}
		if (rc == 0 && WIFSIGNALED(status))
			rc = ipc_fail(e, IPC_SYSTEM, 0, "load worker %lu died of signal %d (%s)",
				      k + 1, WTERMSIG(status), strsignal(WTERMSIG(status)));
		unsigned long first = k * cfg->clients / W;
		/* Pack the slices: worker k's latencies follow worker k-1's. */
		memmove(lat + pos, lat + first * cfg->requests,
			tallies[k].greetings * sizeof *lat);
		pos += tallies[k].greetings;
		tally_add(tally, &tallies[k]);
	}
	free(pids);
	return rc;
}

int load_run(const struct load_config *cfg, struct load_tally *tally, double **lat_out,
	     struct ipc_error *e)
{
	unsigned long W = cfg->workers, per = (cfg->clients + W - 1) / W, limit;
	size_t samples = (size_t)cfg->clients * cfg->requests;
	double *lat;

	memset(tally, 0, sizeof *tally);
	*lat_out = NULL;
	if (load_raise_nofile(per * load_fds_per_conn(cfg->t) + FDS_RESERVED, &limit, e) < 0) {
		char why[IPC_ERR_MAX];
		memcpy(why, e->msg, sizeof why);
		return ipc_fail(e, e->status, 0, "%lu %s clients in %lu process%s: %.400s",
				cfg->clients, cfg->t->name, W, W > 1 ? "es" : "", why);
	}
	if (W == 1) {
		lat = malloc(samples ? samples * sizeof *lat : 1);
		if (!lat)
			return ipc_fail(e, IPC_SYSTEM, 0, "out of memory for %zu latencies", samples);
		if (load_run_share(cfg, 0, cfg->clients, lat, tally, NULL, NULL, e) < 0) {
			free(lat);
			return -1;
		}
		*lat_out = lat;
		return 0;
	}

	/* Shared with the workers: their tallies, then the latency slices. */
	size_t tally_bytes = W * sizeof(struct load_tally);
	size_t bytes = tally_bytes + samples * sizeof *lat;
	void *shared = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return ipc_fail(e, IPC_SYSTEM, errno, "mmap %zu bytes for the load workers", bytes);
	struct load_tally *tallies = shared;
	double *slices = (double *)((char *)shared + tally_bytes);
	int rc = run_workers(cfg, tally, slices, tallies, e);
	if (rc == 0) {
		lat = malloc(tally->greetings ? tally->greetings * sizeof *lat : 1);
		if (lat) {
			memcpy(lat, slices, tally->greetings * sizeof *lat);
			*lat_out = lat;
		} else {
			rc = ipc_fail(e, IPC_SYSTEM, 0, "out of memory for %lu latencies",
				      tally->greetings);
		}
	}
	munmap(shared, bytes);
	return rc;
}
