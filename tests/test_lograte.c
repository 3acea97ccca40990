/*
 * test_lograte.c - the server's log limiter (src/lograte.c) seen from its
 * output: which lines it writes, when, and that every event is in them,
 * written or counted.  Time is the virtual clock of tests/fault.h, so a
 * "second" is exact however busy the machine is.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "io.h"
#include "lograte.h"

/* Kinds are told apart by the address of their text: one constant each. */
static const char *const KIND[] = {
	"kind-00", "kind-01", "kind-02", "kind-03", "kind-04", "kind-05", "kind-06",
	"kind-07", "kind-08", "kind-09", "kind-10", "kind-11", "kind-12", "kind-13",
	"kind-14", "kind-15", "kind-16", "kind-17", "kind-18", "kind-19", "kind-20",
	"kind-21", "kind-22", "kind-23", "kind-24", "kind-25", "kind-26", "kind-27",
	"kind-28", "kind-29", "kind-30", "kind-31", "kind-32", "kind-33", "kind-34",
	"kind-35", "kind-36", "kind-37", "kind-38", "kind-39",
};
#define NKINDS (int)(sizeof KIND / sizeof KIND[0])

struct log {
	FILE *f;
	char *text;
	size_t len;
	struct lograte r;
};

static void log_open(struct log *l)
{
	l->text = NULL;
	l->len = 0;
	l->f = open_memstream(&l->text, &l->len);
	assert_non_null(l->f);
	lograte_init(&l->r, l->f, "srv");
}

static const char *log_text(struct log *l)
{
	assert_int_equal(fflush(l->f), 0);
	return l->text ? l->text : "";
}

static void log_close(struct log *l)
{
	fclose(l->f);
	free(l->text);
}

/* How many events of `what` the text accounts for: a line of its own is
 * one, "N more times in the last second" is N. */
static unsigned long accounted(const char *text, const char *what)
{
	char head[64];
	unsigned long n = 0;
	int hl = snprintf(head, sizeof head, "srv: %s: ", what);
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		assert_non_null(nl); /* every line is whole */
		if (strncmp(line, head, (size_t)hl) == 0) {
			unsigned long more;
			int used = 0;
			if (sscanf(line + hl, "%lu more times in the last second%n", &more, &used) == 1 &&
			    used > 0)
				n += more;
			else
				n++;
		}
		line = nl + 1;
	}
	return n;
}

static int setup(void **state)
{
	fault_reset();
	fault_clock_start();
	(void)state;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fault_reset();
	return 0;
}

/* Eight slots, nine kinds: the ninth takes the slot of the kind whose
 * window began first, whose count is written out then, and the other
 * seven keep counting in their own slots. */
static void test_oldest_slot_reused(void **state)
{
	struct log l;
	(void)state;
	assert_int_equal(LOGRATE_KINDS, 8);
	log_open(&l);
	lograte_say(&l.r, KIND[0], "a1");
	fault_clock_advance(1);
	lograte_say(&l.r, KIND[0], "a2");
	lograte_say(&l.r, KIND[0], "a3");
	for (int k = 1; k < 8; k++) {
		fault_clock_advance(1);
		lograte_say(&l.r, KIND[k], "b");
		lograte_say(&l.r, KIND[k], "c");
	}
	size_t before = strlen(log_text(&l));
	fault_clock_advance(1);
	lograte_say(&l.r, KIND[8], "new");
	assert_string_equal(log_text(&l) + before,
			    "srv: kind-00: 2 more times in the last second (the last: a3)\n"
			    "srv: kind-08: new\n");
	/* kind-01 still has its slot, within its second: counted, not written. */
	before = strlen(log_text(&l));
	lograte_say(&l.r, KIND[1], "d");
	assert_int_equal(strlen(log_text(&l)), before);
	/* The next new kind takes the slot of the next oldest, kind-01 (not
	 * slot 0 again, where kind-08 is now the newest). */
	before = strlen(log_text(&l));
	lograte_say(&l.r, KIND[9], "newer");
	assert_string_equal(log_text(&l) + before,
			    "srv: kind-01: 2 more times in the last second (the last: d)\n"
			    "srv: kind-09: newer\n");
	before = strlen(log_text(&l));
	lograte_say(&l.r, KIND[8], "again"); /* kind-08 kept its slot: counted */
	assert_int_equal(strlen(log_text(&l)), before);
	/* The summaries come out when each window ends, not before. */
	lograte_flush(&l.r, io_now_ms());
	assert_int_equal(strlen(log_text(&l)), before);
	fault_clock_advance(LOGRATE_WINDOW_MS);
	lograte_flush(&l.r, io_now_ms());
	const char *text = log_text(&l);
	assert_int_equal(accounted(text, KIND[0]), 3);
	assert_int_equal(accounted(text, KIND[1]), 3);
	for (int k = 2; k < 8; k++)
		assert_int_equal(accounted(text, KIND[k]), 2);
	assert_int_equal(accounted(text, KIND[8]), 2);
	assert_int_equal(accounted(text, KIND[9]), 1);
	log_close(&l);
}

/* One kind repeats every 50 ms for four seconds; in its second second a
 * burst of 30 new kinds, each once, takes every slot many times over.
 * The repeating kind is never silenced: at every moment all of its events
 * older than one window are in the log (written or counted), and at the
 * end every event of every kind is. */
