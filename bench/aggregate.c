/*
 * aggregate.c - a run in memory: its rows, the peers' rounds and the
 * environment, read from a run directory or added by a test; the rounds of
 * a throughput point grouped into their median round.  See aggregate.h.
 */
#include "run.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stats.h"

struct run *run_new(void)
{
	return calloc(1, sizeof(struct run));
}

void run_free(struct run *run)
{
	if (!run)
		return;
	for (size_t i = 0; i < run->nstrs; i++)
		free(run->strs[i]);
	for (size_t i = 0; i < run->nenv; i++) {
		free(run->env[i].key);
		free(run->env[i].value);
	}
	free(run->strs);
	free(run->raw);
	free(run->rows);
	free(run->target);
	free(run->peers);
	free(run->env);
	free(run->steal);
	free(run->pauses);
	free(run);
}

/* Make room for one more element of size `size` in *v (n used, *cap). */
static int grow(void *v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 64;
	void *bigger = realloc(*(void **)v, ncap * size);
	if (!bigger)
		return -1;
	*(void **)v = bigger;
	*cap = ncap;
	return 0;
}

static const char *keep(struct run *run, const char *s)
{
	if (grow(&run->strs, run->nstrs, &run->capstrs, sizeof *run->strs) < 0)
		return NULL;
	char *copy = strdup(s ? s : "");
	if (copy)
		run->strs[run->nstrs++] = copy;
	return copy;
}

static int copy_row(struct run *run, struct run_row *to, const struct result_row *row)
{
	memset(to, 0, sizeof *to);
	to->r = *row;
	to->r.kind = keep(run, row->kind);
	to->r.transport = keep(run, row->transport);
	to->r.mode = keep(run, row->mode);
	to->r.pin = keep(run, row->pin);
	to->r.note = keep(run, row->note);
	to->lo = to->hi = row->mb_per_s;
	to->rounds = 1;
	return to->r.kind && to->r.transport && to->r.mode && to->r.pin && to->r.note ? 0 : -1;
}

int run_add_row(struct run *run, const struct result_row *row)
{
	if (grow(&run->raw, run->nraw, &run->capraw, sizeof *run->raw) < 0)
		return -1;
	if (copy_row(run, &run->raw[run->nraw], row) < 0)
		return -1;
	run->nraw++;
	return 0;
}

int run_add_target_row(struct run *run, const struct result_row *row)
{
	if (grow(&run->target, run->ntarget, &run->captarget, sizeof *run->target) < 0)
		return -1;
	if (copy_row(run, &run->target[run->ntarget], row) < 0)
		return -1;
	run->ntarget++;
	return 0;
}

int run_add_peer_round(struct run *run, const struct peer_round *pr)
{
	if (grow(&run->peers, run->npeers, &run->cappeers, sizeof *run->peers) < 0)
		return -1;
	run->peers[run->npeers++] = *pr;
	return 0;
}

int run_set_env(struct run *run, const char *key, const char *value)
{
	for (size_t i = 0; i < run->nenv; i++)
		if (!strcmp(run->env[i].key, key)) {
			char *v = strdup(value);
			if (!v)
				return -1;
			free(run->env[i].value);
			run->env[i].value = v;
			return 0;
		}
	if (grow(&run->env, run->nenv, &run->capenv, sizeof *run->env) < 0)
		return -1;
	struct kv kv = { strdup(key), strdup(value) };
	if (!kv.key || !kv.value) {
		free(kv.key);
		free(kv.value);
		return -1;
	}
	run->env[run->nenv++] = kv;
	return 0;
}

int run_add_steal(struct run *run, const char *step, double pct)
{
	if (grow(&run->steal, run->nsteal, &run->capsteal, sizeof *run->steal) < 0)
		return -1;
	struct steal *s = &run->steal[run->nsteal++];
	snprintf(s->step, sizeof s->step, "%s", step);
	s->pct = pct;
	return 0;
}

