/*
 * cmd-udp-send.c: sockcat udp-send (sends datagrams).
 *
 * Each MESSAGE operand, each line of stdin (newline included) or, with
 * --chunk N, each N bytes of stdin is one datagram, never cut.  The
 * socket is connect()ed so that the kernel reports an ICMP
 * port-unreachable as ECONNREFUSED on a later send or recv (status 69).
 * Without --interval and -r the datagrams go out in batches (sendmmsg).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "cmd.h"
#include "log.h"
#include "observe.h"
#include "opt.h"
#include "parse.h"
#include "rate.h"
#include "sig.h"
#include "sock.h"
#include "status.h"

#define SEND_BATCH	256			/* datagrams per sendmmsg */
#define SEND_READ	(256 * 1024)		/* stdin read buffer */
#define SEND_LINE_MAX	(16 * 1024 * 1024)	/* longest line buffered */
#define SEND_CHUNK_MAX	(16 * 1024 * 1024)	/* largest --chunk */
/* Larger than any UDP datagram and than a default Unix one. */
#define SEND_REPLY_MAX	(256 * 1024)

enum {
	OPT_CHUNK = OPT_CMD,
	OPT_INTERVAL,
	OPT_BROADCAST,
	OPT_TTL
};

static const struct opt_row udp_send_rows[] = {
	OPT_ROW_IPV4,
	OPT_ROW_IPV6,
	OPT_ROW_SOURCE,
	OPT_ROW_SOURCE_PORT,
	OPT_ROW_NUMERIC,
	OPT_ROW_UNIX,
	{ 'r', 'r', "reply", OPT_ARG_NONE, NULL,
	  "wait for one answer to each datagram and write it to stdout" },
	OPT_ROW_TIMEOUT("with -r: how long to wait for each answer "
	    "(default 5s)"),
	{ OPT_CHUNK, 0, "chunk", OPT_ARG_REQUIRED, "N",
	  "send stdin in datagrams of N bytes instead of lines" },
	{ OPT_INTERVAL, 0, "interval", OPT_ARG_REQUIRED, "DUR",
	  "wait DUR between datagrams" },
	{ OPT_BROADCAST, 0, "broadcast", OPT_ARG_NONE, NULL,
	  "allow sending to a broadcast address (SO_BROADCAST)" },
	{ OPT_TTL, 0, "ttl", OPT_ARG_REQUIRED, "N",
	  "unicast TTL and multicast hops (1-255)" },
	OPT_ROW_RCVBUF,
	OPT_ROW_SNDBUF,
	OBSERVE_ROW_HEXDUMP,
	OBSERVE_ROW_STATS_TEXT("at the end: datagrams and bytes each way, "
	    "duration, rate"),
	OBSERVE_ROW_SHA256,
	OBSERVE_ROW_CRLF,
	OBSERVE_ROW_RATE_TEXT("at most RATE bytes of datagrams a second "
	    "(k/M/G suffixes)"),
	OPT_ROW_VERBOSE,
	OPT_ROW_QUIET,
	OPT_ROW_LOG_FORMAT,
	OPT_ROW_END
};

struct udp_send {
	struct sock_opts	 o;
	int			 reply;		/* -r */
	int64_t			 chunk;		/* --chunk N; 0: lines */
	int64_t			 interval_ms;	/* --interval; -1: none */
	int			 fd;
	const char		*unit;		/* "line", "chunk", "message" */
	int64_t			 sent;		/* datagrams sent so far */
	int64_t			 stale;		/* -r: late answers dropped */
	int64_t			 last_ms;	/* when the last one left */
	char			 peer[ADDR_STRLEN];
	char			*rbuf;		/* -r: the answer */
	struct observe_opts	 obs;		/* -x, --stats, ... */
	struct observe		 ob;
	uint64_t		 bsent;		/* their bytes */
	uint64_t		 nrecv, brecv;	/* -r: answers written */
	int64_t			 start_ms;
	struct rate		 rate;		/* --rate */
	char			*crbuf;		/* -C: a datagram rewritten */
	size_t			 crcap;
	int			 nq;		/* datagrams queued */
	struct mmsghdr		 msgs[SEND_BATCH];
	struct iovec		 iov[SEND_BATCH];
};

