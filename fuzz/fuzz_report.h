/*
 * fuzz_report.h - what the report reader's fuzz targets share
 * (fuzz_report_*.c): one kind of run-directory file each, parsed from the
 * fuzzer's bytes by analysis/reader.c, then grouped, summarised and checked.
 *
 * The oracle: whatever the bytes, every figure the reader let in is a
 * figure a measurement can give (missing, or finite, not negative, not
 * subnormal, at most READER_FIGURE_MAX), the summary is written, and
 * nothing leaks or overflows (ASan, UBSan).
 */
#ifndef IPCLAB_FUZZ_REPORT_H
#define IPCLAB_FUZZ_REPORT_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/reader.h"
#include "analysis/run.h"

static void fuzz_check_figure(double v)
{
	if (isnan(v))
		return; /* not measured */
	if (!isfinite(v) || v < 0 || v > READER_FIGURE_MAX || fpclassify(v) == FP_SUBNORMAL)
		abort();
}

static void fuzz_report(int dirfd, enum reader_kind kind, const char *name, const uint8_t *data,
			size_t size)
{
	struct run *run = run_new();
	if (!run)
		return;
	if (reader_parse(run, dirfd, kind, name, (const char *)data, size) == 0) {
		for (size_t i = 0; i < run->nraw; i++)
			for (size_t k = 0; k < report_ncolumns; k++)
				if (report_columns[k].type == COL_DOUBLE)
					fuzz_check_figure(*(const double *)((const char *)&run->raw[i].r +
									    report_columns[k].offset));
		for (size_t i = 0; i < run->npeers; i++) {
			fuzz_check_figure(run->peers[i].peer);
			if (!(run->peers[i].peer > 0))
				abort();
		}
		for (size_t i = 0; i < run->nsamples; i++)
			for (size_t k = 0; k < run->samples[i].n; k++)
				fuzz_check_figure(run->samples[i].v[k]);
		run_finish(run);
		FILE *devnull = fopen("/dev/null", "w");
		if (devnull) {
			run_summary(run, devnull);
			fclose(devnull);
		}
	}
	run_free(run);
}

#endif
