/*
 * test_kill_report.c - the text report as a reader's eye meets it: each
 * table (a header and its rows) stands apart from the one before it by an
 * empty line, rows never do, and every line ends with its newline.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static struct result_row row_of(const char *kind)
{
	return (struct result_row){
		.kind = kind, .transport = "unix_stream", .mode = "", .size = 64, .count = 1000,
		.clients = 1, .pin = "none",
		.lat_us = { .min = 1, .p50 = 2, .p90 = 3, .p99 = 4, .p999 = 5, .max = 6,
			    .mean = 2.5, .stddev = 0.5 },
		.mb_per_s = 12.5, .msgs_per_s = 400000, .note = "",
	};
}

static void test_text_tables_apart(void **state)
{
	(void)state;
	/* latency, throughput, throughput, load, latency: four tables */
	struct result_row rows[] = { row_of("latency"), row_of("throughput"),
				     row_of("throughput"), row_of("load"), row_of("latency") };
	size_t nrows = sizeof rows / sizeof rows[0];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	struct report r;
	report_begin(&r, f, REPORT_TEXT, NULL);
	for (size_t i = 0; i < nrows; i++)
		report_add(&r, &rows[i]);
	report_end(&r);
	assert_int_equal(fclose(f), 0);
	assert_true(len > 0);
	assert_int_equal(buf[len - 1], '\n');

	/* Lines, empty ones kept. */
	int headers = 0, body = 0, empty = 0;
	const char *prev = NULL;
	size_t prev_len = 0;
	for (const char *line = buf; line < buf + len;) {
		const char *nl = memchr(line, '\n', (size_t)(buf + len - line));
		assert_non_null(nl);
		size_t n = (size_t)(nl - line);
		if (n == 0) {
			empty++;
		} else if (n >= 5 && !strncmp(line, "kind ", 5)) {
			headers++;
			if (prev && prev_len != 0)
				fail_msg("table header %d follows a line that is not empty: "
					 "'%.*s'", headers, (int)prev_len, prev);
		} else {
			body++;
			if (!prev || prev_len == 0)
				fail_msg("a row with no header above it: '%.*s'", (int)n, line);
		}
		prev = line;
		prev_len = n;
		line = nl + 1;
	}
	assert_int_equal(headers, 4);
	assert_int_equal(body, (int)nrows);
	assert_int_equal(empty, 4); /* one before each table */
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_tables_apart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
