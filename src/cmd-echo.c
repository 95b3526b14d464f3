/* cmd-echo.c: sockcat echo (concurrent echo server (TCP, UDP or Unix)). */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "accept.h"
#include "acl.h"
#include "addr.h"
#include "buf.h"
#include "cmd.h"
#include "log.h"
#include "loop.h"
#include "opt.h"
#include "parse.h"
#include "sig.h"
#include "sock.h"
#include "status.h"

enum {
	OPT_TIMESTAMP = OPT_CMD
};

/*
 * A client that sends but does not read fills its socket; what we could
 * not write back waits in its buf.  Past ECHO_PENDING_MAX we stop reading
 * it (the kernel's windows then stop the sender), so its memory is bounded
 * and the others are still served.
 */
#define ECHO_PENDING_MAX	(64 * 1024)
#define ECHO_READ_MAX		(64 * 1024)	/* one read, on the stack */
/* Room for "[Thu Sep 15 22:29:12 2016] " and longer years. */
#define ECHO_STAMP_MAX		64
#define ECHO_STAMP_READ		1024		/* one read with --timestamp */
#define ECHO_STAMP_OUT		(ECHO_STAMP_READ * (ECHO_STAMP_MAX + 1))

static const struct opt_row echo_rows[] = {
	OPT_ROW_IPV4,
	OPT_ROW_IPV6,
	OPT_ROW_PORT,
	OPT_ROW_BIND,
	OPT_ROW_NUMERIC,
	OPT_ROW_UNIX,
	{ 'u', 'u', "udp", OPT_ARG_NONE, NULL,
	  "echo datagrams (UDP, or Unix datagram with -U)" },
	OPT_ROW_IDLE,
	{ 'm', 'm', "max-conns", OPT_ARG_REQUIRED, "N",
	  "at most N connections open at once; more are closed at once" },
	{ 'c', 'c', "count", OPT_ARG_REQUIRED, "N",
	  "exit after N connections served (or N datagrams with -u)" },
	{ OPT_TIMESTAMP, 0, "timestamp", OPT_ARG_NONE, NULL,
	  "prefix each echoed line with [ctime] " },
	OPT_ROW_REUSEADDR_TEXT("set SO_REUSEADDR (the default, except with "
	    "-u)"),
	OPT_ROW_NO_REUSEADDR,
	OPT_ROW_REUSEPORT,
	OPT_ROW_KEEPALIVE,
	OPT_ROW_NODELAY,
	OPT_ROW_RCVBUF,
	OPT_ROW_SNDBUF,
	OPT_ROW_ALLOW,
	OPT_ROW_DENY,
	OPT_ROW_VERBOSE,
	OPT_ROW_QUIET,
	OPT_ROW_LOG_FORMAT,
	OPT_ROW_END
};

struct echo;

/* One client: small, since 10,000 idle ones must stay cheap. */
struct echo_conn {
	struct echo_conn	*prev, *next;	/* by last activity, oldest
						   first (-i) */
	struct echo		*echo;
	struct buf		*out;		/* unsent echo, or NULL */
	char			*peer;		/* "ADDR:PORT", with -v only */
	uint64_t		 nin, nout;	/* bytes read, written */
	int64_t			 last;		/* a byte last moved (ms) */
	int			 fd;
	unsigned		 eof : 1;	/* the client half-closed */
	unsigned		 midline : 1;	/* --timestamp: inside a line */
};

struct echo {
	struct sock_opts	 o;
	struct acl		 acl;		/* --allow, --deny */
	struct sock_listener	 lis;
	struct acceptor		 acc;
	struct loop		*loop;
	int			 udp;
	int			 timestamp;
	int64_t			 max_conns;	/* -m; -1: no limit */
	int64_t			 count;		/* -c; -1: forever */
	int64_t			 accepted;	/* connections served so far */
	int64_t			 done;		/* closed, or datagrams
						   answered */
	int			 warned_emfile, warned_unnamed,
				 warned_trunc, warned_stamp;
	struct echo_conn	*head, *tail;	/* the activity list */
	struct loop_dgrams	*dg;		/* -u */
	char			*stamp_out;	/* --timestamp scratch */
	time_t			 stamp_time;
	char			 stamp[ECHO_STAMP_MAX];
	size_t			 stamp_len;
	struct status		 st;
};