int run_add_pauses(struct run *run, const struct pause_row *p)
{
	if (grow(&run->pauses, run->npauses, &run->cappauses, sizeof *run->pauses) < 0)
		return -1;
	run->pauses[run->npauses++] = *p;
	return 0;
}

const char *run_env(const struct run *run, const char *key)
{
	for (size_t i = 0; i < run->nenv; i++)
		if (!strcmp(run->env[i].key, key))
			return run->env[i].value;
	return "";
}

bool run_quick(const struct run *run)
{
	const char *q = run_env(run, "quick");
	return *q && strcmp(q, "0") && strcmp(q, "no");
}

bool run_idle_halts(const struct run *run)
{
	return strstr(run_env(run, "cpuidle"), "guest_halt_poll_ns 0") != NULL;
}

double median_of(const double *v, size_t n)
{
	if (!n)
		return NAN;
	double *copy = malloc(n * sizeof *copy);
	if (!copy)
		return NAN;
	memcpy(copy, v, n * sizeof *copy);
	struct stats s;
	stats_compute(copy, n, &s);
	free(copy);
	return s.p50;
}

bool row_unverified(const struct result_row *r)
{
	return strstr(r->note, "UNVERIFIED") != NULL;
}

static bool same_point(const struct result_row *a, const struct result_row *b)
{
	return !strcmp(a->kind, b->kind) && !strcmp(a->transport, b->transport) &&
	       !strcmp(a->mode, b->mode) && !strcmp(a->pin, b->pin) && a->size == b->size &&
	       a->clients == b->clients && row_unverified(a) == row_unverified(b);
}

/* Throughput rounds of one point -> the round with the median MB/s (nearest
 * rank: with two rounds, the lower), its lowest and highest beside it.
 * Every other row stays as it is. */
void run_finish(struct run *run)
{
	if (run->finished)
		return;
	run->finished = true;
	run->rows = calloc(run->nraw ? run->nraw : 1, sizeof *run->rows);
	if (!run->rows)
		return;
	bool *used = calloc(run->nraw ? run->nraw : 1, sizeof *used);
	double *mb = malloc((run->nraw ? run->nraw : 1) * sizeof *mb);
	if (!used || !mb) {
		free(used);
		free(mb);
		return;
	}
	for (size_t i = 0; i < run->nraw; i++) {
		if (used[i])
			continue;
		const struct result_row *a = &run->raw[i].r;
		if (strcmp(a->kind, "throughput")) {
			run->rows[run->nrows++] = run->raw[i];
			continue;
		}
		size_t n = 0;
		for (size_t j = i; j < run->nraw; j++)
			if (!used[j] && same_point(a, &run->raw[j].r)) {
				used[j] = true;
				mb[n++] = run->raw[j].r.mb_per_s;
			}
		double med = median_of(mb, n), lo = mb[0], hi = mb[0];
		for (size_t k = 1; k < n; k++) {
			lo = fmin(lo, mb[k]);
			hi = fmax(hi, mb[k]);
		}
		for (size_t j = i; j < run->nraw; j++)
			if (same_point(a, &run->raw[j].r) && run->raw[j].r.mb_per_s == med) {
				struct run_row *to = &run->rows[run->nrows++];
				*to = run->raw[j];
				to->lo = lo;
				to->hi = hi;
				to->rounds = (unsigned)n;
				break;
			}
	}
	free(used);
	free(mb);
	/* The placements of the run, from the latency rows. */
	for (size_t i = 0; i < run->nrows; i++) {
		const char *p = run->rows[i].r.pin;
		int a, b;
		if (sscanf(p, "%d,%d", &a, &b) != 2)
			continue;
		if (a == b && !run->same[0])
			snprintf(run->same, sizeof run->same, "%s", p);
		if (a != b && !run->cross[0])
			snprintf(run->cross, sizeof run->cross, "%s", p);
	}
}

