/*
 * fuzz_report_rows.c - libFuzzer target: the report reader on a result file
 * of the common layout (latency/, throughput/, process/, ...), from the
 * fuzzer's bytes (fuzz_report.h says what is checked).
 */
#include "fuzz_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_report(-1, RK_ROWS, "latency/x.csv", data, size);
	return 0;
}
