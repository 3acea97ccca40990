/*
 * fuzz_report_env.c - libFuzzer target: the report reader on the environment
 * record (env.csv: "# key: value" lines) and any rows after it, from the
 * fuzzer's bytes (fuzz_report.h says what is checked).
 */
#include "fuzz_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_report(-1, RK_ENV, "env.csv", data, size);
	return 0;
}
