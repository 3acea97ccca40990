/* PLACEHOLDER: replaced by the benchmark work (issue 3). */
#include <stdio.h>

#include "cli.h"

int cmd_bench(struct cli *cli, int argc, char **argv)
{
	(void)cli, (void)argc, (void)argv;
	fputs("ipclab bench: not built yet\n", stderr);
	return IPC_SYSTEM;
}
