/* rundir.c - see rundir.h. */
#include "rundir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int rundir_choose(char *out, size_t cap, struct ipc_error *e)
{
	const char *dir = getenv("IPCLAB_DIR");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n;

	if (dir && *dir)
		n = snprintf(out, cap, "%s", dir);
	else if (xdg && *xdg)
		n = snprintf(out, cap, "%s/ipclab", xdg);
	else
		n = snprintf(out, cap, "/tmp/ipclab-%u", (unsigned)getuid());
	if (n < 0 || (size_t)n >= cap)
		return ipc_fail(e, IPC_USAGE, 0, "runtime directory name too long (max %zu bytes)",
				cap - 1);
	return 0;
}

int rundir_ensure(const char *dir, struct ipc_error *e)
{
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		ipc_fail(e, IPC_SYSTEM, errno, "mkdir %s", dir);
		return ipc_hint(e, "set IPCLAB_DIR to a directory you own");
	}
	if (lstat(dir, &st) < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "lstat %s", dir);
	if (!S_ISDIR(st.st_mode)) {
		ipc_fail(e, IPC_IN_USE, 0, "runtime directory %s is not a directory%s", dir,
			 S_ISLNK(st.st_mode) ? " (it is a symlink)" : "");
		return ipc_hint(e, "remove it or set IPCLAB_DIR");
	}
	if (st.st_uid != geteuid()) {
		ipc_fail(e, IPC_IN_USE, 0, "runtime directory %s belongs to uid %u, not to us",
			 dir, (unsigned)st.st_uid);
		return ipc_hint(e, "set IPCLAB_DIR to a directory you own");
	}
	if (st.st_mode & 077) {
		ipc_fail(e, IPC_IN_USE, 0, "runtime directory %s has mode %03o: others can enter it",
			 dir, (unsigned)(st.st_mode & 0777));
		return ipc_hint(e, "run `chmod 700 %s`", dir);
	}
	return 0;
}
