/*
 * pair.c: the relay engine (see pair.h).
 *
 * Each direction is a small state machine: it waits either for its source
 * to have bytes or for its sink to take the bytes it holds, never for
 * both, so a full sink stops only its own direction.  What it waits for is
 * its "want": a descriptor and LOOP_READ or LOOP_WRITE.  The loop watches
 * each descriptor of the pair for the union of what the directions want of
 * it; a socket nobody wants anything of is still watched for errors (a
 * reset while the pair waits on stdin), a pipe on stdout for its reader
 * going away.  Descriptors the kernel cannot watch (regular files,
 * /dev/null) are always ready.
 *
 * splice(2), sendfile(2) and the SIOCINQ/SIOCOUTQ ioctls are Linux-only
 * and live here and nowhere else.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/sockios.h>

#include "pair.h"
#include "rate.h"
#include "sig.h"
#include "sock.h"

/* At most this much per splice(2) or sendfile(2) call. */
#define PAIR_SPLICE_MAX		(1024 * 1024)
#define PAIR_SENDFILE_MAX	(16 * 1024 * 1024)

/*
 * A pool pipe holds PAIR_PIPE_SZ (/proc/sys/fs/pipe-max-size, the most an
 * unprivileged process gets by default): one splice moves at most that
 * much.  With the default 64 KiB the two splices per 64 KiB cost more CPU
 * than read/write, so a pipe that cannot be made PAIR_PIPE_MIN is not
 * used.  PAIR_POOL_MAX empty pipes are kept for the next pair.
 */
#define PAIR_PIPE_SZ		(1024 * 1024)
#define PAIR_PIPE_MIN		(256 * 1024)
#define PAIR_POOL_MAX		64

/* Steps of one direction per wake-up, so one pair cannot starve others. */
#define PAIR_BUDGET		16

/* --send-only: how often to look whether the peer acknowledged all. */
#define PAIR_DRAIN_MS		10

enum pair_path {
	PAIR_RW,		/* read/write through a buffer */
	PAIR_SENDFILE,		/* sendfile(2): regular file -> socket */
	PAIR_SPLICE,		/* splice(2): pipe <-> anything */
	PAIR_PIPE		/* splice(2) twice, through a pool pipe */
};

enum pair_step {
	PAIR_STEP_MOVED,	/* bytes moved */
	PAIR_STEP_AGAIN,	/* wait for dr->want */
	PAIR_STEP_EOF,		/* the source has ended */
	PAIR_STEP_FAIL		/* the pair's status is set */
};

struct pair_end {
	int			 rfd, wfd;
	unsigned		 flags;
	const struct pair_layer	*layer;
	void			*lctx;
	const char		*rname, *wname;
	mode_t			 rmode, wmode;	/* their file types (S_IFMT) */
	int			 rpoll, wpoll;	/* the loop can watch them */
	int			 rblock;	/* rfd is a blocking descriptor
						   the loop watches: read it
						   only once it is ready */
	int			 hs_want;	/* handshake: waiting for this */
	int			 hs_done;
	int			 shut_want;	/* close_notify: waiting */
	int			 shut_due;	/* close_notify, then SHUT_WR */
	int			 wr_done;	/* the write side is half-closed */
	int			 quiet;		/* hung up: left out of the loop */
};

struct pair_dir {
	struct pair		*p;
	int			 d;
	struct pair_end		*src, *dst;
	enum pair_path		 path;
	char			*buf;
	char			*obuf;		/* a rewrite's output, or NULL */
	size_t			 bufsz, off, len;	/* off, len: of the
						   bytes to write (obuf's
						   with a rewrite) */
	int			 pipe[2];	/* a pool pipe, or -1 */
	size_t			 piped;		/* bytes in it */
	int			 done;
	int			 want_fd, want_ev;
	int			 zc_probe;	/* splice said EAGAIN: src or dst? */
	int			 src_ready;	/* the loop said src is readable */
	int			 runnable;	/* step it from the kick timer */
	int			 lerr;		/* a layer's failure after bytes,
						   for the next read (errno) */
	struct status		 lst;		/* ... and its status */
	const struct pair_tap	*tap;		/* or NULL */
	int			 rated;		/* tap->rate: rate is set */
	struct rate		 rate;
	struct loop_timer	 rwait;		/* out of tokens until then */
};

struct pair {
	struct loop		*loop;
	struct pair_end		 end[2];
	struct pair_dir		 dir[2];
	struct pair_opts	 opts;
	struct pair_counts	 counts;
	pair_done_cb		 done_cb;
	void			*arg;
	struct status		 st;
	struct loop_timer	 kick;		/* runnable directions */
	struct loop_timer	 idle;		/* -i */
	struct loop_timer	 grace;		/* the give-up rule, drain */
	struct loop_timer	 hs_timer;	/* hs_ms */
	int64_t			 last_move;
	int			 started, ended, busy, dead;
	int			 shaken;	/* every handshake is done */
	int			 draining;	/* --send-only's wait */
	int			 watched[4];	/* fds given to the loop */
	int			 nwatched;
};

/* ---------------------------------------------------------- pipe pool */

struct pair_pool_pipe {
	int	fd[2];
};

static struct pair_pool_pipe	pair_pool[PAIR_POOL_MAX];
static int			pair_npool;

/*
 * Grow a pipe to PAIR_PIPE_SZ, else to PAIR_PIPE_MIN (a user over the pipe
 * quota).  Returns 0 when it holds at least PAIR_PIPE_MIN.
 */
static int
pair_pipe_grow(int fd)
{
	int	sz = fcntl(fd, F_GETPIPE_SZ);

	if (sz >= PAIR_PIPE_SZ)
		return 0;
	if (fcntl(fd, F_SETPIPE_SZ, PAIR_PIPE_SZ) >= 0 ||
	    sz >= PAIR_PIPE_MIN ||
	    fcntl(fd, F_SETPIPE_SZ, PAIR_PIPE_MIN) >= 0)
		return 0;
	return -1;
}

