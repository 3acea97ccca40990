/*
 * fuzz_report_samples.c - libFuzzer target: the report reader on a samples
 * file: one round trip a line (samples/, peers/ .rtt files), from the fuzzer's
 * bytes (fuzz_report.h says what is checked).
 */
#include "fuzz_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_report(-1, RK_SAMPLES, "samples/latency_pipe_greeting_0-0.txt", data, size);
	return 0;
}