static int
udp_send_opt(void *ctx, int id, const char *arg, struct status *st)
{
	struct udp_send	*u = ctx;
	int64_t		 v;
	int		 rc;

	switch (id) {
	case 'r':
		u->reply = 1;
		return 0;
	case OPT_CHUNK:
		if (parse_size("--chunk", arg, SEND_CHUNK_MAX, &u->chunk,
		    st) < 0)
			return -1;
		if (u->chunk < 1)
			return status_usage(st, "--chunk '%s': must be at "
			    "least 1 byte", arg);
		return 0;
	case OPT_INTERVAL:
		return parse_duration("--interval", arg, &u->interval_ms, st);
	case OPT_BROADCAST:
		u->o.broadcast = 1;
		return 0;
	case OPT_TTL:
		if (parse_count("--ttl", arg, 1, 255, &v, st) < 0)
			return -1;
		u->o.ttl = (int)v;
		return 0;
	default:
		if ((rc = observe_opt(&u->obs, id, arg, st)) != 0)
			return rc < 0 ? -1 : 0;
		return status_set(st, SC_EX_SOFTWARE, "option %d not handled",
		    id);
	}
}

/* What cannot be judged one option at a time. */
static int
udp_send_check(const struct udp_send *u, int nmsg, struct status *st)
{
	if (u->chunk > 0 && nmsg > 0)
		return status_usage(st, "--chunk reads stdin; it does not go "
		    "with MESSAGE arguments");
	if (u->o.timeout_ms >= 0 && !u->reply)
		return status_usage(st, "--timeout bounds the wait for each "
		    "answer; it needs --reply");
	if (u->o.unix_path != NULL && u->o.broadcast)
		return status_usage(st, "--broadcast does not go with -U");
	if (u->o.unix_path != NULL && u->o.ttl > 0)
		return status_usage(st, "--ttl does not go with -U");
	return 0;
}

/* -r without -w waits this long for each answer. */
#define SEND_REPLY_WAIT_MS	5000

/* Write all of buf to fd, waiting when fd is non-blocking. */
static int
udp_send_write(int fd, const char *buf, size_t len)
{
	ssize_t		n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n >= 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (errno == EAGAIN && sig_poll_fd(fd, POLLOUT) < 0)
			sig_reraise();
		if (errno == EINTR && sig_pending())
			sig_reraise();
		if (errno != EINTR && errno != EAGAIN)
			return -1;
	}
	return 0;
}

/* The error of datagram number n (1-based), len bytes. */
static int
udp_send_error(struct udp_send *u, int err, int64_t n, size_t len,
    struct status *st)
{
	if (err == EMSGSIZE)
		return status_set(st, SC_EX_FAIL, "%s %lld: %zu bytes: %s",
		    u->unit, (long long)n, len, strerror(err));
	return status_errno(st, err, SC_EX_FAIL, u->peer);
}

/* -x, --sha256, --stats: datagrams off..off+n-1 of the queue went out. */
static void
udp_send_seen(struct udp_send *u, int off, int n)
{
	int	i;

	for (i = off; i < off + n; i++) {
		u->bsent += u->iov[i].iov_len;
		observe_data(&u->ob, 0, u->iov[i].iov_base, u->iov[i].iov_len);
	}
}

/* Send the queued datagrams, as few sendmmsg calls as the kernel allows. */
static int
udp_send_flush(struct udp_send *u, struct status *st)
{
	int	off = 0, n;

	while (off < u->nq) {
		n = sendmmsg(u->fd, u->msgs + off, (unsigned int)(u->nq - off),
		    0);
		if (n > 0) {
			udp_send_seen(u, off, n);
			off += n;
			u->sent += n;
			continue;
		}
		if (n < 0 && errno == EINTR && !sig_pending())
			continue;
		if (n < 0 && errno == EINTR)
			sig_reraise();
		u->nq = 0;
		return udp_send_error(u, n < 0 ? errno : EIO, u->sent + 1,
		    u->iov[off].iov_len, st);
	}
	u->nq = 0;
	u->last_ms = sock_now_ms();
	return 0;
}

/* Sleep until DUR after the previous datagram (--interval). */
static void
udp_send_pace(struct udp_send *u)
{
	int64_t	deadline = u->last_ms + u->interval_ms;

	if (u->sent == 0)
		return;
	while (sock_now_ms() < deadline) {
		if (poll(NULL, 0, sock_poll_ms(deadline)) < 0 &&
		    sig_pending())
			sig_reraise();
	}
}