static int
echo_opt(void *ctx, int id, const char *arg, struct status *st)
{
	struct echo	*e = ctx;

	switch (id) {
	case 'u':
		e->udp = 1;
		e->o.socktype = SOCK_DGRAM;
		e->o.proto = "udp";
		return 0;
	case 'm':
		return parse_count("--max-conns", arg, 1, INT64_MAX,
		    &e->max_conns, st);
	case 'c':
		return parse_count("--count", arg, 1, INT64_MAX, &e->count,
		    st);
	case OPT_TIMESTAMP:
		e->timestamp = 1;
		return 0;
	default:
		return status_set(st, SC_EX_SOFTWARE, "option %d not handled",
		    id);
	}
}

/* ------------------------------------------------------------ --timestamp */

/* The prefix for now, "[Thu Sep 15 22:29:12 2016] ", made once a second. */
static void
echo_stamp_update(struct echo *e)
{
	struct tm	tm;
	time_t		now = time(NULL);
	char		when[ECHO_STAMP_MAX - 4];

	if (now == e->stamp_time && e->stamp_len > 0)
		return;
	e->stamp_time = now;
	/* ctime's layout; %e pads the day with a space, as ctime does. */
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y", &tm) == 0)
		snprintf(when, sizeof when, "?");
	e->stamp_len = (size_t)snprintf(e->stamp, sizeof e->stamp, "[%s] ",
	    when);
	if (e->stamp_len >= sizeof e->stamp)
		e->stamp_len = sizeof e->stamp - 1;
}

/*
 * Copy n bytes of in to out with the prefix at the start of every line;
 * *midline carries the line state across reads.  Returns the length, or
 * (size_t)-1 when it does not fit in size.
 */
static size_t
echo_stamp_copy(struct echo *e, unsigned *midline, const char *in, size_t n,
    char *out, size_t size)
{
	const char	*nl;
	size_t		 o = 0, i = 0, span;

	echo_stamp_update(e);
	while (i < n) {
		if (!*midline) {
			if (o + e->stamp_len > size)
				return (size_t)-1;
			memcpy(out + o, e->stamp, e->stamp_len);
			o += e->stamp_len;
			*midline = 1;
		}
		nl = memchr(in + i, '\n', n - i);
		span = nl != NULL ? (size_t)(nl - (in + i)) + 1 : n - i;
		if (o + span > size)
			return (size_t)-1;
		memcpy(out + o, in + i, span);
		o += span;
		i += span;
		if (nl != NULL)
			*midline = 0;
	}
	return o;
}

/* ------------------------------------------------------------- the list */