/* A pipe for dr, from the pool or new; -1 when none worth it. */
static int
pair_pipe_take(struct pair_dir *dr)
{
	if (dr->pipe[0] >= 0)
		return 0;
	if (pair_npool > 0) {
		pair_npool--;
		dr->pipe[0] = pair_pool[pair_npool].fd[0];
		dr->pipe[1] = pair_pool[pair_npool].fd[1];
		return 0;
	}
	if (pipe2(dr->pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		dr->pipe[0] = dr->pipe[1] = -1;
		return -1;
	}
	if (pair_pipe_grow(dr->pipe[1]) < 0) {
		close(dr->pipe[0]);
		close(dr->pipe[1]);
		dr->pipe[0] = dr->pipe[1] = -1;
		return -1;
	}
	return 0;
}

/* Give dr's pipe back; one with bytes in it is closed, never reused. */
static void
pair_pipe_give(struct pair_dir *dr)
{
	if (dr->pipe[0] < 0)
		return;
	if (dr->piped == 0 && pair_npool < PAIR_POOL_MAX) {
		pair_pool[pair_npool].fd[0] = dr->pipe[0];
		pair_pool[pair_npool].fd[1] = dr->pipe[1];
		pair_npool++;
	} else {
		close(dr->pipe[0]);
		close(dr->pipe[1]);
	}
	dr->pipe[0] = dr->pipe[1] = -1;
	dr->piped = 0;
}

void
pair_pool_drain(void)
{
	while (pair_npool > 0) {
		pair_npool--;
		close(pair_pool[pair_npool].fd[0]);
		close(pair_pool[pair_npool].fd[1]);
	}
}

/* ----------------------------------------------------------- failures */

static void	pair_finish(struct pair *p);

/*
 * The pair fails with errno err, blaming end e (what names it).  A reset
 * or failure on one end resets the other's sockets, so its peer does not
 * take the cut for a complete transfer.
 */
static enum pair_step
pair_fail(struct pair *p, int e, int err, const char *what)
{
	if (p->ended)
		return PAIR_STEP_FAIL;
	status_errno(&p->st, err, SC_EX_FAIL, what);
	/* After connecting, every failure of the transfer is 1. */
	p->st.code = SC_EX_FAIL;
	p->counts.failed_end = e;
	pair_reset(p, !e);
	pair_finish(p);
	return PAIR_STEP_FAIL;
}

/*
 * A layer of end e filled st with the reason (76 for a handshake, 1 for
 * the rest): the end's name goes in front, as for any other failure.
 */
static enum pair_step
pair_fail_st(struct pair *p, int e, const struct status *st)
{
	if (p->ended)
		return PAIR_STEP_FAIL;
	status_set(&p->st, st->code, "%s: %s", p->end[e].rname, st->msg);
	p->st.usage = st->usage;
	p->counts.failed_end = e;
	pair_reset(p, !e);
	pair_finish(p);
	return PAIR_STEP_FAIL;
}

static enum pair_step
pair_fail_read(struct pair_dir *dr, int err)
{
	return pair_fail(dr->p, dr->d, err, dr->src->rname);
}

static enum pair_step
pair_fail_write(struct pair_dir *dr, int err)
{
	return pair_fail(dr->p, !dr->d, err, dr->dst->wname);
}

void
pair_reset(struct pair *p, int e)
{
	struct pair_end	*end = &p->end[e];

	if (!(end->flags & PAIR_SOCKET))
		return;
	if (end->rfd >= 0)
		sock_reset(end->rfd);
	if (end->wfd >= 0 && end->wfd != end->rfd)
		sock_reset(end->wfd);
}

/* ------------------------------------------------------------- moving */

/* EINTR from a call means a stop signal only when one is pending. */
static int
pair_retry(ssize_t n)
{
	return n < 0 && errno == EINTR && sig_pending() == 0;
}

/* splice(2) or sendfile(2) refused these files: nothing moved. */
static int
pair_refused(int err)
{
	return err == EINVAL || err == ENOSYS || err == EOPNOTSUPP;
}

/* n bytes moved: taken from the source (in) and/or given to the sink. */
static void
pair_moved(struct pair_dir *dr, size_t n, int in, int out)
{
	struct pair	*p = dr->p;

	p->last_move = loop_now(p->loop);
	if (in)
		p->counts.in[dr->d] += n;
	if (out)
		p->counts.out[dr->d] += n;
}

static void
pair_want(struct pair_dir *dr, int fd, int ev)
{
	dr->want_fd = fd;
	dr->want_ev = ev;
}

/*
 * recv() gives 0 both for a seqpacket peer's empty message and for its
 * EOF.  Bytes still queued (messages after the empty one) mean it was a
 * message; else the socket's hang-up state tells.  (Only empty messages
 * left before the EOF are taken as the EOF: they carry nothing.)
 */
static int
pair_sock_eof(int fd)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLRDHUP };
	int		queued;

	if (ioctl(fd, SIOCINQ, &queued) == 0 && queued > 0)
		return 0;
	return poll(&pfd, 1, 0) > 0 &&
	    (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

/*
 * A layer gives at most one record per read (TLS: 16 KiB).  While it
 * holds more that needs no socket event, fill the buffer: the sink gets
 * one write per buffer, not one per record.  A failure after some bytes
 * is kept for the next call, so the bytes go first and the failure is
 * reported as the layer said it.
 */
static ssize_t
pair_layer_read(struct pair_dir *dr, size_t n, int *want,
    struct status *lst)
{
	const struct pair_end	*src = dr->src;
	size_t			 got = 0;
	ssize_t			 r;

	if (dr->lerr != 0) {
		*lst = dr->lst;
		errno = dr->lerr;
		return -1;
	}
	for (;;) {
		r = src->layer->read(src->lctx, dr->buf + got, n - got, want,
		    lst);
		if (r > 0)
			got += (size_t)r;
		if (r <= 0 || got == n || src->layer->pending == NULL ||
		    src->layer->pending(src->lctx) == 0)
			break;
	}
	if (got == 0)
		return r;
	if (r < 0 && errno != EAGAIN) {
		dr->lerr = errno;
		dr->lst = *lst;
	}
	return (ssize_t)got;
}

/* One read of at most n bytes from the source into the buffer. */
static ssize_t
pair_read(struct pair_dir *dr, size_t n, int *want, struct status *lst)
{
	struct pair_end	*src = dr->src;
	ssize_t		 r;

	if (dr->piped > 0) {
		/* Fallen back from PAIR_PIPE: its bytes go first. */
		do
			r = read(dr->pipe[0], dr->buf, dr->piped < n ?
			    dr->piped : n);
		while (pair_retry(r));
		if (r > 0)
			dr->piped -= (size_t)r;
		return r;
	}
	if (src->layer != NULL)
		return pair_layer_read(dr, n, want, lst);
	/* Each read towards a seqpacket socket is one message. */
	if ((dr->dst->flags & PAIR_SEQPACKET) && !(src->flags & PAIR_SOCKET) &&
	    n > PAIR_SEQPACKET_MSG)
		n = PAIR_SEQPACKET_MSG;
	do {
		if (src->flags & PAIR_SOCKET)
			r = recv(src->rfd, dr->buf, n,
			    (src->flags & PAIR_SEQPACKET) ? MSG_TRUNC : 0);
		else
			r = read(src->rfd, dr->buf, n);
	} while (pair_retry(r));
	/* With MSG_TRUNC, recv returns a seqpacket message's real length. */
	if (r > 0 && (size_t)r > dr->bufsz) {
		errno = EMSGSIZE;
		return -1;
	}
	return r;
}

static ssize_t
pair_write(struct pair_dir *dr, int *want, struct status *lst)
{
	struct pair_end	*dst = dr->dst;
	const char	*out = (dr->obuf != NULL ? dr->obuf : dr->buf) + dr->off;
	ssize_t		 n;

	if (dst->layer != NULL)
		return dst->layer->write(dst->lctx, out, dr->len - dr->off,
		    want, lst);
	do {
		if (dst->flags & PAIR_SOCKET)
			n = send(dst->wfd, out, dr->len - dr->off,
			    MSG_NOSIGNAL);
		else
			n = write(dst->wfd, out, dr->len - dr->off);
	} while (pair_retry(n));
	return n;
}

/* Free an empty buffer, so an idle pair holds none. */
static void
pair_buf_drop(struct pair_dir *dr)
{
	if (dr->off == dr->len && dr->piped == 0) {
		free(dr->buf);
		free(dr->obuf);
		dr->buf = dr->obuf = NULL;
		dr->off = dr->len = 0;
	}
}

/*
 * --rate: may dr read now, and how much (*max)?  Out of tokens, it waits
 * for its timer (1: its want stays empty, no descriptor is watched for
 * it).  A seqpacket message cannot be cut: it is read whole, the tokens
 * it lacks owed.
 */
static int
pair_rate_wait(struct pair_dir *dr, size_t *max)
{
	struct pair	*p = dr->p;
	int64_t		 now = loop_now(p->loop), wait = 0;
	size_t		 n;

	n = rate_allow(&dr->rate, now, *max, &wait);
	if (n > 0) {
		if (!(dr->src->flags & PAIR_SEQPACKET))
			*max = n;
		return 0;
	}
	(void)loop_timer_at(p->loop, &dr->rwait, now + wait, &p->st);
	return 1;
}

/* The tap on n bytes just read: rewrite, see, pay; the bytes to write. */
static size_t
pair_tap_chunk(struct pair_dir *dr, size_t n)
{
	const struct pair_tap	*t = dr->tap;
	const char		*out = dr->buf;

	if (t == NULL)
		return n;
	if (t->rewrite != NULL) {
		n = t->rewrite(t->arg, dr->d, dr->buf, n, dr->obuf);
		out = dr->obuf;
	}
	if (t->see != NULL && n > 0)
		t->see(t->arg, dr->d, out, n);
	if (dr->rated)
		rate_spend(&dr->rate, n);
	return n;
}

/* A layer's -1: EAGAIN waits for its want, anything else fails. */
static enum pair_step
pair_layer_again(struct pair_dir *dr, struct pair_end *end, int want,
    const struct status *lst)
{
	int	fd = want == LOOP_WRITE ? end->wfd : end->rfd;

	if (errno != EAGAIN)
		return pair_fail_st(dr->p, end == dr->src ? dr->d : !dr->d,
		    lst);
	pair_want(dr, fd, want == 0 ? LOOP_READ : want);
	return PAIR_STEP_AGAIN;
}

/*
 * read/write: write what is pending, else read once and write it.  A
 * short write leaves the rest pending and waits for the sink.
 */
static enum pair_step
pair_step_rw(struct pair_dir *dr)
{
	struct status	lst;
	ssize_t		n;
	size_t		max = dr->bufsz;
	int		want = 0, counted;

	status_clear(&lst);
	if ((dr->buf == NULL && (dr->buf = malloc(dr->bufsz)) == NULL) ||
	    (dr->tap != NULL && dr->tap->rewrite != NULL && dr->obuf == NULL &&
	    (dr->obuf = malloc(PAIR_REWRITE_GROWTH * dr->bufsz)) == NULL)) {
		status_set(&dr->p->st, SC_EX_SOFTWARE, "out of memory");
		dr->p->counts.failed_end = -1;
		pair_finish(dr->p);
		return PAIR_STEP_FAIL;
	}
	if (dr->off == dr->len) {
		if (dr->rated && dr->piped == 0 && pair_rate_wait(dr, &max))
			return PAIR_STEP_AGAIN;
		/* A blocking stdin is read once per readiness, never more. */
		if (dr->piped == 0 && dr->src->rblock && !dr->src_ready) {
			pair_want(dr, dr->src->rfd, LOOP_READ);
			return PAIR_STEP_AGAIN;
		}
		dr->src_ready = 0;
		/* Bytes left in the pool pipe were counted going in. */
		counted = dr->piped > 0;
		n = pair_read(dr, max, &want, &lst);
		if (n == 0 && (dr->src->flags & PAIR_SEQPACKET) &&
		    dr->src->layer == NULL && !pair_sock_eof(dr->src->rfd))
			return PAIR_STEP_MOVED;	/* an empty message */
		if (n == 0)
			return PAIR_STEP_EOF;
		if (n < 0 && dr->src->layer != NULL && !counted)
			return pair_layer_again(dr, dr->src, want, &lst);
		if (n < 0 && errno == EAGAIN) {
			pair_want(dr, dr->src->rfd, LOOP_READ);
			return PAIR_STEP_AGAIN;
		}
		if (n < 0)
			return pair_fail_read(dr, errno);
		pair_moved(dr, (size_t)n, !counted, 0);
		/* A closed stdout (>&-): the first byte has nowhere to go. */
		if (dr->dst->flags & PAIR_WFD_CLOSED)
			return pair_fail_write(dr, EBADF);
		dr->off = 0;
		dr->len = pair_tap_chunk(dr, (size_t)n);
		if (dr->dst->wfd < 0)
			dr->len = 0;
	}
	if (dr->off == dr->len)
		return PAIR_STEP_MOVED;
	n = pair_write(dr, &want, &lst);
	if (n < 0 && dr->dst->layer != NULL)
		return pair_layer_again(dr, dr->dst, want, &lst);
	if (n < 0 && errno != EAGAIN)
		return pair_fail_write(dr, errno);
	if (n > 0) {
		dr->off += (size_t)n;
		pair_moved(dr, (size_t)n, 0, 1);
	}
	if (dr->off < dr->len) {
		pair_want(dr, dr->dst->wfd, LOOP_WRITE);
		return n > 0 ? PAIR_STEP_MOVED : PAIR_STEP_AGAIN;
	}
	dr->off = dr->len = 0;
	return PAIR_STEP_MOVED;
}

/*
 * sendfile(2) from a regular file, or splice(2) from or to a pipe.  Both
 * keep no bytes of their own: what could not be sent stays in the file
 * or the pipe.  EAGAIN means the sink is full (for splice, possibly that
 * the source was empty after all: dr->zc_probe, one extra wait then,
 * never a busy loop).
 */
static enum pair_step
pair_step_zc(struct pair_dir *dr)
{
	ssize_t	n;

	do {
		if (dr->path == PAIR_SENDFILE)
			n = sendfile(dr->dst->wfd, dr->src->rfd, NULL,
			    PAIR_SENDFILE_MAX);
		else
			n = splice(dr->src->rfd, NULL, dr->dst->wfd, NULL,
			    PAIR_SPLICE_MAX, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	} while (pair_retry(n));
	if (n > 0) {
		pair_moved(dr, (size_t)n, 1, 1);
		return PAIR_STEP_MOVED;
	}
	if (n == 0)
		return PAIR_STEP_EOF;
	if (errno == EAGAIN) {
		pair_want(dr, dr->dst->wfd, LOOP_WRITE);
		dr->zc_probe = dr->path == PAIR_SPLICE;
		return PAIR_STEP_AGAIN;
	}
	if (pair_refused(errno)) {
		/* The kernel will not do it for these files: nothing moved. */
		dr->path = PAIR_RW;
		return pair_step_rw(dr);
	}
	/* Only the pipe side of a splice into a pipe says EPIPE. */
	if (errno == EPIPE && !(dr->dst->flags & PAIR_SOCKET))
		return pair_fail_write(dr, errno);
	/* A socket never says these: they are the file's or the pipe's. */
	if (!(dr->src->flags & PAIR_SOCKET) && (errno == EIO ||
	    errno == EISDIR || errno == EBADF))
		return pair_fail_read(dr, errno);
	if (dr->src->flags & PAIR_SOCKET)
		return pair_fail_read(dr, errno);
	return pair_fail_write(dr, errno);
}

/*
 * The pool pipe -> the sink.  Bytes in the pipe are not delivered: while
 * there are any, the direction waits for the sink, not for the source.
 * PAIR_STEP_MOVED once the pipe is empty (it goes back to the pool).
 */
static enum pair_step
pair_pipe_out(struct pair_dir *dr)
{
	ssize_t	n;

	do
		n = splice(dr->pipe[0], NULL, dr->dst->wfd, NULL, dr->piped,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	while (pair_retry(n));
	if (n > 0) {
		dr->piped -= (size_t)n;
		pair_moved(dr, (size_t)n, 0, 1);
		if (dr->piped > 0) {
			pair_want(dr, dr->dst->wfd, LOOP_WRITE);
			return PAIR_STEP_AGAIN;
		}
		pair_pipe_give(dr);
		return PAIR_STEP_MOVED;
	}
	if (n < 0 && errno == EAGAIN) {
		pair_want(dr, dr->dst->wfd, LOOP_WRITE);
		return PAIR_STEP_AGAIN;
	}
	if (n < 0 && pair_refused(errno)) {
		/* From now on read/write; pair_read() empties the pipe first. */
		dr->path = PAIR_RW;
		return pair_step_rw(dr);
	}
	/* 0 would mean an empty pipe with no writer: never ours. */
	return pair_fail_write(dr, n < 0 ? errno : EIO);
}

/*
 * PAIR_PIPE: splice the source into a pool pipe, then the pipe into the
 * sink, so no byte is copied through user space although neither end is
 * a pipe.  Pending bytes go out first.
 */
static enum pair_step
pair_step_pipe(struct pair_dir *dr)
{
	ssize_t	n;

	if (dr->piped > 0)
		return pair_pipe_out(dr);
	if (pair_pipe_take(dr) < 0) {
		dr->path = PAIR_RW;
		return pair_step_rw(dr);
	}
	do
		n = splice(dr->src->rfd, NULL, dr->pipe[1], NULL, PAIR_PIPE_SZ,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	while (pair_retry(n));
	if (n > 0) {
		dr->piped = (size_t)n;
		pair_moved(dr, (size_t)n, 1, 0);
		return pair_pipe_out(dr);
	}
	/* An empty pipe goes back to the pool while the source is idle. */
	pair_pipe_give(dr);
	if (n == 0)
		return PAIR_STEP_EOF;
	/* The pipe is empty here: EAGAIN means the source is. */
	if (errno == EAGAIN) {
		pair_want(dr, dr->src->rfd, LOOP_READ);
		return PAIR_STEP_AGAIN;
	}
	if (pair_refused(errno)) {
		dr->path = PAIR_RW;
		return pair_step_rw(dr);
	}
	return pair_fail_read(dr, errno);
}

static enum pair_step
pair_step(struct pair_dir *dr)
{
	pair_want(dr, -1, 0);
	dr->zc_probe = 0;
	/* A source at its EOF already (stdin of an earlier -k session). */
	if (dr->src->rfd < 0)
		return PAIR_STEP_EOF;
	if (dr->path == PAIR_RW || dr->dst->wfd < 0)
		return pair_step_rw(dr);
	if (dr->path == PAIR_PIPE)
		return pair_step_pipe(dr);
	return pair_step_zc(dr);
}

/* Bytes taken from the source and not yet at the sink? */
static int
pair_pending(const struct pair_dir *dr)
{
	return dr->off < dr->len || dr->piped > 0;
}

/* ------------------------------------------------------------ the rules */

static void	pair_rearm(struct pair *p);

/* Does fd have something (bytes or its EOF) to read right now? */
static int
pair_fd_ready(int fd)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0) > 0;
}

/* Half-close end e's write side: close_notify first on a layer. */
static int
pair_half_close(struct pair *p, int e)
{
	struct pair_end	*end = &p->end[e];
	struct status	 lst;
	int		 rc, want = 0;

	if (end->layer != NULL && end->layer->close_notify != NULL) {
		status_clear(&lst);
		rc = end->layer->close_notify(end->lctx, &want, &lst);
		if (rc < 0) {
			pair_fail_st(p, e, &lst);
			return -1;
		}
		if (rc > 0) {
			end->shut_due = 1;
			end->shut_want = want == 0 ? LOOP_WRITE : want;
			return 0;
		}
	}
	end->shut_due = 0;
	end->shut_want = 0;
	end->wr_done = 1;
	if (end->flags & PAIR_SOCKET) {
		if (shutdown(end->wfd, SHUT_WR) < 0 && errno != ENOTCONN) {
			pair_fail(p, e, errno, end->wname);
			return -1;
		}
		return 0;
	}
	/* stdout: its reader sees EOF.  NFS and full disks say so only now. */
	rc = close(end->wfd);
	end->wfd = -1;
	p->counts.wfd_closed[e] = 1;
	if (rc < 0 && errno != EINTR) {
		pair_fail(p, e, errno, end->wname);
		return -1;
	}
	return 0;
}

/* Is the PAIR_GIVEUP end's direction idle in SPEC's sense? */
static int
pair_in_idle(const struct pair_dir *up)
{
	return up->p->counts.in[up->d] == 0 && !pair_pending(up) &&
	    !pair_fd_ready(up->src->rfd);
}

static void
pair_give_up(struct pair_dir *up)
{
	up->done = 1;
	up->p->counts.gave_up = 1;
	pair_want(up, -1, 0);
}

/*
 * SPEC's rule, once direction dr has reached its source's EOF: the end it
 * flows into is half-closed (unless PAIR_NO_HALFCLOSE); the pair ends
 * when both directions have.  When the end dr flows into is stdin's
 * (PAIR_GIVEUP) and its peer has sent at least one byte, stdin is given
 * up if it is a terminal, or if it gave nothing in the pair's first
 * PAIR_GRACE_MS and has nothing ready (until then the grace timer waits).
 * A peer that sent nothing is a receiver: stdin goes on until its EOF.
 */
static void
pair_dir_end(struct pair_dir *dr)
{
	struct pair	*p = dr->p;
	struct pair_dir	*up = &p->dir[!dr->d];
	struct pair_end	*dst = dr->dst;
	int64_t		 due = p->counts.start_ms + PAIR_GRACE_MS;

	dr->done = 1;
	p->counts.eof[dr->d] = 1;
	pair_want(dr, -1, 0);
	if (dst->wfd >= 0 && !(dst->flags & PAIR_NO_HALFCLOSE) &&
	    pair_half_close(p, !dr->d) < 0)
		return;
	/* --send-only discards what comes back: it never decides for up. */
	if (!up->done && (dst->flags & PAIR_GIVEUP) && !p->opts.wait_stdin &&
	    !p->opts.send_only && p->counts.in[dr->d] > 0) {
		if (dst->flags & PAIR_TTY)
			pair_give_up(up);
		else if (pair_in_idle(up)) {
			if (loop_now(p->loop) >= due)
				pair_give_up(up);
			else
				(void)loop_timer_at(p->loop, &p->grace, due,
				    &p->st);
		}
	}
}

/*
 * Both directions have ended cleanly, but a layered end whose write side
 * is still open (its stdin was given up, --no-shutdown, --recv-only)
 * has not said goodbye: the owner's close() alone would look like a cut
 * to its peer (TLS: an EOF without close_notify).  Half-close it first.
 * Returns 1 while one is under way (wait), 0 when there is none left, -1
 * when it failed (the pair has ended).
 */
static int
pair_layers_close(struct pair *p)
{
	struct pair_end	*end;
	int		 e;

	for (e = 0; e < 2; e++) {
		end = &p->end[e];
		if (end->layer == NULL || end->layer->close_notify == NULL ||
		    !end->hs_done || end->wr_done || end->wfd < 0)
			continue;
		if (pair_half_close(p, e) < 0)
			return -1;
		if (end->shut_due)
			return 1;
	}
	return 0;
}

/* The pair is over when both directions are (and nothing is owed). */
static void
pair_check_end(struct pair *p)
{
	struct pair_dir	*d0 = &p->dir[0], *d1 = &p->dir[1];
	int		 queued;

	if (p->ended || p->end[0].shut_due || p->end[1].shut_due)
		return;
	if (d0->done && d1->done) {
		if (pair_layers_close(p) == 0)
			pair_finish(p);
		return;
	}
	if (!p->opts.send_only || !d0->done)
		return;
	/*
	 * --send-only: closing a socket with unread bytes resets the
	 * connection and throws away what is still queued to send.  So the
	 * peer's bytes are discarded until it has acknowledged everything
	 * (SIOCOUTQ 0); no event says so: look every PAIR_DRAIN_MS.
	 */
	if (ioctl(p->end[1].wfd, SIOCOUTQ, &queued) < 0 || queued == 0) {
		pair_finish(p);
		return;
	}
	p->draining = 1;
	if (!loop_timer_armed(&p->grace))
		(void)loop_timer_at(p->loop, &p->grace,
		    loop_now(p->loop) + PAIR_DRAIN_MS, &p->st);
}

/* -------------------------------------------------------------- driving */

/*
 * Step dr until it waits, ends or has used its budget; apply what it
 * reached.  A direction that used its budget on descriptors the loop
 * cannot watch runs again from the kick timer.
 */
static void
pair_dir_run(struct pair_dir *dr)
{
	struct pair	*p = dr->p;
	enum pair_step	 step = PAIR_STEP_MOVED;
	int		 i;

	dr->runnable = 0;
	for (i = 0; i < PAIR_BUDGET && !dr->done && !p->ended; i++) {
		step = pair_step(dr);
		if (step != PAIR_STEP_MOVED)
			break;
		/* A pipe source and sink both ready: keep going. */
	}
	if (p->ended || dr->done)
		return;
	switch (step) {
	case PAIR_STEP_EOF:
		pair_buf_drop(dr);
		pair_dir_end(dr);
		break;
	case PAIR_STEP_AGAIN:
		pair_buf_drop(dr);
		/* A layer holding bytes is readable without an event (but
		   not while --rate makes the direction wait). */
		if (dr->src->layer != NULL && dr->src->layer->pending != NULL &&
		    !pair_pending(dr) && !loop_timer_armed(&dr->rwait) &&
		    dr->src->layer->pending(dr->src->lctx))
			dr->runnable = 1;
		break;
	case PAIR_STEP_MOVED:
		/* The budget is used up: go on after the others. */
		dr->runnable = 1;
		break;
	default:
		break;
	}
}

/* Go on with end e's handshake; when the last is done, relay. */
static void
pair_hs_step(struct pair *p, int e)
{
	struct pair_end	*end = &p->end[e];
	struct status	 lst;
	int		 rc, want = 0;

	status_clear(&lst);
	rc = end->layer->handshake(end->lctx, &want, &lst);
	if (rc < 0) {
		pair_fail_st(p, e, &lst);
		return;
	}
	end->hs_want = rc > 0 ? (want == 0 ? LOOP_READ : want) : 0;
	end->hs_done = rc == 0;
	if (p->end[0].hs_done && p->end[1].hs_done && !p->shaken) {
		p->shaken = 1;
		loop_timer_stop(p->loop, &p->hs_timer);
		p->dir[0].runnable = p->dir[1].runnable = 1;
	}
}

/* Step both directions that want something of fd for mask. */
static void
pair_service(struct pair *p, int fd, int mask)
{
	struct pair_end	*end;
	struct pair_dir	*dr;
	int		 d, e, hit = 0;

	for (e = 0; e < 2 && !p->ended; e++) {
		end = &p->end[e];
		if (!end->hs_done && end->hs_want != 0 && (end->hs_want ==
		    LOOP_WRITE ? end->wfd : end->rfd) == fd) {
			hit = 1;
			pair_hs_step(p, e);
		}
		if (end->shut_due && (end->shut_want == LOOP_WRITE ?
		    end->wfd : end->rfd) == fd) {
			hit = 1;
			if (pair_half_close(p, e) < 0)
				return;
		}
	}
	if (!p->shaken)
		return;
	for (d = 0; d < 2 && !p->ended; d++) {
		dr = &p->dir[d];
		if (dr->done || dr->want_fd != fd || !(dr->want_ev & mask))
			continue;
		hit = 1;
		if (dr->want_ev == LOOP_READ && fd == dr->src->rfd)
			dr->src_ready = 1;
		if (dr->zc_probe && !pair_pending(dr)) {
			/* The sink has room: was the source empty?  Look. */
			dr->zc_probe = 0;
			pair_want(dr, dr->src->rfd, LOOP_READ);
			continue;
		}
		pair_dir_run(dr);
	}
	if (hit || p->ended)
		return;
	/* Nobody asked: an error or hang-up on a watched descriptor. */
	for (e = 0; e < 2; e++) {
		end = &p->end[e];
		if (end->rfd != fd && end->wfd != fd)
			continue;
		if (end->flags & PAIR_SOCKET) {
			socklen_t	len = sizeof(int);
			int		err = 0;

			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
			    &len) < 0)
				err = errno;
			if (err != 0) {
				pair_fail(p, e, err, end->rname);
				return;
			}
			end->quiet = 1;
		} else if (fd == end->wfd) {
			/* stdout's reader went away while nothing moved. */
			pair_fail(p, e, EPIPE, end->wname);
			return;
		} else
			end->quiet = 1;
	}
}

