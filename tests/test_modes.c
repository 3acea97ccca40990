/*
 * test_modes.c - round trips that gather in several places are described
 * by their modes, and shm's by what its waits did in each.
 *
 * - Made-up round trips in three known clusters, with known wait ends:
 *   the CDF plot's marks (cdf_modes_*.dat) and the modes finding give the
 *   positions, shares and wait shares computed here independently, and
 *   the labels stand apart.
 * - Waits files beside a real run's samples (the fixture), read back
 *   through the reader: paired line by line, a file that does not match
 *   its samples left out and said.
 * - The wait counters over a real shm connection: a reply already there
 *   is counted "ready", one the peer sends 50 ms after the client went to
 *   sleep is counted "slept".
 * - `ipclab bench latency shm --waits` run for real: one line per sample,
 *   every wait counted, the CPUs where they were pinned.
 * - The Environment list of summary.md gives the host's time (steal) once.
 */
#include "support.h"

#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analysis.h"
#include "io.h"
#include "layout.h"
#include "modes.h"
#include "run.h"

#define ENV struct test_env *env = *state

extern const struct ipc_transport shm_transport;

static void add_lat(struct run *run, const char *t, const char *pin, double p50)
{
	for (int k = 0; k < 3; k++) {
		struct result_row r = {
			.kind = "latency", .transport = t, .mode = "greeting", .size = 16,
			.count = 1000, .clients = 1, .pin = pin, .note = "", .cpu_us_per_op = 3,
			.ctxsw_per_op = 2,
			.lat_us = { .min = p50 / 2, .p50 = p50 * (1 + 0.01 * k), .p90 = p50 * 1.2,
				    .p99 = p50 * 2, .p999 = p50 * 3, .max = p50 * 4, .mean = p50 },
		};
		assert_int_equal(run_add_row(run, &r), 0);
	}
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* ---- made-up round trips in three clusters ------------------------------ */

/* A cluster: n round trips around `at` (±0.5 %), and how many of them the
 * client's and the server's waits ended each way (ready, spun, slept). */
struct cluster {
	double at;
	int n;
	int client[3], server[3];
};

static const struct cluster CL[3] = {
	{ 2.3, 700, { 40, 646, 14 }, { 70, 595, 35 } },
	{ 9.0, 110, { 10, 45, 55 }, { 0, 55, 55 } },
	{ 24.0, 190, { 0, 10, 180 }, { 5, 5, 180 } },
};
#define NTRIPS 1000

static double cluster_median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double value_of(int c, int i)
{
	return CL[c].at * (1 + 0.01 * ((double)i / CL[c].n - 0.5));
}

/* The run: latency rows at both placements, and the made-up round trips
 * of shm across CPUs, interleaved in time (the waits in that order, the
 * samples sorted as the reader keeps them). */
static struct run *made_up_run(void)
{
	struct run *run = run_new();
	add_lat(run, "shm", "0,0", 5);
	add_lat(run, "shm", "0,1", 2.3);
	add_lat(run, "pipe", "0,0", 12);
	add_lat(run, "pipe", "0,1", 25);
	run_finish(run);
	double *v = malloc(NTRIPS * sizeof *v);
	struct run_trip_wait *trip = malloc(NTRIPS * sizeof *trip);
	assert_non_null(v);
	assert_non_null(trip);
	int used[3] = { 0, 0, 0 }, k = 0;
	while (k < NTRIPS) /* round-robin over the clusters while they last */
		for (int c = 0; c < 3; c++) {
			if (used[c] == CL[c].n)
				continue;
			int i = used[c]++;
			struct run_trip_wait w = { .us = value_of(c, i), .cpu = { 0, 1 } };
			for (int s = 0; s < 2; s++) {
				const int *ends = s ? CL[c].server : CL[c].client;
				w.end[s] = i < ends[0] ? 0 : i < ends[0] + ends[1] ? 1 : 2;
			}
			v[k] = w.us;
			trip[k++] = w;
		}
	assert_int_equal(run_add_samples(run, "cross", "shm", v, NTRIPS), 0);
	assert_int_equal(run_add_waits(run, "cross", "shm", trip, NTRIPS), 0);
	/* The pipe: 60 % near 12 µs, 40 % near 60 µs, waits not counted. */
	double *p = malloc(NTRIPS * sizeof *p);
	assert_non_null(p);
	for (int i = 0; i < NTRIPS; i++)
		p[i] = i < 600 ? 12 * (1 + 0.000001 * i) : 60 * (1 + 0.000001 * (i - 600));
	assert_int_equal(run_add_samples(run, "cross", "pipe", p, NTRIPS), 0);
	return run;
}

static void us_figure(char *buf, size_t cap, double v)
{
	snprintf(buf, cap, v >= 100 ? "%.0f" : "%.3g", v);
}

/* The marks of the plot and the finding say where each mode sits, its
 * share, and its waits' shares, as computed here from the clusters. */
static void test_marks_and_finding_agree(void **state)
{
	ENV;
	struct run *run = made_up_run();
	double at[3], above[3];
	for (int c = 0; c < 3; c++) {
		double *v = malloc((size_t)CL[c].n * sizeof *v);
		assert_non_null(v);
		for (int i = 0; i < CL[c].n; i++)
			v[i] = value_of(c, i);
		at[c] = cluster_median(v, (size_t)CL[c].n);
		free(v);
		int n = 0; /* round trips of every cluster slower than this median */
		for (int d = 0; d < 3; d++)
			for (int i = 0; i < CL[d].n; i++)
				n += value_of(d, i) > at[c];
		above[c] = (double)n / NTRIPS;
	}

	assert_int_equal(run_plot_data(run, env->dir, &(struct ipc_error){ 0 }), 0);
	char path[IPC_PATH_MAX + 64];
	snprintf(path, sizeof path, "%s/cdf_modes_cross.dat", env->dir);
	char *table = test_slurp_path(path);
	char *save = NULL;
	int rows = 0;
	double last_mark = INFINITY, label_y = NAN, pipe_label = NAN;
	char want[256] = "shm: ";
	for (int c = 0; c < 3; c++) { /* one label: every mode's share and place */
		char fig[32];
		us_figure(fig, sizeof fig, at[c]);
		snprintf(want + strlen(want), sizeof want - strlen(want), "%s%.0f %% near %s µs",
			 c ? ", " : "", 100.0 * CL[c].n / NTRIPS, fig);
	}
	for (char *line = strtok_r(table, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		char t[32], label[256] = "";
		double x, y, ly;
		if (sscanf(line, "%31s %lf %lf %lf \"%255[^\"]\"", t, &x, &y, &ly, label) < 4)
			fail_msg("cdf_modes_cross.dat: '%s'", line);
		if (!strcmp(t, "pipe")) {
			/* Its fast mode's mark (70 % slower) sits above shm's (65 %):
			 * its label comes first, shm's a fifth of a decade below. */
			assert_int_equal(rows, 0);
			if (label[0])
				assert_string_equal(label, "pipe: 60 % near 12 µs, 40 % near 60 µs");
			pipe_label = ly;
			continue;
		}
		assert_string_equal(t, "shm");
		assert_true(log10(pipe_label / ly) >= 0.199);
		/* The marks come from the highest line down; the same clusters from
		 * the fastest: row r is cluster r.  The label on the first. */
		int c = rows++;
		assert_true(c < 3);
		assert_float_equal(x, at[c], at[c] * 1e-3);
		assert_float_equal(y, above[c], 1e-3);
		assert_string_equal(label, c ? "" : want);
		assert_true(y <= last_mark);
		if (c)
			assert_float_equal(ly, label_y, 1e-12);
		assert_true(ly <= 1 && ly > 1e-3);
		label_y = ly;
		last_mark = y;
	}
	assert_int_equal(rows, 3);
	free(table);
	snprintf(path, sizeof path, "%s/cdf_modes_same.dat", env->dir);
	table = test_slurp_path(path);
	for (char *p = table; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
		assert_true(*p == '#' || *p == '\n');
	free(table);
	snprintf(path, sizeof path, "%s/meta.gp", env->dir);
	char *meta = test_slurp_path(path);
	assert_non_null(strstr(meta, "CDF_MODES_SAME = 0\n"));
	assert_non_null(strstr(meta, "CDF_MODES_CROSS = 5\n"));
	free(meta);

	char *text = test_findings_text(run, false);
	const char *line = strstr(text, "**Round trips in modes, two CPUs (0, 1)**");
	if (!line)
		fail_msg("%s", text);
	for (int c = 0; c < 3; c++) {
		char want[512], fig[32];
		us_figure(fig, sizeof fig, at[c]);
		snprintf(want, sizeof want, "%s µs (%.0f %%)", fig, 100.0 * CL[c].n / NTRIPS);
		if (!strstr(line, want))
			fail_msg("no '%s' in %s", want, line);
		snprintf(want, sizeof want, "near %s µs the client's wait for the reply slept in "
			 "%.0f %% and looked again in %.0f %%, the server's for the request slept "
			 "in %.0f %% and looked again in %.0f %%;", fig,
			 100.0 * CL[c].client[2] / CL[c].n, 100.0 * CL[c].client[1] / CL[c].n,
			 100.0 * CL[c].server[2] / CL[c].n, 100.0 * CL[c].server[1] / CL[c].n);
		if (!strstr(line, want))
			fail_msg("no '%s' in %s", want, line);
	}
	assert_non_null(strstr(line, "client and server ran on two CPUs in every round trip;"));
	free(text);
	run_free(run);
	test_empty_dir(env->dir);
}

/* ---- waits files through the reader ------------------------------------- */

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* In place of the fixture's shm round trips across CPUs, 1000 of them in
 * two clusters, 60 % near 3 µs and 40 % near 25 µs, interleaved; beside
 * them a waits file in which every slow one slept on both sides and every
 * fast one was found by the client looking again and by the server at
 * once; its lines as many as the samples, or one fewer. */
static void write_two_modes(const char *run_dir, bool short_one)
{
	char rel[512], path[IPC_PATH_MAX + 600];
	struct layout_file f = { .kind = LF_LATENCY_SAMPLES, .transport = "shm",
				 .mode = "greeting", .pin = "0,1" };
	assert_int_equal(layout_path(rel, sizeof rel, &f), 0);
	snprintf(path, sizeof path, "%s/%s", run_dir, rel);
	FILE *samples = fopen(path, "w");
	assert_non_null(samples);
	f.kind = LF_LATENCY_WAITS;
	assert_int_equal(layout_path(rel, sizeof rel, &f), 0);
	assert_string_equal(rel, "samples/waits_shm_greeting_0-1.txt");
	snprintf(path, sizeof path, "%s/%s", run_dir, rel);
	FILE *waits = fopen(path, "w");
	assert_non_null(waits);
	fputs("# client_end client_cpu server_end server_cpu\n", waits);
	for (int i = 0; i < 1000; i++) {
		bool slow = i % 5 >= 3;
		fprintf(samples, "%.3f\n", (slow ? 25.0 : 3.0) * (1 + 0.000001 * i));
		if (!(short_one && i == 0))
			fprintf(waits, "%s 0 %s 1\n", slow ? "slept" : "spun", slow ? "slept" : "ready");
	}
	assert_int_equal(fclose(samples), 0);
	assert_int_equal(fclose(waits), 0);
}

/* Waits files beside a run's samples, through the reader: paired line by
 * line, the finding says per mode what they did; a waits file one line
 * short of its samples, or with a word that is not an end, is left out,
 * and said. */
static void test_waits_files_through_the_reader(void **state)
{
	ENV;
	char run_dir[IPC_PATH_MAX + 16];
	struct ipc_error e = { 0 };
	snprintf(run_dir, sizeof run_dir, "%s/run", env->dir);
	test_copy_fixture(run_dir);
	write_two_modes(run_dir, false);

	struct run *run = run_new();
	if (run_load_dir(run, run_dir, &e) < 0)
		fail_msg("%s (run from the source tree, or set IPCLAB_SOURCE_DIR)", e.msg);
	const struct run_waits *w = run_find_waits(run, "cross", "shm");
	assert_non_null(w);
	assert_int_equal(w->n, 1000);
	for (size_t i = 0; i < w->n; i++) { /* in the order of the samples */
		bool slow = i % 5 >= 3;
		assert_float_equal(w->trip[i].us, (slow ? 25.0 : 3.0) * (1 + 0.000001 * (double)i),
				   0.0006);
		assert_int_equal(w->trip[i].end[0], slow ? IPC_END_SLEPT : IPC_END_SPUN);
		assert_int_equal(w->trip[i].end[1], slow ? IPC_END_SLEPT : IPC_END_READY);
		assert_int_equal(w->trip[i].cpu[0], 0);
		assert_int_equal(w->trip[i].cpu[1], 1);
	}
	struct run_mode m[RUN_MODES_MAX];
	assert_int_equal(run_modes(run, "cross", "shm", m, RUN_MODES_MAX), 2);
	assert_int_equal(m[0].counted, 600);
	assert_int_equal(m[1].counted, 400);
	char *text = test_findings_text(run, false);
	if (!strstr(text, "shm near 3 µs (60 %) and 25 µs (40 %)") ||
	    !strstr(text, "near 3 µs the client's wait for the reply slept in 0 % and looked again "
			  "in 100 %, the server's for the request slept in 0 % and looked again in "
			  "0 %; near 25 µs the client's wait for the reply slept in 100 % and looked "
			  "again in 0 %, the server's for the request slept in 100 % and looked "
			  "again in 0 %; client and server ran on two CPUs in every round trip;"))
		fail_msg("%s", text);
	free(text);
	run_free(run);

	/* One line short: left out, and said. */
	write_two_modes(run_dir, true);
	run = run_new();
	assert_int_equal(run_load_dir(run, run_dir, &e), 0);
	assert_null(run_find_waits(run, "cross", "shm"));
	text = test_findings_text(run, true);
	if (!strstr(text, "samples/waits\\_shm\\_greeting\\_0-1.txt holds 999 round trips, its "
			  "samples file 1000: file left out"))
		fail_msg("%s", text);
	assert_null(strstr(text, "looked again in"));
	free(text);
	run_free(run);

	/* A word that is not an end: left out, and said. */
	char path[IPC_PATH_MAX + 64];
	snprintf(path, sizeof path, "%s/samples/waits_shm_greeting_0-1.txt", run_dir);
	write_text(path, "spun 0 dozed 1\n");
	run = run_new();
	assert_int_equal(run_load_dir(run, run_dir, &e), 0);
	assert_null(run_find_waits(run, "cross", "shm"));
	text = test_findings_text(run, true);
	assert_non_null(strstr(text, "an end that is not ready, spun, slept or -"));
	free(text);
	run_free(run);
	test_empty_dir(env->dir);
}

/* ---- the counters over a real shm connection ---------------------------- */

/* The process `pid` is asleep ('S' in /proc/PID/stat) by `until`. */
static bool asleep(pid_t pid, long long until)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	while (io_now_ms() < until) {
		FILE *f = fopen(path, "r");
		if (!f)
			return false;
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		const char *close = strrchr(buf, ')');
		if (close && close[1] == ' ' && close[2] == 'S')
			return true;
		usleep(1000);
	}
	return false;
}

/* Read one reply of `len` bytes as the benchmark does: recv, and sleep on
 * rfd while it would block. */
static void read_reply(struct ipc_conn *c, char *buf, size_t len)
{
	struct ipc_error e = { 0 };
	size_t got = 0;
	long long until = io_now_ms() + test_scale_ms(5000);
	while (got < len) {
		ssize_t n = c->t->recv(c, buf + got, len - got, &e);
		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n != IPC_WOULD_BLOCK)
			fail_msg("recv: %s", n == 0 ? "end of stream" : e.msg);
		if (io_now_ms() > until)
			fail_msg("no reply in time");
		io_wait(c->rfd, POLLIN, -1, 1000);
	}
}

static void send_all(struct ipc_conn *c, const char *buf, size_t len)
{
	struct ipc_error e = { 0 };
	size_t sent = 0;
	while (sent < len) {
		ssize_t n = c->t->send(c, buf + sent, len - sent, &e);
		if (n > 0)
			sent += (size_t)n;
		else if (n != IPC_WOULD_BLOCK)
			fail_msg("send: %s", e.msg);
		else
			io_wait(c->wfd, POLLOUT, -1, 100);
	}
}

/* The peer: for each request, its reply, sent at once and said on `said`
 * (request 'a'), or sent 50 ms after the client fell asleep (request 'b'). */
static void peer(struct ipc_conn *c, int said)
{
	struct ipc_error e;
	char req;
	for (;;) {
		ssize_t n;
		while ((n = c->t->recv(c, &req, 1, &e)) == IPC_WOULD_BLOCK)
			io_wait(c->rfd, POLLIN, -1, 1000);
		if (n == 0)
			return;
		if (n < 0)
			_exit(2);
		if (req == 'b' && !asleep(getppid(), io_now_ms() + 10000))
			_exit(3);
		if (req == 'b')
			usleep(50000);
		char reply[2] = { req, '\n' };
		size_t sent = 0;
		while (sent < 2) {
			n = c->t->send(c, reply + sent, 2 - sent, &e);
			if (n > 0)
				sent += (size_t)n;
			else if (n != IPC_WOULD_BLOCK)
				_exit(4);
		}
		if (req == 'a' && write(said, "!", 1) != 1)
			_exit(5);
	}
}

static void test_wait_counts_real_shm(void **state)
{
	ENV;
	const struct ipc_transport *t = &shm_transport;
	struct ipc_server s;
	struct ipc_conn c, pc;
	struct ipc_error e = { 0 };
	int said[2];
	test_deadline(30, "waits for the client to fall asleep, then 50 ms, a few times");
	assert_non_null(t->wait_tally);
	assert_int_equal(pipe(said), 0);
	ipc_server_init(&s, t, &env->ctx);
	assert_int_equal(t->listen(&s, NULL, &e), 0);
	fflush(NULL);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		int r;
		close(said[0]);
		ipc_conn_init(&pc, t, &env->ctx);
		long long until = io_now_ms() + test_scale_ms(5000);
		while ((r = t->accept(&s, &pc, &e)) == IPC_WOULD_BLOCK && io_now_ms() < until)
			io_wait(s.fd, POLLIN, -1, 100);
		if (r < 0)
			_exit(6);
		peer(&pc, said[1]);
		t->close(&pc);
		t->shutdown(&s, true);
		_exit(0);
	}
	close(said[1]);
	test_connect(env, t, &s, &c);
	t->shutdown(&s, false);

	struct ipc_wait_tally before, after;
	char reply[2];
	for (int round = 0; round < 3; round++) {
		/* The reply is there before we look: ready. */
		t->wait_tally(&c, &before);
		send_all(&c, "a", 1);
		char word;
		assert_int_equal(io_wait(said[0], POLLIN, -1, test_scale_ms(5000)), IO_READY);
		assert_int_equal(read(said[0], &word, 1), 1);
		read_reply(&c, reply, 2);
		assert_memory_equal(reply, "a\n", 2);
		t->wait_tally(&c, &after);
		assert_int_equal(after.n[IPC_END_READY] - before.n[IPC_END_READY], 1);
		assert_int_equal(after.n[IPC_END_SPUN], before.n[IPC_END_SPUN]);
		assert_int_equal(after.n[IPC_END_SLEPT], before.n[IPC_END_SLEPT]);

		/* The peer answers 50 ms after we fell asleep: slept, once. */
		send_all(&c, "b", 1);
		read_reply(&c, reply, 2);
		assert_memory_equal(reply, "b\n", 2);
		t->wait_tally(&c, &before);
		assert_int_equal(before.n[IPC_END_SLEPT] - after.n[IPC_END_SLEPT], 1);
		assert_int_equal(before.n[IPC_END_READY], after.n[IPC_END_READY]);
		assert_int_equal(before.n[IPC_END_SPUN], after.n[IPC_END_SPUN]);
	}
	t->close(&c);
	close(said[0]);
	int status;
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- bench latency --waits, run for real --------------------------------- */

static bool two_cpus(void)
{
	cpu_set_t set;
	return sched_getaffinity(0, sizeof set, &set) == 0 && CPU_ISSET(0, &set) &&
	       CPU_ISSET(1, &set);
}

static void test_bench_latency_waits_file(void **state)
{
	ENV;
	static char out[1 << 16], err[1 << 16];
	char waits[IPC_PATH_MAX + 32], samples[IPC_PATH_MAX + 32];
	bool pinned = two_cpus();
	test_deadline(60, "300 shm round trips under the sanitizers on a busy machine");
	snprintf(waits, sizeof waits, "%s/waits.txt", env->dir);
	snprintf(samples, sizeof samples, "%s/samples.txt", env->dir);
	int rc = pinned ? test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench",
				       "latency", "shm", "--count", "300", "--warmup", "20",
				       "--format", "csv", "--samples", samples, "--waits", waits,
				       "--pin", "0,1", NULL)
			: test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench",
				       "latency", "shm", "--count", "300", "--warmup", "20",
				       "--format", "csv", "--samples", samples, "--waits", waits,
				       NULL);
	if (rc != 0)
		fail_msg("bench latency shm --waits: %d: %s", rc, err);
	char *s = test_slurp_path(samples), *w = test_slurp_path(waits);
	size_t ns = 0, nw = 0;
	for (char *p = s; *p; p++)
		ns += *p == '\n';
	assert_int_equal(ns, 300);
	char *save = NULL;
	for (char *line = strtok_r(w, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		char ce[16], se[16];
		int cc, sc;
		if (sscanf(line, "%15s %d %15s %d", ce, &cc, se, &sc) != 4)
			fail_msg("waits line '%s'", line);
		nw++;
		/* Every wait of every round trip counted, as one of the three. */
		for (int k = 0; k < 2; k++) {
			const char *end = k ? se : ce;
			if (strcmp(end, "ready") && strcmp(end, "spun") && strcmp(end, "slept"))
				fail_msg("round trip %zu: '%s'", nw, line);
		}
		if (pinned) {
			assert_int_equal(cc, 0);
			assert_int_equal(sc, 1);
		} else {
			assert_true(cc >= 0 && sc >= 0);
		}
	}
	assert_int_equal(nw, 300);
	free(s);
	free(w);

	/* A transport that does not count its waits: refused, saying which does. */
	rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "latency", "tcp",
			  "--count", "10", "--waits", waits, NULL);
	assert_int_equal(rc, IPC_USAGE);
	assert_non_null(strstr(err, "--waits"));
	assert_non_null(strstr(err, "shm does"));
	test_empty_dir(env->dir);
}