/* -r: wait (up to -w) for one answer and write it to stdout. */
static int
udp_send_await(struct udp_send *u, struct status *st)
{
	struct pollfd	pfd = { .fd = u->fd, .events = POLLIN };
	int64_t		w = u->o.timeout_ms;
	int64_t		deadline = w < 0 ? -1 : sock_now_ms() + w;
	ssize_t		n;

	for (;;) {
		n = poll(&pfd, 1, sock_poll_ms(deadline));
		if (n < 0 && errno == EINTR && sig_pending())
			sig_reraise();
		if (n < 0 && errno != EINTR)
			return status_errno(st, errno, SC_EX_FAIL, "poll");
		if (n == 0)
			return status_set(st, SC_EX_TEMPFAIL, "%s: no answer "
			    "to %s %lld within %lld.%03llds", u->peer, u->unit,
			    (long long)u->sent, (long long)(w / 1000),
			    (long long)(w % 1000));
		if (n < 0)
			continue;
		n = recv(u->fd, u->rbuf, SEND_REPLY_MAX,
		    MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return status_errno(st, errno, SC_EX_FAIL, u->peer);
		if (n > SEND_REPLY_MAX)
			return status_set(st, SC_EX_FAIL, "%s: answer to %s "
			    "%lld: %zd bytes: larger than the receive buffer",
			    u->peer, u->unit, (long long)u->sent, n);
		observe_data(&u->ob, 1, u->rbuf, (size_t)n);
		u->nrecv++;
		u->brecv += (size_t)n;
		if (udp_send_write(STDOUT_FILENO, u->rbuf, (size_t)n) < 0)
			return status_errno(st, errno, SC_EX_FAIL, "stdout");
		return 0;
	}
}

/*
 * -r: datagrams still queued before a send answer an earlier datagram
 * (a responder that answers twice, an answer that came after its wait
 * ran out): drop them, so that answers never shift by one.  An error the
 * kernel queued (port unreachable) is reported as usual.
 */
static int
udp_send_discard(struct udp_send *u, struct status *st)
{
	ssize_t	n;

	for (;;) {
		n = recv(u->fd, u->rbuf, SEND_REPLY_MAX, MSG_DONTWAIT);
		if (n >= 0) {
			u->stale++;
			log_info(LOG_DEBUG, "dropped a late answer of %zd "
			    "bytes", n);
			continue;
		}
		if (errno == EINTR && !sig_pending())
			continue;
		if (errno == EINTR)
			sig_reraise();
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return status_errno(st, errno, SC_EX_FAIL, u->peer);
	}
}

/* --rate: wait (sleeping, not spinning) until len bytes may go. */
static void
udp_send_throttle(struct udp_send *u, size_t len)
{
	int64_t	wait = 0;

	while (rate_allow(&u->rate, sock_now_ms(), len, &wait) == 0)
		if (poll(NULL, 0, (int)wait) < 0 && sig_pending())
			sig_reraise();
	rate_spend(&u->rate, len);
}

/* -C: the datagram with each LF as CRLF, in u->crbuf. */
static const char *
udp_send_crlf(struct udp_send *u, const char *data, size_t *len,
    struct status *st)
{
	char	*nbuf;

	if (u->crcap < 2 * *len + 1) {
		nbuf = realloc(u->crbuf, 2 * *len + 1);
		if (nbuf == NULL) {
			status_errno(st, errno, SC_EX_OSERR, "realloc");
			return NULL;
		}
		u->crbuf = nbuf;
		u->crcap = 2 * *len + 1;
	}
	*len = observe_crlf(&u->ob, data, *len, u->crbuf);
	return u->crbuf;
}

/*
 * One datagram.  Batched unless it must be paced, answered or rewritten
 * (-C: one rewrite buffer); data must stay valid until the next flush.
 */
static int
udp_send_one(struct udp_send *u, const char *data, size_t len,
    struct status *st)
{
	struct iovec	*iov = &u->iov[u->nq];
	struct msghdr	*mh = &u->msgs[u->nq].msg_hdr;

	if (u->obs.crlf && (data = udp_send_crlf(u, data, &len, st)) == NULL)
		return -1;
	iov->iov_base = (void *)(uintptr_t)data;
	iov->iov_len = len;
	memset(mh, 0, sizeof *mh);
	mh->msg_iov = iov;
	mh->msg_iovlen = 1;
	u->nq++;
	if (u->interval_ms < 0 && !u->reply && !u->obs.crlf &&
	    u->obs.rate == 0) {
		if (u->nq == SEND_BATCH)
			return udp_send_flush(u, st);
		return 0;
	}
	if (u->interval_ms >= 0)
		udp_send_pace(u);
	if (u->obs.rate > 0)
		udp_send_throttle(u, len);
	if (u->reply && udp_send_discard(u, st) < 0)
		return -1;
	if (udp_send_flush(u, st) < 0)
		return -1;
	return u->reply ? udp_send_await(u, st) : 0;
}

/* The length of the next datagram in buf[0..avail), or 0: need more. */
static size_t
udp_send_frame(const struct udp_send *u, const char *buf, size_t avail,
    int eof)
{
	const char	*nl;

	if (u->chunk > 0) {
		if (avail >= (size_t)u->chunk)
			return (size_t)u->chunk;
	} else if ((nl = memchr(buf, '\n', avail)) != NULL)
		return (size_t)(nl - buf) + 1;
	return eof ? avail : 0;
}

/* Make room in *buf for more input: a line longer than the buffer. */
static int
udp_send_grow(struct udp_send *u, char **buf, size_t *cap,
    struct status *st)
{
	char	*nbuf;

	if (*cap >= SEND_LINE_MAX)
		return status_set(st, SC_EX_FAIL, "%s %lld: more than %zu "
		    "bytes: %s", u->unit, (long long)u->sent + (long long)u->nq + 1,
		    *cap, strerror(EMSGSIZE));
	nbuf = realloc(*buf, *cap * 2);
	if (nbuf == NULL)
		return status_errno(st, errno, SC_EX_OSERR, "realloc");
	*buf = nbuf;
	*cap *= 2;
	return 0;
}

/* Read stdin; send every complete line or chunk as soon as it is whole. */
static int
udp_send_stdin(struct udp_send *u, struct status *st)
{
	size_t	cap = u->chunk > SEND_READ ? (size_t)u->chunk : SEND_READ;
	size_t	start = 0, len = 0, n;
	char	*buf = malloc(cap);
	ssize_t	r;
	int	eof = 0, rc = -1;

	if (buf == NULL)
		return status_errno(st, errno, SC_EX_OSERR, "malloc");
	for (;;) {
		while ((n = udp_send_frame(u, buf + start, len - start,
		    eof)) > 0) {
			if (udp_send_one(u, buf + start, n, st) < 0)
				goto out;
			start += n;
		}
		/* The queue points into buf: send it before buf moves. */
		if (udp_send_flush(u, st) < 0)
			goto out;
		if (eof)
			break;
		memmove(buf, buf + start, len - start);
		len -= start;
		start = 0;
		if (len == cap && udp_send_grow(u, &buf, &cap, st) < 0)
			goto out;
		if (sig_pending())
			sig_reraise();
		r = read(STDIN_FILENO, buf + len, cap - len);
		if (r < 0 && errno == EINTR && sig_pending())
			sig_reraise();
		if (r < 0 && errno != EINTR && errno != EAGAIN) {
			status_errno(st, errno, SC_EX_FAIL, "stdin");
			goto out;
		}
		/* A non-blocking stdin (shared with others): wait. */
		if (r < 0 && errno == EAGAIN &&
		    sig_poll_fd(STDIN_FILENO, POLLIN) < 0)
			sig_reraise();
		if (r == 0)
			eof = 1;
		if (r > 0)
			len += (size_t)r;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

/*
 * A port-unreachable for the last datagrams arrives after their send
 * returned: collect it so that it is not a silent success.
 */
static int
udp_send_pending(struct udp_send *u, struct status *st)
{
	socklen_t	len = sizeof(int);
	int		err = 0;

	if (getsockopt(u->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return status_errno(st, errno, SC_EX_FAIL, "getsockopt");
	if (err != 0)
		return status_errno(st, err, SC_EX_FAIL, u->peer);
	return 0;
}

/* --stats and --sha256, whatever the outcome. */
static void
udp_send_report(struct udp_send *u)
{
	struct observe_counts	c;

	memset(&c, 0, sizeof c);
	c.dgram = 1;
	c.dgrams[0] = (uint64_t)u->sent;
	c.bytes[0] = u->bsent;
	c.dgrams[1] = u->nrecv;
	c.bytes[1] = u->brecv;
	c.duration_ms = sock_now_ms() - u->start_ms;
	observe_end(&u->ob);
	observe_report(&u->ob, u->peer, &c);
}

static int
udp_send_run(struct udp_send *u, int argc, char **argv, int first,
    struct status *st)
{
	int	i, rc;

	if (u->reply) {
		u->rbuf = malloc(SEND_REPLY_MAX);
		if (u->rbuf == NULL)
			return status_errno(st, errno, SC_EX_OSERR, "malloc");
	}
	u->unit = first < argc ? "message" : u->chunk > 0 ? "chunk" : "line";
	if (first < argc) {
		rc = 0;
		for (i = first; i < argc && rc == 0; i++)
			rc = udp_send_one(u, argv[i], strlen(argv[i]), st);
		if (rc == 0)
			rc = udp_send_flush(u, st);
	} else
		rc = udp_send_stdin(u, st);
	if (rc == 0)
		rc = udp_send_pending(u, st);
	udp_send_report(u);
	if (u->stale > 0)
		log_info(LOG_VERBOSE, "sent %lld datagram%s to %s; dropped "
		    "%lld late answer%s", (long long)u->sent,
		    u->sent == 1 ? "" : "s", u->peer, (long long)u->stale,
		    u->stale == 1 ? "" : "s");
	else
		log_info(LOG_VERBOSE, "sent %lld datagram%s to %s",
		    (long long)u->sent, u->sent == 1 ? "" : "s", u->peer);
	free(u->rbuf);
	free(u->crbuf);
	return rc;
}

static int
udp_send_main(const struct sc_cmd *cmd, int argc, char **argv)
{
	struct udp_send		*u;
	struct status		 st;
	const char		*host;
	char			 local[ADDR_STRLEN];
	int			 first, rest;

	status_clear(&st);
	/* Too big for the stack: the batch tables. */
	u = calloc(1, sizeof *u);
	if (u == NULL) {
		status_errno(&st, errno, SC_EX_OSERR, "calloc");
		return log_status(&st);
	}
	u->interval_ms = -1;
	u->fd = -1;
	sock_opts_init(&u->o, SOCK_DGRAM, "udp");
	first = opt_parse(cmd, argc, argv, &u->o, udp_send_opt, u, &st);
	if (first == OPT_HELP) {
		free(u);
		return SC_EX_OK;
	}
	if (first < 0 || opt_client_operands(&u->o, argc, argv, first, &host,
	    &rest, &st) < 0 || udp_send_check(u, argc - rest, &st) < 0 ||
	    observe_open(&u->obs, &st) < 0 ||
	    observe_begin(&u->ob, &u->obs, OBSERVE_STREAM, NULL, &st) < 0)
		goto out;
	if (u->reply && u->o.timeout_ms < 0)
		u->o.timeout_ms = SEND_REPLY_WAIT_MS;
	u->fd = sock_connect(&u->o, host, &st);
	if (u->fd < 0)
		goto out;
	sock_peer_str(u->fd, u->peer, sizeof u->peer);
	sock_local_str(u->fd, local, sizeof local);
	log_event(LOG_VERBOSE, "connected", LOG_FIELDS(
	    LOG_STR("peer", u->peer),
	    LOG_STR("local", local)),
	    "sending to %s from %s", u->peer, local);
	u->start_ms = sock_now_ms();
	if (u->obs.rate > 0)
		rate_init(&u->rate, u->obs.rate, u->start_ms);
	udp_send_run(u, argc, argv, rest, &st);
out:
	if (u->fd >= 0)
		close(u->fd);
	observe_free(&u->ob);
	free(u);
	return log_status(&st);
}

const struct sc_cmd cmd_udp_send = {
	"udp-send", "sends datagrams",
	"[OPTIONS] (HOST PORT | HOST:PORT | -U PATH) [MESSAGE...]",
	udp_send_rows, udp_send_main
};
