/* clientid.c - a client's id; see clientid.h. */
#include "clientid.h"

#include <stdio.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

bool client_id_valid(const char *id, size_t len, bool tag_required)
{
	size_t digits = 0;

	while (digits < len && id[digits] >= '0' && id[digits] <= '9')
		digits++;
	if (digits == 0 || digits > 10)
		return false;
	if (digits == len)
		return !tag_required;
	if (id[digits] != '-')
		return false;
	size_t tag = len - digits - 1;
	for (size_t i = digits + 1; i < len; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return tag >= 1 && tag <= 16;
}

char *client_id_make(char out[CLIENT_ID_MAX], unsigned salt)
{
	unsigned tag;
	if (getrandom(&tag, sizeof tag, 0) != (ssize_t)sizeof tag)
		tag = salt ^ (unsigned)time(NULL);
	snprintf(out, CLIENT_ID_MAX, "%d-%08x", (int)getpid(), tag);
	return out;
}
