/*
 * reader.c - the one reader of a run directory (reader.h).
 *
 * Two halves: opening (a file beneath the run directory's descriptor,
 * component by component with O_NOFOLLOW, checked to be a regular file
 * before a byte is read, its whole content in memory) and parsing (one
 * parser per kind of file, on those bytes).  Everything is linear in the
 * size of the input: rows are appended, never searched while reading.
 */
#include "reader.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layout.h"
#include "modes.h"
#include "run.h"

#define READ_LINE_MAX 4096
#define READ_MAX_FIELDS 64
#define READ_FILE_MAX ((size_t)1 << 30) /* 1 GiB: a full run's largest file is a few MB */

/* ---- opening ----------------------------------------------------------- */

/* Open rel (a relative path of plain names) beneath dirfd, following no
 * symbolic link on the way; the last component with `flags`.  -1 and errno
 * (EXDEV: the path would leave the directory). */
static int open_beneath(int dirfd, const char *rel, int flags)
{
	char path[4096];
	if (dirfd < 0 || !*rel || rel[0] == '/' || snprintf(path, sizeof path, "%s", rel) >=
	    (int)sizeof path) {
		errno = EXDEV;
		return -1;
	}
	int cur = dirfd;
	char *save = NULL, *comp = strtok_r(path, "/", &save);
	while (comp) {
		char *next = strtok_r(NULL, "/", &save);
		int fd;
		if (!strcmp(comp, "..") || !strcmp(comp, ".")) {
			errno = EXDEV;
			fd = -1;
		} else {
			fd = openat(cur, comp, (next ? O_RDONLY | O_DIRECTORY : flags) | O_NOFOLLOW |
				    O_CLOEXEC);
		}
		int saved = errno;
		if (cur != dirfd)
			close(cur);
		errno = saved;
		if (fd < 0)
			return -1;
		cur = fd;
		comp = next;
	}
	if (cur == dirfd) {
		errno = EXDEV;
		return -1;
	}
	return cur;
}

/* Why a file was not read, in words. */
static const char *open_why(int err)
{
	if (err == ELOOP)
		return "is a symbolic link (not followed)";
	if (err == EXDEV)
		return "would leave the run directory";
	if (err == ENOTDIR)
		return "goes through something that is not a directory";
	return strerror(err);
}

/* The whole of rel (beneath dirfd) in *buf (NUL-terminated past *len).
 * 0; 1 when it does not exist; 2 when it was refused (noted); -1 for a
 * lack of memory. */