static void
pair_fd_cb(struct loop *l, int fd, int mask, void *arg)
{
	struct pair	*p = arg;

	(void)l;
	p->busy++;
	pair_service(p, fd, mask);
	p->busy--;
	pair_rearm(p);
}

/* Watch fd for mask (0: not at all); fds the loop cannot watch skip. */
static void
pair_watch(struct pair *p, int fd, int mask)
{
	struct status	st;
	int		i;

	if (fd < 0)
		return;
	for (i = 0; i < p->nwatched; i++)
		if (p->watched[i] == fd)
			break;
	if (i == p->nwatched) {
		if (mask == 0 || p->nwatched == 4)
			return;
		if (loop_set(p->loop, fd, mask, pair_fd_cb, p, &st) < 0)
			return;		/* EPERM: a file, always ready */
		p->watched[p->nwatched++] = fd;
		return;
	}
	(void)loop_mask(p->loop, fd, mask, &st);
}

/*
 * Can the loop watch a descriptor of this type?  Regular files and most
 * devices cannot (a terminal can).
 */
static int
pair_pollable(int fd, mode_t mode)
{
	if (fd < 0 || S_ISREG(mode) || S_ISDIR(mode))
		return 0;
	return !S_ISCHR(mode) || isatty(fd);
}

/*
 * After every event: tell the loop what each descriptor is wanted for,
 * run what cannot wait for an event (the kick timer), and report the end
 * once, outside every step.
 */
