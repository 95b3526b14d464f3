/*
 * relay.c: stdin/stdout <-> socket for listen and connect.
 *
 * One poll(2) loop moves both directions.  Each direction is either
 * waiting for its source to have bytes (POLLIN) or for its sink to take
 * them (POLLOUT); it never waits for both, so a full socket never stops
 * the other direction.  The socket is non-blocking.  stdin and stdout
 * keep their flags: they are shared with other processes, so their
 * O_NONBLOCK is not ours to change.  Their writes can therefore block,
 * but only while stdout's reader is slow.
 *
 * splice(2) and sendfile(2) are Linux-only and live here and nowhere else.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/sockios.h>

#include "opt.h"
#include "relay.h"
#include "sig.h"
#include "sock.h"

/* At most this much per splice(2) or sendfile(2) call. */
#define RELAY_SPLICE_MAX	(1024 * 1024)
#define RELAY_SENDFILE_MAX	(16 * 1024 * 1024)

/*
 * The capacity of RELAY_PIPE's internal pipe: one splice(2) moves at most
 * that much.  1 MiB (/proc/sys/fs/pipe-max-size, the most an unprivileged
 * process gets by default) measured best; with the pipe's default 64 KiB
 * the two splices per 64 KiB cost more CPU than read/write, so a pipe that
 * cannot be made RELAY_PIPE_MIN is not used.
 */
#define RELAY_PIPE_SZ		(1024 * 1024)
#define RELAY_PIPE_MIN		(256 * 1024)

enum relay_step {
	RELAY_STEP_MOVED,	/* bytes moved */
	RELAY_STEP_AGAIN,	/* the source is empty or the sink is full */
	RELAY_STEP_EOF,		/* the source has ended */
	RELAY_STEP_FAIL		/* st is set */
};

/* One direction during one session. */
struct relay_dir {
	int		 up;		/* 1: stdin -> socket, 0: down */
	int		 src, dst;	/* dst -1: read and discard */
	enum relay_path	*path;		/* the relay's, so a fallback sticks */
	char		**buf;		/* the relay's, made on first use */
	int		*pipe;		/* the relay's, for RELAY_PIPE */
	size_t		 off, len;	/* to write: buf[off..len) */
	size_t		 piped;		/* to write: in the internal pipe */
	int		 done;		/* this direction has ended */
	int		 wait_out;	/* sink full: wait for POLLOUT */
};

struct relay_session {
	struct relay		*r;
	const struct relay_opts	*ro;
	struct status		*st;
	int			 fd;
	struct relay_dir	 up, down;
	int			 in_seen;	/* stdin gave a byte */
	int64_t			 start_ms;	/* the session began */
	int64_t			 giveup_at;	/* give up an idle stdin then */
	int			 sock_quiet;	/* hung up: leave out of poll */
	int64_t			 last_move;	/* for -i */
};

/*
 * Make sure fd is open, so no socket takes its number: /dev/null if not.
 * Returns 1 when fd was closed.
 */
static int
relay_fd_open(int fd)
{
	int	nfd;

	if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
		return 0;
	nfd = open("/dev/null", O_RDWR);
	if (nfd >= 0 && nfd != fd) {
		dup2(nfd, fd);
		close(nfd);
	}
	return 1;
}

static int
relay_no_splice(void)
{
	const char	*s = getenv("SOCKCAT_NO_SPLICE");

	return s != NULL && *s != '\0' && strcmp(s, "0") != 0;
}

/*
 * Can stdout take splice(2) from a pipe?  Regular files, sockets and most
 * character devices (/dev/null) can; one that cannot says EINVAL and the
 * relay falls back (so does a file opened with O_APPEND, which splice
 * refuses).  A terminal gets plain writes: its bytes are few and a person
 * reads them.
 */
static int
relay_pipe_sink(int fd, const struct stat *sb)
{
	if (S_ISREG(sb->st_mode) || S_ISSOCK(sb->st_mode))
		return 1;
	return S_ISCHR(sb->st_mode) && !isatty(fd);
}

