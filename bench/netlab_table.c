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

#define MAX_FIELDS 32
#define MAX_CONDITIONS 32
#define LINE_MAX_LEN 4096
#define PATH_LEN 1024

static const char *const transports[] = { "tcp", "udp" };
#define NTRANSPORTS (sizeof transports / sizeof transports[0])

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

/* The first data row of a result CSV: fields into f (pointing into buf),
 * column indices into cols (-1: absent).  0, 1 when missing, -1 with e. */
static int read_first_row(const char *path, char *buf, size_t cap, char **f, int *nf,
			  const char *const *want, int *cols, int nwant, struct ipc_error *e)
{
	char header[LINE_MAX_LEN];
	char *names[MAX_FIELDS];
	int nnames = 0;
	FILE *in = fopen(path, "r");

	if (!in && errno == ENOENT)
		return 1;
	if (!in)
		return ipc_fail(e, IPC_SYSTEM, errno, "open %s", path);
	while (fgets(buf, (int)cap, in)) {
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
		fclose(in);
		for (int i = 0; i < nwant; i++) {
			cols[i] = column(names, nnames, want[i]);
			if (cols[i] >= *nf)
				cols[i] = -1;
		}
		return 0;
	}
	fclose(in);
	return ipc_fail(e, IPC_PROTOCOL, 0, "%s: no result row in the common layout", path);
}