static void
pair_rearm(struct pair *p)
{
	struct pair_dir	*dr;
	struct pair_end	*end;
	int		 masks[4], fds[4], n = 0, i, d, e, fd, ev, kick = 0;

	if (p->busy > 0)
		return;
	if (!p->ended)
		pair_check_end(p);
	if (p->ended) {
		if (p->done_cb != NULL) {
			pair_done_cb cb = p->done_cb;

			p->done_cb = NULL;
			p->busy++;
			cb(p, p->arg, &p->st);
			p->busy--;
		}
		if (p->dead)
			pair_free(p);
		return;
	}
	for (e = 0; e < 2; e++) {
		end = &p->end[e];
		for (i = 0; i < 2; i++) {
			fd = i == 0 ? end->rfd : end->wfd;
			if (fd < 0 || (i == 1 && fd == end->rfd))
				continue;
			fds[n] = fd;
			/* Sockets are watched for resets; stdout's pipe for
			   its reader going away. */
			masks[n] = !end->quiet && ((end->flags & PAIR_SOCKET) ||
			    (i == 1 && end->wpoll)) ? LOOP_ERROR : 0;
			if (end->shut_due && fd == (end->shut_want ==
			    LOOP_WRITE ? end->wfd : end->rfd))
				masks[n] = end->shut_want;
			if (!end->hs_done && end->hs_want != 0 && fd ==
			    (end->hs_want == LOOP_WRITE ? end->wfd : end->rfd))
				masks[n] = end->hs_want;
			n++;
		}
	}
	if (!p->shaken) {
		for (i = 0; i < n; i++)
			pair_watch(p, fds[i], masks[i]);
		if ((p->dir[0].runnable || p->dir[1].runnable) &&
		    !loop_timer_armed(&p->kick))
			(void)loop_timer_at(p->loop, &p->kick,
			    loop_now(p->loop), &p->st);
		return;
	}
	for (d = 0; d < 2; d++) {
		dr = &p->dir[d];
		if (dr->done)
			continue;
		if (dr->runnable) {
			kick = 1;
			continue;
		}
		fd = dr->want_fd;
		ev = dr->want_ev;
		for (i = 0; i < n; i++) {
			if (fds[i] != fd)
				continue;
			if ((fd == dr->src->rfd && !dr->src->rpoll) ||
			    (fd == dr->dst->wfd && !dr->dst->wpoll)) {
				/* Always ready: no event would come. */
				dr->runnable = kick = 1;
				break;
			}
			masks[i] = (masks[i] & ~LOOP_ERROR) | ev;
			if (masks[i] & (LOOP_READ | LOOP_WRITE))
				masks[i] &= ~LOOP_ERROR;
		}
	}
	for (i = 0; i < n; i++) {
		/* LOOP_ERROR beside READ/WRITE is implied: keep one. */
		if (masks[i] & (LOOP_READ | LOOP_WRITE))
			masks[i] &= LOOP_READ | LOOP_WRITE;
		pair_watch(p, fds[i], masks[i]);
	}
	if (kick && !loop_timer_armed(&p->kick))
		(void)loop_timer_at(p->loop, &p->kick, loop_now(p->loop),
		    &p->st);
}

