/*
 * netlab_table.c - `ipclab bench netlab DIR`: the table of a `make netlab`
 * run (see netlab.h for the run directory).
 *
 * What each transport did to the same requests on the same link:
 *  - TCP answers every request (delivered = sent); what the link took, the
 *    kernels sent again: RetransSegs of /proc/net/snmp in both namespaces,
 *    after minus before.  Its losses show as latency, never as gaps.
 *  - UDP's client counted every datagram itself (latency.c): sent, never
 *    answered (lost), resent after a timeout, answered twice, out of order.
 */
#include "netlab.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/layout.h"
#include "analysis/reader.h"

#define MAX_FIELDS 32
#define MAX_CONDITIONS 32
#define LINE_MAX_LEN 4096
#define PATH_LEN 1024

static const char *const transports[] = { "tcp", "udp" };
#define NTRANSPORTS (sizeof transports / sizeof transports[0])

/* One run directory, read. */
struct netlab_run {
	struct netlab_condition conds[MAX_CONDITIONS];
	struct netlab_line lines[MAX_CONDITIONS][NTRANSPORTS];
	char delays[MAX_CONDITIONS][400];
	int n;
};

/* ---- reading ------------------------------------------------------------ */

/* Split one CSV line (RFC 4180 quoting) in place: the number of fields. */
static int csv_split(char *line, char **fields, int max)
{
	int n = 0;
	char *p = line;

	line[strcspn(line, "\r\n")] = '\0';
	while (n < max) {
		char *out = p;
		fields[n++] = p;
		if (*p == '"') {
			char *in = p + 1;
			for (;;) {
				if (*in == '\0')
					break;
				if (*in == '"' && in[1] == '"') {
					*out++ = '"';
					in += 2;
				} else if (*in == '"') {
					in++;
					break;
				} else {
					*out++ = *in++;
				}
			}
			p = in;
		} else {
			while (*p && *p != ',')
				*out++ = *p++;
		}
		char sep = *p;
		*out = '\0';
		if (sep != ',')
			break;
		p++;
	}
	return n;
}

static int column(char **names, int n, const char *want)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], want))
			return i;
	return -1;
}

static double number_or(const char *text, double otherwise)
{
	char *end;
	double v = strtod(text, &end);
	return end != text ? v : otherwise;
}

/* File `kind` of condition cond (NULL: the run's own) of run dir, read by
 * the one reader of a run (analysis/reader.c): *buf (free it), and its path
 * for messages in name.  0, 1 when it does not exist, -1 with e. */
static int netlab_file(const char *dir, enum layout_kind kind, const char *cond,
		       const char *t, const char *mode, const char *tag, char **buf, char *name,
		       size_t cap, struct ipc_error *e)
{
	struct layout_file f = { .kind = kind, .condition = cond, .transport = t, .mode = mode,
				 .tag = tag };
	char rel[PATH_LEN];
	size_t len;
	if (layout_path(rel, sizeof rel, &f) < 0)
		snprintf(rel, sizeof rel, "?");
	snprintf(name, cap, "%s/%s", dir, rel);
	return reader_file(dir, &f, buf, &len, e);
}

/* The next line of *p (a file's bytes) into line, cut at cap - 1 bytes as
 * fgets would; false at the end. */
static bool next_line(const char **p, char *line, size_t cap)
{
	if (!**p)
		return false;
	size_t n = strcspn(*p, "\n"), keep = n < cap - 2 ? n : cap - 2;
	memcpy(line, *p, keep);
	line[keep] = '\n';
	line[keep + 1] = '\0';
	*p += n + ((*p)[n] == '\n');
	return true;
}

int netlab_parse_condition(const char *line, struct netlab_condition *c)
{
	char copy[LINE_MAX_LEN];
	char *f[8];
	int n = 0;

	snprintf(copy, sizeof copy, "%s", line);
	copy[strcspn(copy, "\r\n")] = '\0';
	for (char *p = copy; n < 8;) {
		f[n++] = p;
		p = strchr(p, '\t');
		if (!p)
			break;
		*p++ = '\0';
	}
	if (n != 6 || !f[0][0] || strlen(f[0]) >= sizeof c->name)
		return -1;
	memset(c, 0, sizeof *c);
	snprintf(c->name, sizeof c->name, "%s", f[0]);
	double *nums[] = { &c->loss_pct, &c->delay_ms, &c->dup_pct, &c->reorder_pct };
	for (int i = 0; i < 4; i++) {
		char *end;
		*nums[i] = strtod(f[i + 1], &end);
		if (end == f[i + 1] || *end || *nums[i] < 0)
			return -1;
	}
	snprintf(c->how, sizeof c->how, "%s", f[5]);
	c->skipped = !strncmp(c->how, "skipped", 7);
	return 0;
}

