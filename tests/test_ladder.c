/*
 * test_ladder.c - what the report says of the zero-copy ladder
 * (analysis/ladder.c), from made-up rounds whose medians, ranges and ratios
 * are worked out here by hand: the table, the finding (ratios with the
 * interval the rounds allow, a tie said as a tie, one round said as such)
 * and the plot's tables.
 */
#include "support.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis.h"
#include "ladder.h"
#include "run.h"
#include "rungs.h"

static void add(struct run *run, const char *t, unsigned long size, const char *pin, double mb,
		const char *note, double cpu)
{
	struct result_row r = {
		.kind = "throughput", .transport = t, .mode = "", .size = size, .count = 100,
		.clients = 1, .pin = pin, .note = note, .mb_per_s = mb, .cpu_ms_per_mb = cpu,
		.ctxsw_per_op = 10 * cpu, /* made up: a figure of its own for every rung */
	};
	assert_int_equal(run_add_row(run, &r), 0);
}

/* Three rounds of each: pipe's write and read 1000/1100/1200 MB/s (median
 * 1100), vmsplice 3000/3300/3600 (3300), splice 5000/6000/7000 (tags only),
 * memcpy on CPU 0 10000/11000/12000 (11000); one latency row to name the
 * placements (0,0 and 0,1). */
static struct run *made_up_with(double vmsplice_shift, bool shm,
				void (*more)(struct run *run, int round))
{
	struct run *run = run_new();
	assert_non_null(run);
	struct result_row lat = { .kind = "latency", .transport = "pipe", .mode = "greeting",
				  .size = 16, .count = 10, .clients = 1, .pin = "0,1", .note = "",
				  .lat_us = { .min = 1, .p50 = 2, .p90 = 3, .p99 = 4, .p999 = 5,
					      .max = 6, .mean = 2 } };
	assert_int_equal(run_add_row(run, &lat), 0);
	for (int k = 0; k < 3; k++) {
		add(run, "pipe", 1048576, "0,1", 1000 + 100 * k, "", 0.5);
		add(run, "pipe-vmsplice", 1048576, "0,1", 3000 + 300 * k + vmsplice_shift, "", 0.2);
		add(run, "pipe-splice", 1048576, "0,1", 5000 + 1000 * k, "TAGS-ONLY", 0.1);
		add(run, "memcpy", 1048576, "0", 10000 + 1000 * k, "", 0.03);
		add(run, "pipe", 65536, "0,1", 900, "", 0.6);
		add(run, "pipe-vmsplice", 65536, "0,1", 2000, "", 0.3);
		if (shm) { /* test_shm_rungs() */
			add(run, "shm", 1048576, "0,1", 2000 + 200 * k, "", 0.3);
			add(run, "shm-peek", 1048576, "0,1", 3000 + 300 * k, "", 0.2);
			add(run, "shm-inplace", 1048576, "0,1", 9000 + 900 * k, "", 0.1);
		}
		if (more)
			more(run, k);
	}
	run_finish(run);
	return run;
}

static struct run *made_up(double vmsplice_shift)
{
	return made_up_with(vmsplice_shift, false, NULL);
}

static char *text_of(const struct run *run, void (*fn)(const struct run *, FILE *))
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	fn(run, f);
	assert_int_equal(fclose(f), 0);
	return text;
}

/* Ratios: vmsplice / rw = 3300/1100 = 3, interval 3000/1200 = 2.5 to
 * 3600/1000 = 3.6; vmsplice / memcpy = 0.3, from 3000/12000 = 0.25 to
 * 3600/10000 = 0.36.  splice sees tags only: the best checked rung is
 * vmsplice, the fastest of all splice (6000/11000 = 0.545). */