static void
pair_kick_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	struct pair	*p = arg;
	int		 d;

	(void)l;
	(void)t;
	p->busy++;
	if (!p->shaken) {
		/* The handshakes that have not been tried yet. */
		for (d = 0; d < 2 && !p->ended; d++)
			if (!p->end[d].hs_done && p->end[d].hs_want == 0)
				pair_hs_step(p, d);
	} else {
		for (d = 0; d < 2 && !p->ended; d++)
			if ((p->dir[d].runnable || !p->started) &&
			    !p->dir[d].done)
				pair_dir_run(&p->dir[d]);
		p->started = 1;
	}
	p->busy--;
	pair_rearm(p);
}

/* The grace of the give-up rule is over, or --send-only's drain looks. */
static void
pair_grace_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	struct pair	*p = arg;
	struct pair_dir	*up;
	int		 d;

	(void)l;
	(void)t;
	for (d = 0; d < 2; d++) {
		up = &p->dir[d];
		if (!up->done && (up->src->flags & PAIR_GIVEUP) &&
		    p->dir[!d].done && pair_in_idle(up))
			pair_give_up(up);
	}
	pair_rearm(p);
}

/* hs_ms has passed and a handshake is not done: 75, naming that end. */
static void
pair_hs_timer_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	struct pair	*p = arg;
	int64_t		 ms = p->opts.hs_ms;
	int		 e;

	(void)l;
	(void)t;
	if (p->shaken || p->ended)
		return;
	e = p->end[0].hs_done ? 1 : 0;
	status_set(&p->st, SC_EX_TEMPFAIL, "%s: %s handshake timed out after "
	    "%lld.%03llds", p->end[e].rname, p->end[e].layer->name != NULL ?
	    p->end[e].layer->name : "layer", (long long)(ms / 1000),
	    (long long)(ms % 1000));
	p->counts.failed_end = e;
	pair_finish(p);
	pair_rearm(p);
}

