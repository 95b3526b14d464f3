/*
 * loop.c: the event loop on epoll, level-triggered, after redis's ae, with
 * one-shot timers in a binary min-heap.  The only file that knows epoll,
 * recvmmsg and sendmmsg.
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "sig.h"
#include "sock.h"

#define LOOP_FIRED	512	/* events taken per epoll_wait */
#define LOOP_ATTACH_MAX	4	/* modules with per-loop state */

/* What is watched on one fd: the table is indexed by fd, as in ae. */
struct loop_file {
	int		 mask;
	loop_fd_cb	 cb;
	void		*arg;
};

/* A module's per-loop state (loop_attach). */
struct loop_attached {
	const void	*key;
	void		*data;
	loop_fini_cb	 fini;
};

struct loop {
	int			 epfd;
	int			 stop;
	int64_t			 now;
	struct loop_file	*files;
	size_t			 nfiles;
	/* Armed timers: heap[0] is due first; heap[i]->slot == i. */
	struct loop_timer	**heap;
	size_t			 nheap, heapcap;
	struct loop_attached	 att[LOOP_ATTACH_MAX];
	size_t			 natt;
	struct epoll_event	 fired[LOOP_FIRED];
};

struct loop *
loop_new(struct status *st)
{
	struct loop	*l;

	l = calloc(1, sizeof *l);
	if (l == NULL) {
		status_errno(st, errno, SC_EX_OSERR, "event loop");
		return NULL;
	}
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		status_errno(st, errno, SC_EX_OSERR, "epoll_create1");
		free(l);
		return NULL;
	}
	l->now = sock_now_ms();
	return l;
}

void
loop_free(struct loop *l)
{
	size_t	i;

	if (l == NULL)
		return;
	/* Last attached first: a later module may use an earlier one. */
	for (i = l->natt; i-- > 0; )
		if (l->att[i].fini != NULL)
			l->att[i].fini(l, l->att[i].data);
	close(l->epfd);
	free(l->files);
	free(l->heap);
	free(l);
}

int
loop_attach(struct loop *l, const void *key, void *data, loop_fini_cb fini,
    struct status *st)
{
	if (l->natt == LOOP_ATTACH_MAX || loop_attachment(l, key) != NULL)
		return status_set(st, SC_EX_SOFTWARE, "event loop: cannot "
		    "attach module state");
	l->att[l->natt].key = key;
	l->att[l->natt].data = data;
	l->att[l->natt].fini = fini;
	l->natt++;
	return 0;
}

void *
loop_attachment(const struct loop *l, const void *key)
{
	size_t	i;

	for (i = 0; i < l->natt; i++)
		if (l->att[i].key == key)
			return l->att[i].data;
	return NULL;
}

/* ---------------------------------------------------------------- timers */

void
loop_timer_init(struct loop_timer *t, loop_timer_cb cb, void *arg)
{
	t->when = 0;
	t->slot = LOOP_TIMER_IDLE;
	t->cb = cb;
	t->arg = arg;
}

int
loop_timer_armed(const struct loop_timer *t)
{
	return t->slot != LOOP_TIMER_IDLE;
}

static void
loop_heap_put(struct loop *l, struct loop_timer *t, size_t i)
{
	l->heap[i] = t;
	t->slot = i;
}

/* Move heap[i] towards the root while it is due before its parent. */
static void
loop_heap_up(struct loop *l, size_t i)
{
	struct loop_timer	*t = l->heap[i];
	size_t			 parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (l->heap[parent]->when <= t->when)
			break;
		loop_heap_put(l, l->heap[parent], i);
		i = parent;
	}
	loop_heap_put(l, t, i);
}

/* Move heap[i] towards the leaves while a child is due before it. */
static void
loop_heap_down(struct loop *l, size_t i)
{
	struct loop_timer	*t = l->heap[i];
	size_t			 c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap && l->heap[c + 1]->when < l->heap[c]->when)
			c++;
		if (t->when <= l->heap[c]->when)
			break;
		loop_heap_put(l, l->heap[c], i);
		i = c;
	}
	loop_heap_put(l, t, i);
}

