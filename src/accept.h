/*
 * accept.h: the accept side of every concurrent server (echo, forward,
 * listen -k -e, proxy) on the event loop: accept in batches, reset at
 * once the peers that --allow/--deny refuse (acl.h), hold at most -m
 * connections (pausing the listener, or refusing the ones over), pause
 * at EMFILE instead of spinning and resume as soon as a connection closes
 * (or a second later), and stop for good once -c is reached.  One
 * acceptor may serve several listening sockets (the proxy's 127.0.0.1
 * and ::1), which then share -m and -c.
 *
 * Nothing here prints: what happens is reported through the callbacks,
 * and the command decides what to say.  The acceptor owns no descriptor:
 * the listening socket stays the command's, every accepted one is handed
 * over (non-blocking, close-on-exec).
 */
#ifndef SC_ACCEPT_H
#define SC_ACCEPT_H

#include <sys/socket.h>

#include <stdint.h>

#include "loop.h"
#include "status.h"

struct acl;

#define ACCEPT_BATCH	64	/* accepts per wake-up */
#define ACCEPT_FDS_MAX	4	/* listening sockets per acceptor */
#define ACCEPT_RETRY_MS	1000	/* look again this long after EMFILE */

/* What the acceptor tells its command, besides new connections. */
enum accept_event {
	ACCEPT_PAUSED,		/* out of descriptors (err): waiting */
	ACCEPT_RESUMED,		/* accepting again */
	ACCEPT_REFUSED,		/* over max, closed at once (refuse mode) */
	ACCEPT_FAILED		/* accept said err; the listener goes on */
};

/* A new connection: fd is the callee's from now on. */
typedef void (*accept_conn_cb)(void *arg, int fd,
	    const struct sockaddr_storage *peer, socklen_t peerlen);

/* An event; peer is set for ACCEPT_REFUSED, err for PAUSED and FAILED. */
typedef void (*accept_event_cb)(void *arg, enum accept_event ev, int err,
	    const struct sockaddr_storage *peer, socklen_t peerlen);

struct acceptor {
	struct loop		*loop;
	int			 fd;		/* the (first) listening socket */
	int			 fds[ACCEPT_FDS_MAX];	/* all of them */
	int			 nfds;
	const struct acl	*acl;		/* who may connect, or NULL */
	int64_t			 denied;	/* peers the acl refused */
	int64_t			 max;		/* -m; -1: no limit */
	int			 refuse;	/* over max: close (1) or wait */
	int64_t			 open;		/* connections open now */
	int64_t			 seen;		/* accepted so far, refused too */
	int			 paused;	/* out of descriptors */
	int			 full;		/* max reached (wait mode) */
	int			 off;		/* accept no more (-c) */
	accept_conn_cb		 conn_cb;
	accept_event_cb		 event_cb;
	void			*arg;
	struct loop_timer	 retry;
};

/*
 * Start accepting on the listening socket fd (made non-blocking here).
 * max -1 is no limit; with refuse 1 a connection over max is closed at
 * once (ACCEPT_REFUSED), with 0 the listener pauses until one closes.
 * Returns 0, or -1 with st.
 */
int	accept_start(struct acceptor *a, struct loop *l, int fd, int64_t max,
	    int refuse, accept_conn_cb conn_cb, accept_event_cb event_cb,
	    void *arg, struct status *st);

/*
 * Filter the peers through acl (acl_check(): refused ones are reset at
 * once, its callback told, and never reach conn_cb nor count towards -m
 * or -c).  NULL: everyone.  acl must outlive the acceptor.
 */
void	accept_set_acl(struct acceptor *a, const struct acl *acl);

/*
 * Accept on one more listening socket fd (made non-blocking), under the
 * same limits.  Returns 0, or -1 with st (past ACCEPT_FDS_MAX too).
 */
int	accept_add(struct acceptor *a, int fd, struct status *st);

/* A connection given by conn_cb has closed: room for the next. */
void	accept_closed(struct acceptor *a);

/* Accept no more (-c reached); the connections open go on. */
void	accept_stop(struct acceptor *a);

/* Forget the listeners (before the command closes them). */
void	accept_free(struct acceptor *a);

#endif