static void
echo_list_unlink(struct echo *e, struct echo_conn *c)
{
	/* Decided by identity, so head and tail never keep a freed c. */
	if (e->head == c)
		e->head = c->next;
	else if (c->prev != NULL)
		c->prev->next = c->next;
	if (e->tail == c)
		e->tail = c->prev;
	else if (c->next != NULL)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

static void
echo_list_append(struct echo *e, struct echo_conn *c)
{
	c->prev = e->tail;
	c->next = NULL;
	if (e->tail != NULL)
		e->tail->next = c;
	else
		e->head = c;
	e->tail = c;
}

/* A byte moved: c goes to the end of the list, which stays in order. */
static void
echo_touch(struct echo *e, struct echo_conn *c)
{
	c->last = loop_now(e->loop);
	if (e->tail != c) {
		echo_list_unlink(e, c);
		echo_list_append(e, c);
	}
}

/* ---------------------------------------------------------- connections */

static void
echo_conn_close(struct echo *e, struct echo_conn *c, const char *why)
{
	loop_del(e->loop, c->fd);
	close(c->fd);
	echo_list_unlink(e, c);
	log_event(LOG_VERBOSE, "closed", LOG_FIELDS(
	    LOG_STR("peer", c->peer),
	    LOG_STR("why", why),
	    LOG_UINT("bytes_received", c->nin),
	    LOG_UINT("bytes_sent", c->nout)),
	    "closed %s%s%s%s: %llu bytes in, %llu bytes out",
	    c->peer != NULL ? c->peer : "connection",
	    why != NULL ? " (" : "", why != NULL ? why : "",
	    why != NULL ? ")" : "", (unsigned long long)c->nin,
	    (unsigned long long)c->nout);
	buf_free(c->out);
	free(c->peer);
	free(c);
	e->done++;
	accept_closed(&e->acc);
	if (e->count >= 0 && e->done >= e->count)
		loop_stop(e->loop);
}

/* Close c for an errno of its socket, or for the end of its session. */
static void
echo_conn_error(struct echo *e, struct echo_conn *c, int err)
{
	echo_conn_close(e, c, strerror(err));
}

/*
 * Watch c for what it needs now: reading while its backlog is small and
 * it has not half-closed, writing while a backlog waits.  With neither
 * left, the session is over: a half-closed client got all its echo.
 */
static void
echo_conn_arm(struct echo *e, struct echo_conn *c)
{
	struct status	st;
	size_t		pending = buf_len(c->out);
	int		mask = 0;

	if (!c->eof && pending < ECHO_PENDING_MAX)
		mask |= LOOP_READ;
	if (pending > 0)
		mask |= LOOP_WRITE;
	if (mask == 0) {
		echo_conn_close(e, c, NULL);
		return;
	}
	if (mask != loop_watched(e->loop, c->fd) &&
	    loop_mask(e->loop, c->fd, mask, &st) < 0) {
		log_warn("%s", st.msg);
		echo_conn_close(e, c, "cannot watch");
	}
}

/*
 * Send p back: straight to the socket when nothing waits before it, the
 * rest (or all of it, to keep the order) into c's buf.  Returns 0, or -1
 * with errno when the connection is broken.
 */
static int
echo_conn_send(struct echo_conn *c, const char *p, size_t n)
{
	ssize_t	w = 0;

	if (buf_len(c->out) == 0) {
		do
			w = send(c->fd, p, n, MSG_NOSIGNAL);
		while (w < 0 && errno == EINTR);
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (w < 0)
			w = 0;
		c->nout += (uint64_t)w;
		if ((size_t)w == n) {
			/* Drained: an idle connection holds no buffer. */
			buf_free(c->out);
			c->out = NULL;
			return 0;
		}
	}
	return buf_append(&c->out, p + w, n - (size_t)w);
}

static void
echo_conn_read(struct echo *e, struct echo_conn *c)
{
	char		 rbuf[ECHO_READ_MAX];
	const char	*p = rbuf;
	size_t		 room = ECHO_READ_MAX, pending = buf_len(c->out), n;
	ssize_t		 r;

	if (pending > 0)
		room = ECHO_PENDING_MAX - pending;
	if (e->timestamp && room > ECHO_STAMP_READ)
		room = ECHO_STAMP_READ;
	r = recv(c->fd, rbuf, room, 0);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (r < 0) {
		echo_conn_error(e, c, errno);
		return;
	}
	if (r == 0) {
		/* Half-close: send what is left, then close our side. */
		c->eof = 1;
		echo_conn_arm(e, c);
		return;
	}
	c->nin += (uint64_t)r;
	echo_touch(e, c);
	n = (size_t)r;
	if (e->timestamp) {
		unsigned midline = c->midline;

		n = echo_stamp_copy(e, &midline, rbuf, n, e->stamp_out,
		    ECHO_STAMP_OUT);
		c->midline = midline;
		p = e->stamp_out;
	}
	if (echo_conn_send(c, p, n) < 0) {
		echo_conn_error(e, c, errno);
		return;
	}
	echo_conn_arm(e, c);
}

static void
echo_conn_write(struct echo *e, struct echo_conn *c)
{
	ssize_t	r;

	if (c->out == NULL)
		return;
	r = buf_flush(c->out, c->fd);
	if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
		echo_conn_error(e, c, errno);
		return;
	}
	if (r > 0) {
		c->nout += (uint64_t)r;
		echo_touch(e, c);
	}
	if (buf_len(c->out) == 0) {
		buf_free(c->out);
		c->out = NULL;
	}
	echo_conn_arm(e, c);
}

