/*
 * zmq_handoff.c - the static bin/ipclab and the ZeroMQ transports.
 *
 * libzmq cannot be linked into a static program on Debian (its static
 * library needs Kerberos' GSSAPI, which ships no static library, and C++'s
 * runtime), so `make` builds the same program twice: bin/ipclab, static,
 * without ZeroMQ, and bin/ipclab-zmq, linked against the shared libzmq,
 * with it.  A command that names zmq_ipc or zmq_tcp given to the first is
 * handed to the second, found beside it: one command line for every
 * transport.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ipc.h"

extern const struct ipc_transport zmq_ipc_transport __attribute__((weak));

static bool names_zmq(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "zmq_ipc") || !strcmp(argv[i], "zmq_tcp"))
			return true;
	return false;
}

void zmq_handoff(int argc, char **argv)
{
	char self[PATH_MAX], path[PATH_MAX + 16];

	if (&zmq_ipc_transport != NULL || !names_zmq(argc, argv))
		return; /* ZeroMQ is here, or not asked for */
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash)
			*slash = '\0';
		snprintf(path, sizeof path, "%s/ipclab-zmq", self);
		execv(path, argv);
	}
	fprintf(stderr, "ipclab: the ZeroMQ transports are in ipclab-zmq, this program linked "
		"with the shared libzmq (a static program cannot link libzmq), and %s could "
		"not be run: %s; build it with `make` (it needs libzmq3-dev)\n",
		n > 0 ? path : "/proc/self/exe", strerror(errno));
	exit(IPC_USAGE);
}