/*
 * A pipe holds 64 KiB by default: the process at its other end blocks,
 * and we wake, every 16 pages.  Ask for RELAY_PIPE_SZ (the unprivileged
 * maximum by default), else RELAY_PIPE_MIN (a user over the pipe quota).
 * Returns 0 when the pipe holds at least RELAY_PIPE_MIN, -1 otherwise;
 * stdin's and stdout's pipes work either way.
 */
static int
relay_pipe_grow(int fd)
{
	int	sz = fcntl(fd, F_GETPIPE_SZ);

	if (sz >= RELAY_PIPE_SZ)
		return 0;
	if (fcntl(fd, F_SETPIPE_SZ, RELAY_PIPE_SZ) >= 0 ||
	    sz >= RELAY_PIPE_MIN ||
	    fcntl(fd, F_SETPIPE_SZ, RELAY_PIPE_MIN) >= 0)
		return 0;
	return -1;
}

void
relay_init(struct relay *r, int in_fd, int out_fd, int seqpacket)
{
	struct stat	sb;
	int		fast = !seqpacket && !relay_no_splice();

	memset(r, 0, sizeof *r);
	r->pipe[0] = r->pipe[1] = -1;
	relay_fd_open(in_fd);
	r->out_closed = relay_fd_open(out_fd);
	r->in_fd = in_fd;
	r->out_fd = out_fd;
	r->seqpacket = seqpacket;
	r->bufsz = seqpacket ? RELAY_SEQPACKET_BUFSZ : RELAY_BUFSZ;
	r->in_tty = isatty(in_fd);
	r->up_path = r->down_path = RELAY_RW;
	if (fstat(in_fd, &sb) == 0 && fast) {
		if (S_ISREG(sb.st_mode))
			r->up_path = RELAY_SENDFILE;
		else if (S_ISFIFO(sb.st_mode)) {
			r->up_path = RELAY_SPLICE;
			(void)relay_pipe_grow(in_fd);
		}
	}
	/* A closed stdout: read/write, so the first byte finds it closed. */
	if (r->out_closed || fstat(out_fd, &sb) != 0)
		return;
	if (S_ISFIFO(sb.st_mode)) {
		r->out_fifo = 1;
		if (fast) {
			r->down_path = RELAY_SPLICE;
			(void)relay_pipe_grow(out_fd);
		}
	} else if (fast && relay_pipe_sink(out_fd, &sb)) {
		r->down_path = RELAY_PIPE;
	}
}

/* Close the internal pipe, and whatever bytes it still holds. */
static void
relay_pipe_close(struct relay *r)
{
	if (r->pipe[0] >= 0) {
		close(r->pipe[0]);
		close(r->pipe[1]);
	}
	r->pipe[0] = r->pipe[1] = -1;
}

int
relay_opt(struct relay_opts *ro, int id)
{
	switch (id) {
	case OPT_NO_SHUTDOWN:
		ro->no_shutdown = 1;
		return 1;
	case OPT_SEND_ONLY:
		ro->send_only = 1;
		return 1;
	case OPT_RECV_ONLY:
		ro->recv_only = 1;
		return 1;
	case OPT_WAIT_STDIN:
		ro->wait_stdin = 1;
		return 1;
	default:
		return 0;
	}
}

int
relay_opts_check(const struct relay_opts *ro, struct status *st)
{
	if (ro->send_only && ro->recv_only)
		return status_usage(st, "--send-only and --recv-only exclude "
		    "each other");
	if (ro->wait_stdin && (ro->send_only || ro->recv_only))
		return status_usage(st, "--wait-stdin does not go with %s",
		    ro->send_only ? "--send-only" : "--recv-only");
	return 0;
}

const char *
relay_summary(const struct relay *r, char *buf, size_t size)
{
	snprintf(buf, size, "%llu byte%s sent, %llu byte%s received, "
	    "%lld.%03llds", (unsigned long long)r->sent,
	    r->sent == 1 ? "" : "s", (unsigned long long)r->received,
	    r->received == 1 ? "" : "s", (long long)(r->duration_ms / 1000),
	    (long long)(r->duration_ms % 1000));
	return buf;
}