static void
echo_conn_cb(struct loop *l, int fd, int mask, void *arg)
{
	struct echo_conn	*c = arg;
	struct echo		*e = c->echo;

	(void)l;
	(void)fd;
	/* Write first: draining the backlog may let us read again. */
	if (mask & LOOP_WRITE) {
		echo_conn_write(e, c);
		/* c may be gone: read on the next wake-up. */
		return;
	}
	if (mask & LOOP_READ)
		echo_conn_read(e, c);
}

/* A connection's name for -v: unnamed Unix clients are numbered. */
static void
echo_peer_name(const struct echo *e, const struct sockaddr_storage *peer,
    socklen_t peerlen, char *name, size_t size)
{
	if (peer->ss_family == AF_UNIX && peerlen <= sizeof(sa_family_t))
		snprintf(name, size, "%s client %lld", e->o.unix_path,
		    (long long)e->acc.seen);
	else
		addr_format((const struct sockaddr *)peer, peerlen, name,
		    size);
}

/* What the acceptor says: out of descriptors, over -m, a failure. */
static void
echo_accept_event(void *arg, enum accept_event ev, int err,
    const struct sockaddr_storage *peer, socklen_t peerlen)
{
	struct echo	*e = arg;
	char		 name[ADDR_STRLEN];

	switch (ev) {
	case ACCEPT_PAUSED:
		if (!e->warned_emfile)
			log_warn("accept: %s; waiting for a connection to "
			    "close (%lld open)", strerror(err),
			    (long long)e->acc.open);
		else
			log_info(LOG_DEBUG, "accept: %s; paused",
			    strerror(err));
		e->warned_emfile = 1;
		break;
	case ACCEPT_RESUMED:
		log_info(LOG_DEBUG, "accepting again");
		break;
	case ACCEPT_REFUSED:
		if (log_level() < LOG_VERBOSE)
			break;
		echo_peer_name(e, peer, peerlen, name, sizeof name);
		log_info(LOG_VERBOSE, "refused %s: %lld connection%s open "
		    "(--max-conns)", name, (long long)e->acc.open,
		    e->acc.open == 1 ? "" : "s");
		break;
	case ACCEPT_FAILED:
		log_warn("accept: %s", strerror(err));
		break;
	}
}

/* Take one accepted socket into service. */
static void
echo_conn_new(void *arg, int fd, const struct sockaddr_storage *peer,
    socklen_t peerlen)
{
	struct echo		*e = arg;
	struct echo_conn	*c;
	struct status		 st;
	char			 name[ADDR_STRLEN] = "";

	if (log_level() >= LOG_VERBOSE)
		echo_peer_name(e, peer, peerlen, name, sizeof name);
	if (sock_apply(fd, &e->o, e->lis.family, 0, &st) < 0) {
		log_warn("%s", st.msg);
		close(fd);
		accept_closed(&e->acc);
		return;
	}
	c = calloc(1, sizeof *c);
	if (c == NULL || (log_level() >= LOG_VERBOSE &&
	    (c->peer = strdup(name)) == NULL)) {
		log_warn("connection: %s", strerror(ENOMEM));
		free(c);
		close(fd);
		accept_closed(&e->acc);
		return;
	}
	c->echo = e;
	c->fd = fd;
	if (loop_set(e->loop, fd, LOOP_READ, echo_conn_cb, c, &st) < 0) {
		log_warn("%s", st.msg);
		free(c->peer);
		free(c);
		close(fd);
		accept_closed(&e->acc);
		return;
	}
	log_accepted(LOG_VERBOSE, name);
	c->last = loop_now(e->loop);
	echo_list_append(e, c);
	e->accepted++;
	/* -c: these are the last; the rest stay in the backlog. */
	if (e->count >= 0 && e->accepted >= e->count)
		accept_stop(&e->acc);
}

/*
 * Before each wait: close the clients idle for -i (the list is ordered by
 * last activity, so only its head is looked at) and say how long the loop
 * may sleep.
 */