/* heap[i] has a new time: restore the order around it. */
static void
loop_heap_fix(struct loop *l, size_t i)
{
	if (i > 0 && l->heap[(i - 1) / 2]->when > l->heap[i]->when)
		loop_heap_up(l, i);
	else
		loop_heap_down(l, i);
}

int
loop_timer_at(struct loop *l, struct loop_timer *t, int64_t when_ms,
    struct status *st)
{
	struct loop_timer	**nh;
	size_t			  n;

	t->when = when_ms;
	if (t->slot != LOOP_TIMER_IDLE) {
		loop_heap_fix(l, t->slot);
		return 0;
	}
	if (l->nheap == l->heapcap) {
		n = l->heapcap == 0 ? 64 : l->heapcap * 2;
		/* The heap holds pointers to timers: sizeof one pointer. */
		/* NOLINTNEXTLINE(bugprone-sizeof-expression) */
		nh = realloc(l->heap, n * sizeof *nh);
		if (nh == NULL)
			return status_errno(st, ENOMEM, SC_EX_OSERR, "timer");
		l->heap = nh;
		l->heapcap = n;
	}
	loop_heap_put(l, t, l->nheap++);
	loop_heap_up(l, t->slot);
	return 0;
}

void
loop_timer_stop(struct loop *l, struct loop_timer *t)
{
	struct loop_timer	*last;
	size_t			 i = t->slot;

	if (i == LOOP_TIMER_IDLE || i >= l->nheap || l->heap[i] != t)
		return;
	t->slot = LOOP_TIMER_IDLE;
	last = l->heap[--l->nheap];
	if (last == t)
		return;
	loop_heap_put(l, last, i);
	loop_heap_fix(l, i);
}

/*
 * Fire the timers due at loop_now().  At most as many as were armed when
 * it began: a callback that re-arms its timer for now is called again in
 * the next round, after the descriptors had their turn, not forever here.
 */
static void
loop_timers_fire(struct loop *l)
{
	struct loop_timer	*t;
	size_t			 n = l->nheap;

	while (n-- > 0 && l->nheap > 0 && !l->stop) {
		t = l->heap[0];
		if (t->when > l->now)
			break;
		loop_timer_stop(l, t);
		/* t may be freed by its callback: not touched after it. */
		t->cb(l, t, t->arg);
	}
}

/* How long the wait may last: tick's answer or the earliest timer. */
static int
loop_wait_ms(const struct loop *l, int64_t ms)
{
	int64_t	t;

	if (l->nheap > 0) {
		t = l->heap[0]->when - sock_now_ms();
		if (t < 0)
			t = 0;
		if (ms < 0 || t < ms)
			ms = t;
	}
	return ms < 0 ? -1 : ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

/* Make the table reach fd; it doubles, so growing is rare. */
static int
loop_grow(struct loop *l, int fd, struct status *st)
{
	struct loop_file	*nf;
	size_t			 n = l->nfiles == 0 ? 256 : l->nfiles;

	if ((size_t)fd < l->nfiles)
		return 0;
	while (n <= (size_t)fd)
		n *= 2;
	nf = realloc(l->files, n * sizeof *nf);
	if (nf == NULL)
		return status_errno(st, ENOMEM, SC_EX_OSERR, "event loop");
	memset(nf + l->nfiles, 0, (n - l->nfiles) * sizeof *nf);
	l->files = nf;
	l->nfiles = n;
	return 0;
}

static uint32_t
loop_events(int mask)
{
	return ((mask & LOOP_READ) ? EPOLLIN : 0) |
	    ((mask & LOOP_WRITE) ? EPOLLOUT : 0);
}

int
loop_mask(struct loop *l, int fd, int mask, struct status *st)
{
	struct loop_file	*f;
	struct epoll_event	 ev;
	int			 op;

	if (fd < 0 || (size_t)fd >= l->nfiles)
		return status_set(st, SC_EX_SOFTWARE, "event loop: fd %d "
		    "not known", fd);
	f = &l->files[fd];
	if (f->mask == mask)
		return 0;
	/* The kernel holds fd exactly while something is watched. */
	op = f->mask == 0 ? EPOLL_CTL_ADD : mask == 0 ? EPOLL_CTL_DEL :
	    EPOLL_CTL_MOD;
	memset(&ev, 0, sizeof ev);
	ev.events = loop_events(mask);
	ev.data.fd = fd;
	if (epoll_ctl(l->epfd, op, fd, &ev) < 0)
		return status_errno(st, errno, SC_EX_OSERR, "epoll_ctl");
	f->mask = mask;
	return 0;
}

int
loop_set(struct loop *l, int fd, int mask, loop_fd_cb cb, void *arg,
    struct status *st)
{
	if (fd < 0)
		return status_set(st, SC_EX_SOFTWARE, "event loop: bad fd");
	if (loop_grow(l, fd, st) < 0)
		return -1;
	l->files[fd].cb = cb;
	l->files[fd].arg = arg;
	return loop_mask(l, fd, mask, st);
}

int
loop_watched(const struct loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->nfiles)
		return 0;
	return l->files[fd].mask;
}