int netlab_snmp_counter(const char *text, const char *group, const char *field,
			unsigned long long *out)
{
	size_t glen = strlen(group);

	/* Lines come in pairs: "Tcp: Name1 Name2 ..." then "Tcp: 1 2 ...". */
	for (const char *p = text; p && *p;) {
		const char *names = p, *values = strchr(p, '\n');
		if (!values)
			return -1;
		values++;
		p = strchr(values, '\n');
		if (p)
			p++;
		if (strncmp(names, group, glen) || names[glen] != ':' ||
		    strncmp(values, group, glen) || values[glen] != ':')
			continue;
		const char *np = names + glen + 1, *vp = values + glen + 1;
		for (;;) {
			while (*np == ' ')
				np++;
			while (*vp == ' ')
				vp++;
			size_t nlen = strcspn(np, " \n");
			if (nlen == 0 || *vp == '\n' || *vp == '\0')
				return -1;
			if (nlen == strlen(field) && !strncmp(np, field, nlen)) {
				char *end;
				errno = 0;
				unsigned long long v = strtoull(vp, &end, 10);
				if (end == vp || errno)
					return -1;
				*out = v;
				return 0;
			}
			np += nlen;
			vp += strcspn(vp, " \n");
		}
	}
	return -1;
}

void netlab_parse_note(const char *note, struct netlab_line *l)
{
	static const struct {
		const char *key;
		size_t offset;
	} words[] = {
		{ "sent=", offsetof(struct netlab_line, sent) },
		{ "lost=", offsetof(struct netlab_line, lost) },
		{ "resent=", offsetof(struct netlab_line, retrans) },
		{ "dup=", offsetof(struct netlab_line, dup) },
		{ "reordered=", offsetof(struct netlab_line, reordered) },
		{ "late=", offsetof(struct netlab_line, late) },
	};

	for (const char *p = note; *p;) {
		p += strspn(p, " ");
		for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
			size_t klen = strlen(words[i].key);
			char *end;
			if (strncmp(p, words[i].key, klen))
				continue;
			unsigned long long v = strtoull(p + klen, &end, 10);
			if (end != p + klen && (*end == ' ' || *end == '\0'))
				*(unsigned long long *)((char *)l + words[i].offset) = v;
		}
		p += strcspn(p, " ");
	}
}

/* The first data row of result CSV `kind` of transport t under condition
 * cond: fields into f (pointing into buf), column indices into cols (-1:
 * absent), the file's path into path.  0, 1 when missing, -1 with e. */
static int read_first_row(const char *dir, enum layout_kind kind, const char *cond,
			  const char *t, char *path, size_t pcap, char *buf, size_t cap, char **f,
			  int *nf, const char *const *want, int *cols, int nwant, struct ipc_error *e)
{
	char header[LINE_MAX_LEN];
	char *names[MAX_FIELDS], *text;
	int nnames = 0;
	int r = netlab_file(dir, kind, cond, t, NULL, NULL, &text, path, pcap, e);
	if (r != 0)
		return r;
	for (const char *p = text; next_line(&p, buf, cap);) {
		if (buf[0] == '#' || buf[0] == '\n')
			continue;
		if (!nnames) {
			snprintf(header, sizeof header, "%s", buf);
			nnames = csv_split(header, names, MAX_FIELDS);
			if (strcmp(names[0], "kind"))
				break;
			continue;
		}
		*nf = csv_split(buf, f, MAX_FIELDS);
		free(text);
		for (int i = 0; i < nwant; i++) {
			cols[i] = column(names, nnames, want[i]);
			if (cols[i] >= *nf)
				cols[i] = -1;
		}
		return 0;
	}
	free(text);
	return ipc_fail(e, IPC_PROTOCOL, 0, "%s: no result row in the common layout", path);
}

int netlab_read_latency(const char *dir, const char *cond, const char *t, struct netlab_line *l,
			struct ipc_error *e)
{
	static const char *const want[] = { "count", "p50_us", "p99_us", "msgs_per_s", "lost",
					     "note" };
	enum { C_COUNT, C_P50, C_P99, C_RATE, C_LOST, C_NOTE, C_N };
	char buf[LINE_MAX_LEN], path[PATH_LEN + 64];
	char *f[MAX_FIELDS];
	int nf = 0, c[C_N];