/* --rate: tokens have come back for the direction arg. */
static void
pair_rate_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	struct pair_dir	*dr = arg;
	struct pair	*p = dr->p;

	(void)l;
	(void)t;
	p->busy++;
	if (!p->ended && !dr->done)
		pair_dir_run(dr);
	p->busy--;
	pair_rearm(p);
}

static void
pair_idle_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	struct pair	*p = arg;
	int64_t		 ms = p->opts.idle_ms;

	if (loop_now(l) - p->last_move < ms) {
		(void)loop_timer_at(l, t, p->last_move + ms, &p->st);
		return;
	}
	status_set(&p->st, SC_EX_TEMPFAIL, "idle timeout: no byte moved for "
	    "%lld.%03llds", (long long)(ms / 1000), (long long)(ms % 1000));
	p->counts.failed_end = -1;
	pair_finish(p);
	pair_rearm(p);
}

/* The pair has ended: stop its timers; rearm reports it. */
static void
pair_finish(struct pair *p)
{
	if (p->ended)
		return;
	p->ended = 1;
	p->counts.end_ms = loop_now(p->loop);
	loop_timer_stop(p->loop, &p->kick);
	loop_timer_stop(p->loop, &p->idle);
	loop_timer_stop(p->loop, &p->grace);
	loop_timer_stop(p->loop, &p->hs_timer);
	loop_timer_stop(p->loop, &p->dir[0].rwait);
	loop_timer_stop(p->loop, &p->dir[1].rwait);
}