int netlab_read_latency(const char *path, struct netlab_line *l, struct ipc_error *e)
{
	static const char *const want[] = { "count", "p50_us", "p99_us", "msgs_per_s", "lost",
					     "note" };
	enum { C_COUNT, C_P50, C_P99, C_RATE, C_LOST, C_NOTE, C_N };
	char buf[LINE_MAX_LEN];
	char *f[MAX_FIELDS];
	int nf = 0, c[C_N];

	int r = read_first_row(path, buf, sizeof buf, f, &nf, want, c, C_N, e);
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

/* msgs_per_s of an `ipclab load` row, or -1. */
static int read_load(const char *path, double *per_s, struct ipc_error *e)
{
	static const char *const want[] = { "msgs_per_s" };
	char buf[LINE_MAX_LEN];
	char *f[MAX_FIELDS];
	int nf = 0, c[1];

	*per_s = -1;
	int r = read_first_row(path, buf, sizeof buf, f, &nf, want, c, 1, e);
	if (r == 0 && c[0] >= 0)
		*per_s = number_or(f[c[0]], -1);
	return r < 0 ? -1 : 0;
}

/* Tcp RetransSegs after minus before, in both namespaces: 0, 1 when a
 * snapshot is missing, -1 with e. */
static int read_retrans(const char *dir, unsigned long long *sum, struct ipc_error *e)
{
	static const char *const sides[] = { "client", "server" };
	*sum = 0;
	for (int s = 0; s < 2; s++) {
		unsigned long long v[2];
		for (int w = 0; w < 2; w++) {
			char path[PATH_LEN + 64], text[8192];
			snprintf(path, sizeof path, "%s/snmp_%s_%s", dir, sides[s],
				 w ? "after" : "before");
			FILE *in = fopen(path, "r");
			if (!in && errno == ENOENT) {
				*sum = 0;
				return 1;
			}
			if (!in)
				return ipc_fail(e, IPC_SYSTEM, errno, "open %s", path);
			size_t n = fread(text, 1, sizeof text - 1, in);
			fclose(in);
			text[n] = '\0';
			if (netlab_snmp_counter(text, "Tcp", "RetransSegs", &v[w]) < 0)
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
static int read_problems(const char *sub, struct netlab_line *rows, struct ipc_error *e)
{
	char path[PATH_LEN + 32], line[LINE_MAX_LEN];

	snprintf(path, sizeof path, "%s/problems.tsv", sub);
	FILE *in = fopen(path, "r");
	if (!in && errno == ENOENT)
		return 0;
	if (!in)
		return ipc_fail(e, IPC_SYSTEM, errno, "open %s", path);
	while (fgets(line, sizeof line, in))
		for (size_t t = 0; t < NTRANSPORTS; t++)
			netlab_note_problem(line, transports[t], &rows[t]);
	fclose(in);
	return 0;
}

/* netdelay's counts (DIR/COND/netdelay.txt) in words into buf; "" when it
 * did not run. */
static void read_netdelay(const char *sub, char *buf, size_t cap)
{
	char path[PATH_LEN + 32], line[LINE_MAX_LEN] = "";
	static const char *const keys[] = { "arrived=", "held=", "at_once=", "full=",
					     "released=", "out_of_order=", "unread_lost=" };
	unsigned long long v[7] = { 0 };

	buf[0] = '\0';
	snprintf(path, sizeof path, "%s/netdelay.txt", sub);
	FILE *in = fopen(path, "r");
	if (!in)
		return;
	char *got = fgets(line, sizeof line, in);
	fclose(in);
	if (!got || !strstr(line, "arrived=")) {
		snprintf(buf, cap, "netdelay left no counts (it did not stop cleanly)");
		return;
	}
	for (size_t k = 0; k < 7; k++) {
		const char *p = strstr(line, keys[k]);
		/* "held=" must not match inside "max_held=". */
		while (p && p > line && p[-1] != ' ')
			p = strstr(p + 1, keys[k]);
		if (p)
			v[k] = strtoull(p + strlen(keys[k]), NULL, 10);
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
static void findings(FILE *out, bool md, const struct netlab_condition *conds,
		     struct netlab_line (*lines)[NTRANSPORTS], int n)
{
	const struct netlab_line *base = NULL;
	char text[2048], lead[64], p99[24], per[24], bp99[24], bper[24];

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
	char path[PATH_LEN + 32], line[LINE_MAX_LEN];
	unsigned long line_no = 0;

	snprintf(path, sizeof path, "%s/conditions.tsv", dir);
	FILE *in = fopen(path, "r");
	if (!in) {
		ipc_fail(e, IPC_SYSTEM, errno, "open %s", path);
		return ipc_hint(e, "give the directory of a `make netlab` run "
				"(results/netlab-latest)");
	}
	*n = 0;
	while (fgets(line, sizeof line, in)) {
		line_no++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (*n == MAX_CONDITIONS || netlab_parse_condition(line, &conds[*n]) < 0) {
			fclose(in);
			return ipc_fail(e, IPC_PROTOCOL, 0, "%s line %lu: %s", path, line_no,
					*n == MAX_CONDITIONS ? "too many conditions"
							     : "not name, 4 numbers and how, "
							       "separated by tabs");
		}
		(*n)++;
	}
	fclose(in);
	if (*n == 0)
		return ipc_fail(e, IPC_PROTOCOL, 0, "%s: no condition", path);
	return 0;
}

int netlab_report(const char *dir, bool md, FILE *out, const char *data_path,
		  struct netlab_outcome *how, struct ipc_error *e)
{
	struct netlab_condition conds[MAX_CONDITIONS];
	struct netlab_line lines[MAX_CONDITIONS][NTRANSPORTS];
	char delays[MAX_CONDITIONS][400];
	int n = 0;

	*how = (struct netlab_outcome){ 0 };
	if (strlen(dir) > PATH_LEN - 64)
		return ipc_fail(e, IPC_USAGE, 0, "%s: path too long", dir);
	if (read_conditions(dir, conds, &n, e) < 0)
		return -1;
	memset(lines, 0, sizeof lines);
	for (int i = 0; i < n; i++) {
		char sub[PATH_LEN], path[PATH_LEN + 32];
		if (snprintf(sub, sizeof sub, "%s/%s", dir, conds[i].name) >= (int)sizeof sub)
			return ipc_fail(e, IPC_USAGE, 0, "%s: path too long", dir);
		for (size_t t = 0; t < NTRANSPORTS; t++) {
			struct netlab_line *l = &lines[i][t];
			l->load_per_s = -1;
			if (conds[i].skipped)
				continue;
			snprintf(path, sizeof path, "%s/%s_latency.csv", sub, transports[t]);
			if (netlab_read_latency(path, l, e) < 0)
				return -1;
			snprintf(path, sizeof path, "%s/%s_load.csv", sub, transports[t]);
			if (read_load(path, &l->load_per_s, e) < 0)
				return -1;
		}
		if (!conds[i].skipped && read_retrans(sub, &lines[i][0].retrans, e) < 0)
			return -1;
		read_netdelay(sub, delays[i], sizeof delays[i]);
		if (conds[i].skipped)
			continue;
		if (read_problems(sub, lines[i], e) < 0)
			return -1;
		for (size_t t = 0; t < NTRANSPORTS; t++) {
			how->rows++;
			how->measured += lines[i][t].measured;
			how->failed += lines[i][t].problem[0] != '\0';
		}
	}

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
	findings(out, md, conds, lines, n);
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