void
loop_del(struct loop *l, int fd)
{
	struct loop_file	*f;
	struct epoll_event	 ev;

	if (fd < 0 || (size_t)fd >= l->nfiles)
		return;
	f = &l->files[fd];
	if (f->mask != 0) {
		memset(&ev, 0, sizeof ev);
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, &ev);
	}
	memset(f, 0, sizeof *f);
}

void
loop_stop(struct loop *l)
{
	l->stop = 1;
}

int64_t
loop_now(const struct loop *l)
{
	return l->now;
}

/*
 * Call the callbacks of n fired events.  A callback may close and forget
 * any fd, and a later accept may reuse it within the same batch: only
 * what the table still watches is dispatched, and a spurious call meets
 * EAGAIN on a non-blocking socket.
 */
static void
loop_dispatch(struct loop *l, int n)
{
	struct loop_file	*f;
	uint32_t		 ev;
	int			 i, fd, mask;

	for (i = 0; i < n && !l->stop; i++) {
		fd = l->fired[i].data.fd;
		ev = l->fired[i].events;
		if ((size_t)fd >= l->nfiles)
			continue;
		f = &l->files[fd];
		mask = 0;
		if (ev & EPOLLIN)
			mask |= LOOP_READ;
		if (ev & EPOLLOUT)
			mask |= LOOP_WRITE;
		if (ev & (EPOLLERR | EPOLLHUP))
			mask |= f->mask;
		mask &= f->mask;
		if (mask != 0 && f->cb != NULL)
			f->cb(l, fd, mask, f->arg);
	}
}

int
loop_run(struct loop *l, loop_tick_cb tick, void *arg, struct status *st)
{
	sigset_t	block, old, waitmask;
	int64_t		ms;
	int		n, rc = 0, err;

	/* Stop signals get through only inside epoll_pwait: none is lost. */
	sigemptyset(&block);
	sig_stop_set(&block);
	sigprocmask(SIG_BLOCK, &block, &old);
	waitmask = old;
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGHUP);
	l->stop = 0;
	while (!l->stop && sig_pending() == 0) {
		l->now = sock_now_ms();
		loop_timers_fire(l);
		if (l->stop)
			break;
		ms = tick != NULL ? tick(l, arg) : -1;
		if (l->stop)
			break;
		n = epoll_pwait(l->epfd, l->fired, LOOP_FIRED,
		    loop_wait_ms(l, ms), &waitmask);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			rc = status_errno(st, err, SC_EX_OSERR, "epoll_wait");
			break;
		}
		l->now = sock_now_ms();
		loop_dispatch(l, n);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

int
loop_nofile_raise(uint64_t *from, uint64_t *to, struct status *st)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return status_errno(st, errno, SC_EX_OSERR, "getrlimit");
	*from = *to = (uint64_t)rl.rlim_cur;
	if (rl.rlim_cur == rl.rlim_max)
		return 0;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return status_errno(st, errno, SC_EX_OSERR, "setrlimit");
	*to = (uint64_t)rl.rlim_cur;
	return 0;
}

