/*
 * fifo.h - the FIFO transport's connection notice, for its tests and fuzzer.
 *
 * A client announces itself by writing one fixed-size record to the server's
 * well-known FIFO: FIFO_NOTICE_SIZE bytes, '\n', then its id
 * ("<pid>[-<hex tag>]"), then spaces.  Records of one size, each written in
 * one write() of less than PIPE_BUF bytes (atomic), are read back whole by
 * one read() of the same size (TLPI 44.8); the leading '\n' lets the server
 * find the next record again after stray bytes (fifo_resync_notice() in
 * fifo_peers.c).
 */
#ifndef IPCLAB_FIFO_H
#define IPCLAB_FIFO_H

#include <stdbool.h>
#include <stddef.h>

#include "clientid.h"

#define FIFO_NOTICE_SIZE 32
#define FIFO_ID_MAX CLIENT_ID_MAX /* an id (clientid.h) and its NUL */

/* Is rec[0 .. len) one whole notice?  0 and id (NUL-terminated) filled, or
 * -1: not exactly FIFO_NOTICE_SIZE bytes, no leading '\n', an id that is not
 * one by clientid.h's rule (a bare pid allowed), or anything but spaces
 * after it. */
int fifo_notice_parse(const char *rec, size_t len, char id[FIFO_ID_MAX]);

/* Write the notice for `id` into rec (FIFO_NOTICE_SIZE bytes, no NUL).
 * -1 if id is not a valid id. */
int fifo_notice_format(char rec[FIFO_NOTICE_SIZE], const char *id);

struct ipc_server;
/* Does a FIFO server hold a client whose notice it read after stray bytes,
 * for its next accept()?  (For tests and the fuzzer.) */
bool fifo_server_has_pending(const struct ipc_server *s);

#endif