const struct run_row *run_find(const struct run *run, const char *kind, const char *t,
			       const char *mode, const char *pin, unsigned long size)
{
	for (size_t i = 0; i < run->nrows; i++) {
		const struct result_row *r = &run->rows[i].r;
		if (!strcmp(r->kind, kind) && (!*t || !strcmp(r->transport, t)) &&
		    (!*mode || !strcmp(r->mode, mode)) && (!*pin || !strcmp(r->pin, pin)) &&
		    (!size || r->size == size))
			return &run->rows[i];
	}
	return NULL;
}

const struct run_row *run_find_tp(const struct run *run, const char *t, const char *pin,
				  unsigned long size, bool unverified)
{
	for (size_t i = 0; i < run->nrows; i++) {
		const struct result_row *r = &run->rows[i].r;
		if (!strcmp(r->kind, "throughput") && !strcmp(r->transport, t) &&
		    !strcmp(r->pin, pin) && (!size || r->size == size) &&
		    row_unverified(r) == unverified)
			return &run->rows[i];
	}
	return NULL;
}

const char *placement_name(const char *pin, char *buf, size_t cap)
{
	int a, b;
	if (sscanf(pin, "%d,%d", &a, &b) != 2)
		snprintf(buf, cap, "unpinned");
	else if (a == b)
		snprintf(buf, cap, "one CPU (%d)", a);
	else
		snprintf(buf, cap, "two CPUs (%d, %d)", a, b);
	return buf;
}

const char *size_name(unsigned long size, char *buf, size_t cap)
{
	if (size >= 1048576 && size % 1048576 == 0)
		snprintf(buf, cap, "%lu MiB", size / 1048576);
	else if (size >= 1024 && size % 1024 == 0)
		snprintf(buf, cap, "%lu KiB", size / 1024);
	else if (size >= 1000)
		snprintf(buf, cap, "%lu,%03lu B", size / 1000, size % 1000);
	else
		snprintf(buf, cap, "%lu B", size);
	return buf;
}

size_t run_transports(const char **names, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; ipc_transports[i] && n < cap; i++)
		names[n++] = ipc_transports[i]->name;
	return n;
}

size_t run_curve(const struct run *run, const char *t, const char *pin,
		 const struct run_row **pts, size_t cap)
{
	size_t n = 0;
	for (size_t k = 0; k < run->nrows && n < cap; k++) {
		const struct result_row *r = &run->rows[k].r;
		if (!strcmp(r->kind, "throughput") && !strcmp(r->transport, t) &&
		    !strcmp(r->pin, pin) && !row_unverified(r))
			pts[n++] = &run->rows[k];
	}
	for (size_t a = 1; a < n; a++) /* by size: a dozen points */
		for (size_t b = a; b > 0 && pts[b - 1]->r.size > pts[b]->r.size; b--) {
			const struct run_row *x = pts[b];
			pts[b] = pts[b - 1];
			pts[b - 1] = x;
		}
	return n;
}

bool run_bend(const struct run_row *const *pts, size_t n, size_t *peak, size_t *fall)
{
	if (n < 3)
		return false;
	*peak = 0;
	for (size_t k = 1; k < n; k++)
		if (!pts[k]->r.lost && pts[k]->r.mb_per_s > pts[*peak]->r.mb_per_s)
			*peak = k;
	*fall = 0;
	for (size_t k = *peak + 1; k < n && !*fall; k++)
		if (pts[k]->r.mb_per_s < 0.7 * pts[*peak]->r.mb_per_s)
			*fall = k;
	return true;
}

/* ---- peers ------------------------------------------------------------ */

bool peer_round_split(const struct peer_round *pr)
{
	return pr->before > 2 * pr->after || pr->after > 2 * pr->before;
}

bool peer_is_bandwidth(const struct peer_round *pr)
{
	return !strncmp(pr->stat, "MB/s", 4);
}

static bool same_verdict(const struct peer_round *a, const struct peer_round *b)
{
	return !strcmp(a->tool, b->tool) && !strcmp(a->transport, b->transport) &&
	       !strcmp(a->pin, b->pin) && !strcmp(a->stat, b->stat) && a->size == b->size;
}