static int slurp(struct run *run, int dirfd, const char *rel, char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	int fd = open_beneath(dirfd, rel, O_RDONLY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		run_problem(run, "%s %s: left out", rel, open_why(errno));
		return 2;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		run_problem(run, "%s is not a regular file (a FIFO, a device or a directory): "
			    "left out", rel);
		close(fd);
		return 2;
	}
	if ((size_t)st.st_size > READ_FILE_MAX) {
		run_problem(run, "%s is over %zu bytes: left out", rel, READ_FILE_MAX);
		close(fd);
		return 2;
	}
	size_t cap = (size_t)st.st_size + 1, n = 0;
	char *b = malloc(cap + 1);
	if (!b) {
		close(fd);
		return -1;
	}
	for (;;) {
		if (n == cap) { /* it grew while we read: read up to the limit */
			if (cap > READ_FILE_MAX) {
				run_problem(run, "%s grew past %zu bytes while read: left out", rel,
					    READ_FILE_MAX);
				free(b);
				close(fd);
				return 2;
			}
			char *bigger = realloc(b, 2 * cap + 1);
			if (!bigger) {
				free(b);
				close(fd);
				return -1;
			}
			b = bigger;
			cap *= 2;
		}
		ssize_t got = read(fd, b + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			run_problem(run, "%s: read: %s: left out", rel, strerror(errno));
			free(b);
			close(fd);
			return 2;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* ---- lines and fields ---------------------------------------------------- */

/* The lines of a buffer, one at a time, '\n'-ended ('\r' before it dropped). */
struct lines {
	const char *name;
	char *p, *end;
	unsigned long no;
	char line[READ_LINE_MAX + 1];
};

static void lines_init(struct lines *l, const char *name, const char *buf, size_t len)
{
	l->name = name;
	l->p = (char *)buf;
	l->end = (char *)buf + len;
	l->no = 0;
}

/* 1 and the next line in l->line; 0 at the end; -1 for a line that cannot be
 * a line of ours (a NUL byte, over READ_LINE_MAX bytes), noted. */
static int next_line(struct run *run, struct lines *l)
{
	if (l->p >= l->end)
		return 0;
	char *nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
	size_t n = (size_t)((nl ? nl : l->end) - l->p);
	l->no++;
	if (memchr(l->p, '\0', n)) {
		run_problem(run, "%s line %lu holds a NUL byte: not a text file of ours", l->name,
			    l->no);
		return -1;
	}
	if (n > READ_LINE_MAX) {
		run_problem(run, "%s line %lu is over %d bytes", l->name, l->no, READ_LINE_MAX);
		return -1;
	}
	memcpy(l->line, l->p, n);
	if (n && l->line[n - 1] == '\r')
		n--;
	l->line[n] = '\0';
	l->p = nl ? nl + 1 : l->end;
	return 1;
}

/* Split one CSV line in place (RFC 4180 quotes); the number of fields, -1
 * for an unterminated quote, -2 for too many fields. */
static int csv_split(char *line, char **field)
{
	int n = 0;
	char *r = line, *w = line;

	for (;;) {
		if (n == READ_MAX_FIELDS)
			return -2;
		field[n++] = w;
		if (*r == '"') {
			r++;
			for (;;) {
				if (!*r)
					return -1;
				if (*r == '"' && r[1] == '"') {
					*w++ = '"';
					r += 2;
				} else if (*r == '"') {
					r++;
					break;
				} else {
					*w++ = *r++;
				}
			}
		}
		while (*r && *r != ',')
			*w++ = *r++;
		if (!*r) {
			*w = '\0';
			return n;
		}
		*w++ = '\0';
		r++;
		w = r;
	}
}

/* A figure we can use: a decimal number, finite, not negative, not
 * subnormal, at most READER_FIGURE_MAX.  NULL, or why not. */
static const char *figure(const char *text, double *out)
{
	char *end;
	if (!*text)
		return "empty";
	if (strpbrk(text, "xXpP")) /* hexadecimal floats are not ours */
		return "not a number";
	errno = 0;
	double v = strtod(text, &end);
	if (end == text || *end)
		return "not a number";
	if (isnan(v))
		return "NaN";
	if (isinf(v))
		return "infinite";
	if (v < 0)
		return "negative";
	if (fpclassify(v) == FP_SUBNORMAL || (errno == ERANGE && v != 0))
		return "subnormal (too small to be a measurement)";
	if (v > READER_FIGURE_MAX)
		return "too large to be a measurement";
	*out = v;
	return NULL;
}

static const char *whole(const char *text, unsigned long *out)
{
	double v;
	const char *why = figure(text, &v);
	if (why)
		return why;
	if (v != floor(v) || strpbrk(text, ".eE"))
		return "not a whole number";
	*out = (unsigned long)v;
	return NULL;
}

/* ---- result rows ----------------------------------------------------------- */

static bool kind_known(const char *k)
{
	static const char *const kinds[] = { "latency", "throughput", "connect", "process",
					     "load" };
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (!strcmp(k, kinds[i]))
			return true;
	return false;
}

/* A row that cannot be a measurement: why, or NULL. */
static const char *row_unusable(const struct result_row *r)
{
	const struct stats *s = &r->lat_us;
	if (!kind_known(r->kind))
		return "unknown kind";
	if (!*r->transport)
		return "no transport";
	if (!r->count)
		return "count is 0";
	if (r->lost > r->count)
		return "more lost than sent";
	if (!strcmp(r->kind, "throughput")) {
		if (!r->size)
			return "size 0";
		if (!(r->mb_per_s > 0) && !r->lost)
			return "MB/s is 0 or missing";
		return NULL;
	}
	if (!strcmp(r->kind, "load") && !(r->msgs_per_s > 0) && !r->errors && !r->lost)
		return "requests/s is 0 or missing";
	if (!(s->p50 > 0))
		return "p50 is 0 or missing";
	/* Nearest-rank percentiles of one sample never go down. */
	const double order[] = { s->min, s->p50, s->p90, s->p99, s->p999, s->max };
	double last = 0;
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		if (!(order[i] > 0))
			continue;
		if (order[i] < last)
			return "its percentiles go down (min <= p50 <= p90 <= p99 <= p99.9 <= max)";
		last = order[i];
	}
	return NULL;
}

/* Store one text field into column c of row; strings point into text. */
static const char *set_column(struct result_row *row, const struct report_column *c, char *text)
{
	void *at = (char *)row + c->offset;
	if (c->type == COL_STR) {
		*(const char **)at = text;
		return NULL;
	}
	if (!*text) /* not measured: a missing figure */
		return NULL;
	if (c->type == COL_ULONG)
		return whole(text, (unsigned long *)at);
	return figure(text, (double *)at);
}

static int parse_rows(struct run *run, enum reader_kind kind, const char *name, const char *buf,
		      size_t len)
{
	struct lines l;
	char *field[READ_MAX_FIELDS];
	const struct report_column *map[READ_MAX_FIELDS];
	int nmap = -1, rc;

	lines_init(&l, name, buf, len);
	while ((rc = next_line(run, &l)) > 0) {
		char *line = l.line;
		if (!*line)
			continue;
		if (line[0] == '#') {
			char *colon = strstr(line, ": ");
			if (kind == RK_ENV && colon && nmap < 0) {
				*colon = '\0';
				if (run_set_env(run, line + 1 + strspn(line + 1, " "), colon + 2) < 0)
					return -1;
			}
			continue;
		}
		int n = csv_split(line, field);
		if (n < 0) {
			run_problem(run, "%s line %lu: %s: %s", name, l.no,
				    n == -1 ? "a quote is not closed" : "too many fields",
				    nmap < 0 ? "file left out" : "row left out");
			if (nmap < 0)
				return 0;
			continue;
		}
		if (nmap < 0) {
			if (strcmp(field[0], "kind")) {
				run_problem(run, "%s: no header starting with \"kind\": not a result "
					    "file, left out", name);
				return 0;
			}
			for (int i = 0; i < n; i++) {
				map[i] = NULL;
				for (size_t k = 0; k < report_ncolumns; k++)
					if (!strcmp(field[i], report_columns[k].name))
						map[i] = &report_columns[k];
				for (int j = 0; j < i; j++)
					if (map[i] && map[j] == map[i]) {
						run_problem(run, "%s line %lu: column %s appears twice: "
							    "file left out", name, l.no, field[i]);
						return 0;
					}
			}
			nmap = n;
			continue;
		}
		if (n != nmap) {
			run_problem(run, "%s line %lu has %d fields, its header %d (a row cut short?): "
				    "row left out", name, l.no, n, nmap);
			continue;
		}
		struct result_row row;
		memset(&row, 0, sizeof row);
		for (size_t k = 0; k < report_ncolumns; k++) {
			void *at = (char *)&row + report_columns[k].offset;
			if (report_columns[k].type == COL_DOUBLE)
				*(double *)at = NAN;
			else if (report_columns[k].type == COL_STR)
				*(const char **)at = "";
		}
		const char *why = NULL;
		int bad = -1;
		for (int i = 0; i < n && !why; i++)
			if (map[i] && (why = set_column(&row, map[i], field[i])))
				bad = i;
		if (why) {
			run_problem(run, "%s line %lu: %s is %s ('%.40s'): row left out", name, l.no,
				    map[bad]->name, why, field[bad]);
			continue;
		}
		if ((why = row_unusable(&row))) {
			run_problem(run, "%s line %lu (%s %s): %s: row left out", name, l.no, row.kind,
				    row.transport, why);
			continue;
		}
		if ((kind == RK_TARGET_ROWS ? run_add_target_row(run, &row) : run_add_row(run, &row)) < 0)
			return -1;
	}
	if (rc < 0)
		run_problem(run, "%s: the rest of the file left out", name);
	else if (nmap < 0 && kind != RK_ENV)
		run_problem(run, "%s: no header and no row: left out", name);
	return 0;
}

/* The first usable row of a file (a peer's twin). */
struct first_row {
	struct result_row r;
	bool have;
};

static int twin_row(struct run *run, int dirfd, const char *rel, struct result_row *out)
{
	char *buf;
	size_t len;
	int rc = slurp(run, dirfd, rel, &buf, &len);
	if (rc == 1)
		run_problem(run, "%s is missing", rel);
	if (rc)
		return rc < 0 ? -1 : 1;
	struct run *tmp = run_new();
	if (!tmp) {
		free(buf);
		return -1;
	}
	rc = parse_rows(tmp, RK_ROWS, rel, buf, len);
	free(buf);
	for (size_t i = 0; i < tmp->nproblems; i++)
		run_problem(run, "%s", tmp->problems[i]);
	if (rc == 0 && tmp->nraw) {
		*out = tmp->raw[0].r;
		out->kind = out->transport = out->mode = out->pin = out->note = "";
	} else if (rc == 0) {
		run_problem(run, "%s holds no usable row", rel);
		rc = 1;
	}
	run_free(tmp);
	return rc;
}

/* ---- samples ------------------------------------------------------------- */

/* One figure a line: *v (malloc'd) and *n.  0; 1 when refused (noted); -1
 * for a lack of memory. */
static int parse_samples(struct run *run, const char *name, const char *buf, size_t len,
			 double **v, size_t *n)
{
	struct lines l;
	size_t cap = 0;
	int rc;

	*v = NULL;
	*n = 0;
	lines_init(&l, name, buf, len);
	while ((rc = next_line(run, &l)) > 0) {
		if (!l.line[0])
			continue;
		double x;
		const char *why = figure(l.line, &x);
		if (!why && x == 0)
			why = "0 (a round trip takes time)";
		if (why) {
			run_problem(run, "%s line %lu: %s ('%.40s'): file left out", name, l.no, why,
				    l.line);
			break;
		}
		if (run_grow(v, *n, &cap, sizeof **v) < 0) {
			free(*v);
			*v = NULL;
			return -1;
		}
		(*v)[(*n)++] = x;
	}
	if (rc != 0 || l.p < l.end) {
		if (rc < 0)
			run_problem(run, "%s: file left out", name);
		free(*v);
		*v = NULL;
		*n = 0;
		return 1;
	}
	return 0;
}

/* A samples file beneath dirfd: its figures, sorted. */
static int read_samples(struct run *run, int dirfd, const char *rel, double **v, size_t *n)
{
	char *buf;
	size_t len;
	*v = NULL;
	*n = 0;
	int rc = slurp(run, dirfd, rel, &buf, &len);
	if (rc)
		return rc < 0 ? -1 : 1;
	rc = parse_samples(run, rel, buf, len, v, n);
	free(buf);
	return rc;
}

/* The round trips of one latency row, every round of it: the file of a row
 * measured once, then rounds 1, 2, ... until one is missing (the rounds
 * are one measurement, cut so that a burst of noise spoils one round; the
 * CDF and the pauses want all of its round trips).  0 with *v and *n; 1
 * when there is none; -1 for a lack of memory. */
static int read_latency_samples(struct run *run, int dirfd, struct layout_file f, double **v,
				size_t *n)
{
	char rel[4096];
	size_t cap = 0;
	bool any = false;
	*v = NULL;
	*n = 0;
	for (f.round = 0;; f.round++) {
		double *part;
		size_t np;
		if (layout_path(rel, sizeof rel, &f) < 0)
			break;
		int rc = read_samples(run, dirfd, rel, &part, &np);
		if (rc < 0) {
			free(*v);
			*v = NULL;
			return -1;
		}
		if (rc > 0 && f.round > 0)
			break;
		if (rc > 0)
			continue;
		any = true;
		if (*n + np > cap) {
			size_t ncap = (*n + np) * 2;
			double *bigger = realloc(*v, (ncap ? ncap : 1) * sizeof *bigger);
			if (!bigger) {
				free(part);
				free(*v);
				*v = NULL;
				return -1;
			}
			*v = bigger;
			cap = ncap;
		}
		if (np)
			memcpy(*v + *n, part, np * sizeof *part);
		*n += np;
		free(part);
	}
	return any ? 0 : 1;
}

/* ---- peers/rounds.tsv ------------------------------------------------------- */

static double stat_of(const struct result_row *r, const char *stat)
{
	if (!strcmp(stat, "mean"))
		return r->lat_us.mean;
	if (!strncmp(stat, "MB/s", 4))
		return r->mb_per_s;
	return r->lat_us.p50;
}

static bool stat_known(const char *s)
{
	return !strcmp(s, "p50") || !strcmp(s, "mean") || !strcmp(s, "MB/s") ||
	       !strcmp(s, "MB/s-unverified");
}

/* Tab-separated, empty fields kept; the number of fields (at most max+1). */
static int tsv_split(char *line, char **col, int max)
{
	int n = 0;
	for (char *p = line;;) {
		if (n == max)
			return n + 1;
		col[n++] = p;
		char *tab = strchr(p, '\t');
		if (!tab)
			return n;
		*tab = '\0';
		p = tab + 1;
	}
}

static void copy_name(char *to, size_t cap, const char *from)
{
	snprintf(to, cap, "%s", from);
}

/* One line: tool, transport, size, pin, round, statistic, the peer's figure
 * (a number, or @FILE of its round trips), ipclab's twin before and after. */
static int parse_round(struct run *run, int dirfd, const char *name, unsigned long no, char *line)
{
	char *col[9];
	int n = tsv_split(line, col, 9);
	const char *why = NULL;
	unsigned long size = 0, round = 0;
	if (n != 9)
		why = "not 9 tab-separated columns";
	else if (!*col[0] || !*col[1] || !*col[3] || strlen(col[0]) >= 40 || strlen(col[1]) >= 16 ||
		 strlen(col[3]) >= 16)
		why = "a tool, transport or placement empty or too long";
	else if (whole(col[2], &size) || whole(col[4], &round) || !round)
		why = "size or round not a whole number (round from 1)";
	else if (!stat_known(col[5]))
		why = "unknown statistic";
	if (why) {
		run_problem(run, "%s line %lu: %s: peer round left out", name, no, why);
		return 0;
	}
	struct peer_round pr = { .size = size, .round = (int)round };
	copy_name(pr.tool, sizeof pr.tool, col[0]);
	copy_name(pr.transport, sizeof pr.transport, col[1]);
	copy_name(pr.pin, sizeof pr.pin, col[3]);
	copy_name(pr.stat, sizeof pr.stat, col[5]);
	if (col[6][0] == '@') {
		double *v;
		size_t nv;
		int rc = read_samples(run, dirfd, col[6] + 1, &v, &nv);
		if (rc < 0)
			return -1;
		if (rc == 0 && !nv) {
			run_problem(run, "%s holds no round trip", col[6] + 1);
			rc = 1;
		}
		if (rc) {
			free(v);
			run_problem(run, "%s line %lu: the peer's round trips (%s) unusable: peer round "
				    "left out", name, no, col[6] + 1);
			return 0;
		}
		struct stats s;
		stats_compute(v, nv, &s);
		free(v);
		pr.peer = stat_of(&(struct result_row){ .lat_us = s }, pr.stat);
	} else if ((why = figure(col[6], &pr.peer)) || !(pr.peer > 0)) {
		run_problem(run, "%s line %lu: the peer's figure is %s ('%.40s'): peer round left out",
			    name, no, why ? why : "0", col[6]);
		return 0;
	}
	struct result_row a, b;
	int rc = twin_row(run, dirfd, col[7], &a);
	if (rc == 0)
		rc = twin_row(run, dirfd, col[8], &b);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		run_problem(run, "%s line %lu: ipclab's run beside the peer unusable: peer round "
			    "left out", name, no);
		return 0;
	}
	pr.before = stat_of(&a, pr.stat);
	pr.after = stat_of(&b, pr.stat);
	if (!(pr.before > 0) || !(pr.after > 0)) {
		run_problem(run, "%s line %lu: ipclab's %s beside the peer is missing: peer round "
			    "left out", name, no, pr.stat);
		return 0;
	}
	pr.p50_before = a.lat_us.p50;
	pr.p50_after = b.lat_us.p50;
	pr.ours_p50 = (a.lat_us.p50 + b.lat_us.p50) / 2;
	pr.ours_mean = (a.lat_us.mean + b.lat_us.mean) / 2;
	return run_add_peer_round(run, &pr);
}

static int parse_rounds(struct run *run, int dirfd, const char *name, const char *buf, size_t len)
{
	struct lines l;
	int rc;
	lines_init(&l, name, buf, len);
	while ((rc = next_line(run, &l)) > 0)
		if (l.line[0] && parse_round(run, dirfd, name, l.no, l.line) < 0)
			return -1;
	if (rc < 0)
		run_problem(run, "%s: the rest of the file left out", name);
	return 0;
}

/* ---- the other files ------------------------------------------------------- */

/* machine/pauses_cpuN.csv: comment lines, a header, one row (pauses
 * layout, report.h), columns by name. */
static int parse_pauses(struct run *run, const char *name, const char *buf, size_t len)
{
	struct lines l;
	char *field[READ_MAX_FIELDS], head[READ_LINE_MAX + 1] = "";
	const struct pauses_column *map[READ_MAX_FIELDS];
	int rc, nh = -1;
	struct pauses_result r = { .cpu = -1, .p50_us = NAN, .others_pct = NAN, .steal_pct = NAN };
	bool have = false;

	lines_init(&l, name, buf, len);
	while (!have && (rc = next_line(run, &l)) > 0) {
		if (!l.line[0] || l.line[0] == '#')
			continue;
		if (nh < 0) {
			memcpy(head, l.line, sizeof head);
			nh = csv_split(head, field);
			if (nh < 1 || strcmp(field[0], "kind")) {
				run_problem(run, "%s: no header starting with \"kind\": left out", name);
				return 0;
			}
			for (int i = 0; i < nh; i++) {
				map[i] = NULL;
				for (size_t k = 0; k < pauses_ncolumns; k++)
					if (!strcmp(field[i], pauses_columns[k].name))
						map[i] = &pauses_columns[k];
				for (int j = 0; j < i; j++)
					if (map[i] && map[j] == map[i]) {
						run_problem(run, "%s: column %s appears twice: left out",
							    name, field[i]);
						return 0;
					}
			}
			continue;
		}
		int n = csv_split(l.line, field);
		if (n != nh) {
			run_problem(run, "%s line %lu has %d fields, its header %d: left out", name, l.no,
				    n, nh);
			return 0;
		}
		for (int i = 0; i < n; i++) {
			if (!map[i] || !*field[i])
				continue;
			double v;
			const char *why = figure(field[i], &v);
			if (!why && pauses_column_set(&r, map[i], v) < 0)
				why = "not a whole number";
			if (!why && map[i]->offset == offsetof(struct pauses_result, lost_pct) && v > 100)
				why = "over 100 %";
			if (why) {
				run_problem(run, "%s line %lu: %s is %s ('%.40s'): left out", name, l.no,
					    map[i]->name, why, field[i]);
				return 0;
			}
		}
		have = true;
	}
	if (!have) {
		run_problem(run, "%s: no header and row: left out", name);
		return 0;
	}
	if (r.cpu < 0) {
		run_problem(run, "%s: no cpu column: left out", name);
		return 0;
	}
	struct pause_row p = { .cpu = r.cpu, .per_s = r.per_s, .lost_pct = r.lost_pct,
			       .p50_us = isfinite(r.p50_us) ? r.p50_us : 0,
			       .ctxsw = isfinite(r.ctxsw) ? (unsigned long)r.ctxsw : 0 };
	/* Who else had the CPU: runs before the columns existed have not. */
	if (isfinite(r.others_pct) && isfinite(r.steal_pct) && r.others_pct <= 100 &&
	    r.steal_pct <= 100 && r.others_pct >= 0 && r.steal_pct >= 0) {
		p.have_busy = true;
		p.others_pct = r.others_pct;
		p.steal_pct = r.steal_pct;
	}
	return run_add_pauses(run, &p);
}

/* redis-benchmark --csv: a header line, then
 * "PING_INLINE","rps","avg","min","p50","p95","p99","max" (ms).  The file
 * name says the socket family and the clients: redis_unix_50[_K].out. */
static int parse_redis(struct run *run, bool target, const char *name, const char *buf,
		       size_t len)
{
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	char fam[16];
	unsigned long clients;
	if (sscanf(base, "redis_%15[a-z]_%lu", fam, &clients) != 2 || !clients)
		return 0; /* not a point of ours */
	struct lines l;
	int rc;
	lines_init(&l, name, buf, len);
	while ((rc = next_line(run, &l)) > 0) {
		char *field[READ_MAX_FIELDS];
		int n = csv_split(l.line, field);
		if (n < 1 || strcmp(field[0], "PING_INLINE"))
			continue;
		double v[7];
		const char *why = n != 8 ? "not 8 fields" : NULL;
		for (int i = 0; i < 7 && !why; i++)
			if ((why = figure(field[i + 1], &v[i])) == NULL && !(v[i] > 0))
				why = "0";
		if (why) {
			run_problem(run, "%s line %lu: %s: left out", name, l.no, why);
			return 0;
		}
		struct result_row row = {
			.kind = "load", .mode = "redis", .pin = "none", .note = "redis-benchmark",
			.transport = strcmp(fam, "unix") ? "tcp" : "unix_stream",
			.clients = clients, .msgs_per_s = v[0], .mb_per_s = NAN,
			.cpu_us_per_op = NAN, .ctxsw_per_op = NAN, .cpu_ms_per_mb = NAN,
			.lat_us = { .mean = v[1] * 1000, .min = v[2] * 1000, .p50 = v[3] * 1000,
				    .p99 = v[5] * 1000, .max = v[6] * 1000, .p90 = NAN,
				    .p999 = NAN, .stddev = NAN },
		};
		return target ? run_add_target_row(run, &row) : run_add_row(run, &row);
	}
	if (rc < 0)
		run_problem(run, "%s: left out", name);
	return 0;
}

/* scaling/counted/T_M_C.perf: `perf stat -x,` of the server during one
 * load, lines "value,unit,event,..." ("<not counted>" for a value), and
 * T_M_C.csv beside it, the load's row: its transport, mode, clients and
 * greetings.  Counts perf could not take stay NAN. */
static int parse_counted(struct run *run, int dirfd, const char *name, const char *buf,
			 size_t len)
{
	struct server_count c = { .syscalls = NAN, .ctxsw = NAN, .task_ms = NAN };
	struct lines l;
	int rc;
	lines_init(&l, name, buf, len);
	while ((rc = next_line(run, &l)) > 0) {
		char *col[4];
		double v;
		if (!l.line[0] || l.line[0] == '#')
			continue;
		int n = 0;
		for (char *p = l.line, *comma; n < 4; p = comma + 1) {
			col[n++] = p;
			if (!(comma = strchr(p, ',')))
				break;
			*comma = '\0';
		}
		if (n < 3 || figure(col[0], &v))
			continue; /* "Events enabled", "<not counted>": no figure */
		if (!strcmp(col[2], "raw_syscalls:sys_enter"))
			c.syscalls = v;
		else if (!strcmp(col[2], "context-switches"))
			c.ctxsw = v;
		else if (!strcmp(col[2], "task-clock") && !strcmp(col[1], "msec"))
			c.task_ms = v;
	}
	if (rc < 0 || dirfd < 0)
		return 0;
	char rel[4096];
	size_t nl = strlen(name);
	if (nl < 5 || nl >= sizeof rel)
		return 0;
	snprintf(rel, sizeof rel, "%.*s.csv", (int)(nl - 5), name);
	char *rows;
	size_t rlen;
	if ((rc = slurp(run, dirfd, rel, &rows, &rlen)) != 0) {
		if (rc == 1)
			run_problem(run, "%s is missing: %s left out", rel, name);
		return rc < 0 ? -1 : 0;
	}
	struct run *tmp = run_new();
	if (!tmp) {
		free(rows);
		return -1;
	}
	rc = parse_rows(tmp, RK_ROWS, rel, rows, rlen);
	free(rows);
	for (size_t i = 0; i < tmp->nproblems; i++)
		run_problem(run, "%s", tmp->problems[i]);
	const struct result_row *r = rc == 0 && tmp->nraw ? &tmp->raw[0].r : NULL;
	if (r && (strcmp(r->kind, "load") || !r->count || strlen(r->transport) >= sizeof c.transport ||
		  strlen(r->mode) >= sizeof c.mode)) {
		run_problem(run, "%s: not a load row with greetings: %s left out", rel, name);
		r = NULL;
	}
	if (r) {
		snprintf(c.transport, sizeof c.transport, "%s", r->transport);
		snprintf(c.mode, sizeof c.mode, "%s", r->mode);
		c.clients = r->clients;
		c.greetings = r->count;
		rc = run_add_counted(run, &c);
	}
	run_free(tmp);
	return rc < 0 ? -1 : 0;
}

/* steal.tsv: step, ticks stolen, all ticks (bench/lib.sh). */
static int parse_steal(struct run *run, const char *name, const char *buf, size_t len)
{
	struct lines l;
	int rc;
	lines_init(&l, name, buf, len);
	while ((rc = next_line(run, &l)) > 0) {
		char *col[4];
		unsigned long steal, total;
		if (!l.line[0])
			continue;
		if (tsv_split(l.line, col, 3) != 3 || !*col[0] || strlen(col[0]) >= 64 ||
		    whole(col[1], &steal) || whole(col[2], &total) || !total || steal > total) {
			run_problem(run, "%s line %lu: not \"step, stolen ticks, all ticks\" with "
				    "stolen <= all: left out", name, l.no);
			continue;
		}
		if (run_add_steal(run, col[0], 100.0 * (double)steal / (double)total) < 0)
			return -1;
	}
	if (rc < 0)
		run_problem(run, "%s: the rest left out", name);
	return 0;
}

/* busy.tsv (bench/busy.c): a header, then per step: step, CPUs, their
 * clock ticks, and the ticks of ours, other processes, the kernel's
 * threads and the host (steal), each at most the CPUs' ticks.  The steal
 * goes to the steps' steal shares too (steal.tsv in older runs). */
static int parse_busy(struct run *run, const char *name, const char *buf, size_t len)
{
	static const char head[] = "step\tcpus\tticks\tours\tothers\tkernel\tsteal";
	struct lines l;
	int rc;
	bool headed = false;
	lines_init(&l, name, buf, len);
	while ((rc = next_line(run, &l)) > 0) {
		char *col[8];
		unsigned long v[5];
		if (!l.line[0])
			continue;
		if (!headed) {
			if (strcmp(l.line, head)) {
				run_problem(run, "%s: no header \"step, cpus, ticks, ours, others, "
					    "kernel, steal\": left out", name);
				return 0;
			}
			headed = true;
			continue;
		}
		bool ok = tsv_split(l.line, col, 7) == 7 && *col[0] && strlen(col[0]) < 64 &&
			  *col[1] && strlen(col[1]) < 32 && strspn(col[1], "0123456789,-") ==
			  strlen(col[1]);
		/* Ours and the kernel's threads are counted apart from the CPUs'
		 * ticks, and may overshoot them by a tick or two; the others and
		 * the steal are shares of them. */
		for (int i = 0; ok && i < 5; i++)
			ok = !whole(col[2 + i], &v[i]) &&
			     (i == 0 ? v[0] > 0 : i == 1 || i == 3 || v[i] <= v[0]);
		if (!ok) {
			run_problem(run, "%s line %lu: not \"step, CPUs, ticks, ours, others, kernel, "
				    "steal\" in ticks, others and steal at most the ticks: left out",
				    name, l.no);
			continue;
		}
		struct busy_step b = { .ticks = v[0], .ours = v[1], .others = v[2],
				       .kernel = v[3], .steal = v[4] };
		snprintf(b.step, sizeof b.step, "%s", col[0]);
		snprintf(b.cpus, sizeof b.cpus, "%s", col[1]);
		if (run_add_busy(run, &b) < 0 ||
		    run_add_steal(run, b.step, 100.0 * (double)b.steal / (double)b.ticks) < 0)
			return -1;
	}
	if (rc < 0)
		run_problem(run, "%s: the rest left out", name);
	return 0;
}

int reader_parse(struct run *run, int dirfd, enum reader_kind kind, const char *name,
		 const char *buf, size_t len)
{
	switch (kind) {
	case RK_ENV:
	case RK_ROWS:
	case RK_TARGET_ROWS:
		return parse_rows(run, kind, name, buf, len);
	case RK_PAUSES:
		return parse_pauses(run, name, buf, len);
	case RK_ROUNDS:
		return parse_rounds(run, dirfd, name, buf, len);
	case RK_SAMPLES: {
		double *v;
		size_t n;
		int rc = parse_samples(run, name, buf, len, &v, &n);
		if (rc < 0)
			return -1;
		if (rc == 0 && n)
			return run_add_samples(run, "same", name, v, n);
		free(v);
		return 0;
	}
	case RK_REDIS:
	case RK_TARGET_REDIS:
		return parse_redis(run, kind == RK_TARGET_REDIS, name, buf, len);
	case RK_STEAL:
		return parse_steal(run, name, buf, len);
	case RK_COUNTED:
		return parse_counted(run, dirfd, name, buf, len);
	case RK_BUSY: /* what others took of the run's CPUs */
		return parse_busy(run, name, buf, len);
	}
	return 0;
}

/* ---- the directory ------------------------------------------------------- */

static int read_one(struct run *run, int dirfd, enum reader_kind kind, const char *rel)
{
	char *buf;
	size_t len;
	int rc = slurp(run, dirfd, rel, &buf, &len);
	if (rc)
		return rc < 0 ? -1 : rc;
	rc = reader_parse(run, dirfd, kind, rel, buf, len);
	free(buf);
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file of folder `sub` whose name ends in ext, in name order. */
static int read_folder(struct run *run, int dirfd, const char *sub, const char *ext,
		       enum reader_kind kind)
{
	int fd = open_beneath(dirfd, sub, O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		if (errno != ENOENT)
			run_problem(run, "%s/ %s: left out", sub, open_why(errno));
		return 0;
	}
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	char **names = NULL;
	size_t n = 0, cap = 0, el = strlen(ext);
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(d))) {
		size_t nl = strlen(de->d_name);
		if (de->d_name[0] == '.' || nl <= el || strcmp(de->d_name + nl - el, ext))
			continue;
		if (run_grow(&names, n, &cap, sizeof *names) < 0 || !(names[n] = strdup(de->d_name))) {
			rc = -1;
			break;
		}
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_names);
	for (size_t i = 0; i < n && rc >= 0; i++) {
		char rel[4096];
		snprintf(rel, sizeof rel, "%s/%s", sub, names[i]);
		rc = read_one(run, dirfd, kind, rel);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc < 0 ? -1 : 0;
}

/* The fields summary.md cannot do without. */
static void check_env(struct run *run)
{
	int cpus = atoi(run_env(run, "cpus_online"));
	const char *missing = !*run_env(run, "date")        ? "date"
			      : !*run_env(run, "cpu_model") ? "cpu_model"
			      : !*run_env(run, "kernel")    ? "kernel"
			      : cpus < 1                    ? "cpus_online"
							    : NULL;
	if (missing) {
		run->env_bad = true;
		run_problem(run, "env.csv: the environment record is missing or unusable (no %s): "
			    "the machine is unknown", missing);
	}
}

/* ---- samples/waits_*: how shm's waits ended, per round trip ------------ */

/* One line of a waits file: "END CPU END CPU" (the client's, the
 * server's), END a word of run_end_word or "-", CPU -1 or a CPU number.
 * NULL, or why not. */
static const char *parse_wait_line(char *line, struct run_trip_wait *w)
{
	char *tok[5], *save = NULL;
	int n = 0;
	for (char *p = strtok_r(line, " \t", &save); p && n < 5; p = strtok_r(NULL, " \t", &save))
		tok[n++] = p;
	if (n != 4)
		return "not four fields (client end, CPU, server end, CPU)";
	for (int s = 0; s < 2; s++) {
		const char *word = tok[2 * s], *cpu = tok[2 * s + 1];
		w->end[s] = -1;
		for (int k = 0; k < IPC_END_KINDS; k++)
			if (!strcmp(word, run_end_word[k]))
				w->end[s] = (signed char)k;
		if (w->end[s] < 0 && strcmp(word, "-"))
			return "an end that is not ready, spun, slept or -";
		unsigned long c;
		if (!strcmp(cpu, "-1"))
			w->cpu[s] = -1;
		else if (whole(cpu, &c) || c > 4095)
			return "a CPU that is not -1 or 0 to 4095";
		else
			w->cpu[s] = (short)c;
	}
	return NULL;
}

/* One round's waits file beside its samples file, paired line by line.
 * 0; 1 when there is none; 2 when it was refused (noted); -1 for a lack
 * of memory. */
static int read_round_waits(struct run *run, int dirfd, const struct layout_file *samples,
			    const char *where)
{
	struct layout_file f = *samples;
	char rel[4096], srel[4096], *buf;
	size_t len, n = 0, cap = 0, ns;
	double *v;
	struct run_trip_wait *trip = NULL;
	f.kind = LF_LATENCY_WAITS;
	if (layout_path(rel, sizeof rel, &f) < 0 || layout_path(srel, sizeof srel, samples) < 0)
		return 1;
	int rc = slurp(run, dirfd, rel, &buf, &len);
	if (rc)
		return rc < 0 ? -1 : rc;
	rc = read_samples(run, dirfd, srel, &v, &ns);
	if (rc) {
		free(buf);
		if (rc > 0)
			run_problem(run, "%s: no usable samples file beside it (%s): file left out",
				    rel, srel);
		return rc < 0 ? -1 : 2;
	}
	struct lines l;
	lines_init(&l, rel, buf, len);
	while ((rc = next_line(run, &l)) > 0) {
		if (!l.line[0] || l.line[0] == '#')
			continue;
		struct run_trip_wait w;
		const char *why = parse_wait_line(l.line, &w);
		if (!why && n >= ns)
			why = "more round trips than its samples file has";
		if (why) {
			run_problem(run, "%s line %lu: %s: file left out", rel, l.no, why);
			rc = -2;
			break;
		}
		if (run_grow(&trip, n, &cap, sizeof *trip) < 0) {
			rc = -3;
			break;
		}
		w.us = v[n];
		trip[n++] = w;
	}
	free(buf);
	free(v);
	if (rc == -3) {
		free(trip);
		return -1;
	}
	if (rc == 0 && n != ns) {
		run_problem(run, "%s holds %zu round trips, its samples file %zu: file left out", rel,
			    n, ns);
		rc = -2;
	}
	if (rc != 0) {
		if (rc == -1)
			run_problem(run, "%s: file left out", rel);
		free(trip);
		return 2;
	}
	return run_add_waits(run, where, samples->transport, trip, n) < 0 ? -1 : 0;
}

/* Every round's waits of one greeting row, where the run counted them. */
static int read_waits(struct run *run, int dirfd, const char *t, const char *pin,
		      const char *where)
{
	for (int round = 0;; round++) {
		struct layout_file f = { .kind = LF_LATENCY_SAMPLES, .transport = t,
					 .mode = "greeting", .pin = pin, .round = round };
		int rc = read_round_waits(run, dirfd, &f, where);
		if (rc < 0)
			return -1;
		if (rc == 1 && round > 0)
			return 0; /* the rounds end at the first one missing */
	}
}

/* The samples the plots and the pauses finding need, once the placements
 * are known. */
static int read_run_samples(struct run *run, int dirfd)
{
	const char *T[32];
	size_t nt = run_transports_of(run, T, 32);
	const char *where[2] = { "same", "cross" }, *pins[2] = { run->same, run->cross };

	for (size_t i = 0; i < nt; i++)
		for (size_t j = 0; j < 2; j++) {
			struct layout_file f = { .kind = LF_LATENCY_SAMPLES, .transport = T[i],
						 .mode = "greeting", .pin = pins[j] };
			double *v;
			size_t n;
			if (!*pins[j])
				continue;
			int rc = read_latency_samples(run, dirfd, f, &v, &n);
			if (rc < 0)
				return -1;
			if (rc == 0 && run_add_samples(run, where[j], T[i], v, n) < 0)
				return -1;
			if (rc == 0 && read_waits(run, dirfd, T[i], pins[j], where[j]) < 0)
				return -1;
		}
	for (size_t i = 0; i < run->npauses; i++) {
		struct pause_row *p = &run->pauses[i];
		char pin[32];
		snprintf(pin, sizeof pin, "%d,%d", p->cpu, p->cpu);
		struct layout_file f = { .kind = LF_LATENCY_SAMPLES, .transport = "pipe",
					 .mode = "echo", .pin = pin };
		double *v;
		size_t n;
		if (!(p->p50_us > 0))
			continue;
		int rc = read_latency_samples(run, dirfd, f, &v, &n);
		if (rc < 0)
			return -1;
		if (rc > 0)
			continue;
		struct stats st;
		stats_compute(v, n, &st);
		p->slow_over_us = p->p50_us / 2;
		size_t k = n;
		while (k > 0 && v[k - 1] > st.p50 + p->slow_over_us)
			k--;
		p->slow_share = n ? (double)(n - k) / (double)n : 0;
		p->have_trips = st.n > 0;
		p->trip_p50_us = st.p50;
		p->trip_mean_us = st.mean;
		free(v);
	}
	return 0;
}

int run_load_dir(struct run *run, const char *dir, struct ipc_error *e)
{
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "open directory %s", dir),
		       ipc_hint(e, "is %s the directory of a `make bench` run?", dir);
	int rc = read_one(run, dirfd, RK_ENV, "env.csv");
	bool no_env = rc == 1;
	if (no_env)
		run_problem(run, "env.csv is missing");
	check_env(run);
	rc = rc < 0 ? -1 : 0;
	for (size_t i = 0; layout_row_dirs[i] && rc == 0; i++)
		rc = read_folder(run, dirfd, layout_row_dirs[i], ".csv", RK_ROWS);
	if (rc == 0)
		rc = read_folder(run, dirfd, "scaling", ".out", RK_REDIS);
	if (rc == 0)
		rc = read_folder(run, dirfd, "scaling/target", ".csv", RK_TARGET_ROWS);
	if (rc == 0)
		rc = read_folder(run, dirfd, "scaling/target", ".out", RK_TARGET_REDIS);
	if (rc == 0)
		rc = read_folder(run, dirfd, "scaling/counted", ".perf", RK_COUNTED);
	if (rc == 0)
		rc = read_folder(run, dirfd, "machine", ".csv", RK_PAUSES);
	if (rc == 0 && read_one(run, dirfd, RK_ROUNDS, "peers/rounds.tsv") < 0)
		rc = -1;
	if (rc == 0 && read_one(run, dirfd, RK_STEAL, "steal.tsv") < 0)
		rc = -1;
	{ /* what others took of the run's CPUs (bench/busy.c) */
		char rel[64];
		struct layout_file f = { .kind = LF_BUSY };
		if (rc == 0 && layout_path(rel, sizeof rel, &f) == 0 &&
		    read_one(run, dirfd, RK_BUSY, rel) < 0)
			rc = -1;
	}
	if (rc == 0) {
		run_finish(run);
		rc = read_run_samples(run, dirfd);
	}
	close(dirfd);
	if (rc < 0)
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "read %s", dir);
	if (!run->nrows) {
		ipc_fail(e, IPC_USAGE, 0, "%s holds no usable result rows%s", dir,
			 no_env ? " and no env.csv" : "");
		return ipc_hint(e, "is %s the directory of a `make bench` run?", dir);
	}
	return 0;
}

/* ---- one file of a `make netlab` run ----------------------------------- */

int reader_file(const char *dir, const struct layout_file *f, char **buf, size_t *len,
		struct ipc_error *e)
{
	char rel[4096];
	*buf = NULL;
	*len = 0;
	if (layout_path(rel, sizeof rel, f) < 0)
		return ipc_fail(e, IPC_USAGE, 0, "%s: a file name of the run is too long, or "
				"would leave its folder (a '/', \"..\")", dir);
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "open directory %s", dir);
	/* slurp() says why it refused a file as a problem of a run: this one
	 * holds nothing else. */
	struct run scratch = { 0 };
	int rc = slurp(&scratch, dirfd, rel, buf, len);
	close(dirfd);
	if (rc == 2)
		ipc_fail(e, IPC_PROTOCOL, 0, "%s: %s", dir,
			 scratch.nproblems ? scratch.problems[0] : rel);
	else if (rc < 0)
		ipc_fail(e, IPC_SYSTEM, ENOMEM, "read %s/%s", dir, rel);
	for (size_t i = 0; i < scratch.nproblems; i++)
		free(scratch.problems[i]);
	free(scratch.problems);
	return rc == 2 ? -1 : rc;
}