const char *
relay_gave_up_reason(const struct relay *r)
{
	switch (r->gave_up) {
	case RELAY_GAVE_UP_TTY:
		return "the peer has finished and stdin is a terminal";
	case RELAY_GAVE_UP_IDLE:
		return "the peer has finished and stdin gave nothing in the "
		    "session's first second";
	default:
		return NULL;
	}
}

void
relay_free(struct relay *r)
{
	free(r->buf[0]);
	free(r->buf[1]);
	r->buf[0] = r->buf[1] = NULL;
	relay_pipe_close(r);
}

/* End the session with errno err, blaming stdin/stdout or the peer. */
static enum relay_step
relay_fail(struct relay_session *s, int err, int local, const char *what)
{
	s->r->local = local;
	if (err == EINTR) {
		status_set(s->st, SC_EX_FAIL, "interrupted");
		errno = EINTR;
		return RELAY_STEP_FAIL;
	}
	status_errno(s->st, err, SC_EX_FAIL, what);
	/* After connecting, every failure is 1. */
	s->st->code = SC_EX_FAIL;
	return RELAY_STEP_FAIL;
}

static enum relay_step
relay_fail_read(struct relay_session *s, struct relay_dir *d, int err)
{
	return relay_fail(s, err, d->up, d->up ? "stdin" : s->ro->peer);
}

static enum relay_step
relay_fail_write(struct relay_session *s, struct relay_dir *d, int err)
{
	return relay_fail(s, err, !d->up, d->up ? s->ro->peer : "stdout");
}

/* EINTR from a call means a stop signal only when one is pending. */
static int
relay_retry(ssize_t n)
{
	return n < 0 && errno == EINTR && sig_pending() == 0;
}

/* splice(2) refused these files: nothing moved, use read/write. */
static int
relay_refused(int err)
{
	return err == EINVAL || err == ENOSYS || err == EOPNOTSUPP;
}

/* Where relay_moved() counts n bytes: taken from the source, given to
 * the sink, or both at once (sendfile, splice to a pipe). */
#define RELAY_IN	0x1
#define RELAY_OUT	0x2

/* n bytes moved: count what the socket sent (up) or received (down). */
static void
relay_moved(struct relay_session *s, struct relay_dir *d, size_t n,
    int where)
{
	s->last_move = sock_now_ms();
	if (d->up) {
		s->in_seen = 1;
		if (where & RELAY_OUT)
			s->r->sent += n;
	} else if (where & RELAY_IN)
		s->r->received += n;
}

/* One read from the source; a seqpacket message must fit the buffer. */
static ssize_t
relay_read(struct relay_session *s, struct relay_dir *d)
{
	ssize_t	n;

	if (d->piped > 0) {
		/* Fallen back from RELAY_PIPE: its bytes go first. */
		do
			n = read(d->pipe[0], *d->buf, d->piped < s->r->bufsz ?
			    d->piped : s->r->bufsz);
		while (relay_retry(n));
		if (n > 0)
			d->piped -= (size_t)n;
		return n;
	}
	do {
		if (d->up)
			n = read(d->src, *d->buf, s->r->seqpacket ?
			    RELAY_SEQPACKET_UP : s->r->bufsz);
		else
			n = recv(d->src, *d->buf, s->r->bufsz,
			    s->r->seqpacket ? MSG_TRUNC : 0);
	} while (relay_retry(n));
	/* With MSG_TRUNC, recv returns a seqpacket message's real length. */
	if (n > 0 && (size_t)n > s->r->bufsz) {
		errno = EMSGSIZE;
		return -1;
	}
	return n;
}

/*
 * recv() gives 0 both for a seqpacket peer's empty message and for its
 * EOF.  Bytes still queued (messages after the empty one) mean it was a
 * message; else the socket's hang-up state tells.  (Only empty messages
 * left before the EOF are taken as the EOF: they carry nothing.)
 */