size_t run_peer_verdicts(const struct run *run, struct peer_verdict *out, size_t cap)
{
	size_t nv = 0;
	double *ratio = malloc((run->npeers + 1) * 7 * sizeof *ratio);
	if (!ratio)
		return 0;
	double *peer = ratio + run->npeers + 1, *ours = peer + run->npeers + 1;
	double *p50 = ours + run->npeers + 1, *mean = p50 + run->npeers + 1;
	double *level = mean + run->npeers + 1; /* two a round */

	for (size_t i = 0; i < run->npeers && nv < cap; i++) {
		bool seen = false;
		for (size_t k = 0; k < nv; k++)
			seen |= same_verdict(out[k].first, &run->peers[i]);
		if (seen)
			continue;
		struct peer_verdict *v = &out[nv++];
		memset(v, 0, sizeof *v);
		v->first = &run->peers[i];
		size_t n = 0, all = 0;
		for (size_t j = i; j < run->npeers; j++) {
			const struct peer_round *pr = &run->peers[j];
			if (!same_verdict(v->first, pr))
				continue;
			peer[all] = pr->peer;
			ours[all] = (pr->before + pr->after) / 2;
			p50[all] = pr->ours_p50;
			mean[all] = pr->ours_mean;
			all++;
			if (peer_round_split(pr)) {
				v->split++;
				continue;
			}
			level[2 * n] = pr->p50_before;
			level[2 * n + 1] = pr->p50_after;
			if (pr->peer > 0)
				ratio[n++] = (pr->before + pr->after) / 2 / pr->peer;
		}
		v->rounds = n;
		v->peer = median_of(peer, all);
		v->ours = median_of(ours, all);
		v->ours_p50 = median_of(p50, all);
		v->ours_mean = median_of(mean, all);
		v->judged = n > 0;
		if (!peer_is_bandwidth(v->first))
			stats_split_levels(level, 2 * n, &v->levels);
		v->ratio = v->lo = v->hi = NAN;
		if (n) {
			v->ratio = median_of(ratio, n);
			v->lo = v->hi = ratio[0];
			for (size_t k = 1; k < n; k++) {
				v->lo = fmin(v->lo, ratio[k]);
				v->hi = fmax(v->hi, ratio[k]);
			}
		}
	}
	free(ratio);
	return nv;
}

/* ---- reading a run directory ----------------------------------------- */

static int on_env(void *arg, const char *key, const char *value)
{
	return run_set_env(arg, key, value);
}

static int on_row(void *arg, const struct result_row *row)
{
	return run_add_row(arg, row);
}

static int on_target_row(void *arg, const struct result_row *row)
{
	return run_add_target_row(arg, row);
}

/* The first row of a file (a twin's run), copied with its strings. */
struct first_row {
	struct result_row r;
	bool have;
};

static int on_first_row(void *arg, const struct result_row *row)
{
	struct first_row *f = arg;
	if (!f->have) {
		f->r = *row;
		f->r.kind = f->r.transport = f->r.mode = f->r.pin = f->r.note = "";
		f->have = true;
	}
	return 0;
}

static int read_csv_file(const char *path, report_env_fn *env_fn, report_row_fn *row_fn,
			 void *arg, struct ipc_error *e)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return ipc_fail(e, IPC_SYSTEM, errno, "open %s", path);
	int rc = report_read_csv(f, path, env_fn, row_fn, arg, e);
	fclose(f);
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Call fn for every file of dir/sub whose name ends in `ext`, in name
 * order.  A missing directory has no files. */
