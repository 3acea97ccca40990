/* PLACEHOLDER: replaced by the multiplexing work (issue 4). */
#include <stdio.h>

#include "cli.h"

int cmd_load(struct cli *cli, int argc, char **argv)
{
	(void)cli, (void)argc, (void)argv;
	fputs("ipclab load: not built yet\n", stderr);
	return IPC_SYSTEM;
}