	int r = read_first_row(dir, LF_NETLAB_LATENCY, cond, t, path, sizeof path, buf, sizeof buf,
			       f, &nf, want, c, C_N, e);
	if (r != 0)
		return r;
	if (c[C_COUNT] < 0 || c[C_P50] < 0 || c[C_P99] < 0)
		return ipc_fail(e, IPC_PROTOCOL, 0, "%s: no count, p50_us or p99_us column", path);
	l->measured = true;
	l->trips = strtoul(f[c[C_COUNT]], NULL, 10);
	l->sent = l->delivered = l->trips;
	l->p50_ms = number_or(f[c[C_P50]], NAN) / 1000.0;
	l->p99_ms = number_or(f[c[C_P99]], NAN) / 1000.0;
	l->trips_per_s = c[C_RATE] >= 0 ? number_or(f[c[C_RATE]], NAN) : NAN;
	if (c[C_LOST] >= 0)
		l->lost = strtoull(f[c[C_LOST]], NULL, 10);
	if (c[C_NOTE] >= 0)
		netlab_parse_note(f[c[C_NOTE]], l);
	/* Every send was answered, or counted as lost. */
	if (l->sent >= l->lost)
		l->delivered = l->sent - l->lost;
	return 0;
}

/* msgs_per_s of the `ipclab load` row of t under cond, or -1. */
static int read_load(const char *dir, const char *cond, const char *t, double *per_s,
		     struct ipc_error *e)
{
	static const char *const want[] = { "msgs_per_s" };
	char buf[LINE_MAX_LEN], path[PATH_LEN + 64];
	char *f[MAX_FIELDS];
	int nf = 0, c[1];

	*per_s = -1;
	int r = read_first_row(dir, LF_NETLAB_LOAD, cond, t, path, sizeof path, buf, sizeof buf, f,
			       &nf, want, c, 1, e);
	if (r == 0 && c[0] >= 0)
		*per_s = number_or(f[c[0]], -1);
	return r < 0 ? -1 : 0;
}

/* Tcp RetransSegs after minus before, in both namespaces: 0, 1 when a
 * snapshot is missing, -1 with e. */
static int read_retrans(const char *dir, const char *cond, unsigned long long *sum,
			struct ipc_error *e)
{
	static const char *const sides[] = { "client", "server" };
	*sum = 0;
	for (int s = 0; s < 2; s++) {
		unsigned long long v[2];
		for (int w = 0; w < 2; w++) {
			char path[PATH_LEN + 64], *text;
			int r = netlab_file(dir, LF_NETLAB_SNMP, cond, NULL, sides[s],
					    w ? "after" : "before", &text, path, sizeof path, e);
			if (r != 0) {
				*sum = 0;
				return r;
			}
			r = netlab_snmp_counter(text, "Tcp", "RetransSegs", &v[w]);
			free(text);
			if (r < 0)
				return ipc_fail(e, IPC_PROTOCOL, 0, "%s: no Tcp RetransSegs", path);
		}
		*sum += v[1] >= v[0] ? v[1] - v[0] : 0;
	}
	return 0;
}

void netlab_note_problem(const char *line, const char *transport, struct netlab_line *l)
{
	size_t tlen = strlen(transport);
	const char *tab = strchr(line, '\t');

	if (!tab)
		return;
	bool mine = !strncmp(line, transport, tlen) && line[tlen] == ' ';
	bool other = false;
	for (size_t t = 0; t < NTRANSPORTS; t++) {
		size_t n = strlen(transports[t]);
		other |= !strncmp(line, transports[t], n) && line[n] == ' ';
	}
	if (!mine && other)
		return;
	if (mine && !strncmp(line + tlen, " load\t", 6))
		l->load_failed = true;
	int what = (int)(tab - line);
	if (l->problem[0]) {
		size_t n = strlen(l->more);
		snprintf(l->more + n, sizeof l->more - n, "%s%.*s", n ? ", " : "", what, line);
		return;
	}
	snprintf(l->problem, sizeof l->problem, "%.*s: %.*s", what, line,
		 (int)strcspn(tab + 1, "\r\n"), tab + 1);
}