static int each_file(const char *dir, const char *sub, const char *ext,
		     int (*fn)(struct run *, const char *, const char *, struct ipc_error *),
		     struct run *run, struct ipc_error *e)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, sub);
	DIR *d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : ipc_fail(e, IPC_SYSTEM, errno, "open directory %s", path);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name), el = strlen(ext);
		if (len <= el || strcmp(de->d_name + len - el, ext))
			continue;
		if (grow(&names, n, &cap, sizeof *names) < 0 || !(names[n] = strdup(de->d_name))) {
			rc = ipc_fail(e, IPC_SYSTEM, ENOMEM, "list %s", path);
			break;
		}
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_names);
	for (size_t i = 0; i < n && rc >= 0; i++) {
		char file[8300];
		snprintf(file, sizeof file, "%s/%s", path, names[i]);
		rc = fn(run, file, names[i], e);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc < 0 ? -1 : 0;
}

static int load_rows(struct run *run, const char *path, const char *name, struct ipc_error *e)
{
	(void)name;
	return read_csv_file(path, NULL, on_row, run, e) < 0 ? -1 : 0;
}

static int load_target_rows(struct run *run, const char *path, const char *name,
			    struct ipc_error *e)
{
	(void)name;
	return read_csv_file(path, NULL, on_target_row, run, e) < 0 ? -1 : 0;
}

/* redis-benchmark --csv: a header line, then
 * "PING_INLINE","rps","avg","min","p50","p95","p99","max" (ms).  The file
 * name says the socket family and the clients: redis_unix_50[_K].out. */
static int load_redis(struct run *run, const char *path, const char *name, bool target,
		      struct ipc_error *e)
{
	char fam[16];
	unsigned long clients;
	if (sscanf(name, "redis_%15[a-z]_%lu", fam, &clients) != 2)
		return 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return ipc_fail(e, IPC_SYSTEM, errno, "open %s", path);
	char line[512];
	int rc = 0;
	while (fgets(line, sizeof line, f)) {
		double v[7];
		if (sscanf(line, "\"PING_INLINE\",\"%lf\",\"%lf\",\"%lf\",\"%lf\",\"%lf\",\"%lf\",\"%lf\"",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6]) != 7)
			continue;
		struct result_row row = {
			.kind = "load", .mode = "redis", .pin = "none", .note = "redis-benchmark",
			.transport = strcmp(fam, "unix") ? "tcp" : "unix_stream",
			.clients = clients, .msgs_per_s = v[0], .mb_per_s = NAN,
			.cpu_us_per_op = NAN, .ctxsw_per_op = NAN, .cpu_ms_per_mb = NAN,
			.lat_us = { .mean = v[1] * 1000, .min = v[2] * 1000, .p50 = v[3] * 1000,
				    .p99 = v[5] * 1000, .max = v[6] * 1000, .p90 = NAN,
				    .p999 = NAN, .stddev = NAN },
		};
		rc = target ? run_add_target_row(run, &row) : run_add_row(run, &row);
		break;
	}
	fclose(f);
	return rc < 0 ? ipc_fail(e, IPC_SYSTEM, ENOMEM, "read %s", path) : 0;
}

static int load_redis_sweep(struct run *run, const char *path, const char *name,
			    struct ipc_error *e)
{
	return load_redis(run, path, name, false, e);
}

static int load_redis_target(struct run *run, const char *path, const char *name,
			     struct ipc_error *e)
{
	return load_redis(run, path, name, true, e);
}

/* A samples file (one number a line): its statistics and, when slow is
 * not NULL, the share of samples over p50 + extra. */
static int samples_stats(const char *path, struct stats *s, double extra, double *slow,
			 struct ipc_error *e)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return ipc_fail(e, IPC_SYSTEM, errno, "open %s", path);
	double *v = NULL;
	size_t n = 0, cap = 0;
	char line[128];
	while (fgets(line, sizeof line, f)) {
		char *end;
		double x = strtod(line, &end);
		if (end == line)
			continue;
		if (grow(&v, n, &cap, sizeof *v) < 0) {
			free(v);
			fclose(f);
			return ipc_fail(e, IPC_SYSTEM, ENOMEM, "read %s", path);
		}
		v[n++] = x;
	}
	fclose(f);
	stats_compute(v, n, s); /* sorts v */
	if (slow) {
		size_t k = n;
		while (k > 0 && v[k - 1] > s->p50 + extra)
			k--;
		*slow = n ? (double)(n - k) / (double)n : 0;
	}
	free(v);
	return 0;
}

