/*
 * inet_addr.h - "HOST:PORT" text to a socket address and back, for TCP and UDP.
 *
 * Accepted forms:
 *   127.0.0.1:7411     an IPv4 address and a port
 *   localhost:7411     a host name, resolved with getaddrinfo() (IPv4 first)
 *   [::1]:7411         an IPv6 address, in brackets because it holds colons
 *   7411               a port alone: 127.0.0.1:7411
 * Port 0 asks the kernel for any free (ephemeral) port when binding.
 *
 * The default is loopback, 127.0.0.1:7411: a lab server is reachable only
 * from this machine unless the user asks for more, e.g. --address 0.0.0.0:7411.
 */
#ifndef IPCLAB_INET_ADDR_H
#define IPCLAB_INET_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

#include "ipc.h"

#define INET_DEFAULT_ADDRESS "127.0.0.1:7411"
#define INET_ANY_PORT_ADDRESS "127.0.0.1:0"

/* The transports' default_address(): writes INET_DEFAULT_ADDRESS. */
void inet_default_address(const struct ipc_ctx *ctx, char *out, size_t cap);

/* Parse `text` (NULL or "" = the default) into *ss and *len for sockets of
 * `socktype` (SOCK_STREAM or SOCK_DGRAM).  Returns 0, or -1 with `e`
 * filled and status IPC_USAGE. */
int inet_address_parse(const struct ipc_ctx *ctx, const char *text, int socktype,
		       struct sockaddr_storage *ss, socklen_t *len, struct ipc_error *e);

/* Write "127.0.0.1:7411" or "[::1]:7411" for an AF_INET/AF_INET6 address. */
void inet_address_format(const struct sockaddr_storage *ss, char *out, size_t cap);

/* getsockname() formatted as above: the address the kernel really bound,
 * with the real port after a bind to port 0.  Returns 0, or -1 and errno. */
int inet_local_address(int fd, char *out, size_t cap);

/* Fill `e` for a bind() to `where` that failed with `err`: EADDRINUSE is
 * IPC_IN_USE, the rest IPC_SYSTEM, each with a hint.  Returns -1. */
int inet_bind_failed(struct ipc_error *e, int err, const char *where);

#endif