/* DIR/COND/problems.tsv into the rows of that condition (absent: none). */
static int read_problems(const char *dir, const char *cond, struct netlab_line *rows,
			 struct ipc_error *e)
{
	char path[PATH_LEN + 64], line[LINE_MAX_LEN], *text;
	int r = netlab_file(dir, LF_NETLAB_PROBLEMS, cond, NULL, NULL, NULL, &text, path,
			    sizeof path, e);
	if (r != 0)
		return r < 0 ? -1 : 0;
	for (const char *p = text; next_line(&p, line, sizeof line);)
		for (size_t t = 0; t < NTRANSPORTS; t++)
			netlab_note_problem(line, transports[t], &rows[t]);
	free(text);
	return 0;
}

/* netdelay's counts (DIR/COND/netdelay.txt) in words into buf; "" when it
 * did not run. */
static void read_netdelay(const char *dir, const char *cond, char *buf, size_t cap)
{
	char path[PATH_LEN + 64], line[LINE_MAX_LEN] = "", *text;
	static const char *const keys[] = { "arrived=", "held=", "at_once=", "full=",
					     "released=", "out_of_order=", "unread_lost=" };
	unsigned long long v[7] = { 0 };
	struct ipc_error ignored;

	buf[0] = '\0';
	if (netlab_file(dir, LF_NETLAB_NETDELAY, cond, NULL, NULL, NULL, &text, path, sizeof path,
			&ignored) != 0)
		return;
	const char *p = text;
	bool got = next_line(&p, line, sizeof line);
	free(text);
	if (!got || !strstr(line, "arrived=")) {
		snprintf(buf, cap, "netdelay left no counts (it did not stop cleanly)");
		return;
	}
	for (size_t k = 0; k < 7; k++) {
		const char *q = strstr(line, keys[k]);
		/* "held=" must not match inside "max_held=". */
		while (q && q > line && q[-1] != ' ')
			q = strstr(q + 1, keys[k]);
		if (q)
			v[k] = strtoull(q + strlen(keys[k]), NULL, 10);
	}
	snprintf(buf, cap, "netdelay handled %llu packets: held %llu, let %llu go at once "
		 "(reordering), %llu for lack of room; released %llu, %llu of them after a "
		 "later one%s", v[0], v[1], v[2], v[3], v[4], v[5],
		 v[6] ? "; some notices were lost (see netdelay.log)" : "");
}

/* ---- writing ------------------------------------------------------------ */

static void ms_cell(char *buf, size_t cap, double ms)
{
	if (isfinite(ms))
		snprintf(buf, cap, "%.3f", ms);
	else
		snprintf(buf, cap, "-");
}

static double fraction(const struct netlab_line *l)
{
	return l->sent ? (double)l->delivered / (double)l->sent : NAN;
}

/* What one request cost the client on average, waits and resends included:
 * the run's elapsed time over its round trips. */
static double ms_per_request(const struct netlab_line *l)
{
	return isfinite(l->trips_per_s) && l->trips_per_s > 0 ? 1000.0 / l->trips_per_s : NAN;
}

static void table_header(FILE *out, bool md)
{
	if (md) {
		fputs("| condition | transport | sent | delivered | retransmitted | lost | "
		      "duplicated | reordered | late | p50 ms | p99 ms | ms/request | load/s |\n"
		      "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
		      "| ---: | ---: |\n", out);
		return;
	}
	fprintf(out, "%-10s %-4s %7s %16s %8s %6s %6s %6s %6s %9s %9s %8s %8s\n", "condition",
		"", "sent", "delivered", "retrans", "lost", "dup", "reord", "late", "p50_ms",
		"p99_ms", "ms/req", "load/s");
}

static void table_line(FILE *out, bool md, const struct netlab_condition *c,
		       const char *transport, const struct netlab_line *l)
{
	char p50[24], p99[24], rate[24], load[24], deliv[40];

	if (!l->measured) {
		const char *why = l->problem[0] ? "failed, see below" : "not measured";
		if (md)
			fprintf(out, "| %s | %s | %s |||||||||||\n", c->name, transport, why);
		else
			fprintf(out, "%-10s %-4s %s\n", c->name, transport, why);
		return;
	}
	ms_cell(p50, sizeof p50, l->p50_ms);
	ms_cell(p99, sizeof p99, l->p99_ms);
	ms_cell(rate, sizeof rate, ms_per_request(l));
	if (l->load_failed)
		snprintf(load, sizeof load, "failed");
	else if (l->load_per_s >= 0)
		snprintf(load, sizeof load, "%.0f", l->load_per_s);
	else
		snprintf(load, sizeof load, "-");
	snprintf(deliv, sizeof deliv, "%llu (%.1f%%)", l->delivered, 100 * fraction(l));
	if (md)
		fprintf(out, "| %s | %s | %llu | %s | %llu | %llu | %llu | %llu | %llu | %s | %s "
			"| %s | %s |\n", c->name, transport, l->sent, deliv, l->retrans, l->lost,
			l->dup, l->reordered, l->late, p50, p99, rate, load);
	else
		fprintf(out, "%-10s %-4s %7llu %16s %8llu %6llu %6llu %6llu %6llu %9s %9s %8s %8s\n",
			c->name, transport, l->sent, deliv, l->retrans, l->lost, l->dup,
			l->reordered, l->late, p50, p99, rate, load);
}