/* -------------------------------------------------------------- set-up */

static int
pair_env_on(const char *name)
{
	const char	*s = getenv(name);

	return s != NULL && *s != '\0' && strcmp(s, "0") != 0;
}

static int
pair_zerocopy_send_env(void)
{
	return pair_env_on("SOCKCAT_ZEROCOPY_SEND");
}

/* How direction dr moves bytes, from what its ends are. */
static enum pair_path
pair_choose(const struct pair_dir *dr, int no_splice)
{
	const struct pair_end	*src = dr->src, *dst = dr->dst;
	mode_t			 sm = src->rmode, dm = dst->wmode;

	if (no_splice || src->layer != NULL || dst->layer != NULL ||
	    ((src->flags | dst->flags) & (PAIR_SEQPACKET | PAIR_WFD_CLOSED)) ||
	    src->rfd < 0 || dst->wfd < 0 || sm == 0 || dm == 0)
		return PAIR_RW;
	/*
	 * Into a socket from a file or a pipe, read/write with a large
	 * buffer beats sendfile and splice here (see PAIR_SEND_BUFSZ);
	 * SOCKCAT_ZEROCOPY_SEND=1 keeps them for machines where it does not.
	 */
	if (S_ISSOCK(dm) && !S_ISSOCK(sm) && !pair_zerocopy_send_env())
		return PAIR_RW;
	if (S_ISREG(sm))
		return S_ISSOCK(dm) ? PAIR_SENDFILE : PAIR_RW;
	if (S_ISFIFO(sm) || S_ISFIFO(dm))
		return S_ISFIFO(sm) && S_ISFIFO(dm) ? PAIR_RW : PAIR_SPLICE;
	/* socket -> file, socket, device (not a terminal: a person reads). */
	if (S_ISSOCK(sm) && (S_ISREG(dm) || S_ISSOCK(dm) ||
	    (S_ISCHR(dm) && !isatty(dst->wfd))))
		return PAIR_PIPE;
	return PAIR_RW;
}