static void test_burst_does_not_silence_repeating_kind(void **state)
{
	struct log l;
	const char *rep = KIND[NKINDS - 1];
	unsigned long sent = 0;
	long long t0 = io_now_ms();
	(void)state;
	log_open(&l);
	for (int i = 0; i < 80; i++) {
		char detail[32];
		snprintf(detail, sizeof detail, "r%d", i);
		lograte_say(&l.r, rep, detail);
		sent++;
		lograte_flush(&l.r, io_now_ms());
		if (i == 25)
			for (int k = 0; k < 30; k++) {
				lograte_say(&l.r, KIND[k], "burst");
				lograte_flush(&l.r, io_now_ms());
			}
		/* Events of the last window may still be held; older ones not. */
		long long now = io_now_ms();
		unsigned long recent = 0;
		for (int j = 0; j <= i; j++)
			recent += now - (t0 + 50LL * j) < LOGRATE_WINDOW_MS;
		unsigned long in_log = accounted(log_text(&l), rep);
		if (in_log + recent < sent)
			fail_msg("at %lld ms: %lu of %lu events of the repeating kind are in the "
				 "log, %lu are recent", now - t0, in_log, sent, recent);
		fault_clock_advance(50);
	}
	lograte_flush(&l.r, -1);
	const char *text = log_text(&l);
	assert_int_equal(accounted(text, rep), sent);
	for (int k = 0; k < 30; k++)
		assert_int_equal(accounted(text, KIND[k]), 1);
	log_close(&l);
}

/* When the next summary is due: the earliest window with events held;
 * none held, none due (the server then sleeps for its own reasons only). */
static void test_summary_due(void **state)
{
	struct log l;
	(void)state;
	log_open(&l);
	assert_int_equal(lograte_due_ms(&l.r, io_now_ms()), -1);
	lograte_say(&l.r, KIND[0], "x");        /* written: nothing held */
	assert_int_equal(lograte_due_ms(&l.r, io_now_ms()), -1);
	fault_clock_advance(100);
	lograte_say(&l.r, KIND[0], "y");        /* held until 1000 */
	fault_clock_advance(200);
	lograte_say(&l.r, KIND[1], "z");        /* written, window to 1300 */
	fault_clock_advance(100);
	lograte_say(&l.r, KIND[1], "w");        /* held until 1300 */
	assert_int_equal(lograte_due_ms(&l.r, io_now_ms()), LOGRATE_WINDOW_MS - 400);
	fault_clock_advance(LOGRATE_WINDOW_MS);
	assert_int_equal(lograte_due_ms(&l.r, io_now_ms()), 0);
	lograte_flush(&l.r, io_now_ms());
	assert_int_equal(lograte_due_ms(&l.r, io_now_ms()), -1);
	assert_string_equal(log_text(&l), "srv: kind-00: x\nsrv: kind-01: z\n"
					  "srv: kind-00: y\nsrv: kind-01: w\n");
	log_close(&l);
	assert_int_equal(lograte_min_timeout(-1, 5), 5);
	assert_int_equal(lograte_min_timeout(5, -1), 5);
	assert_int_equal(lograte_min_timeout(7, 5), 5);
	assert_int_equal(lograte_min_timeout(5, 7), 5);
	assert_int_equal(lograte_min_timeout(-1, -1), -1);
	assert_int_equal(lograte_min_timeout(0, 5), 0); /* 0 is "now", not "none" */
	assert_int_equal(lograte_min_timeout(5, 0), 0);
	assert_int_equal(lograte_min_timeout(0, -1), 0);
}

/* A window is LOGRATE_WINDOW_MS long, to the millisecond: an event one
 * millisecond before its end is counted in it, one at its end starts the
 * next (written, after the count of the last); a flush one millisecond
 * early writes nothing, at the end it writes the count. */
static void test_window_edges(void **state)
{
	struct log l;
	(void)state;
	log_open(&l);
	lograte_say(&l.r, KIND[0], "first");
	fault_clock_advance(LOGRATE_WINDOW_MS - 1);
	lograte_say(&l.r, KIND[0], "held");
	assert_string_equal(log_text(&l), "srv: kind-00: first\n");
	fault_clock_advance(1);
	lograte_say(&l.r, KIND[0], "next");
	assert_string_equal(log_text(&l), "srv: kind-00: first\nsrv: kind-00: held\n"
					  "srv: kind-00: next\n");
	lograte_say(&l.r, KIND[0], "a");
	lograte_say(&l.r, KIND[0], "b");
	fault_clock_advance(LOGRATE_WINDOW_MS - 1);
	lograte_flush(&l.r, io_now_ms());
	assert_int_equal(lograte_due_ms(&l.r, io_now_ms()), 1);
	size_t before = strlen(log_text(&l));
	fault_clock_advance(1);
	assert_int_equal(strlen(log_text(&l)), before);
	lograte_flush(&l.r, io_now_ms());
	assert_string_equal(log_text(&l) + before,
			    "srv: kind-00: 2 more times in the last second (the last: b)\n");
	log_close(&l);
}

/* A quiet limiter (no log) writes nothing and holds nothing. */
static void test_quiet(void **state)
{
	struct lograte r;
	(void)state;
	lograte_init(&r, NULL, "srv");
	lograte_say(&r, KIND[0], "x");
	lograte_say(&r, KIND[0], "y");
	assert_int_equal(lograte_due_ms(&r, io_now_ms()), -1);
	lograte_flush(&r, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_oldest_slot_reused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_burst_does_not_silence_repeating_kind, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_summary_due, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quiet, setup, teardown),
	};
	return cmocka_run_group_tests_name("lograte", tests, NULL, NULL);
}