static int64_t
echo_tick(struct loop *l, void *arg)
{
	struct echo	*e = arg;
	int64_t		 now = loop_now(l), wait = -1;

	if (e->o.idle_ms >= 0) {
		while (e->head != NULL &&
		    now - e->head->last >= e->o.idle_ms)
			echo_conn_close(e, e->head, "idle timeout");
		if (e->head != NULL)
			wait = e->head->last + e->o.idle_ms - now;
	}
	return wait;
}

/* ------------------------------------------------------------ datagrams */

static int
echo_dgram_answerable(struct echo *e, const struct loop_dgram *d)
{
	if (d->peerlen <= sizeof(sa_family_t)) {
		if (!e->warned_unnamed)
			log_warn("a datagram from an unnamed Unix socket "
			    "cannot be answered");
		e->warned_unnamed = 1;
		return 0;
	}
	if (d->truncated) {
		if (!e->warned_trunc)
			log_warn("a datagram longer than %d bytes is not "
			    "echoed", LOOP_DGRAM_MAX);
		e->warned_trunc = 1;
		return 0;
	}
	return 1;
}

/*
 * The largest answer the peer's family can carry: an IPv4 datagram (also
 * to an IPv4-mapped peer of a dual-stack socket) holds 65,507 bytes of
 * payload, an IPv6 one 65,527; a Unix one is bounded by our room.
 */
static size_t
echo_dgram_max(const struct loop_dgram *d)
{
	const struct sockaddr_in6 *s6 = (const void *)&d->peer;

	if (d->peer.ss_family == AF_INET || (d->peer.ss_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)))
		return 65507;
	if (d->peer.ss_family == AF_INET6)
		return 65527;
	return LOOP_DGRAM_MAX;
}

static void
echo_dgram_cb(struct loop *l, int fd, int mask, void *arg)
{
	struct echo		*e = arg;
	struct loop_dgram	*d;
	char			 name[ADDR_STRLEN];
	int			 i, n, k, max = LOOP_DGRAM_BATCH;
	unsigned		 midline;

	(void)l;
	(void)mask;
	if (e->count >= 0 && e->count - e->done < max)
		max = (int)(e->count - e->done);
	n = loop_dgram_recv(fd, e->dg, max);
	if (n < 0) {
		/* An ICMP error of an earlier answer: not ours to stop on. */
		log_info(LOG_DEBUG, "recvmmsg: %s", strerror(errno));
		return;
	}
	/* Keep what can be answered in slots 0..k-1. */
	for (i = 0, k = 0; i < n; i++) {
		d = loop_dgrams_at(e->dg, i);
		if (log_level() >= LOG_DEBUG)
			log_info(LOG_DEBUG, "datagram from %s: %zu bytes",
			    addr_format((struct sockaddr *)&d->peer,
			    d->peerlen, name, sizeof name), d->len);
		if (!acl_check(&e->acl, (struct sockaddr *)&d->peer,
		    d->peerlen) || !echo_dgram_answerable(e, d))
			continue;
		if (e->timestamp) {
			midline = 0;
			d->outlen = echo_stamp_copy(e, &midline, d->data,
			    d->len, e->stamp_out + (size_t)k * LOOP_DGRAM_MAX,
			    echo_dgram_max(d));
			d->out = e->stamp_out + (size_t)k * LOOP_DGRAM_MAX;
			if (d->outlen == (size_t)-1) {
				/* The time stamps made it too long to send. */
				if (!e->warned_stamp)
					log_warn("a datagram longer than %zu "
					    "bytes with its time stamps is not "
					    "echoed", echo_dgram_max(d));
				e->warned_stamp = 1;
				continue;
			}
		}
		if (k != i) {
			/* Each slot keeps its own room: move the answer. */
			struct loop_dgram *dk = loop_dgrams_at(e->dg, k);

			dk->out = d->out;
			dk->outlen = d->outlen;
			dk->peer = d->peer;
			dk->peerlen = d->peerlen;
		}
		k++;
	}
	e->done += loop_dgram_send(fd, e->dg, k);
	if (e->count >= 0 && e->done >= e->count)
		loop_stop(e->loop);
}

