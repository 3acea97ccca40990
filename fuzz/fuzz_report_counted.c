/*
 * fuzz_report_counted.c - libFuzzer target: the report reader on perf
 * stat's counts of a server (scaling/counted/T_M_C.perf), from the fuzzer's
 * bytes (fuzz_report.h says what is checked).
 */
#include "fuzz_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_report(-1, RK_COUNTED, "scaling/counted/tcp_uring_50.perf", data, size);
	return 0;
}
