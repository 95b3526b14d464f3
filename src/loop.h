/*
 * loop.h: the echo event loop, after redis's ae: one table of watched
 * descriptors indexed by fd, one epoll set, one callback per descriptor,
 * level-triggered.  epoll and the other Linux-only calls of echo
 * (recvmmsg/sendmmsg) live in loop.c and nowhere else.
 *
 * Nothing here prints or exits; failures fill a struct status and return
 * -1.  The loop owns no descriptor: the caller closes what it opened,
 * after loop_del().
 */
#ifndef SC_LOOP_H
#define SC_LOOP_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stdint.h>

#include "status.h"

#define LOOP_READ	0x1
#define LOOP_WRITE	0x2
#define LOOP_ERROR	0x4	/* only errors and hang-ups (always reported
				   with the others too) */

struct loop;
struct loop_timer;

/* Called when t is due; t is no longer armed.  May arm or free t. */
typedef void (*loop_timer_cb)(struct loop *l, struct loop_timer *t,
	    void *arg);

/* A timer, embedded in the caller's struct; its fields are loop.c's. */
struct loop_timer {
	int64_t		 when;		/* due at (loop_now() clock) */
	size_t		 slot;		/* in the heap; 0: not armed */
	loop_timer_cb	 cb;
	void		*arg;
};

/*
 * Called when fd is ready for what mask says.  An error or hang-up on fd
 * is reported as every bit fd is watched for, so the next read or write
 * sees it.
 */
typedef void (*loop_fd_cb)(struct loop *l, int fd, int mask, void *arg);

/*
 * Called before each wait: do the timed work and return how long the loop
 * may sleep, in milliseconds (-1: until an event).
 */
typedef int64_t (*loop_tick_cb)(struct loop *l, void *arg);

/* A new loop; NULL with st on failure.  Free it with loop_free(). */
struct loop *loop_new(struct status *st);
void	loop_free(struct loop *l);

/*
 * Watch fd for mask (LOOP_READ, LOOP_WRITE or both) with cb and arg,
 * replacing what was watched before; mask 0 stops watching fd but keeps
 * cb and arg.  Returns 0, or -1 with st.
 */
int	loop_set(struct loop *l, int fd, int mask, loop_fd_cb cb, void *arg,
	    struct status *st);

/* Change only the mask of an fd given to loop_set() before. */
int	loop_mask(struct loop *l, int fd, int mask, struct status *st);

/* What fd is watched for (0 when nothing). */
int	loop_watched(const struct loop *l, int fd);

/* Forget fd entirely; call it before closing fd. */
void	loop_del(struct loop *l, int fd);

/*
 * Dispatch events until loop_stop() or until a stop signal arrives
 * (sig_pending(); the signals are unblocked only inside the wait, so one
 * that arrives just before it is not missed).  tick (may be NULL) runs
 * before each wait.  Returns 0, or -1 with st when the wait itself fails.
 */
int	loop_run(struct loop *l, loop_tick_cb tick, void *arg,
	    struct status *st);

/* Make loop_run() return after the current callback. */
void	loop_stop(struct loop *l);

/* CLOCK_MONOTONIC milliseconds, as of the last wake-up. */
int64_t	loop_now(const struct loop *l);

/* Set up t (not armed) to call cb with arg. */
void	loop_timer_init(struct loop_timer *t, loop_timer_cb cb, void *arg);

/*
 * Arm (or re-arm) t to fire once at when_ms on loop_now()'s clock; a time
 * already past fires after the next wait, which then does not block.  Due
 * timers fire after each wait, before the tick.  Returns 0, or -1 with st
 * when out of memory.
 */
int	loop_timer_at(struct loop *l, struct loop_timer *t, int64_t when_ms,
	    struct status *st);

/* Disarm t; nothing when it is not armed. */
void	loop_timer_stop(struct loop *l, struct loop_timer *t);

/* Is t armed? */
int	loop_timer_armed(const struct loop_timer *t);

/*
 * Raise the soft RLIMIT_NOFILE to the hard limit.  *from and *to get the
 * old and new soft limits.  Returns 0, or -1 with st.
 */
int	loop_nofile_raise(uint64_t *from, uint64_t *to, struct status *st);

/* ------------------------------------------------------------ datagrams */

#define LOOP_DGRAM_BATCH	32	/* datagrams per system call */
#define LOOP_DGRAM_MAX		65536	/* the largest datagram kept whole */

/*
 * One datagram of a batch.  loop_dgram_recv() fills data, len, truncated
 * and the sender, and points out/outlen at data/len; the caller may point
 * out elsewhere (a rewritten copy) before loop_dgram_send().
 */
struct loop_dgram {
	char			*data;	/* LOOP_DGRAM_MAX bytes of room */
	size_t			 len;
	int			 truncated;	/* it was longer than that */
	const char		*out;	/* what goes back */
	size_t			 outlen;
	struct sockaddr_storage	 peer;
	socklen_t		 peerlen;
};

/* A batch of LOOP_DGRAM_BATCH datagrams and the headers the calls need. */
struct loop_dgrams;

/* A new batch; NULL with st.  The room is touched only as it is used. */
struct loop_dgrams *loop_dgrams_new(struct status *st);
void	loop_dgrams_free(struct loop_dgrams *b);

/* Slot i of the batch (0 <= i < LOOP_DGRAM_BATCH). */
struct loop_dgram *loop_dgrams_at(struct loop_dgrams *b, int i);

/*
 * Receive up to max datagrams without blocking into slots 0.. (one
 * recvmmsg).  Returns how many (0 when none is waiting), or -1 with errno.
 */
int	loop_dgram_recv(int fd, struct loop_dgrams *b, int max);

/*
 * Send out/outlen of slots 0..n-1 to their senders (sendmmsg).  A slot the
 * kernel refuses (too big, sender gone or unnamed) is skipped; when the
 * socket would block, the rest is dropped, as a datagram may be.  Returns
 * how many were sent.
 */
int	loop_dgram_send(int fd, struct loop_dgrams *b, int n);

#endif