/* Plot data: the conditions that differ only in loss, by loss rate. */
static int write_data(const char *path, const struct netlab_condition *conds,
		      struct netlab_line (*lines)[NTRANSPORTS], int n, struct ipc_error *e)
{
	FILE *f = fopen(path, "w");
	int order[MAX_CONDITIONS], k = 0;

	if (!f)
		return ipc_fail(e, IPC_SYSTEM, errno, "open %s for the plot data", path);
	for (int i = 0; i < n; i++)
		if (!conds[i].skipped && conds[i].delay_ms == 0 && conds[i].dup_pct == 0 &&
		    conds[i].reorder_pct == 0)
			order[k++] = i;
	for (int a = 1; a < k; a++) /* insertion sort by loss rate: a handful */
		for (int b = a; b > 0 && conds[order[b]].loss_pct < conds[order[b - 1]].loss_pct;
		     b--) {
			int t = order[b];
			order[b] = order[b - 1];
			order[b - 1] = t;
		}
	fputs("# loss_pct tcp_p50_ms tcp_p99_ms tcp_ms_per_request udp_p50_ms udp_p99_ms "
	      "udp_ms_per_request tcp_delivered udp_delivered (fractions; NaN: not measured)\n",
	      f);
	for (int j = 0; j < k; j++) {
		fprintf(f, "%g", conds[order[j]].loss_pct);
		for (size_t t = 0; t < NTRANSPORTS; t++) {
			const struct netlab_line *l = &lines[order[j]][t];
			fprintf(f, " %.3f %.3f %.3f", l->measured ? l->p50_ms : NAN,
				l->measured ? l->p99_ms : NAN, l->measured ? ms_per_request(l) : NAN);
		}
		for (size_t t = 0; t < NTRANSPORTS; t++)
			fprintf(f, " %.4f", lines[order[j]][t].measured ? fraction(&lines[order[j]][t])
									: NAN);
		fputc('\n', f);
	}
	int bad = ferror(f);
	if (fclose(f) != 0 || bad)
		return ipc_fail(e, IPC_SYSTEM, errno, "write %s", path);
	return 0;
}

/* lead, then text wrapped at 78 columns, the lines after the first indented
 * by `indent` spaces (Markdown: one line as it is). */
static void wrapped(FILE *out, bool md, const char *lead, const char *text, int indent)
{
	int col = fprintf(out, "%s", lead);

	if (md) {
		fprintf(out, "%s\n", text);
		return;
	}
	for (const char *p = text; *p;) {
		size_t word = strcspn(p, " ");
		if (col > indent && col + 1 + (int)word > 78) {
			fprintf(out, "\n%*s", indent, "");
			col = indent;
		} else if (p != text) {
			fputc(' ', out);
			col++;
		}
		fprintf(out, "%.*s", (int)word, p);
		col += (int)word;
		p += word;
		p += strspn(p, " ");
	}
	fputc('\n', out);
}

static bool is_clean(const struct netlab_condition *c)
{
	return c->loss_pct == 0 && c->delay_ms == 0 && c->dup_pct == 0 && c->reorder_pct == 0;
}

/* Per condition, in words: what TCP paid to deliver every request, against
 * what UDP lost; beside the clean link's figures when there is one. */
static int find_condition(const struct netlab_run *r, const char *name)
{
	for (int i = 0; i < r->n; i++)
		if (!strcmp(r->conds[i].name, name) && !r->conds[i].skipped)
			return i;
	return -1;
}

struct range {
	double lo, hi;
	int n;
};

static void widen(struct range *g, double v)
{
	if (!isfinite(v))
		return;
	if (g->n == 0 || v < g->lo)
		g->lo = v;
	if (g->n == 0 || v > g->hi)
		g->hi = v;
	g->n++;
}

