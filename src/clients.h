/*
 * clients.h - a server's clients in the order of their idle deadlines.
 *
 * Every client of a multiplexed server (src/server_mux.c, src/server_uring.c)
 * has a deadline, pushed back whenever it makes progress; a client still
 * silent at its deadline is closed as idle.  All clients share one idle
 * timeout, so a list that puts the most recently active client at its tail
 * is ordered by deadline: the loop only ever looks at the head.  Adding,
 * touching and removing are O(1), whatever the number of clients.
 *
 * Each client embeds a struct client_link and names itself as its owner;
 * the list hands owners back.  Times are milliseconds on one clock that
 * never goes back (io_now_ms()), passed in by the caller.
 */
#ifndef IPCLAB_CLIENTS_H
#define IPCLAB_CLIENTS_H

#include <stdbool.h>

struct client_link {
	void *owner;                     /* the client this link is part of */
	long long deadline;              /* idle when the clock reaches it */
	int backlog_seen;                /* reply bytes the kernel held at the last look */
	bool listed;                     /* in the list (a closed client is not) */
	struct client_link *prev, *next; /* earliest deadline first */
};

struct client_list {
	struct client_link *head, *tail;
	int count;                       /* clients in the list */
	int idle_timeout_ms;             /* < 0: clients are never idle */
};

void clients_init(struct client_list *l, int idle_timeout_ms);

/* A new client, with a full idle timeout from `now`, at the tail. */
void clients_add(struct client_list *l, struct client_link *c, void *owner, long long now);

/* The client made progress we saw (a request, reply bytes taken): a full
 * idle timeout again, and the tail of the list.  A client no longer listed
 * (closed) is left alone. */
void clients_touch(struct client_list *l, struct client_link *c, long long now);

/* Out of the list, wherever it stands. */
void clients_remove(struct client_list *l, struct client_link *c);

/* The first client's owner (NULL: none), to close every client at the end. */
void *clients_first(const struct client_list *l);

/* The earliest deadline, or -1 if no client can become idle. */
long long clients_next_deadline(const struct client_list *l);

/* The owner of a client whose deadline is `now` or earlier (the earliest),
 * or NULL when none is.  The caller closes it, or spares it with
 * clients_spare_slow(), and asks again until NULL. */
void *clients_expired(const struct client_list *l, long long now);

/* At its deadline: is the client still taking replies, only slowly?  We see
 * a client take replies when our next send goes through, which small kernel
 * buffers and a slow reader can delay past the timeout; so look at what the
 * kernel still holds for it (`backlog`, from clients_kernel_backlog(); -1:
 * unknown).  Replies waiting (ours or the kernel's) and fewer bytes in the
 * kernel than at the last look: not idle, only slow.  Then the client gets
 * a new deadline from `now` (at the tail) and the answer is true. */
bool clients_spare_slow(struct client_list *l, struct client_link *c, bool replies_waiting,
			int backlog, long long now);

/* Reply bytes sent on `wfd` that the kernel still holds for the reader
 * (SIOCOUTQ on a socket, FIONREAD on a FIFO); -1 if it cannot tell. */
int clients_kernel_backlog(int wfd);

/* How long an event loop may sleep (ms, for poll or a ring's timeout; -1:
 * no timer): until the first idle deadline, `resume` (> 0: a paused
 * listener's end) or `log_due_ms` from now (>= 0: a log summary), whichever
 * comes first. */
int clients_wait_ms(const struct client_list *l, long long now, long long resume,
		    int log_due_ms);

#endif