static void test_finding_ratios_and_intervals(void **state)
{
	(void)state;
	struct run *run = made_up(0);
	char *text = text_of(run, ladder_finding);

	assert_non_null(strstr(text, "memcpy on one CPU copied 11000 MB/s"));
	assert_non_null(strstr(text, "pipe: write and read 1100 MB/s"));
	assert_non_null(strstr(text, "vmsplice (1 copy) 3× that (2.5–3.6)"));
	assert_non_null(strstr(text, "splice (0 copies, tags only) 5.45× that (4.17–7)"));
	assert_non_null(strstr(text, "The fastest that checks every byte, vmsplice, reached "
				     "0.3 of memcpy (0.25–0.36)"));
	assert_non_null(strstr(text, copy_rungs[COPY_VMSPLICE].asks));
	assert_non_null(strstr(text, "Fastest of all, splice reached 0.545 of memcpy"));
	assert_null(strstr(text, "One round"));
	free(text);
	run_free(run);
}

/* A rung whose rounds overlap write and read's is not called faster, and
 * two checked rungs whose ranges overlap are called tied. */
static void test_finding_ties(void **state)
{
	(void)state;
	struct run *run = made_up(-2100); /* vmsplice 900/1200/1500: median 1200 */
	char *text = text_of(run, ladder_finding);

	assert_non_null(strstr(text, "vmsplice (1 copy) the same within the rounds (0.75–1.5×)"));
	assert_non_null(strstr(text, "The fastest that check every byte, vmsplice and write and "
				     "read, are tied within the rounds"));
	free(text);
	run_free(run);
}

/* One round: no interval printed, and the finding says the order may be
 * noise instead of ranking. */
static void test_finding_one_round(void **state)
{
	(void)state;
	struct run *run = run_new();
	assert_non_null(run);
	add(run, "tcp", 1048576, "0,1", 2000, "", 0.4);
	add(run, "tcp-zerocopy-send", 1048576, "0,1", 1000, "ZC-COPIED=100%", 0.8);
	add(run, "memcpy", 1048576, "0", 20000, "", 0.03);
	struct result_row lat = { .kind = "latency", .transport = "tcp", .mode = "greeting",
				  .size = 16, .count = 10, .clients = 1, .pin = "0,1", .note = "" };
	assert_int_equal(run_add_row(run, &lat), 0);
	run_finish(run);
	char *text = text_of(run, ladder_finding);
	assert_non_null(strstr(text, "zerocopy-send (1 copy) 0.5× that."));
	assert_non_null(strstr(text, "The highest in its one round that checks every byte, write "
				     "and read, reached 0.1 of memcpy."));
	assert_non_null(strstr(text, "One round per rung: no interval"));
	assert_null(strstr(text, "–")); /* no range anywhere */
	free(text);
	run_free(run);
}

/* The table: a row per rung present, the copies and what each asks from
 * the rung table, MB/s with the rounds' range, both ratios. */
static void test_table(void **state)
{
	(void)state;
	struct run *run = made_up(0);
	char *text = text_of(run, ladder_table);
	assert_non_null(strstr(text, "## The zero-copy ladder"));
	assert_non_null(strstr(text, "| memcpy | one CPU | 1 | every byte | – | 11000 "
				     "(10000–12000) |"));
	assert_non_null(strstr(text, "| pipe | rw | 2 | every byte | 900 (900–900) | 1100 (1000–1200) | 1 |"));
	assert_non_null(strstr(text, "| pipe | vmsplice | 1 | every byte | 2000 (2000–2000) | 3300 "
				     "(3000–3600) | 3 (2.5–3.6) | 0.3 (0.25–0.36) | 0.200 | 2.00 |"));
	assert_non_null(strstr(text, "| pipe | splice | 0 | tags only | – |"));
	assert_null(strstr(text, "| fifo |")); /* no row, no line */
	free(text);

	/* A run without the ladder says nothing of it. */
	struct run *none = run_new();
	run_finish(none);
	text = text_of(none, ladder_table);
	assert_string_equal(text, "");
	free(text);
	text = text_of(none, ladder_finding);
	assert_string_equal(text, "");
	free(text);
	run_free(none);
	run_free(run);
}

/* ladder.dat: one block per transport, a line per rung with its median,
 * lowest, highest and whether it checked every byte; ladder_meta.gp names
 * the transports and memcpy's figure. */