/* --------------------------------------------------------------- main */

static int
echo_setup(struct echo *e, struct status *st)
{
	uint64_t	from, to;
	char		name[ADDR_STRLEN];

	if (e->udp && e->max_conns >= 0)
		return status_usage(st, "--max-conns does not go with --udp");
	if (e->udp && e->o.idle_ms >= 0)
		return status_usage(st, "--idle-timeout does not go with "
		    "--udp");
	if (loop_nofile_raise(&from, &to, st) < 0)
		return -1;
	if (to != from)
		log_info(LOG_VERBOSE, "open-file limit raised from %llu to "
		    "%llu", (unsigned long long)from, (unsigned long long)to);
	if (e->timestamp) {
		e->stamp_out = malloc(e->udp ?
		    (size_t)LOOP_DGRAM_BATCH * LOOP_DGRAM_MAX : ECHO_STAMP_OUT);
		if (e->stamp_out == NULL)
			return status_errno(st, ENOMEM, SC_EX_OSERR,
			    "--timestamp");
	}
	if (e->udp && (e->dg = loop_dgrams_new(st)) == NULL)
		return -1;
	e->loop = loop_new(st);
	if (e->loop == NULL)
		return -1;
	if (sock_listen(&e->o, &e->lis, st) < 0)
		return -1;
	if (e->udp) {
		if (sock_set_nonblock(e->lis.fd, 1) < 0)
			return status_errno(st, errno, SC_EX_OSERR,
			    "listener");
		if (loop_set(e->loop, e->lis.fd, LOOP_READ, echo_dgram_cb, e,
		    st) < 0)
			return -1;
	} else if (accept_start(&e->acc, e->loop, e->lis.fd, e->max_conns,
	    1, echo_conn_new, echo_accept_event, e, st) < 0)
		return -1;
	else
		accept_set_acl(&e->acc, &e->acl);
	log_listening(sock_local_str(e->lis.fd, name, sizeof name));
	return 0;
}

static void
echo_cleanup(struct echo *e)
{
	while (e->head != NULL) {
		struct echo_conn *c = e->head;

		echo_list_unlink(e, c);
		close(c->fd);
		buf_free(c->out);
		free(c->peer);
		free(c);
	}
	accept_free(&e->acc);
	if (e->lis.fd >= 0 || e->lis.have_path)
		sock_listener_close(&e->lis);
	loop_free(e->loop);
	loop_dgrams_free(e->dg);
	free(e->stamp_out);
}

static int
echo_main(const struct sc_cmd *cmd, int argc, char **argv)
{
	struct echo	e;
	struct status	st;
	int		first, rc;

	memset(&e, 0, sizeof e);
	e.lis.fd = -1;
	e.max_conns = -1;
	e.count = -1;
	status_clear(&st);
	sock_opts_init(&e.o, SOCK_STREAM, "tcp");
	e.o.activate = 1;
	acl_init(&e.acl, log_refused, NULL);
	e.o.acl = &e.acl;
	first = opt_parse(cmd, argc, argv, &e.o, echo_opt, &e, &st);
	if (first == OPT_HELP)
		return SC_EX_OK;
	if (first < 0 || opt_listener_operands(&e.o, argc, argv, first,
	    &st) < 0 || echo_setup(&e, &st) < 0) {
		rc = log_status(&st);
		echo_cleanup(&e);
		return rc;
	}
	rc = loop_run(e.loop, echo_tick, &e, &st);
	if (rc < 0)
		e.st = st;
	else
		status_clear(&e.st);
	if (sig_pending() != 0)
		log_info(LOG_VERBOSE, "stopped by signal %d", sig_pending());
	echo_cleanup(&e);
	/* SIGINT and SIGTERM are the way to stop a server: status 0. */
	return log_status(&e.st);
}

const struct sc_cmd cmd_echo = {
	"echo", "concurrent echo server (TCP, UDP or Unix)",
	"[OPTIONS] [-p PORT | PORT | -U PATH]", echo_rows, echo_main
};