/* The file type of fd (0 when unknown); a socket end's is known. */
static mode_t
pair_mode(int fd, unsigned flags)
{
	struct stat	sb;

	if (fd < 0)
		return 0;
	if (flags & PAIR_SOCKET)
		return S_IFSOCK;
	return fstat(fd, &sb) == 0 ? sb.st_mode & S_IFMT : 0;
}

static int
pair_no_splice_env(void)
{
	return pair_env_on("SOCKCAT_NO_SPLICE");
}

static void
pair_end_init(struct pair_end *end, const struct pair_end_spec *spec)
{
	memset(end, 0, sizeof *end);
	end->rfd = spec->rfd;
	end->wfd = spec->wfd;
	end->flags = spec->flags;
	end->layer = spec->layer;
	end->lctx = spec->layer_ctx;
	end->rname = spec->rname != NULL ? spec->rname : "?";
	end->wname = spec->wname != NULL ? spec->wname : end->rname;
	end->rmode = pair_mode(end->rfd, end->flags);
	end->wmode = end->wfd == end->rfd ? end->rmode :
	    pair_mode(end->wfd, end->flags);
	end->rpoll = pair_pollable(end->rfd, end->rmode);
	end->wpoll = pair_pollable(end->wfd, end->wmode);
	end->hs_done = end->layer == NULL || end->layer->handshake == NULL;
	end->rblock = end->rpoll && !(end->flags & PAIR_SOCKET) &&
	    (fcntl(end->rfd, F_GETFL) & O_NONBLOCK) == 0;
	if (end->flags & PAIR_SOCKET) {
		if (end->flags & PAIR_NONBLOCK)
			return;
		if (end->rfd >= 0)
			(void)sock_set_nonblock(end->rfd, 1);
		if (end->wfd >= 0 && end->wfd != end->rfd)
			(void)sock_set_nonblock(end->wfd, 1);
		return;
	}
	/* A pipe on stdin or stdout: its writer wakes us less often. */
	if (S_ISFIFO(end->rmode))
		(void)pair_pipe_grow(end->rfd);
	if (S_ISFIFO(end->wmode))
		(void)pair_pipe_grow(end->wfd);
}

struct pair *
pair_new(struct loop *l, const struct pair_end_spec *e0,
    const struct pair_end_spec *e1, const struct pair_opts *po,
    pair_done_cb done, void *arg, struct status *st)
{
	struct pair		*p;
	struct pair_dir		*dr;
	const struct pair_tap	*t;
	int			 d, no_splice;

	p = calloc(1, sizeof *p);
	if (p == NULL) {
		status_errno(st, ENOMEM, SC_EX_SOFTWARE, "relay");
		return NULL;
	}
	p->loop = l;
	p->opts = *po;
	p->done_cb = done;
	p->arg = arg;
	status_clear(&p->st);
	pair_end_init(&p->end[0], e0);
	pair_end_init(&p->end[1], e1);
	no_splice = po->no_splice || pair_no_splice_env();
	for (d = 0; d < 2; d++) {
		dr = &p->dir[d];
		dr->p = p;
		dr->d = d;
		dr->src = &p->end[d];
		dr->dst = &p->end[!d];
		dr->pipe[0] = dr->pipe[1] = -1;
		dr->want_fd = -1;
		dr->bufsz = ((dr->src->flags | dr->dst->flags) &
		    PAIR_SEQPACKET) ? PAIR_SEQPACKET_BUFSZ : PAIR_BUFSZ;
		t = &p->opts.tap[d];
		if (t->see != NULL || t->rewrite != NULL || t->rate > 0)
			dr->tap = t;
		dr->rated = t->rate > 0;
		loop_timer_init(&dr->rwait, pair_rate_cb, dr);
		/* Only a tapped direction needs its bytes in user space. */
		dr->path = pair_choose(dr, no_splice || dr->tap != NULL);
		/* A file, a pipe or a device into a socket: a large buffer. */
		if (dr->path == PAIR_RW && (dr->dst->flags & PAIR_SOCKET) &&
		    !(dr->src->flags & PAIR_SOCKET) && dr->src->layer == NULL &&
		    dr->dst->layer == NULL && !((dr->src->flags |
		    dr->dst->flags) & PAIR_SEQPACKET) && !(dr->src->flags &
		    PAIR_TTY))
			dr->bufsz = PAIR_SEND_BUFSZ;
	}
	p->counts.failed_end = -1;
	loop_timer_init(&p->kick, pair_kick_cb, p);
	loop_timer_init(&p->idle, pair_idle_cb, p);
	loop_timer_init(&p->grace, pair_grace_cb, p);
	loop_timer_init(&p->hs_timer, pair_hs_timer_cb, p);
	return p;
}

void
pair_dir_off(struct pair *p, int d)
{
	p->dir[d].done = 1;
}

int
pair_start(struct pair *p, struct status *st)
{
	int	d;

	p->counts.start_ms = p->last_move = loop_now(p->loop);
	p->shaken = p->end[0].hs_done && p->end[1].hs_done;
	for (d = 0; d < 2; d++)
		if (p->dir[d].rated)
			rate_init(&p->dir[d].rate, p->opts.tap[d].rate,
			    p->last_move);
	if (p->opts.idle_ms >= 0 && loop_timer_at(p->loop, &p->idle,
	    p->last_move + p->opts.idle_ms, st) < 0)
		return -1;
	if (!p->shaken && p->opts.hs_ms > 0 && loop_timer_at(p->loop,
	    &p->hs_timer, p->last_move + p->opts.hs_ms, st) < 0)
		return -1;
	if (loop_timer_at(p->loop, &p->kick, p->last_move, st) < 0)
		return -1;
	return 0;
}

const struct pair_counts *
pair_counts(const struct pair *p)
{
	return &p->counts;
}

void
pair_free(struct pair *p)
{
	int	i, d;

	if (p == NULL)
		return;
	if (p->busy > 0) {
		p->dead = 1;
		return;
	}
	loop_timer_stop(p->loop, &p->kick);
	loop_timer_stop(p->loop, &p->idle);
	loop_timer_stop(p->loop, &p->grace);
	loop_timer_stop(p->loop, &p->hs_timer);
	for (i = 0; i < p->nwatched; i++)
		loop_del(p->loop, p->watched[i]);
	for (d = 0; d < 2; d++) {
		loop_timer_stop(p->loop, &p->dir[d].rwait);
		pair_pipe_give(&p->dir[d]);
		free(p->dir[d].buf);
		free(p->dir[d].obuf);
	}
	free(p);
}