static void test_plot_data(void **state)
{
	(void)state;
	char dir[] = "/tmp/ipclab-ladder-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct run *run = made_up(0);
	struct ipc_error e = { 0 };
	assert_int_equal(ladder_plot_data(run, dir, &e), 0);

	char path[256], buf[4096];
	snprintf(path, sizeof path, "%s/ladder.dat", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_non_null(strstr(buf, "# pipe\n0 \"rw\" 1100.0 1000.0 1200.0 1 0.5000 2\n"
				    "1 \"vmsplice\" 3300.0 3000.0 3600.0 1 0.2000 1\n"
				    "2 \"splice\" 6000.0 5000.0 7000.0 0 0.1000 0\n\n\n"));
	unlink(path);
	snprintf(path, sizeof path, "%s/ladder_meta.gp", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_non_null(strstr(buf, "LADDER = \"pipe\"\n"));
	assert_non_null(strstr(buf, "LADDER_XMIN = 100\n")); /* under 1000 * 0.8 */
	/* past memcpy's highest round (12000), the fastest here, thrice over */
	assert_non_null(strstr(buf, "LADDER_XMAX = 36000\n"));
	assert_non_null(strstr(buf, "MEMCPY = 11000.0\nMEMCPY_LO = 10000.0\nMEMCPY_HI = 12000.0\n"));
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
	run_free(run);
}

/* shm's rungs take their place in the ladder: rw from the sweep's row,
 * peek and inplace from theirs; the finding rates them against write and
 * read and memcpy, the table gives each its copies and price, and the plot
 * a block of its own.  shm 2000/2200/2400 (median 2200), peek
 * 3000/3300/3600 (3300: 1.5×, 1.25–1.8), inplace 9000/9900/10800 (9900:
 * 4.5×, 3.75–5.4; of memcpy 0.9, 9000/12000 = 0.75 to 10800/10000 = 1.08). */
static void test_shm_rungs(void **state)
{
	(void)state;
	struct run *run = made_up_with(0, true, NULL);
	char *text = text_of(run, ladder_finding);
	assert_non_null(strstr(text, "shm: write and read 2200 MB/s; peek (1 copy) 1.5× that "
				     "(1.25–1.8); inplace (0 copies) 4.5× that (3.75–5.4)."));
	assert_non_null(strstr(text, "The fastest that checks every byte, inplace, reached 0.9 "
				     "of memcpy (0.75–1.08); its price: "));
	assert_non_null(strstr(text, copy_rungs[COPY_INPLACE].asks));
	free(text);
	text = text_of(run, ladder_table);
	assert_non_null(strstr(text, "| shm | peek | 1 | every byte | – | 3300 (3000–3600) | "
				     "1.5 (1.25–1.8) | 0.3 (0.25–0.36) | 0.200 |"));
	assert_non_null(strstr(text, "| shm | inplace | 0 | every byte |"));
	free(text);

	char dir[] = "/tmp/ipclab-ladder-XXXXXX", path[256], buf[4096];
	assert_non_null(mkdtemp(dir));
	struct ipc_error e = { 0 };
	assert_int_equal(ladder_plot_data(run, dir, &e), 0);
	snprintf(path, sizeof path, "%s/ladder.dat", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	char want[256];
	snprintf(want, sizeof want, "# shm\n0 \"rw\" 2200.0 2000.0 2400.0 1 0.3000 2\n"
		 "%d \"peek\" 3300.0 3000.0 3600.0 1 0.2000 1\n"
		 "%d \"inplace\" 9900.0 9000.0 10800.0 1 0.1000 0\n\n\n", COPY_PEEK, COPY_INPLACE);
	assert_non_null(strstr(buf, want));
	unlink(path);
	snprintf(path, sizeof path, "%s/ladder_meta.gp", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_non_null(strstr(buf, "LADDER = \"pipe shm\"\n"));
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
	run_free(run);
}

/* shm spinning: a group of its own, rated against write and read spinning
 * (not the sweep's sleeping row), its price saying the CPUs never sleep;
 * the figures below, worked out here from the rounds, not by the code
 * under test.  shm-spin 5000/5500/6000, peek 8000/8800/9600, inplace
 * 10000/11000/12000; memcpy 10000/11000/12000. */
static void median3(const double v[3], double *med, double *lo, double *hi)
{
	double a = v[0], b = v[1], c = v[2];
	*lo = fmin(a, fmin(b, c));
	*hi = fmax(a, fmax(b, c));
	*med = a + b + c - *lo - *hi;
}

static const double rw_s[3] = { 5500, 6000, 5000 }, peek_s[3] = { 8800, 8000, 9600 },
		    inplace_s[3] = { 12000, 10000, 11000 }, mc_s[3] = { 10000, 11000, 12000 };

static void add_spin(struct run *run, int k)
{
	add(run, "shm-spin", 1048576, "0,1", rw_s[k], "", 0.4);
	add(run, "shm-peek-spin", 1048576, "0,1", peek_s[k], "", 0.25);
	add(run, "shm-inplace-spin", 1048576, "0,1", inplace_s[k], "", 0.18);
	/* A rung whose name ends in -spin, of a transport that never spins:
	 * the pipe's own rung, not a spinning group of the pipe's. */
	add(run, "pipe-splice-spin", 1048576, "0,1", 30000, "TAGS-ONLY", 0.1);
}

static void test_spin_group(void **state)
{
	(void)state;
	struct run *run = made_up_with(0, true, add_spin); /* pipe, shm both ways, memcpy */

	double rw, rw_lo, rw_hi, in, in_lo, in_hi, mc, mc_lo, mc_hi, pk, pk_lo, pk_hi;
	median3(rw_s, &rw, &rw_lo, &rw_hi);
	median3(peek_s, &pk, &pk_lo, &pk_hi);
	median3(inplace_s, &in, &in_lo, &in_hi);
	median3(mc_s, &mc, &mc_lo, &mc_hi);
	char want[1024];
	char *text = text_of(run, ladder_finding);
	/* The sleeping group is still there, against the sweep's row. */
	assert_non_null(strstr(text, "  - shm: write and read 2200 MB/s; peek (1 copy) 1.5× that"));
	snprintf(want, sizeof want, "  - shm, both sides spinning (--wait spin): write and read "
		 "%.0f MB/s; peek (1 copy) %.3g× that (%.3g–%.3g); inplace (0 copies) %.3g× that "
		 "(%.3g–%.3g). The fastest that checks every byte, inplace, reached %.3g of memcpy "
		 "(%.3g–%.3g); its price: %s; and two CPUs that never sleep. CPU time: 0.180 ms "
		 "per MB, both sides (memcpy 0.030), and 1.80 context switches a message.\n", rw, pk / rw, pk_lo / rw_hi, pk_hi / rw_lo,
		 in / rw, in_lo / rw_hi, in_hi / rw_lo, in / mc, in_lo / mc_hi, in_hi / mc_lo,
		 copy_rungs[COPY_INPLACE].asks);
	if (!strstr(text, want))
		fail_msg("finding:\n%s\nwants:\n%s", text, want);
	assert_non_null(strstr(want, "reached 1 of memcpy (0.833–1.2)")); /* the arithmetic */
	free(text);

	text = text_of(run, ladder_table);
	assert_non_null(strstr(text, "| shm | rw, spinning | 2 | every byte | – | 5500 (5000–6000) "
				     "| 1 | 0.5 (0.417–0.6) | 0.400 | 4.00 | two CPUs that never sleep |"));
	assert_non_null(strstr(text, "| shm | inplace, spinning | 0 | every byte | – | 11000 "
				     "(10000–12000) | 2 (1.67–2.4) | 1 (0.833–1.2) | 0.180 |"));
	assert_non_null(strstr(text, "| shm | inplace | 0 | every byte |")); /* sleeping too */
	free(text);

	char dir[] = "/tmp/ipclab-ladder-XXXXXX", path[256], buf[4096];
	assert_non_null(mkdtemp(dir));
	struct ipc_error e = { 0 };
	assert_int_equal(ladder_plot_data(run, dir, &e), 0);
	snprintf(path, sizeof path, "%s/ladder.dat", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	snprintf(want, sizeof want, "# shm-spin\n0 \"rw\" 5500.0 5000.0 6000.0 1 0.4000 2\n"
		 "%d \"peek\" 8800.0 8000.0 9600.0 1 0.2500 1\n"
		 "%d \"inplace\" 11000.0 10000.0 12000.0 1 0.1800 0\n\n\n", COPY_PEEK, COPY_INPLACE);
	assert_non_null(strstr(buf, want));
	unlink(path);
	snprintf(path, sizeof path, "%s/ladder_meta.gp", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_non_null(strstr(buf, "LADDER = \"pipe shm shm-spin\"\nLADDER_T = \"pipe shm shm\"\n"));
	text = text_of(run, ladder_finding);
	assert_null(strstr(text, "pipe, both sides spinning"));
	assert_non_null(strstr(text, "splice-spin (0 copies, tags only)")); /* in the pipe's line */
	free(text);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
	run_free(run);
}

/* MSG_ZEROCOPY against write and read, size by size: where it cost more
 * and where it paid, judged by the rounds; the share the kernel copied
 * anyway and what mapping the received pages gave, from the rows' notes. */
static struct run *zc_run(double zc64, double zc1m)
{
	struct run *run = run_new();
	assert_non_null(run);
	for (int k = 0; k < 3; k++) {
		add(run, "tcp", 65536, "0,1", 2000 + 100 * k, "", 0.4);
		add(run, "tcp", 1048576, "0,1", 3000 + 100 * k, "", 0.4);
		add(run, "tcp-zerocopy-send", 65536, "0,1", zc64 + 10 * k, "ZC-COPIED=100%", 0.8);
		add(run, "tcp-zerocopy-send", 1048576, "0,1", zc1m + 10 * k, "ZC-COPIED=100%", 0.8);
		add(run, "tcp-zerocopy", 1048576, "0,1", 300 + 10 * k,
		    "ZC-COPIED=100% ZC-MAPPED=94%", 3.0);
		add(run, "memcpy", 1048576, "0", 20000, "", 0.03);
	}
	struct result_row lat = { .kind = "latency", .transport = "tcp", .mode = "greeting",
				  .size = 16, .count = 10, .clients = 1, .pin = "0,1", .note = "" };
	assert_int_equal(run_add_row(run, &lat), 0);
	run_finish(run);
	return run;
}

static void test_zerocopy_costs_and_pays(void **state)
{
	(void)state;
	/* 1010/2100 = 0.48 (1000/2200 to 1020/2000) at 64 KiB, 510/3100 = 0.16 at
	 * 1 MiB: dearer at both. */
	struct run *run = zc_run(1000, 500);
	char *text = text_of(run, ladder_finding);
	assert_non_null(strstr(text, "MSG_ZEROCOPY (zerocopy-send against write and read): "
				     "0.48× at 64 KiB (0.45–0.51), 0.16× at 1 MiB (0.16–0.17)"));
	assert_non_null(strstr(text, "it cost more at every size measured"));
	assert_non_null(strstr(text, "The kernel copied 100 % of its sends anyway"));
	assert_non_null(strstr(text, "The receiver mapped 94 % of the bytes"));
	assert_non_null(strstr(text, "at 0.1× write and read's speed at 1 MiB: mapping"));
	free(text);
	run_free(run);

	/* Dearer at 64 KiB, cheaper at 1 MiB (6000/3100 = 1.9): the size it
	 * pays from is named. */
	run = zc_run(1000, 6000);
	text = text_of(run, ladder_finding);
	assert_non_null(strstr(text, "it cost more up to 64 KiB and paid from 1 MiB on"));
	free(text);
	run_free(run);

	/* Rounds that overlap at 1 MiB: neither side wins there. */
	run = zc_run(1000, 3050);
	text = text_of(run, ladder_finding);
	assert_non_null(strstr(text, "no size measured divides"));
	free(text);
	run_free(run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finding_ratios_and_intervals),
		cmocka_unit_test(test_finding_ties),
		cmocka_unit_test(test_finding_one_round),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_plot_data),
		cmocka_unit_test(test_shm_rungs),
		cmocka_unit_test(test_spin_group),
		cmocka_unit_test(test_zerocopy_costs_and_pays),
	};
	return cmocka_run_group_tests_name("ladder", tests, NULL, NULL);
}