/* ---- the Environment list ------------------------------------------------ */

static size_t count_of(const char *text, const char *what)
{
	size_t n = 0;
	for (const char *p = strstr(text, what); p; p = strstr(p + 1, what))
		n++;
	return n;
}

/* The host's time, per step, once: in the line of what others took where
 * the run has busy.tsv (its steal feeds the steps' steal too), else in
 * the steal line (older runs, steal.tsv alone). */
static void test_environment_steal_once(void **state)
{
	(void)state;
	for (int busy = 0; busy < 2; busy++) {
		struct run *run = run_new();
		add_lat(run, "pipe", "0,1", 25);
		static const char *const steps[] = { "latency", "throughput" };
		for (int i = 0; i < 2; i++) {
			if (busy) {
				struct busy_step b = { .ticks = 1000, .ours = 900, .others = 10,
						       .kernel = 5, .steal = 37 + 10 * i };
				snprintf(b.step, sizeof b.step, "%s", steps[i]);
				snprintf(b.cpus, sizeof b.cpus, "0-1");
				assert_int_equal(run_add_busy(run, &b), 0);
			}
			assert_int_equal(run_add_steal(run, steps[i], 3.7 + i), 0);
		}
		run_finish(run);
		char *text = test_findings_text(run, true);
		const char *envl = strstr(text, "## Environment");
		assert_non_null(envl);
		const char *end = strstr(envl, "\n## Files");
		assert_non_null(end);
		char *section = strndup(envl, (size_t)(end - envl));
		if (busy) {
			assert_int_equal(count_of(section, "steal"), 0);
			assert_int_equal(count_of(section, "the host 3.7 %"), 1);
			assert_int_equal(count_of(section, "the host 4.7 %"), 1);
			assert_int_equal(count_of(section, "3.7 %"), 1);
		} else {
			assert_int_equal(count_of(section, "(steal), per step: latency 3.7 %, "
						  "throughput 4.7 %"), 1);
			assert_int_equal(count_of(section, "3.7 %"), 1);
		}
		free(section);
		free(text);
		run_free(run);
	}
}

