/*
 * plan_machine.c - what the scripts of bench/ need to know of the machine:
 *
 *   ipclab bench plan rundir      where to make a private directory for the
 *                                 sockets and FIFOs of a run
 *   ipclab bench plan cpu-ticks [STEP STEAL TOTAL]
 *                                 the CPU time the hypervisor stole
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

/* In a VM the hypervisor may run other guests on our CPUs: /proc/stat
 * counts that as "steal".  Without arguments: "STEAL TOTAL", the clock
 * ticks stolen and all ticks so far, over all CPUs.  With STEP and such a
 * pair taken before it: "STEP<TAB>STOLEN<TAB>TOTAL" since then, a line of
 * steal.tsv (`ipclab bench report` turns them into shares). */
int plan_cpu_ticks(int argc, char **argv)
{
	if (argc != 1 && argc != 4) {
		fputs("usage: ipclab bench plan cpu-ticks [STEP STEAL TOTAL]\n", stderr);
		return IPC_USAGE;
	}
	FILE *f = fopen("/proc/stat", "r");
	if (!f) {
		fprintf(stderr, "ipclab bench plan cpu-ticks: open /proc/stat: %s (is /proc "
			"mounted?)\n", strerror(errno));
		return IPC_SYSTEM;
	}
	unsigned long long v[8] = { 0 }, steal, total = 0;
	int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		       &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 4) {
		fputs("ipclab bench plan cpu-ticks: /proc/stat does not begin with a \"cpu\" "
		      "line\n", stderr);
		return IPC_PROTOCOL;
	}
	for (int i = 0; i < 8; i++) /* user nice system idle iowait irq softirq steal */
		total += v[i];
	steal = v[7];
	if (argc == 1) {
		printf("%llu %llu\n", steal, total);
	} else {
		unsigned long long s0 = strtoull(argv[2], NULL, 10), t0 = strtoull(argv[3], NULL, 10);
		printf("%s\t%llu\t%llu\n", argv[1], steal >= s0 ? steal - s0 : 0,
		       total >= t0 ? total - t0 : 0);
	}
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
