/* steps.c - looking up a transport's declared steps (see steps.h). */
#include "steps.h"

#include <string.h>

int ipc_step_has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; p && *p;) {
		while (*p == ' ')
			p++;
		size_t len = strcspn(p, " ");
		if (len == n && len > 0 && strncmp(p, word, n) == 0)
			return 1;
		p += len;
	}
	return 0;
}

const struct ipc_step_def *ipc_step_find(const struct ipc_transport *t, int number)
{
	for (size_t i = 0; t && i < t->nsteps; i++)
		if (t->steps[i].number == number)
			return &t->steps[i];
	return NULL;
}

int ipc_step_number(const struct ipc_transport *t, const char *call)
{
	for (size_t i = 0; t && i < t->nsteps; i++)
		if (ipc_step_has_word(t->steps[i].calls, call))
			return t->steps[i].number;
	return IPC_NO_STEP;
}