/* Condition `name` across the runs, in words (lowest to highest of each
 * figure); "" unless two runs or more measured it. */
static void spread_text(char *buf, size_t cap, const struct netlab_run *runs, int nruns,
			const char *name)
{
	/* TCP: retransmitted, p99, ms/request; UDP: lost %, p99, ms/request */
	static const char *const fmt[6] = { "%.0f", "%.3f", "%.3f", "%.1f", "%.3f", "%.3f" };
	struct range g[6] = { { 0 } };
	char t[6][80];
	int seen = 0;

	buf[0] = '\0';
	for (int d = 0; d < nruns; d++) {
		int i = find_condition(&runs[d], name);
		if (i < 0)
			continue;
		const struct netlab_line *tcp = &runs[d].lines[i][0], *udp = &runs[d].lines[i][1];
		if (tcp->measured) {
			widen(&g[0], (double)tcp->retrans);
			widen(&g[1], tcp->p99_ms);
			widen(&g[2], ms_per_request(tcp));
		}
		if (udp->measured && udp->sent) {
			widen(&g[3], 100.0 * (double)udp->lost / (double)udp->sent);
			widen(&g[4], udp->p99_ms);
			widen(&g[5], ms_per_request(udp));
		}
		seen += tcp->measured || udp->measured;
	}
	if (seen < 2)
		return;
	for (int k = 0; k < 6; k++) {
		char lo[32], hi[32];
		snprintf(lo, sizeof lo, fmt[k], g[k].lo);
		snprintf(hi, sizeof hi, fmt[k], g[k].hi);
		if (!g[k].n)
			snprintf(t[k], sizeof t[k], "-");
		else if (!strcmp(lo, hi))
			snprintf(t[k], sizeof t[k], "%s", lo);
		else
			snprintf(t[k], sizeof t[k], "%s to %s", lo, hi);
	}
	snprintf(buf, cap, "Over %d runs: TCP resent %s segments, p99 %s ms, %s ms per "
		 "request; UDP lost %s%% of its datagrams, p99 %s ms, %s ms per request.",
		 seen, t[0], t[1], t[2], t[3], t[4], t[5]);
}

static void findings(FILE *out, bool md, const struct netlab_run *runs, int nruns)
{
	const struct netlab_condition *conds = runs[0].conds;
	const struct netlab_line (*lines)[NTRANSPORTS] = runs[0].lines;
	const int n = runs[0].n;
	const struct netlab_line *base = NULL;
	char text[2048], lead[64], p99[24], per[24], bp99[24], bper[24], spread[600];

	for (int i = 0; i < n && !base; i++)
		if (is_clean(&conds[i]) && !conds[i].skipped && lines[i][0].measured)
			base = &lines[i][0];
	fputs(md ? "\nFindings:\n\n" : "\nfindings (TCP delivers every request and pays for it in "
	      "time; UDP pays in losses):\n", out);
	for (int i = 0; i < n; i++) {
		const struct netlab_line *tcp = &lines[i][0], *udp = &lines[i][1];
		size_t k = 0;
		if (conds[i].skipped)
			continue;
		snprintf(lead, sizeof lead, md ? "- **%s**: " : "  %-9s", conds[i].name);
		if (!tcp->measured) {
			k += (size_t)snprintf(text + k, sizeof text - k, "TCP's row failed (%s).",
					      tcp->problem[0] ? tcp->problem : "no result");
		} else {
			ms_cell(p99, sizeof p99, tcp->p99_ms);
			ms_cell(per, sizeof per, ms_per_request(tcp));
			if (base == tcp || !base) {
				k += (size_t)snprintf(text + k, sizeof text - k, "TCP delivered %llu "
						      "of %llu requests with %llu segments resent, "
						      "p99 %s ms, %s ms per request.",
						      tcp->delivered, tcp->sent, tcp->retrans, p99, per);
			} else {
				ms_cell(bp99, sizeof bp99, base->p99_ms);
				ms_cell(bper, sizeof bper, ms_per_request(base));
				char paid[64] = "with no segment resent:";
				if (tcp->retrans)
					snprintf(paid, sizeof paid, "and paid for it with %llu "
						 "segments resent,", tcp->retrans);
				k += (size_t)snprintf(text + k, sizeof text - k, "TCP delivered %llu "
						      "of %llu requests, %s a p99 of %s ms (clean: "
						      "%s) and %s ms per request (clean: %s).",
						      tcp->delivered, tcp->sent, paid, p99, bp99, per,
						      bper);
			}
		}
		if (k < sizeof text)
			k += (size_t)snprintf(text + k, sizeof text - k, " ");
		if (!udp->measured) {
			k += (size_t)snprintf(text + k, sizeof text - k, "UDP's row failed (%s).",
					      udp->problem[0] ? udp->problem : "no result");
		} else if (k < sizeof text) {
			ms_cell(p99, sizeof p99, udp->p99_ms);
			ms_cell(per, sizeof per, ms_per_request(udp));
			k += (size_t)snprintf(text + k, sizeof text - k, "UDP lost %llu of %llu "
					      "datagrams (%.1f%%)", udp->lost, udp->sent,
					      udp->sent ? 100.0 * (double)udp->lost / (double)udp->sent
							: 0.0);
			if (udp->dup && k < sizeof text)
				k += (size_t)snprintf(text + k, sizeof text - k,
						      ", got %llu answers twice", udp->dup);
			if (udp->reordered && k < sizeof text)
				k += (size_t)snprintf(text + k, sizeof text - k,
						      ", %llu after a later one", udp->reordered);
			if (udp->late && k < sizeof text)
				k += (size_t)snprintf(text + k, sizeof text - k,
						      ", %llu too late", udp->late);
			if (k < sizeof text)
				k += (size_t)snprintf(text + k, sizeof text - k, "; its client "
						      "resent %llu, p99 %s ms, %s ms per request.",
						      udp->retrans, p99, per);
		}
		spread_text(spread, sizeof spread, runs, nruns, conds[i].name);
		if (spread[0] && k < sizeof text)
			k += (size_t)snprintf(text + k, sizeof text - k, " %s", spread);
		wrapped(out, md, lead, text, 11);
	}
}