static int
relay_sock_eof(int fd)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLRDHUP };
	int		queued;

	if (ioctl(fd, SIOCINQ, &queued) == 0 && queued > 0)
		return 0;
	return poll(&pfd, 1, 0) > 0 &&
	    (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

static ssize_t
relay_write(struct relay_dir *d)
{
	ssize_t	n;

	do {
		if (d->up)
			n = send(d->dst, *d->buf + d->off, d->len - d->off,
			    MSG_NOSIGNAL);
		else
			n = write(d->dst, *d->buf + d->off, d->len - d->off);
	} while (relay_retry(n));
	return n;
}

/*
 * read/write: write what is pending, else read once and write it.  A
 * short write leaves the rest pending and waits for POLLOUT.
 */
static enum relay_step
relay_step_rw(struct relay_session *s, struct relay_dir *d)
{
	ssize_t	n;

	if (*d->buf == NULL && (*d->buf = malloc(s->r->bufsz)) == NULL) {
		status_set(s->st, SC_EX_SOFTWARE, "out of memory");
		return RELAY_STEP_FAIL;
	}
	if (d->off == d->len) {
		/* Bytes left in the internal pipe were counted going in. */
		int	counted = d->piped > 0;

		n = relay_read(s, d);
		if (n == 0 && !d->up && s->r->seqpacket && !relay_sock_eof(d->src))
			return RELAY_STEP_MOVED;	/* an empty message */
		if (n == 0)
			return RELAY_STEP_EOF;
		if (n < 0 && errno == EAGAIN)
			return RELAY_STEP_AGAIN;
		if (n < 0)
			return relay_fail_read(s, d, errno);
		relay_moved(s, d, (size_t)n, counted ? 0 : RELAY_IN);
		/* stdout was closed (>&-): the peer's first byte has nowhere
		 * to go. */
		if (!d->up && d->dst >= 0 && s->r->out_closed)
			return relay_fail_write(s, d, EBADF);
		d->off = 0;
		d->len = d->dst < 0 ? 0 : (size_t)n;
	}
	if (d->off == d->len)
		return RELAY_STEP_MOVED;
	n = relay_write(d);
	if (n < 0 && errno != EAGAIN)
		return relay_fail_write(s, d, errno);
	if (n > 0) {
		d->off += (size_t)n;
		relay_moved(s, d, (size_t)n, RELAY_OUT);
	}
	if (d->off < d->len) {
		d->wait_out = 1;
		return n > 0 ? RELAY_STEP_MOVED : RELAY_STEP_AGAIN;
	}
	d->off = d->len = 0;
	d->wait_out = 0;
	return RELAY_STEP_MOVED;
}

/*
 * sendfile(2) from a regular file, or splice(2) from or to a pipe.  Both
 * keep no bytes of their own: what could not be sent stays in the file
 * or the pipe.  EAGAIN after POLLIN on the source means the sink is full
 * (for splice, rarely, that the source was empty after all: one extra
 * poll round then, never a busy loop).
 */
static enum relay_step
relay_step_zc(struct relay_session *s, struct relay_dir *d)
{
	ssize_t	n;

	do {
		if (*d->path == RELAY_SENDFILE)
			n = sendfile(d->dst, d->src, NULL, RELAY_SENDFILE_MAX);
		else
			n = splice(d->src, NULL, d->dst, NULL, RELAY_SPLICE_MAX,
			    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	} while (relay_retry(n));
	if (n > 0) {
		relay_moved(s, d, (size_t)n, RELAY_IN | RELAY_OUT);
		return RELAY_STEP_MOVED;
	}
	if (n == 0)
		return RELAY_STEP_EOF;
	if (errno == EAGAIN) {
		d->wait_out = 1;
		return RELAY_STEP_AGAIN;
	}
	if (relay_refused(errno)) {
		/* The kernel will not do it for these files: nothing moved. */
		*d->path = RELAY_RW;
		return relay_step_rw(s, d);
	}
	/* Only the pipe side of a splice to stdout says EPIPE. */
	if (!d->up && errno == EPIPE)
		return relay_fail_write(s, d, errno);
	/* A socket never says these: they are stdin's (a file, a pipe). */
	if (d->up && (errno == EIO || errno == EISDIR || errno == EBADF))
		return relay_fail_read(s, d, errno);
	return relay_fail(s, errno, 0, s->ro->peer);
}

/*
 * RELAY_PIPE's fallback: from now on read/write, and relay_read() takes
 * what is left in the internal pipe before anything from the source.
 */
static enum relay_step
relay_pipe_fallback(struct relay_session *s, struct relay_dir *d)
{
	*d->path = RELAY_RW;
	return relay_step_rw(s, d);
}

/*
 * The internal pipe -> the sink.  Bytes in the pipe are not delivered:
 * while there are any, the direction waits for POLLOUT on the sink, not
 * for the source.  RELAY_STEP_MOVED once the pipe is empty.
 */
static enum relay_step
relay_pipe_out(struct relay_session *s, struct relay_dir *d)
{
	ssize_t	n;

	do
		n = splice(d->pipe[0], NULL, d->dst, NULL, d->piped,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	while (relay_retry(n));
	if (n > 0) {
		d->piped -= (size_t)n;
		relay_moved(s, d, (size_t)n, RELAY_OUT);
		d->wait_out = d->piped > 0;
		return d->wait_out ? RELAY_STEP_AGAIN : RELAY_STEP_MOVED;
	}
	if (n < 0 && errno == EAGAIN) {
		d->wait_out = 1;
		return RELAY_STEP_AGAIN;
	}
	if (n < 0 && relay_refused(errno))
		return relay_pipe_fallback(s, d);
	/* 0 would mean an empty pipe with no writer: never ours. */
	return relay_fail_write(s, d, n < 0 ? errno : EIO);
}

/* Make the internal pipe on first use; -1 when none worth it can be had. */
static int
relay_pipe_open(struct relay *r)
{
	if (r->pipe[0] >= 0)
		return 0;
	if (pipe2(r->pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		r->pipe[0] = r->pipe[1] = -1;
		return -1;
	}
	if (relay_pipe_grow(r->pipe[1]) < 0) {
		relay_pipe_close(r);
		return -1;
	}
	return 0;
}

/*
 * RELAY_PIPE: splice(2) the source into the internal pipe, then the pipe
 * into the sink, so no byte is copied through user space even though
 * neither end is a pipe.  Pending bytes go out first; a pipe just emptied
 * is filled again at once (the source is probably not empty).
 */
static enum relay_step
relay_step_pipe(struct relay_session *s, struct relay_dir *d)
{
	enum relay_step	step;
	ssize_t		n;

	if (d->piped > 0) {
		step = relay_pipe_out(s, d);
		if (step != RELAY_STEP_MOVED || *d->path != RELAY_PIPE)
			return step;
	}
	if (relay_pipe_open(s->r) < 0)
		return relay_pipe_fallback(s, d);
	do
		n = splice(d->src, NULL, d->pipe[1], NULL, RELAY_PIPE_SZ,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	while (relay_retry(n));
	if (n == 0)
		return RELAY_STEP_EOF;
	/* The pipe is empty here: EAGAIN means the source is. */
	if (n < 0 && errno == EAGAIN)
		return RELAY_STEP_AGAIN;
	if (n < 0 && relay_refused(errno))
		return relay_pipe_fallback(s, d);
	if (n < 0)
		return relay_fail_read(s, d, errno);
	d->piped = (size_t)n;
	relay_moved(s, d, (size_t)n, RELAY_IN);
	return relay_pipe_out(s, d);
}

static enum relay_step
relay_step(struct relay_session *s, struct relay_dir *d)
{
	if (*d->path == RELAY_RW || d->dst < 0)
		return relay_step_rw(s, d);
	if (*d->path == RELAY_PIPE)
		return relay_step_pipe(s, d);
	return relay_step_zc(s, d);
}

/* Bytes taken from the source and not yet at the sink? */
static int
relay_pending(const struct relay_dir *d)
{
	return d->off < d->len || d->piped > 0;
}

/* stdin has ended: half-close so the peer sees EOF, and keep receiving. */
static int
relay_up_end(struct relay_session *s)
{
	s->up.done = 1;
	s->r->in_eof = 1;
	if (s->ro->no_shutdown || shutdown(s->fd, SHUT_WR) == 0)
		return 0;
	relay_fail(s, errno, 0, s->ro->peer);
	return -1;
}

/* Does stdin have something (bytes or its EOF) to read right now? */
static int
relay_in_ready(const struct relay *r)
{
	struct pollfd	pfd = { .fd = r->in_fd, .events = POLLIN };

	return poll(&pfd, 1, 0) > 0;
}

/*
 * Is stdin idle in SPEC's sense: it has given no byte in this session,
 * none is waiting to be sent, and it has nothing ready now?
 */
static int
relay_in_idle(struct relay_session *s)
{
	return !s->in_seen && !relay_pending(&s->up) &&
	    !relay_in_ready(s->r);
}

/*
 * The socket has ended: close stdout so its reader sees EOF (not with -k,
 * whose later sessions write there too).  Then SPEC's rule that nobody
 * hangs and nothing is lost: a peer that sent nothing is a receiver, and
 * stdin goes on until its EOF however late its writer starts.  A peer
 * that has answered does not wait for an idle terminal, nor for a stdin
 * that gave nothing in the session's first second: up is given up.
 */
static int
relay_down_end(struct relay_session *s)
{
	struct relay	*r = s->r;
	int		 rc = 0;

	s->down.done = 1;
	if (s->down.dst >= 0 && !s->ro->keep_stdout) {
		/* NFS and full disks may say so only now. */
		if (close(r->out_fd) < 0 && errno != EINTR) {
			relay_fail(s, errno, 1, "stdout");
			rc = -1;
		}
		r->out_fd = -1;
	}
	if (s->up.done || r->received == 0 || s->ro->wait_stdin)
		return rc;
	if (r->in_tty) {
		s->up.done = 1;
		r->gave_up = RELAY_GAVE_UP_TTY;
	} else if (relay_in_idle(s)) {
		if (sock_now_ms() >= s->start_ms + RELAY_START_GRACE_MS) {
			s->up.done = 1;
			r->gave_up = RELAY_GAVE_UP_IDLE;
		} else	/* a writer may not have started yet: relay_round */
			s->giveup_at = s->start_ms + RELAY_START_GRACE_MS;
	}
	return rc;
}

/* Run a direction whose awaited event arrived; -1 ends the session. */
static int
relay_service(struct relay_session *s, struct relay_dir *d, short revents)
{
	enum relay_step	step;

	if (revents == 0 || d->done)
		return 0;
	if (d->wait_out) {
		d->wait_out = 0;
		/*
		 * splice has nothing pending: poll the pipe again.  sendfile's
		 * source, a regular file, is always ready: go on at once.
		 */
		if (*d->path == RELAY_SPLICE && d->dst >= 0 &&
		    d->off == d->len)
			return 0;
	}
	step = relay_step(s, d);
	/*
	 * The peer has sent its FIN: what is left in the socket is all there
	 * will be, and its EOF is due.  Take it now rather than poll for it
	 * (a short session ends two calls sooner); the socket's receive
	 * buffer bounds the loop.
	 */
	while (step == RELAY_STEP_MOVED && !d->up && !d->wait_out &&
	    (revents & (POLLRDHUP | POLLHUP)))
		step = relay_step(s, d);
	if (step == RELAY_STEP_FAIL)
		return -1;
	if (step != RELAY_STEP_EOF)
		return 0;
	if (d->up)
		return relay_up_end(s);
	if (d->dst < 0) {		/* --send-only: just stop reading */
		d->done = 1;
		return 0;
	}
	return relay_down_end(s);
}

/* Fill pfd: [0] stdin, [1] the socket, [2] stdout. */
static void
relay_pollset(struct relay_session *s, struct pollfd *pfd)
{
	struct relay_dir	*up = &s->up, *down = &s->down;
	int			 up_on = !up->done, down_on = !down->done;

	pfd[0].fd = up_on && !up->wait_out ? up->src : -1;
	pfd[0].events = POLLIN;
	pfd[1].fd = s->fd;
	pfd[1].events = (down_on && !down->wait_out ? POLLIN | POLLRDHUP : 0) |
	    (up_on && up->wait_out ? POLLOUT : 0);
	/*
	 * With nothing to ask of the socket, still watch it for a reset while
	 * waiting on stdin, unless it has hung up (POLLHUP cannot be masked).
	 */
	if (pfd[1].events == 0 && (s->sock_quiet || down_on || !up_on ||
	    up->wait_out))
		pfd[1].fd = -1;
	pfd[2].fd = -1;
	pfd[2].events = 0;
	if (down_on && down->dst >= 0) {
		if (down->wait_out) {
			pfd[2].fd = down->dst;
			pfd[2].events = POLLOUT;
		} else if (s->r->out_fifo) {
			pfd[2].fd = down->dst;	/* POLLERR: reader gone */
		}
	}
}

/* The socket spoke while nobody asked: a reset, or a hang-up. */
static int
relay_sock_idle_event(struct relay_session *s, short revents)
{
	socklen_t	len = sizeof(int);
	int		err = 0;

	if (revents & POLLERR) {
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err != 0) {
			relay_fail(s, err, 0, s->ro->peer);
			return -1;
		}
	}
	s->sock_quiet = 1;
	return 0;
}

static int
relay_idle_fail(struct relay_session *s)
{
	int64_t	ms = s->ro->idle_ms;

	s->r->local = 0;
	return status_set(s->st, SC_EX_TEMPFAIL, "idle timeout: no byte "
	    "moved for %lld.%03llds", (long long)(ms / 1000),
	    (long long)(ms % 1000));
}

/* One poll round; -1 ends the session with st set. */
static int
relay_round(struct relay_session *s)
{
	struct pollfd	pfd[3];
	int64_t		deadline = s->ro->idle_ms < 0 ? -1 :
			    s->last_move + s->ro->idle_ms;
	int		n;

	/*
	 * A stop signal that came while a call was busy (not blocked) made it
	 * return normally: look at the flag before every wait.
	 */
	if (sig_pending()) {
		relay_fail(s, EINTR, 0, "signal");
		return -1;
	}
	/* Waiting out the grace for an idle stdin is not a stalled session. */
	if (s->giveup_at >= 0)
		deadline = s->giveup_at;
	relay_pollset(s, pfd);
	n = poll(pfd, 3, sock_poll_ms(deadline));
	if (n < 0 && relay_retry(n))
		return 0;
	if (n < 0) {
		relay_fail(s, errno, 0, "poll");
		return -1;
	}
	if (n == 0 && s->giveup_at >= 0 && sock_now_ms() >= s->giveup_at) {
		/* The grace is over and stdin still gave nothing: give up. */
		if (!s->up.done && relay_in_idle(s)) {
			s->up.done = 1;
			s->r->gave_up = RELAY_GAVE_UP_IDLE;
		}
		s->giveup_at = -1;
		return 0;
	}
	if (n == 0) {
		if (deadline >= 0 && sock_now_ms() >= deadline)
			return relay_idle_fail(s);
		return 0;
	}
	if (pfd[2].revents != 0 && !s->down.wait_out) {
		/* stdout's reader went away while the socket was quiet */
		relay_fail(s, EPIPE, 1, "stdout");
		return -1;
	}
	if (pfd[1].fd >= 0 && pfd[1].events == 0 && pfd[1].revents != 0)
		return relay_sock_idle_event(s, pfd[1].revents);
	/* The socket's revents serve both directions: give each its own. */
	if (relay_service(s, &s->down, s->down.wait_out ? pfd[2].revents :
	    pfd[1].revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR)) < 0)
		return -1;
	return relay_service(s, &s->up, s->up.wait_out ?
	    pfd[1].revents & (POLLOUT | POLLHUP | POLLERR) : pfd[0].revents);
}

/*
 * --send-only, at the end: closing a socket with unread bytes resets the
 * connection at once and throws away what is still queued to send.  So
 * keep discarding what the peer sends until everything we sent has been
 * acknowledged (SIOCOUTQ 0) or the peer has closed; -i bounds the wait
 * when nothing moves.  Returns 0, or -1 with st set.
 */
static int
relay_drain(struct relay_session *s)
{
	struct pollfd	pfd = { .fd = s->fd, .events = POLLIN };
	char		sink[4096];
	ssize_t		n;
	int		queued, last = -1;
	int64_t		since = sock_now_ms();

	for (;;) {
		do
			n = recv(s->fd, sink, sizeof sink, MSG_DONTWAIT);
		while (n > 0 || relay_retry(n));
		if (n == 0 || (n < 0 && errno != EAGAIN))
			return 0;	/* the peer closed, or reset: done */
		if (ioctl(s->fd, SIOCOUTQ, &queued) < 0 || queued == 0)
			return 0;
		if (queued != last) {
			last = queued;
			since = sock_now_ms();
		} else if (s->ro->idle_ms >= 0 &&
		    sock_now_ms() - since >= s->ro->idle_ms)
			return relay_idle_fail(s);
		if (sig_pending()) {
			relay_fail(s, EINTR, 0, "signal");
			return -1;
		}
		/* No event says "acknowledged": look again in 10 ms. */
		if (poll(&pfd, 1, 10) < 0 && !relay_retry(-1))
			return 0;
	}
}

static void
relay_dir_init(struct relay_dir *d, int up, int src, int dst,
    struct relay *r)
{
	memset(d, 0, sizeof *d);
	d->up = up;
	d->src = src;
	d->dst = dst;
	d->path = up ? &r->up_path : &r->down_path;
	d->buf = &r->buf[!up];
	d->pipe = r->pipe;
}

int
relay_run(struct relay *r, int fd, const struct relay_opts *ro,
    struct status *st)
{
	struct relay_session	s;
	int			rc = 0, saved;

	memset(&s, 0, sizeof s);
	s.r = r;
	s.ro = ro;
	s.st = st;
	s.fd = fd;
	s.start_ms = s.last_move = sock_now_ms();
	s.giveup_at = -1;
	r->local = 0;
	r->sent = r->received = 0;
	r->gave_up = RELAY_GAVE_UP_NONE;
	relay_dir_init(&s.up, 1, r->in_fd, fd, r);
	relay_dir_init(&s.down, 0, fd, ro->send_only ? -1 : r->out_fd, r);
	if (s.down.dst < 0 && !ro->send_only)
		s.down.done = 1;	/* stdout closed earlier */
	if (!ro->sock_nonblock && sock_set_nonblock(fd, 1) < 0) {
		saved = errno;
		close(fd);
		return status_errno(st, saved, SC_EX_FAIL, "fcntl");
	}
	if (ro->recv_only)
		s.up.done = 1;
	else if (r->in_eof && relay_up_end(&s) < 0)
		rc = -1;
	/*
	 * A new client has often sent its request, and its FIN, by the time
	 * it is accepted: take what is there before the first poll.
	 */
	if (rc == 0 && !s.down.done && relay_service(&s, &s.down, POLLIN) < 0)
		rc = -1;
	/* --send-only ends at stdin's EOF, whatever the socket does. */
	while (rc == 0 && !(s.up.done && (s.down.done || ro->send_only)))
		rc = relay_round(&s);
	if (rc == 0 && !s.down.done)
		rc = relay_drain(&s);
	saved = errno;
	r->duration_ms = sock_now_ms() - s.start_ms;
	/* A failed session's bytes must not reach the next session's stdout. */
	if (relay_pending(&s.up) || relay_pending(&s.down))
		relay_pipe_close(r);
	/*
	 * Cut short by a stop signal: a FIN would tell the peer that the
	 * transfer is complete.  A reset tells it that it is not.
	 */
	if (rc < 0 && saved == EINTR && sig_pending())
		sock_reset(fd);
	close(fd);
	errno = saved;
	return rc;
}