/* One twin's run (a latency or throughput CSV): its figures. */
static int twin_row(const char *dir, const char *rel, struct result_row *out,
		    struct ipc_error *e)
{
	char path[4096];
	struct first_row fr = { .have = false };
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	if (read_csv_file(path, NULL, on_first_row, &fr, e) < 0)
		return -1;
	if (!fr.have)
		return ipc_fail(e, IPC_PROTOCOL, 0, "read %s: no result row", path);
	*out = fr.r;
	return 0;
}

static double stat_of(const struct result_row *r, const char *stat)
{
	if (!strcmp(stat, "mean"))
		return r->lat_us.mean;
	if (!strncmp(stat, "MB/s", 4))
		return r->mb_per_s;
	return r->lat_us.p50;
}

/* peers/rounds.tsv, one line per peer run: tool, transport, size, pin,
 * round, statistic, the peer's figure (a number, or @FILE of its round
 * trips), ipclab's twin before and after it (CSV files). */
static int load_peer_rounds(struct run *run, const char *dir, struct ipc_error *e)
{
	char path[4096], line[1024];
	snprintf(path, sizeof path, "%s/peers/rounds.tsv", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : ipc_fail(e, IPC_SYSTEM, errno, "open %s", path);
	unsigned long line_no = 0;
	int rc = 0;
	while (rc == 0 && fgets(line, sizeof line, f)) {
		line_no++;
		char *col[9], *save = NULL, *p = line;
		int n = 0;
		line[strcspn(line, "\r\n")] = '\0';
		while (n < 9 && (col[n] = strtok_r(p, "\t", &save)))
			n++, p = NULL;
		if (n != 9) {
			rc = ipc_fail(e, IPC_PROTOCOL, 0, "read %s: line %lu has %d of 9 columns",
				      path, line_no, n);
			break;
		}
		struct peer_round pr = { .size = strtoul(col[2], NULL, 10), .round = atoi(col[4]) };
		snprintf(pr.tool, sizeof pr.tool, "%s", col[0]);
		snprintf(pr.transport, sizeof pr.transport, "%s", col[1]);
		snprintf(pr.pin, sizeof pr.pin, "%s", col[3]);
		snprintf(pr.stat, sizeof pr.stat, "%s", col[5]);
		if (col[6][0] == '@') {
			struct stats s;
			char sp[4096];
			snprintf(sp, sizeof sp, "%s/%s", dir, col[6] + 1);
			if ((rc = samples_stats(sp, &s, 0, NULL, e)) < 0)
				break;
			pr.peer = stat_of(&(struct result_row){ .lat_us = s }, pr.stat);
		} else {
			pr.peer = strtod(col[6], NULL);
		}
		struct result_row a, b;
		if ((rc = twin_row(dir, col[7], &a, e)) < 0 || (rc = twin_row(dir, col[8], &b, e)) < 0)
			break;
		pr.before = stat_of(&a, pr.stat);
		pr.after = stat_of(&b, pr.stat);
		pr.p50_before = a.lat_us.p50;
		pr.p50_after = b.lat_us.p50;
		pr.ours_p50 = (a.lat_us.p50 + b.lat_us.p50) / 2;
		pr.ours_mean = (a.lat_us.mean + b.lat_us.mean) / 2;
		if (run_add_peer_round(run, &pr) < 0)
			rc = ipc_fail(e, IPC_SYSTEM, ENOMEM, "read %s", path);
	}
	fclose(f);
	return rc;
}

/* machine/pauses_cpuN.csv (`ipclab bench pauses --format csv`): comment
 * lines, a header, one row; columns found by name.  With it, the one-CPU
 * pipe echo on that CPU (samples/latency_pipe_echo_N-N.txt), if the run
 * has it: how many of its round trips a pause lengthened. */
static int load_pauses(struct run *run, const char *path, const char *name,
		       struct ipc_error *e)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return ipc_fail(e, IPC_SYSTEM, errno, "open %s", path);
	char head[512] = "", line[512] = "";
	while (fgets(head, sizeof head, f) && head[0] == '#')
		;
	bool ok = head[0] && fgets(line, sizeof line, f);
	fclose(f);
	if (!ok)
		return ipc_fail(e, IPC_PROTOCOL, 0, "read %s: no header and row", path);
	struct pause_row p = { .cpu = -1 };
	char *hs = NULL, *ls = NULL, *h = strtok_r(head, ",\r\n", &hs);
	char *v = strtok_r(line, ",\r\n", &ls);
	for (; h && v; h = strtok_r(NULL, ",\r\n", &hs), v = strtok_r(NULL, ",\r\n", &ls)) {
		if (!strcmp(h, "cpu"))
			p.cpu = atoi(v);
		else if (!strcmp(h, "pauses_per_s"))
			p.per_s = strtod(v, NULL);
		else if (!strcmp(h, "lost_pct"))
			p.lost_pct = strtod(v, NULL);
		else if (!strcmp(h, "p50_us"))
			p.p50_us = strtod(v, NULL);
		else if (!strcmp(h, "ctxsw"))
			p.ctxsw = strtoul(v, NULL, 10);
	}
	if (p.cpu < 0)
		return ipc_fail(e, IPC_PROTOCOL, 0, "read %s: no cpu column", path);
	char sp[8300];
	int dirlen = (int)(strlen(path) - strlen(name) - strlen("/machine/"));
	snprintf(sp, sizeof sp, "%.*s/samples/latency_pipe_echo_%d-%d.txt", dirlen, path, p.cpu,
		 p.cpu);
	if (p.p50_us > 0 && access(sp, R_OK) == 0) {
		struct stats st;
		p.slow_over_us = p.p50_us / 2;
		if (samples_stats(sp, &st, p.slow_over_us, &p.slow_share, e) < 0)
			return -1;
		p.have_trips = st.n > 0;
		p.trip_p50_us = st.p50;
		p.trip_mean_us = st.mean;
	}
	return run_add_pauses(run, &p) < 0 ? ipc_fail(e, IPC_SYSTEM, ENOMEM, "read %s", path) : 0;
}

