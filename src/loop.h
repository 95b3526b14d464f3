/*
 * loop.h: the event loop, after redis's ae: one table of watched
 * descriptors indexed by fd, one epoll set, one callback per descriptor,
 * level-triggered, and one-shot timers in a binary min-heap.  epoll and
 * the other Linux-only calls of echo (recvmmsg/sendmmsg) live in loop.c
 * and nowhere else.
 *
 * Nothing here prints or exits; failures fill a struct status and return
 * -1.  The loop owns no descriptor and no timer: the caller closes what
 * it opened, after loop_del(), and frees its timers after
 * loop_timer_stop().
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

/*
 * Free l: first the modules' attachments (loop_attach), then the loop.
 * Timers still armed are forgotten without being touched (their memory
 * may be gone already); descriptors still watched are not closed.
 */
void	loop_free(struct loop *l);

/*
 * Watch fd for mask (LOOP_READ, LOOP_WRITE or both, or LOOP_ERROR for
 * errors and hang-ups only) with cb and arg,
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
 * that arrives just before it is not missed).  Each round fires the
 * timers that are due, then runs tick (may be NULL), then waits for
 * whichever comes first: an event, the earliest timer, or the time tick
 * asked for.  Returns 0, or -1 with st when the wait itself fails.
 */
int	loop_run(struct loop *l, loop_tick_cb tick, void *arg,
	    struct status *st);

/* Make loop_run() return after the current callback. */
void	loop_stop(struct loop *l);

/* CLOCK_MONOTONIC milliseconds, as of the last wake-up. */
int64_t	loop_now(const struct loop *l);

/* ---------------------------------------------------------------- timers */

/*
 * A one-shot timer.  The caller owns it (embed it in your struct) and
 * initialises it once with loop_timer_init(); the fields are loop.c's.
 * Arming and stopping cost O(log n) in the number of armed timers.
 */
struct loop_timer;
#define LOOP_TIMER_IDLE	((size_t)-1)	/* slot of a timer not armed */
typedef void (*loop_timer_cb)(struct loop *l, struct loop_timer *t,
	    void *arg);
struct loop_timer {
	int64_t		 when;	/* due, on loop_now()'s clock */
	size_t		 slot;	/* index in the heap, or LOOP_TIMER_IDLE */
	loop_timer_cb	 cb;
	void		*arg;
};

/* Set t up, not armed, to call cb(l, t, arg) when it fires. */
void	loop_timer_init(struct loop_timer *t, loop_timer_cb cb, void *arg);

/*
 * Arm (or re-arm) t to fire once at when_ms (loop_now() clock,
 * CLOCK_MONOTONIC milliseconds; a time already past fires in the next
 * round).  t is disarmed before its callback runs; the callback may arm,
 * stop or free any timer, itself included, and may stop the loop.
 * Returns 0, or -1 with st (out of memory).
 */
int	loop_timer_at(struct loop *l, struct loop_timer *t, int64_t when_ms,
	    struct status *st);

/* Disarm t; a no-op when it is not armed. */
void	loop_timer_stop(struct loop *l, struct loop_timer *t);

/* 1 when t is armed, else 0. */
int	loop_timer_armed(const struct loop_timer *t);

/* ----------------------------------------------------------- attachments */

/*
 * A module's state that lives as long as the loop (the resolver's
 * threads and eventfd): stored under key (an address of that module),
 * found again with loop_attachment(), and given to fini(data) by
 * loop_free() before the loop goes away.
 */
typedef void (*loop_fini_cb)(struct loop *l, void *data);

/* Attach data under a key not used yet.  Returns 0, or -1 with st. */
int	loop_attach(struct loop *l, const void *key, void *data,
	    loop_fini_cb fini, struct status *st);

/* What loop_attach() stored under key, or NULL. */
void	*loop_attachment(const struct loop *l, const void *key);

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
