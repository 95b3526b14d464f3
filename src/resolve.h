/*
 * resolve.h: name resolution that does not stop the event loop.
 *
 * A name is looked up (getaddrinfo) on one of a few worker threads that
 * belong to the loop, and the answer comes back on the loop through an
 * eventfd it watches, so a slow DNS server never holds up other clients.
 * A numeric host (or the wildcard, or -n) is resolved at once, without a
 * thread.  Either way the callback runs later, from the loop, never from
 * inside resolve_start().
 *
 * The workers block every signal, so SIGINT and SIGTERM keep reaching the
 * loop's epoll_pwait.  They are started when first needed and end with the
 * loop: loop_free() joins the idle ones; one still inside getaddrinfo is
 * not waited for: it finishes that lookup, throws the answer away and
 * exits on its own.
 *
 * Nothing here prints or exits.
 */
#ifndef SC_RESOLVE_H
#define SC_RESOLVE_H

#include <netdb.h>
#include <stdint.h>

#include "loop.h"
#include "status.h"

/* One request. */
struct resolve;

/*
 * The answer: res (the callee's now: freeaddrinfo() it), or res NULL and
 * st (68 the name does not resolve, 71 out of memory).  The request is
 * gone once this is called.
 */
typedef void (*resolve_cb)(void *arg, struct addrinfo *res,
	    const struct status *st);

/*
 * Resolve host (NULL: the wildcard, with ADDR_PASSIVE) and port for family,
 * socktype and flags (ADDR_NUMERIC, ADDR_PASSIVE), as addr_resolve() does,
 * and call cb(arg, ...) once from l's loop.  Returns the request, or NULL
 * with st when no lookup is needed to refuse (64: a bad host, a name with
 * -n, a literal of the other family than -4/-6, as addr_resolve()) or when
 * no worker can be started (71).
 */
struct resolve *resolve_start(struct loop *l, const char *host, uint16_t port,
	    int family, int socktype, int flags, resolve_cb cb, void *arg,
	    struct status *st);

/*
 * Cancel a request whose callback has not run yet: the callback is then
 * never called, and the answer, when it comes, is freed.  r is gone.
 */
void	resolve_cancel(struct resolve *r);

#endif
