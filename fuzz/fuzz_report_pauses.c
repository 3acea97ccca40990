/*
 * fuzz_report_pauses.c - libFuzzer target: the report reader on the
 * machine's pauses on one CPU (machine/pauses_cpuN.csv), from the fuzzer's
 * bytes (fuzz_report.h says what is checked).
 */
#include "fuzz_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_report(-1, RK_PAUSES, "machine/pauses_cpu0.csv", data, size);
	return 0;
}
