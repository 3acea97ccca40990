/*
 * fuzz_report_redis.c - libFuzzer target: the report reader on redis-
 * benchmark's --csv output (scaling/redis_FAM_N.out), from the fuzzer's
 * bytes (fuzz_report.h says what is checked).
 */
#include "fuzz_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_report(-1, RK_REDIS, "scaling/redis_unix_50.out", data, size);
	return 0;
}