/* ---- the CDF plot's x labels -------------------------------------------- */

struct tic {
	double x;
	char text[32];
};

/* The x axis's labels in a gnuplot SVG: the numbers centred under a tic
 * (the y labels are right-aligned, titles are not numbers), of the panel
 * whose labels sit at the first such height.  Returns how many. */
static size_t x_labels(const char *svg, struct tic *out, size_t cap)
{
	size_t n = 0;
	double first_y = -1;
	for (const char *p = svg; (p = strstr(p, "<g transform=\"translate(")); p++) {
		double x, y;
		if (sscanf(p, "<g transform=\"translate(%lf,%lf)", &x, &y) != 2)
			continue;
		const char *end = strstr(p, "</g>"), *mid = strstr(p, "text-anchor=\"middle\"");
		const char *t = strstr(p, "<text>");
		if (!end || !mid || !t || mid > end || t > end)
			continue;
		char text[32];
		if (sscanf(t, "<text>%31[0-9.e]</text>", text) != 1 || !strstr(t, "</text>"))
			continue;
		if (strncmp(t + 6 + strlen(text), "</text>", 7))
			continue;
		if (first_y < 0)
			first_y = y;
		if (y != first_y || n == cap)
			continue;
		out[n].x = x;
		snprintf(out[n].text, sizeof out[n].text, "%s", text);
		n++;
	}
	return n;
}