static int load_steal(struct run *run, const char *dir, struct ipc_error *e)
{
	char path[4096], step[64];
	double steal, total;
	snprintf(path, sizeof path, "%s/steal.tsv", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : ipc_fail(e, IPC_SYSTEM, errno, "open %s", path);
	/* step, ticks stolen, all ticks (bench/lib.sh) */
	while (fscanf(f, "%63s %lf %lf", step, &steal, &total) == 3)
		if (total > 0 && run_add_steal(run, step, 100 * steal / total) < 0)
			break;
	fclose(f);
	return 0;
}

int run_load_dir(struct run *run, const char *dir, struct ipc_error *e)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/env.csv", dir);
	if (read_csv_file(path, on_env, on_row, run, e) < 0) {
		return ipc_hint(e, "is %s the directory of a `make bench` run?", dir);
	}
	static const char *const steps[] = { "process", "latency", "throughput", "connect",
					     "scaling" };
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (each_file(dir, steps[i], ".csv", load_rows, run, e) < 0)
			return -1;
	if (each_file(dir, "scaling", ".out", load_redis_sweep, run, e) < 0 ||
	    each_file(dir, "scaling/target", ".csv", load_target_rows, run, e) < 0 ||
	    each_file(dir, "scaling/target", ".out", load_redis_target, run, e) < 0 ||
	    each_file(dir, "machine", ".csv", load_pauses, run, e) < 0 ||
	    load_peer_rounds(run, dir, e) < 0 || load_steal(run, dir, e) < 0)
		return -1;
	run_finish(run);
	if (!run->nrows)
		return ipc_fail(e, IPC_USAGE, 0, "%s holds no result rows", dir);
	return 0;
}
