/*
 * layout.c - the names of the files in a run directory (layout.h).
 */
#include "layout.h"

#include <stdio.h>
#include <string.h>

const char *const layout_row_dirs[] = { "process", "latency", "throughput", "connect",
					 "scaling", "ladder", NULL };

const char *layout_pin_label(const char *pin, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s", pin ? pin : "");
	char *comma = strchr(buf, ',');
	if (comma)
		*comma = '-';
	return buf;
}

static bool name_ok(const char *s)
{
	return !s || (!strchr(s, '/') && strcmp(s, "..") && strcmp(s, "."));
}

int layout_path(char *buf, size_t cap, const struct layout_file *f)
{
	char pin[32];
	const char *t = f->transport ? f->transport : "";
	const char *c = f->condition ? f->condition : "";
	int n;

	if (!name_ok(f->transport) || !name_ok(f->mode) || !name_ok(f->pin) || !name_ok(f->tag) ||
	    !name_ok(f->condition))
		return -1;
	layout_pin_label(f->pin, pin, sizeof pin);
	/* A netlab condition's files live in its folder: it must have a name. */
	if (f->kind > LF_NETLAB_CONDITIONS && !*c)
		return -1;
	switch (f->kind) {
	case LF_ENV:
		n = snprintf(buf, cap, "env.csv");
		break;
	case LF_STEAL:
		n = snprintf(buf, cap, "steal.tsv");
		break;
	case LF_ROUNDS:
		n = snprintf(buf, cap, "peers/rounds.tsv");
		break;
	case LF_PAUSES:
		n = snprintf(buf, cap, "machine/pauses_cpu%d.csv", f->cpu);
		break;
	case LF_LATENCY:
	case LF_LATENCY_SAMPLES:
		/* Round R (from 1) of a row measured in rounds: ".rR" before the
		 * extension; round 0, a row measured once. */
		n = snprintf(buf, cap, f->kind == LF_LATENCY ? "latency/%s%s%s_%s%s%.0d.csv"
							      : "samples/latency_%s%s%s_%s%s%.0d.txt",
			     t, f->mode ? "_" : "", f->mode ? f->mode : "", pin,
			     f->round > 0 ? ".r" : "", f->round > 0 ? f->round : 0);
		break;
	case LF_THROUGHPUT:
		n = snprintf(buf, cap, "throughput/%s_%lu_%s%s.r%d.csv", t, f->size, pin,
			     f->unchecked ? "_unchecked" : "", f->round);
		break;
	case LF_CONNECT:
		n = snprintf(buf, cap, "connect/%s.csv", t);
		break;
	case LF_CONNECT_SAMPLES:
		n = snprintf(buf, cap, "samples/connect_%s.txt", t);
		break;
	case LF_PEER_TWIN:
		n = snprintf(buf, cap, "peers/ipclab/%s_%lu_%s_r%d%s.csv", t, f->size, pin, f->round,
			     f->tag ? f->tag : "");
		break;
	case LF_LADDER:
		n = snprintf(buf, cap, "ladder/%s_%lu_%s.r%d.csv", t, f->size, pin, f->round);
		break;
	case LF_PEER_BW_TWIN:
		n = snprintf(buf, cap, "peers/ipclab/bw_%s_%s_r%d%s.csv", t, pin, f->round,
			     f->tag ? f->tag : "");
		break;
	case LF_NETLAB_CONDITIONS:
		n = snprintf(buf, cap, "conditions.tsv");
		break;
	case LF_NETLAB_LATENCY:
	case LF_NETLAB_LOAD:
		n = snprintf(buf, cap, "%s/%s_%s.csv", c, t,
			     f->kind == LF_NETLAB_LATENCY ? "latency" : "load");
		break;
	case LF_NETLAB_GREET:
		n = snprintf(buf, cap, "%s/greet.txt", c);
		break;
	case LF_NETLAB_SNMP:
		n = snprintf(buf, cap, "%s/snmp_%s_%s", c, f->mode ? f->mode : "",
			     f->tag ? f->tag : "");
		break;
	case LF_NETLAB_PROBLEMS:
		n = snprintf(buf, cap, "%s/problems.tsv", c);
		break;
	case LF_NETLAB_NETDELAY:
		n = snprintf(buf, cap, "%s/netdelay.%s", c, f->tag ? f->tag : "txt");
		break;
	/* what others took of the run's CPUs (bench/busy.c) */
	case LF_BUSY:
		n = snprintf(buf, cap, "busy.tsv");
		break;
	case LF_BUSY_BEGIN:
		n = snprintf(buf, cap, "log/busy_begin.txt");
		break;
	/* how shm's waits ended, per round trip, beside its samples */
	case LF_LATENCY_WAITS:
		n = snprintf(buf, cap, "samples/waits_%s%s%s_%s%s%.0d.txt", t, f->mode ? "_" : "",
			     f->mode ? f->mode : "", pin, f->round > 0 ? ".r" : "",
			     f->round > 0 ? f->round : 0);
		break;
	default:
		return -1;
	}
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}
