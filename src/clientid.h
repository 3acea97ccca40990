/*
 * clientid.h - the one rule for a client's id, the part of the names of
 * its own FIFOs or queues that a server rebuilds from the client's notice.
 *
 * An id is "<pid>-<tag>": 1 to 10 decimal digits, '-', and 1 to 16
 * lowercase hex digits (a random tag, so that one process can hold several
 * connections and a new pair never takes an old one's name).  A bare
 * "<pid>" is an id too: handy from a shell.  Nothing else can reach a path
 * a server builds from it: no '/', no '.', no NUL.
 */
#ifndef IPCLAB_CLIENTID_H
#define IPCLAB_CLIENTID_H

#include <stdbool.h>
#include <stddef.h>

#define CLIENT_ID_MAX 32 /* an id and its NUL: "<pid>-<tag>" is at most 27 bytes */

/* Is id[0 .. len) an id by the rule above?  (The bytes need no NUL.)
 * `tag_required`: refuse a bare "<pid>". */
bool client_id_valid(const char *id, size_t len, bool tag_required);

/* A new id for this process: "<pid>-<8 hex digits>" from getrandom() (the
 * clock and `salt` if that fails).  Returns `out`. */
char *client_id_make(char out[CLIENT_ID_MAX], unsigned salt);

#endif