/* ------------------------------------------------------------ datagrams */

struct loop_dgrams {
	struct loop_dgram	slot[LOOP_DGRAM_BATCH];
	struct mmsghdr		msg[LOOP_DGRAM_BATCH];
	struct iovec		iov[LOOP_DGRAM_BATCH];
	char			*room;
};

struct loop_dgrams *
loop_dgrams_new(struct status *st)
{
	struct loop_dgrams	*b;
	int			 i;

	b = calloc(1, sizeof *b);
	/* Big and untouched: malloc maps it, pages come as datagrams do. */
	if (b != NULL)
		b->room = malloc((size_t)LOOP_DGRAM_BATCH * LOOP_DGRAM_MAX);
	if (b == NULL || b->room == NULL) {
		free(b);
		status_errno(st, ENOMEM, SC_EX_OSERR, "datagram buffers");
		return NULL;
	}
	for (i = 0; i < LOOP_DGRAM_BATCH; i++)
		b->slot[i].data = b->room + (size_t)i * LOOP_DGRAM_MAX;
	return b;
}

void
loop_dgrams_free(struct loop_dgrams *b)
{
	if (b == NULL)
		return;
	free(b->room);
	free(b);
}

struct loop_dgram *
loop_dgrams_at(struct loop_dgrams *b, int i)
{
	return &b->slot[i];
}

int
loop_dgram_recv(int fd, struct loop_dgrams *b, int max)
{
	struct loop_dgram	*d;
	int			 i, n;

	if (max > LOOP_DGRAM_BATCH)
		max = LOOP_DGRAM_BATCH;
	for (i = 0; i < max; i++) {
		d = &b->slot[i];
		b->iov[i].iov_base = d->data;
		b->iov[i].iov_len = LOOP_DGRAM_MAX;
		memset(&b->msg[i], 0, sizeof b->msg[i]);
		b->msg[i].msg_hdr.msg_name = &d->peer;
		b->msg[i].msg_hdr.msg_namelen = sizeof d->peer;
		b->msg[i].msg_hdr.msg_iov = &b->iov[i];
		b->msg[i].msg_hdr.msg_iovlen = 1;
	}
	do
		n = recvmmsg(fd, b->msg, (unsigned)max, MSG_DONTWAIT, NULL);
	while (n < 0 && errno == EINTR && sig_pending() == 0);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	for (i = 0; i < n; i++) {
		d = &b->slot[i];
		d->len = b->msg[i].msg_len;
		d->truncated = (b->msg[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
		d->peerlen = b->msg[i].msg_hdr.msg_namelen;
		d->out = d->data;
		d->outlen = d->len;
	}
	return n;
}

int
loop_dgram_send(int fd, struct loop_dgrams *b, int n)
{
	struct loop_dgram	*d;
	int			 i, r, sent = 0;

	for (i = 0; i < n; i++) {
		d = &b->slot[i];
		b->iov[i].iov_base = (void *)(uintptr_t)d->out;
		b->iov[i].iov_len = d->outlen;
		memset(&b->msg[i], 0, sizeof b->msg[i]);
		b->msg[i].msg_hdr.msg_name = &d->peer;
		b->msg[i].msg_hdr.msg_namelen = d->peerlen;
		b->msg[i].msg_hdr.msg_iov = &b->iov[i];
		b->msg[i].msg_hdr.msg_iovlen = 1;
	}
	/* sendmmsg stops at the first refusal: skip that one, go on. */
	for (i = 0; i < n; ) {
		r = sendmmsg(fd, b->msg + i, (unsigned)(n - i), MSG_DONTWAIT);
		if (r > 0) {
			i += r;
			sent += r;
		} else if (r < 0 && errno == EINTR && sig_pending() == 0) {
			continue;
		} else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS)) {
			break;
		} else {
			i++;
		}
	}
	return sent;
}
