/*
 * fuzz_address.c - libFuzzer target: the address parsers, "HOST:PORT" for
 * TCP and UDP (inet/inet_addr.c) and socket paths (src/unixpath.c).
 *
 * Host names would go to DNS, which is slow and not ours to test: the fuzz
 * build links with -Wl,--wrap=getaddrinfo, and the wrapper below resolves
 * numeric hosts only (the real getaddrinfo with AI_NUMERICHOST) and answers
 * EAI_NONAME for names.  Every accepted address must format back to text
 * that parses to the same socket address.
 */
#include <netdb.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "inet_addr.h"
#include "unixpath.h"

int __real_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		       struct addrinfo **res);

int __wrap_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		       struct addrinfo **res)
{
	struct addrinfo h = *hints;
	h.ai_flags |= AI_NUMERICHOST;
	return __real_getaddrinfo(node, service, &h, res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[2 * IPC_ADDR_MAX];
	struct ipc_ctx ctx = { .rundir = "/nonexistent" };
	struct sockaddr_storage ss, ss2;
	struct sockaddr_un sun;
	socklen_t len, len2;
	struct ipc_error e;

	if (size >= sizeof text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	for (int type = SOCK_STREAM; type <= SOCK_DGRAM; type++) {
		if (inet_address_parse(&ctx, text, type, &ss, &len, &e) < 0) {
			if (e.status != IPC_USAGE || !memchr(e.msg, '\0', sizeof e.msg))
				abort();
			continue;
		}
		char back[IPC_ADDR_MAX];
		inet_address_format(&ss, back, sizeof back);
		if (inet_address_parse(&ctx, back, type, &ss2, &len2, &e) < 0 || len != len2 ||
		    memcmp(&ss, &ss2, len) != 0)
			abort();
	}
	if (unixpath_fill(&sun, &len, text, &e) == 0) {
		if (strcmp(sun.sun_path, text) != 0 || len > sizeof sun)
			abort();
	} else if (e.status != IPC_USAGE) {
		abort();
	}
	return 0;
}