int netlab_exit_status(const struct netlab_outcome *how, bool strict)
{
	if (how->measured == 0) {
		fprintf(stderr, "ipclab bench netlab: no row was measured\n");
		return 1;
	}
	if (strict && how->failed) {
		fprintf(stderr, "ipclab bench netlab: %d of %d rows failed (--strict)\n",
			how->failed, how->rows);
		return 1;
	}
	return 0;
}

static int read_conditions(const char *dir, struct netlab_condition *conds, int *n,
			   struct ipc_error *e)
{
	char path[PATH_LEN + 64], line[LINE_MAX_LEN], *text;
	unsigned long line_no = 0;

	int r = netlab_file(dir, LF_NETLAB_CONDITIONS, NULL, NULL, NULL, NULL, &text, path,
			    sizeof path, e);
	if (r == 1)
		ipc_fail(e, IPC_SYSTEM, ENOENT, "open %s", path);
	if (r != 0)
		return ipc_hint(e, "give the directory of a `make netlab` run "
				"(results/netlab-latest)");
	*n = 0;
	for (const char *p = text; next_line(&p, line, sizeof line);) {
		line_no++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (*n == MAX_CONDITIONS || netlab_parse_condition(line, &conds[*n]) < 0) {
			free(text);
			return ipc_fail(e, IPC_PROTOCOL, 0, "%s line %lu: %s", path, line_no,
					*n == MAX_CONDITIONS ? "too many conditions"
							     : "not name, 4 numbers and how, "
							       "separated by tabs");
		}
		(*n)++;
	}
	free(text);
	if (*n == 0)
		return ipc_fail(e, IPC_PROTOCOL, 0, "%s: no condition", path);
	return 0;
}

/* Reads run directory `dir` into r, adding its rows to *how. */
static int load_run(const char *dir, struct netlab_run *r, struct netlab_outcome *how,
		    struct ipc_error *e)
{
	struct netlab_condition *conds = r->conds;
	struct netlab_line (*lines)[NTRANSPORTS] = r->lines;
	char (*delays)[400] = r->delays;
	int n = 0;

