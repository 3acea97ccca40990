/*
 * clients.c - see clients.h.  A doubly linked list: the head is the client
 * whose deadline comes first, the tail the one heard from last.
 */
#include "clients.h"

#include <limits.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

void clients_init(struct client_list *l, int idle_timeout_ms)
{
	l->head = l->tail = NULL;
	l->count = 0;
	l->idle_timeout_ms = idle_timeout_ms;
}

static void unlink_client(struct client_list *l, struct client_link *c)
{
	*(c->prev ? &c->prev->next : &l->head) = c->next;
	*(c->next ? &c->next->prev : &l->tail) = c->prev;
	c->prev = c->next = NULL;
}

static void append(struct client_list *l, struct client_link *c)
{
	c->prev = l->tail;
	c->next = NULL;
	*(l->tail ? &l->tail->next : &l->head) = c;
	l->tail = c;
}

/* A full idle timeout from `now`: the latest deadline, so the tail. */
static void extend(struct client_list *l, struct client_link *c, long long now)
{
	if (l->idle_timeout_ms < 0 || !c->listed)
		return;
	c->deadline = now + l->idle_timeout_ms;
	if (l->tail != c) {
		unlink_client(l, c);
		append(l, c);
	}
}

void clients_add(struct client_list *l, struct client_link *c, void *owner, long long now)
{
	c->owner = owner;
	c->deadline = l->idle_timeout_ms < 0 ? 0 : now + l->idle_timeout_ms;
	c->backlog_seen = INT_MAX;
	c->listed = true;
	append(l, c);
	l->count++;
}

void clients_touch(struct client_list *l, struct client_link *c, long long now)
{
	c->backlog_seen = INT_MAX; /* progress seen: the next look starts afresh */
	extend(l, c, now);
}

void clients_remove(struct client_list *l, struct client_link *c)
{
	if (!c->listed)
		return;
	unlink_client(l, c);
	c->listed = false;
	l->count--;
}

void *clients_first(const struct client_list *l)
{
	return l->head ? l->head->owner : NULL;
}

long long clients_next_deadline(const struct client_list *l)
{
	if (!l->head || l->idle_timeout_ms < 0)
		return -1;
	return l->head->deadline;
}

void *clients_expired(const struct client_list *l, long long now)
{
	long long first = clients_next_deadline(l);
	return first >= 0 && first <= now ? l->head->owner : NULL;
}

bool clients_spare_slow(struct client_list *l, struct client_link *c, bool replies_waiting,
			int backlog, long long now)
{
	bool waiting = replies_waiting || backlog > 0;
	bool taken = backlog >= 0 && backlog < c->backlog_seen;

	c->backlog_seen = backlog;
	if (!(waiting && taken))
		return false;
	extend(l, c, now);
	return true;
}

int clients_kernel_backlog(int wfd)
{
	int n;
	if (ioctl(wfd, SIOCOUTQ, &n) == 0 || ioctl(wfd, FIONREAD, &n) == 0)
		return n;
	return -1;
}

int clients_wait_ms(const struct client_list *l, long long now, long long resume,
		    int log_due_ms)
{
	long long when = clients_next_deadline(l);
	if (resume > 0 && (when < 0 || resume < when))
		when = resume;
	if (log_due_ms >= 0 && (when < 0 || now + log_due_ms < when))
		when = now + log_due_ms;
	if (when < 0)
		return -1;
	return when <= now ? 0 : when - now > INT_MAX ? INT_MAX : (int)(when - now);
}