/* Draw plots/latency_cdf.gp from the fixture's tables with the x axis
 * spanning [xmin, xmax]; the x labels of its first panel. */
static size_t draw_cdf(struct test_env *env, double xmin, double xmax, struct tic *tics,
		       size_t cap)
{
	char data[IPC_PATH_MAX + 16], out[IPC_PATH_MAX + 16], from[IPC_PATH_MAX];
	char cmd[8192], o[4096], e[4096];
	const char *src = getenv("IPCLAB_SOURCE_DIR");
	snprintf(data, sizeof data, "%s/data", env->dir);
	snprintf(out, sizeof out, "%s/out", env->dir);
	test_fixture_path("expected/plots/data", from, sizeof from);
	snprintf(cmd, sizeof cmd,
		 "rm -rf '%s' '%s' && mkdir '%s' && cp -r '%s' '%s' && "
		 "sed -i 's/^CDF_XMIN = .*/CDF_XMIN = %g/; s/^CDF_XMAX = .*/CDF_XMAX = %g/' "
		 "'%s/meta.gp' && cd '%s' && gnuplot -c plots/latency_cdf.gp '%s' '%s'",
		 data, out, out, from, data, xmin, xmax, data, src && *src ? src : ".", data, out);
	const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	int rc = test_run_argv(env, NULL, o, sizeof o, e, sizeof e, argv);
	if (rc != 0)
		fail_msg("gnuplot latency_cdf.gp over %g to %g: exit %d: %s", xmin, xmax, rc, e);
	char path[IPC_PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/latency_cdf.svg", out);
	char *svg = test_slurp_path(path);
	size_t n = x_labels(svg, tics, cap);
	free(svg);
	test_empty_dir(env->dir);
	return n;
}

/* Two neighbouring labels (centred) do not touch: their centres are
 * further apart than half of each one's width (a digit of the plots'
 * 16-point DejaVu Sans is 10.2 pixels wide) and a small gap. */
static void assert_apart(const struct tic *t, size_t n, double xmin, double xmax)
{
	for (size_t i = 1; i < n; i++) {
		double need = 10.2 * (double)(strlen(t[i - 1].text) + strlen(t[i].text)) / 2 + 8;
		if (t[i].x - t[i - 1].x < need)
			fail_msg("x axis %g to %g: labels '%s' and '%s' %.0f px apart, %.0f needed",
				 xmin, xmax, t[i - 1].text, t[i].text, t[i].x - t[i - 1].x, need);
	}
}

/* The CDF plot's x labels stay apart at any span: 1, 2 and 5 of each
 * decade over three decades, the decades alone (1e6 past 100000) over
 * seven; never the labels of a fixed list crowding at the far end. */
static void test_cdf_x_labels_apart(void **state)
{
	ENV;
	if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
		print_message("  gnuplot is not installed: the plot is not drawn here\n");
		skip();
	}
	struct tic t[64];
	size_t n = draw_cdf(env, 1, 3000, t, 64);
	assert_apart(t, n, 1, 3000);
	static const char *const narrow[] = { "1", "2", "5", "10", "20", "50", "100", "200",
					      "500", "1000", "2000" };
	assert_int_equal(n, sizeof narrow / sizeof narrow[0]);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(t[i].text, narrow[i]);

	n = draw_cdf(env, 0.3, 4.2e6, t, 64);
	assert_apart(t, n, 0.3, 4.2e6);
	static const char *const wide[] = { "1", "10", "100", "1000", "10000", "100000", "1e6" };
	assert_int_equal(n, sizeof wide / sizeof wide[0]);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(t[i].text, wide[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_marks_and_finding_agree, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_waits_files_through_the_reader, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_wait_counts_real_shm, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_bench_latency_waits_file, test_env_setup,
						test_env_teardown),
		cmocka_unit_test(test_environment_steal_once),
		cmocka_unit_test_setup_teardown(test_cdf_x_labels_apart, test_env_setup,
						test_env_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