	if (strlen(dir) > PATH_LEN - 64)
		return ipc_fail(e, IPC_USAGE, 0, "%s: path too long", dir);
	if (read_conditions(dir, conds, &n, e) < 0)
		return -1;
	memset(r->lines, 0, sizeof r->lines);
	for (int i = 0; i < n; i++) {
		const char *cond = conds[i].name;
		for (size_t t = 0; t < NTRANSPORTS; t++) {
			struct netlab_line *l = &lines[i][t];
			l->load_per_s = -1;
			if (conds[i].skipped)
				continue;
			if (netlab_read_latency(dir, cond, transports[t], l, e) < 0)
				return -1;
			if (read_load(dir, cond, transports[t], &l->load_per_s, e) < 0)
				return -1;
		}
		if (!conds[i].skipped && read_retrans(dir, cond, &lines[i][0].retrans, e) < 0)
			return -1;
		read_netdelay(dir, cond, delays[i], sizeof delays[i]);
		if (conds[i].skipped)
			continue;
		if (read_problems(dir, cond, lines[i], e) < 0)
			return -1;
		for (size_t t = 0; t < NTRANSPORTS; t++) {
			how->rows++;
			how->measured += lines[i][t].measured;
			how->failed += lines[i][t].problem[0] != '\0';
		}
	}
	r->n = n;
	return 0;
}

/* The report of runs[0], with the spread over all nruns in its findings. */
static int print_report(struct netlab_run *runs, int nruns, bool md, FILE *out,
			const char *data_path, const struct netlab_outcome *how,
			struct ipc_error *e)
{
	const struct netlab_condition *conds = runs[0].conds;
	struct netlab_line (*lines)[NTRANSPORTS] = runs[0].lines;
	char (*delays)[400] = runs[0].delays;
	int n = runs[0].n;

	if (md)
		fputc('\n', out);
	table_header(out, md);
	for (int i = 0; i < n; i++)
		for (size_t t = 0; t < NTRANSPORTS && !conds[i].skipped; t++)
			table_line(out, md, &conds[i], transports[t], &lines[i][t]);
	if (how->failed) {
		fputs(md ? "\nProblems (the run went on; each row shows what it measured):\n\n"
			 : "\nproblems (the run went on; each row shows what it measured):\n", out);
		for (int i = 0; i < n; i++)
			for (size_t t = 0; t < NTRANSPORTS && !conds[i].skipped; t++) {
				char text[512];
				if (!lines[i][t].problem[0])
					continue;
				char lead[64];
				const struct netlab_line *l = &lines[i][t];
				snprintf(lead, sizeof lead, md ? "- %s %s: " : "  %-9s%-4s",
					 conds[i].name, transports[t]);
				snprintf(text, sizeof text, "%s%s%s%s", l->problem,
					 l->more[0] ? " (then: " : "", l->more,
					 l->more[0] ? "; see its problems.tsv)" : "");
				wrapped(out, md, lead, text, 15);
			}
	}
	findings(out, md, runs, nruns);
	fputs(md ? "\nConditions (applied to the packets from the client to the server):\n\n"
		 : "\nconditions (applied to the packets from the client to the server):\n", out);
	for (int i = 0; i < n; i++) {
		char text[1024], lead[64];
		snprintf(lead, sizeof lead, md ? "- %s: " : "  %-9s", conds[i].name);
		snprintf(text, sizeof text, "%.255s%s%.399s", conds[i].how, delays[i][0] ? "; " : "",
			 delays[i]);
		wrapped(out, md, lead, text, 11);
	}
	fputs("\ndelivered: requests answered, of those sent (a UDP resend is one more "
	      "request);\nretrans: TCP segments the two kernels sent again; UDP requests "
	      "the client sent\nagain after a timeout.  lost, dup, reord, late: UDP "
	      "requests never answered,\nanswered twice, answered after a later one, "
	      "answered after their round trip was\ngiven up.  p50, p99: round trips timed "
	      "from their last send (a UDP try that timed\nout is not one).  ms/req: the "
	      "run's time over its requests, every wait and\nresend included.  load/s: "
	      "`ipclab load` greetings per second.\n", out);
	if (data_path && write_data(data_path, conds, lines, n, e) < 0)
		return -1;
	return 0;
}

int netlab_report(const char *const *dirs, int ndirs, bool md, FILE *out,
		  const char *data_path, struct netlab_outcome *how, struct ipc_error *e)
{
	struct netlab_run *runs = calloc((size_t)ndirs, sizeof *runs);

	*how = (struct netlab_outcome){ 0 };
	if (!runs)
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "memory for %d runs", ndirs);
	for (int d = 0; d < ndirs; d++) {
		struct netlab_outcome other;
		if (load_run(dirs[d], &runs[d], d ? &other : how, e) < 0) {
			free(runs);
			return -1;
		}
	}
	int rc = print_report(runs, ndirs, md, out, data_path, how, e);
	free(runs);
	return rc;
}
