/*
 * fuzz_report_rounds.c - libFuzzer target: the report reader on
 * peers/rounds.tsv (the peer tools' rounds), from the fuzzer's bytes.
 *
 * The paths a line names are opened beneath a small run directory made
 * once, holding two of ipclab's runs (peers/ipclab/a.csv, b.csv), a peer's
 * round trips (peers/x.rtt) and a file outside it: lines that name them,
 * and lines that try to leave (.., absolute paths), are both reachable.
 * fuzz_report.h says what is checked.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_report.h"

#define ROW_HEADER "kind,transport,mode,size,count,clients,pin,min_us,p50_us,p90_us,p99_us," \
	"p999_us,max_us,mean_us,stddev_us,cpu_us_per_op,ctxsw_per_op,mb_per_s,msgs_per_s," \
	"cpu_ms_per_mb,lost,errors,note\n"
#define ROW "latency,tcp,echo,14,100,1,\"0,0\",1.000,8.000,9.000,10.000,11.000,12.000,8.500," \
	"1.000,3.000,2.000,0.000,0.000,0.000,0,0,\n"

static int run_dir = -1;

static void put(const char *root, const char *rel, const char *text)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fputs(text, f);
	if (fclose(f) != 0)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char root[] = "/tmp/ipclab-fuzz-rounds.XXXXXX", path[4096];
	if (!mkdtemp(root))
		abort();
	static const char *const dirs[] = { "run", "run/peers", "run/peers/ipclab" };
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s", root, dirs[i]);
		if (mkdir(path, 0700) < 0)
			abort();
	}
	put(root, "run/peers/ipclab/a.csv", ROW_HEADER ROW);
	put(root, "run/peers/ipclab/b.csv", ROW_HEADER ROW);
	put(root, "run/peers/x.rtt", "9\n10\n11\n");
	put(root, "outside.csv", ROW_HEADER ROW);
	snprintf(path, sizeof path, "%s/run", root);
	run_dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (run_dir < 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_report(run_dir, RK_ROUNDS, "peers/rounds.tsv", data, size);
	return 0;
}
