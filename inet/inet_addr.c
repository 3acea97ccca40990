/* inet_addr.c - "HOST:PORT" parsing and formatting; see inet_addr.h. */
#include "inet_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

void inet_default_address(const struct ipc_ctx *ctx, char *out, size_t cap)
{
	/* Demos and tests ask for any free port, so that they never collide
	 * with a server the user is running on the well-known one. */
	snprintf(out, cap, "%s", ctx && ctx->any_port ? INET_ANY_PORT_ADDRESS : INET_DEFAULT_ADDRESS);
}

static int bad_address(struct ipc_error *e, const char *text)
{
	return ipc_fail(e, IPC_USAGE, 0, "bad address '%s': expected HOST:PORT, e.g. %s",
			text, INET_DEFAULT_ADDRESS);
}

/* A port is 1 to 5 decimal digits worth at most 65535: no sign, no name
 * from /etc/services, so that "7411" always means the number. */
static bool valid_port(const char *p)
{
	size_t n = strspn(p, "0123456789");
	if (n == 0 || n > 5 || p[n] != '\0')
		return false;
	long v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (p[i] - '0');
	return v <= 65535;
}

/*
 * Split "HOST:PORT", "[V6]:PORT" or "PORT" into host and port, then let
 * getaddrinfo() turn the host (a number or a name) into a sockaddr.
 */
int inet_address_parse(const struct ipc_ctx *ctx, const char *text, int socktype,
		       struct sockaddr_storage *ss, socklen_t *len, struct ipc_error *e)
{
	char host[IPC_ADDR_MAX], fallback[IPC_ADDR_MAX];
	const char *port;
	bool bracketed = false;

	if (!text || !*text) {
		inet_default_address(ctx, fallback, sizeof fallback);
		text = fallback;
	}
	if (strlen(text) >= sizeof host)
		return bad_address(e, text);

	if (strspn(text, "0123456789") == strlen(text)) {
		/* "7411": a port alone means loopback. */
		snprintf(host, sizeof host, "127.0.0.1");
		port = text;
	} else if (text[0] == '[') {
		/* "[::1]:7411": the brackets keep the address's colons apart. */
		const char *close = strchr(text, ']');
		if (!close || close == text + 1 || close[1] != ':')
			return bad_address(e, text);
		snprintf(host, sizeof host, "%.*s", (int)(close - text - 1), text + 1);
		port = close + 2;
		bracketed = true;
	} else {
		const char *colon = strrchr(text, ':');
		if (!colon || colon == text)
			return bad_address(e, text);
		if (memchr(text, ':', (size_t)(colon - text))) {
			bad_address(e, text);
			return ipc_hint(e, "write an IPv6 address in brackets, e.g. [::1]:7411");
		}
		snprintf(host, sizeof host, "%.*s", (int)(colon - text), text);
		port = colon + 1;
	}
	if (!valid_port(port)) {
		bad_address(e, text);
		return ipc_hint(e, "the port is a number from 0 to 65535 (0 = any free port)");
	}

	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = socktype,
		.ai_flags = AI_NUMERICSERV | (bracketed ? AI_NUMERICHOST : 0),
	};
	struct addrinfo *res;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc == EAI_SYSTEM)
		return ipc_fail(e, IPC_USAGE, errno, "bad address '%s': getaddrinfo", text);
	if (rc != 0)
		return ipc_fail(e, IPC_USAGE, 0, "bad address '%s': %s", text, gai_strerror(rc));

	/* A name may have several addresses ("localhost": ::1 and 127.0.0.1).
	 * This is an IPv4 lab: take the first IPv4 one, else the first IPv6. */
	const struct addrinfo *pick = NULL;
	for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET) {
			pick = ai;
			break;
		}
		if (ai->ai_family == AF_INET6 && !pick)
			pick = ai;
	}
	if (!pick || pick->ai_addrlen > sizeof *ss) {
		freeaddrinfo(res);
		return ipc_fail(e, IPC_USAGE, 0, "bad address '%s': no IPv4 or IPv6 address", text);
	}
	memset(ss, 0, sizeof *ss);
	memcpy(ss, pick->ai_addr, pick->ai_addrlen);
	*len = pick->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

void inet_address_format(const struct sockaddr_storage *ss, char *out, size_t cap)
{
	char host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
		if (!inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host))
			snprintf(host, sizeof host, "?");
		snprintf(out, cap, "%s:%u", host, (unsigned)ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
		if (!inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host))
			snprintf(host, sizeof host, "?");
		/* A link-local address means nothing without its interface
		 * ("[fe80::1%2]:7411"): keep the scope, or the text we print
		 * names another address than the one in use. */
		if (sin6->sin6_scope_id)
			snprintf(out, cap, "[%s%%%u]:%u", host, (unsigned)sin6->sin6_scope_id,
				 (unsigned)ntohs(sin6->sin6_port));
		else
			snprintf(out, cap, "[%s]:%u", host, (unsigned)ntohs(sin6->sin6_port));
	} else {
		snprintf(out, cap, "(address family %d)", (int)ss->ss_family);
	}
}

int inet_local_address(int fd, char *out, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	inet_address_format(&ss, out, cap);
	return 0;
}

int inet_bind_failed(struct ipc_error *e, int err, const char *where)
{
	switch (err) {
	case EADDRINUSE:
		ipc_fail(e, IPC_IN_USE, err, "bind %s", where);
		return ipc_hint(e, "another server has the port: stop it or choose another "
				"with --address 127.0.0.1:PORT (0 = any free port)");
	case EACCES:
		ipc_fail(e, IPC_SYSTEM, err, "bind %s", where);
		return ipc_hint(e, "ports below 1024 need privileges: choose another "
				"with --address 127.0.0.1:PORT");
	case EADDRNOTAVAIL:
		ipc_fail(e, IPC_SYSTEM, err, "bind %s", where);
		return ipc_hint(e, "that is not an address of this machine: try 127.0.0.1");
	default:
		return ipc_fail(e, IPC_SYSTEM, err, "bind %s", where);
	}
}
