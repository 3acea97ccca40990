/*
 * fuzz_report_steal.c - libFuzzer target: the report reader on the CPU time
 * stolen per step (steal.tsv), from the fuzzer's bytes (fuzz_report.h says
 * what is checked).
 */
#include "fuzz_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_report(-1, RK_STEAL, "steal.tsv", data, size);
	return 0;
}
