/* accept.c: the accept side of the concurrent servers (see accept.h). */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "accept.h"
#include "acl.h"
#include "sock.h"

/* Watch the listener for what it may do now. */
static void
accept_arm(struct acceptor *a)
{
	struct status	st;
	int		on = !a->paused && !a->full && !a->off, i;

	for (i = 0; i < a->nfds; i++)
		(void)loop_mask(a->loop, a->fds[i], on ? LOOP_READ : 0, &st);
}

static void
accept_resume(struct acceptor *a)
{
	if (!a->paused)
		return;
	a->paused = 0;
	loop_timer_stop(a->loop, &a->retry);
	if (!a->off && a->event_cb != NULL)
		a->event_cb(a->arg, ACCEPT_RESUMED, 0, NULL, 0);
	accept_arm(a);
}

static void
accept_retry_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	accept_resume(arg);
}

/*
 * Out of descriptors (or kernel memory): level-triggered, retrying now
 * would spin.  A connection that closes resumes it; so does time, in case
 * the descriptors were someone else's.
 */
static void
accept_pause(struct acceptor *a, int err)
{
	struct status	st;

	if (!a->paused && a->event_cb != NULL)
		a->event_cb(a->arg, ACCEPT_PAUSED, err, NULL, 0);
	a->paused = 1;
	(void)loop_timer_at(a->loop, &a->retry, loop_now(a->loop) +
	    ACCEPT_RETRY_MS, &st);
	accept_arm(a);
}

/* One accepted socket: hand it over, or refuse it (refuse mode, at max). */
static void
accept_one(struct acceptor *a, int fd, const struct sockaddr_storage *peer,
    socklen_t peerlen)
{
	if (!acl_check(a->acl, (const struct sockaddr *)peer, peerlen)) {
		/* Refused by --allow/--deny: not a connection of ours. */
		a->denied++;
		sock_reset(fd);
		close(fd);
		return;
	}
	a->seen++;
	if (a->max >= 0 && a->open >= a->max) {
		close(fd);
		if (a->event_cb != NULL)
			a->event_cb(a->arg, ACCEPT_REFUSED, 0, peer, peerlen);
		return;
	}
	a->open++;
	if (!a->refuse && a->max >= 0 && a->open >= a->max) {
		/* -m reached: the next clients wait in the backlog. */
		a->full = 1;
		accept_arm(a);
	}
	a->conn_cb(a->arg, fd, peer, peerlen);
}

static void
accept_cb(struct loop *l, int lfd, int mask, void *arg)
{
	struct acceptor		*a = arg;
	struct sockaddr_storage	 peer;
	socklen_t		 peerlen;
	int			 i, fd;

	(void)l;
	(void)mask;
	for (i = 0; i < ACCEPT_BATCH && !a->off && !a->full && !a->paused;
	    i++) {
		peerlen = sizeof peer;
		fd = accept4(lfd, (struct sockaddr *)&peer, &peerlen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			accept_one(a, fd, &peer, peerlen);
			continue;
		}
		switch (errno) {
		case EAGAIN:
#if EWOULDBLOCK != EAGAIN
		case EWOULDBLOCK:
#endif
			return;
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
			continue;
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			accept_pause(a, errno);
			return;
		default:
			if (a->event_cb != NULL)
				a->event_cb(a->arg, ACCEPT_FAILED, errno, NULL,
				    0);
			return;
		}
	}
}

int
accept_start(struct acceptor *a, struct loop *l, int fd, int64_t max,
    int refuse, accept_conn_cb conn_cb, accept_event_cb event_cb,
    void *arg, struct status *st)
{
	memset(a, 0, sizeof *a);
	a->loop = l;
	a->fd = fd;
	a->fds[0] = fd;
	a->nfds = 1;
	a->max = max;
	a->refuse = refuse;
	a->conn_cb = conn_cb;
	a->event_cb = event_cb;
	a->arg = arg;
	loop_timer_init(&a->retry, accept_retry_cb, a);
	if (sock_set_nonblock(fd, 1) < 0)
		return status_errno(st, errno, SC_EX_OSERR, "listener");
	return loop_set(l, fd, LOOP_READ, accept_cb, a, st);
}

void
accept_set_acl(struct acceptor *a, const struct acl *acl)
{
	a->acl = acl;
}

int
accept_add(struct acceptor *a, int fd, struct status *st)
{
	int	on = !a->paused && !a->full && !a->off;

	if (a->nfds == ACCEPT_FDS_MAX)
		return status_set(st, SC_EX_SOFTWARE, "listener: at most %d "
		    "sockets", ACCEPT_FDS_MAX);
	if (sock_set_nonblock(fd, 1) < 0)
		return status_errno(st, errno, SC_EX_OSERR, "listener");
	if (loop_set(a->loop, fd, on ? LOOP_READ : 0, accept_cb, a, st) < 0)
		return -1;
	a->fds[a->nfds++] = fd;
	return 0;
}

void
accept_closed(struct acceptor *a)
{
	if (a->open > 0)
		a->open--;
	if (a->full && (a->max < 0 || a->open < a->max)) {
		a->full = 0;
		accept_arm(a);
	}
	/* A descriptor is free again: take the clients that waited. */
	accept_resume(a);
}

void
accept_stop(struct acceptor *a)
{
	a->off = 1;
	accept_arm(a);
}

void
accept_free(struct acceptor *a)
{
	int	i;

	if (a->loop == NULL)
		return;
	loop_timer_stop(a->loop, &a->retry);
	for (i = 0; i < a->nfds; i++)
		loop_del(a->loop, a->fds[i]);
	a->loop = NULL;
}
