/*
 * fuzz_report_busy.c - libFuzzer target: the report reader on what others took
 * of the run's CPUs per step (busy.tsv), from the fuzzer's bytes (fuzz_report.h says
 * what is checked).
 */
#include "fuzz_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_report(-1, RK_BUSY, "busy.tsv", data, size);
	return 0;
}
