/*
 * plan_machine.c - what the scripts of bench/ need to know of the machine:
 *
 *   ipclab bench plan rundir      where to make a private directory for the
 *                                 sockets and FIFOs of a run
 *   ipclab bench plan free-port t|u   a port for a peer tool's server
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "ipc.h"
#include "plan.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

/* The first memory file system of $XDG_RUNTIME_DIR (where a user's own
 * servers put their sockets: tmpfs on a desktop) and /dev/shm that this
 * user may write, else $TMPDIR or /tmp: on a disk file system, a FIFO's
 * mkfifo() and unlink() and a socket's bind() go through its journal, and
 * every whole-process greet would time that too. */
int plan_rundir(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fputs("usage: ipclab bench plan rundir\n", stderr);
		return IPC_USAGE;
	}
	const char *tries[] = { getenv("XDG_RUNTIME_DIR"), "/dev/shm" };
	for (size_t i = 0; i < 2; i++) {
		struct statfs fs;
		struct stat st;
		if (tries[i] && *tries[i] && stat(tries[i], &st) == 0 && S_ISDIR(st.st_mode) &&
		    access(tries[i], W_OK | X_OK) == 0 &&
		    statfs(tries[i], &fs) == 0 && fs.f_type == TMPFS_MAGIC) {
			puts(tries[i]);
			return 0;
		}
	}
	const char *tmp = getenv("TMPDIR");
	puts(tmp && *tmp ? tmp : "/tmp");
	return ferror(stdout) || fflush(stdout) != 0 ? IPC_SYSTEM : 0;
}

/* `ipclab bench plan free-port t|u`: a loopback port nobody holds, for a
 * peer tool's or redis' server: 20000-32767, below Linux's ephemeral range
 * so that no client socket takes it meanwhile; free when this process can
 * bind it on 127.0.0.1 (then lets go of it). */
int plan_free_port(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "t") && strcmp(argv[1], "u"))) {
		fputs("usage: ipclab bench plan free-port t|u   (TCP or UDP)\n", stderr);
		return IPC_USAGE;
	}
	int type = argv[1][0] == 't' ? SOCK_STREAM : SOCK_DGRAM;
	unsigned seed = (unsigned)getpid() ^ (unsigned)time(NULL);
	for (int tries = 0; tries < 50; tries++) {
		int port = 20000 + (int)(rand_r(&seed) % 12768);
		int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			fprintf(stderr, "ipclab bench plan free-port: socket: %s\n", strerror(errno));
			return IPC_SYSTEM;
		}
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int rc = bind(fd, (struct sockaddr *)&a, sizeof a);
		close(fd);
		if (rc == 0) {
			printf("%d\n", port);
			return ferror(stdout) || fflush(stdout) != 0 ? IPC_SYSTEM : 0;
		}
	}
	fprintf(stderr, "ipclab bench plan free-port: no free %s port in 50 tries between 20000 "
		"and 32767\n", type == SOCK_STREAM ? "TCP" : "UDP");
	return IPC_SYSTEM;
}
