/* lograte.c - see lograte.h. */
#include "lograte.h"

#include <stdarg.h>
#include <string.h>

#include "io.h"

void lograte_init(struct lograte *r, FILE *log, const char *prefix)
{
	memset(r, 0, sizeof *r);
	r->log = log;
	snprintf(r->prefix, sizeof r->prefix, "%s", prefix);
}

static void write_line(struct lograte *r, const char *what, const char *detail)
{
	fprintf(r->log, "%s: %s%s%s\n", r->prefix, what, detail ? ": " : "",
		detail ? detail : "");
}

static void summarize(struct lograte *r, struct lograte_kind *k)
{
	if (k->held == 1)
		write_line(r, k->what, k->last);
	else if (k->held > 1)
		fprintf(r->log, "%s: %s: %lu more times in the last second (the last: %s)\n",
			r->prefix, k->what, k->held, k->last[0] ? k->last : "-");
	k->held = 0;
}

void lograte_say(struct lograte *r, const char *what, const char *detail)
{
	if (!r->log)
		return;
	long long now = io_now_ms();
	struct lograte_kind *k = NULL, *oldest = &r->kind[0];

	for (int i = 0; i < LOGRATE_KINDS && !k; i++) {
		if (r->kind[i].what == what || !r->kind[i].what)
			k = &r->kind[i];
		else if (r->kind[i].window_end < oldest->window_end)
			oldest = &r->kind[i];
	}
	if (!k) { /* more kinds than slots: the least recent gives way */
		summarize(r, oldest);
		k = oldest;
		k->what = NULL;
	}
	if (k->what == what && now < k->window_end) {
		k->held++;
		snprintf(k->last, sizeof k->last, "%s", detail ? detail : "");
		return;
	}
	if (k->what == what)
		summarize(r, k);
	k->what = what;
	k->held = 0;
	k->window_end = now + LOGRATE_WINDOW_MS;
	write_line(r, what, detail);
}

void lograte_flush(struct lograte *r, long long now)
{
	for (int i = 0; r->log && i < LOGRATE_KINDS; i++)
		if (r->kind[i].what && r->kind[i].held && (now < 0 || now >= r->kind[i].window_end))
			summarize(r, &r->kind[i]);
}

int lograte_due_ms(const struct lograte *r, long long now)
{
	long long due = -1;
	for (int i = 0; i < LOGRATE_KINDS; i++) {
		const struct lograte_kind *k = &r->kind[i];
		if (k->what && k->held && (due < 0 || k->window_end < due))
			due = k->window_end;
	}
	if (due < 0)
		return -1;
	return due <= now ? 0 : (int)(due - now);
}

int lograte_min_timeout(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}
