/*
 * tunnel.c: the proxy protocols over sockets on the event loop, the
 * client's side (tunnel_open) and the server's (tunnel_serve); see
 * tunnel.h.  The protocols themselves are proxy.c's pure functions.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "dial.h"
#include "loop.h"
#include "proxy.h"
#include "resolve.h"
#include "sig.h"
#include "sock.h"
#include "tunnel.h"

/* A received message: in[0..len), growing up to PROXY_HTTP_MAX. */
struct tunnel_buf {
	uint8_t		*in;
	size_t		 len, cap;
	uint8_t		 small[PROXY_SOCKS_MAX];
};

static void
tunnel_buf_init(struct tunnel_buf *b)
{
	b->in = b->small;
	b->len = 0;
	b->cap = sizeof b->small;
}

static void
tunnel_buf_free(struct tunnel_buf *b)
{
	if (b->in != b->small)
		free(b->in);
	tunnel_buf_init(b);
}

/* Room for at least want bytes in all (PROXY_HTTP_MAX at most). */
static int
tunnel_buf_room(struct tunnel_buf *b, size_t want)
{
	uint8_t	*p;

	if (want <= b->cap)
		return 0;
	if (want > PROXY_HTTP_MAX || b->in != b->small)
		return -1;
	p = malloc(PROXY_HTTP_MAX);
	if (p == NULL)
		return -1;
	memcpy(p, b->in, b->len);
	b->in = p;
	b->cap = PROXY_HTTP_MAX;
	return 0;
}

/* "1.500s", for the timeout messages. */
static void
tunnel_ms_str(int64_t ms, char *buf, size_t size)
{
	snprintf(buf, size, "%lld.%03llds", (long long)(ms / 1000),
	    (long long)(ms % 1000));
}

/* ------------------------------------------------------------- client */

enum tunnel_state {
	TUNNEL_RESOLVE,		/* HOST, for socks4 and socks5 */
	TUNNEL_DIAL,		/* the proxy */
	TUNNEL_WRITE,		/* a message to the proxy */
	TUNNEL_READ		/* its answer */
};

struct tunnel {
	struct loop		*loop;
	struct sock_opts	 o;
	struct proxy_url	 u;
	char			 source[ADDR_HOST_MAX + 1];
	char			 host[ADDR_HOST_MAX + 1];
	uint16_t		 port;
	tunnel_cb		 cb;
	void			*arg;
	enum tunnel_state	 state;
	struct resolve		*res;
	struct dial		*dial;
	int			 fd;
	int			 inited;	/* pc holds the handshake */
	struct proxy_client	 pc;
	struct tunnel_buf	 b;
	size_t			 outoff;
	int64_t			 timeout_ms;
	struct loop_timer	 timer;
};

static void	tunnel_io_cb(struct loop *, int, int, void *);

static void
tunnel_free(struct tunnel *t)
{
	loop_timer_stop(t->loop, &t->timer);
	resolve_cancel(t->res);
	dial_cancel(t->dial);
	if (t->fd >= 0) {
		loop_del(t->loop, t->fd);
		close(t->fd);
	}
	tunnel_buf_free(&t->b);
	free(t);
}

void
tunnel_cancel(struct tunnel *t)
{
	if (t != NULL)
		tunnel_free(t);
}

/* The end: hand fd over (or -1 and st), free t, tell the caller. */
static void
tunnel_finish(struct tunnel *t, int ok, const struct status *st)
{
	tunnel_cb	cb = t->cb;
	void		*arg = t->arg;
	struct status	copy;
	int		fd = -1;

	if (ok) {
		loop_del(t->loop, t->fd);
		fd = t->fd;
		t->fd = -1;
		status_clear(&copy);
	} else
		copy = *st;
	tunnel_free(t);
	cb(arg, fd, &copy);
}

/* A failure of the handshake: "proxy NAME: what". */
static void
tunnel_fail(struct tunnel *t, const struct status *st)
{
	struct status	own;

	status_set(&own, st->code, "proxy %s: %s", t->u.name, st->msg);
	tunnel_finish(t, 0, &own);
}

static void
tunnel_watch(struct tunnel *t, int mask)
{
	struct status	st;

	if (loop_set(t->loop, t->fd, mask, tunnel_io_cb, t, &st) < 0)
		tunnel_finish(t, 0, &st);
}

/* Send what is left of the message; then read the answer. */
static void
tunnel_write(struct tunnel *t)
{
	struct status	st;
	ssize_t		w;

	while (t->outoff < t->pc.outlen) {
		w = send(t->fd, t->pc.out + t->outoff, t->pc.outlen -
		    t->outoff, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			tunnel_watch(t, LOOP_WRITE);
			return;
		}
		if (w < 0) {
			status_set(&st, SC_EX_PROTOCOL, "%s during the %s "
			    "handshake", strerror(errno),
			    proxy_scheme_name(t->u.scheme));
			tunnel_fail(t, &st);
			return;
		}
		t->outoff += (size_t)w;
	}
	t->state = TUNNEL_READ;
	t->b.len = 0;
	tunnel_watch(t, LOOP_READ);
}

/*
 * Take the bytes peeked at b->in[b->len..b->len + n) that belong to the
 * message: all of them when it is still incomplete, else up to its end.
 * Returns the answer for the whole message so far.
 */
static enum proxy_rc
tunnel_read_peeked(struct tunnel *t, size_t n, size_t *used,
    struct status *st)
{
	enum proxy_rc	rc;
	size_t		take, got = 0;
	ssize_t		r;

	rc = proxy_client_input(&t->pc, t->b.in, t->b.len + n, used, st);
	if (rc == PROXY_FAIL)
		return rc;
	take = rc == PROXY_MORE ? n : *used - t->b.len;
	while (got < take) {
		r = recv(t->fd, t->b.in + t->b.len + got, take - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			status_set(st, SC_EX_PROTOCOL, "lost the bytes it sent");
			return PROXY_FAIL;
		}
		got += (size_t)r;
	}
	t->b.len += take;
	return rc;
}

/*
 * Read the answer to what was sent, never past its end.  Returns the
 * answer once complete, or PROXY_MORE when the socket has no more now.
 */
static enum proxy_rc
tunnel_read(struct tunnel *t, struct status *st)
{
	enum proxy_rc	rc;
	size_t		need, used;
	ssize_t		r;

	for (;;) {
		rc = proxy_client_input(&t->pc, t->b.in, t->b.len, &need, st);
		if (rc != PROXY_MORE)
			return rc;
		/* Exactly what is missing, or a peek for a terminator. */
		if (tunnel_buf_room(&t->b, t->b.len + (need > 0 ? need : 1)) <
		    0) {
			status_set(st, SC_EX_PROTOCOL, "a %s reply longer than "
			    "%d bytes", proxy_scheme_name(t->u.scheme),
			    PROXY_HTTP_MAX);
			return PROXY_FAIL;
		}
		r = recv(t->fd, t->b.in + t->b.len, need > 0 ? need :
		    t->b.cap - t->b.len, need > 0 ? 0 : MSG_PEEK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return PROXY_MORE;
		if (r < 0) {
			status_set(st, SC_EX_PROTOCOL, "%s during the %s "
			    "handshake", strerror(errno),
			    proxy_scheme_name(t->u.scheme));
			return PROXY_FAIL;
		}
		if (r == 0) {
			status_set(st, SC_EX_PROTOCOL, "closed the connection "
			    "during the %s handshake%s",
			    proxy_scheme_name(t->u.scheme), t->b.len > 0 ?
			    ", in the middle of a reply" : "");
			return PROXY_FAIL;
		}
		if (need > 0) {
			t->b.len += (size_t)r;
			continue;
		}
		rc = tunnel_read_peeked(t, (size_t)r, &used, st);
		if (rc != PROXY_MORE)
			return rc;
	}
}

static void
tunnel_answer(struct tunnel *t)
{
	struct status	st;

	switch (tunnel_read(t, &st)) {
	case PROXY_MORE:
		return;
	case PROXY_SEND:
		t->outoff = 0;
		t->state = TUNNEL_WRITE;
		tunnel_write(t);
		return;
	case PROXY_OPEN:
		tunnel_finish(t, 1, NULL);
		return;
	default:
		tunnel_fail(t, &st);
		return;
	}
}

static void
tunnel_io_cb(struct loop *l, int fd, int mask, void *arg)
{
	struct tunnel	*t = arg;

	(void)l;
	(void)fd;
	(void)mask;
	if (t->state == TUNNEL_WRITE)
		tunnel_write(t);
	else
		tunnel_answer(t);
}

/* Connected to the proxy: the handshake begins. */
static void
tunnel_dialed(void *arg, int fd, const struct status *dst)
{
	struct tunnel	*t = arg;
	struct status	 st;

	t->dial = NULL;
	if (fd < 0) {
		/*
		 * dial's message names the address: "proxy" goes first.  A
		 * proxy that resets the connection at once (its --deny) gave
		 * no answer in its protocol: 76, as a reset in the handshake.
		 */
		status_set(&st, dst->code == SC_EX_FAIL ? SC_EX_PROTOCOL :
		    dst->code, "proxy %s", dst->msg);
		tunnel_finish(t, 0, &st);
		return;
	}
	t->fd = fd;
	if (!t->inited && proxy_client_init(&t->pc, t->u.scheme, &t->u.cred,
	    t->host, t->port, NULL, &st) < 0) {
		tunnel_finish(t, 0, &st);
		return;
	}
	t->inited = 1;
	t->state = TUNNEL_WRITE;
	t->outoff = 0;
	tunnel_write(t);
}

/* Connect to the proxy.  Returns 0, or -1 with st (t is still there). */
static int
tunnel_dial(struct tunnel *t, struct status *st)
{
	struct sock_opts	o = t->o;

	/* The deadline is ours: it covers the handshake too. */
	o.timeout_ms = -1;
	t->state = TUNNEL_DIAL;
	t->dial = dial_start(t->loop, &o, t->u.host, t->u.port, tunnel_dialed,
	    t, st);
	return t->dial != NULL ? 0 : -1;
}

/* HOST resolved here (socks4, socks5): its first address is sent. */
static void
tunnel_resolved(void *arg, struct addrinfo *res, const struct status *rst)
{
	struct tunnel	*t = arg;
	struct status	 st;
	int		 rc;

	t->res = NULL;
	if (res == NULL) {
		tunnel_finish(t, 0, rst);
		return;
	}
	rc = proxy_client_init(&t->pc, t->u.scheme, &t->u.cred, t->host,
	    t->port, res->ai_addr, &st);
	freeaddrinfo(res);
	if (rc < 0) {
		tunnel_finish(t, 0, &st);
		return;
	}
	t->inited = 1;
	if (tunnel_dial(t, &st) < 0)
		tunnel_finish(t, 0, &st);
}

/* -w has passed. */
static void
tunnel_timeout_cb(struct loop *l, struct loop_timer *timer, void *arg)
{
	struct tunnel	*t = arg;
	struct status	 st;
	char		 w[32], hp[ADDR_STRLEN];

	(void)l;
	(void)timer;
	tunnel_ms_str(t->timeout_ms, w, sizeof w);
	switch (t->state) {
	case TUNNEL_RESOLVE:
		snprintf(hp, sizeof hp, strchr(t->host, ':') != NULL ?
		    "[%s]:%u" : "%s:%u", t->host, (unsigned)t->port);
		status_set(&st, SC_EX_TEMPFAIL, "%s: connect timeout: the name "
		    "did not resolve within %s", hp, w);
		break;
	case TUNNEL_DIAL:
		status_set(&st, SC_EX_TEMPFAIL, "proxy %s: connect timeout: no "
		    "answer within %s", t->u.name, w);
		break;
	default:
		status_set(&st, SC_EX_TEMPFAIL, "proxy %s: no answer to the "
		    "%s handshake within %s", t->u.name,
		    proxy_scheme_name(t->u.scheme), w);
		break;
	}
	tunnel_finish(t, 0, &st);
}

struct tunnel *
tunnel_open(struct loop *l, const struct sock_opts *o,
    const struct proxy_url *u, const char *host, uint16_t port,
    tunnel_cb cb, void *arg, struct status *st)
{
	struct tunnel	*t;
	int		 family;

	if (u->scheme == PROXY_NONE || host == NULL) {
		status_set(st, SC_EX_SOFTWARE, "tunnel: no proxy or no host");
		return NULL;
	}
	t = calloc(1, sizeof *t);
	if (t == NULL) {
		status_errno(st, ENOMEM, SC_EX_OSERR, "connect");
		return NULL;
	}
	t->loop = l;
	t->o = *o;
	t->u = *u;
	t->u.auth_file = NULL;
	t->fd = -1;
	t->cb = cb;
	t->arg = arg;
	t->port = port;
	t->timeout_ms = o->timeout_ms;
	tunnel_buf_init(&t->b);
	loop_timer_init(&t->timer, tunnel_timeout_cb, t);
	t->o.unix_path = NULL;
	t->o.bind = NULL;
	t->o.acl = NULL;
	if (o->source != NULL) {
		snprintf(t->source, sizeof t->source, "%s", o->source);
		t->o.source = t->source;
	}
	if (addr_host("HOST", host, t->host, sizeof t->host, st) < 0 ||
	    (o->timeout_ms >= 0 && loop_timer_at(l, &t->timer, loop_now(l) +
	    o->timeout_ms, st) < 0)) {
		tunnel_free(t);
		return NULL;
	}
	if (!proxy_resolves_locally(u->scheme)) {
		if (tunnel_dial(t, st) == 0)
			return t;
		tunnel_free(t);
		return NULL;
	}
	t->state = TUNNEL_RESOLVE;
	family = u->scheme == PROXY_SOCKS4 ? AF_INET : o->family;
	t->res = resolve_start(l, t->host, port, family, SOCK_STREAM,
	    o->numeric ? ADDR_NUMERIC : 0, tunnel_resolved, t, st);
	if (t->res == NULL) {
		tunnel_free(t);
		return NULL;
	}
	return t;
}

const char *
tunnel_name(const struct proxy_url *u, const char *host, uint16_t port,
    char *buf, size_t size)
{
	snprintf(buf, size, strchr(host, ':') != NULL && host[0] != '[' ?
	    "[%s]:%u via %s" : "%s:%u via %s", host, (unsigned)port, u->name);
	return buf;
}

/* What tunnel_blocking() waits for. */
struct tunnel_wait {
	struct loop	*loop;
	int		 done;
	int		 fd;
	struct status	 st;
};

static void
tunnel_wait_cb(void *arg, int fd, const struct status *st)
{
	struct tunnel_wait	*w = arg;

	w->done = 1;
	w->fd = fd;
	w->st = *st;
	loop_stop(w->loop);
}

int
tunnel_blocking(const struct sock_opts *o, const struct proxy_url *u,
    const char *host, uint16_t port, struct status *st)
{
	struct tunnel_wait	 w;
	struct tunnel		*t;
	int			 err;

	memset(&w, 0, sizeof w);
	w.fd = -1;
	if ((w.loop = loop_new(st)) == NULL)
		return -1;
	t = tunnel_open(w.loop, o, u, host, port, tunnel_wait_cb, &w, st);
	if (t == NULL) {
		loop_free(w.loop);
		return -1;
	}
	while (!w.done) {
		if (loop_run(w.loop, NULL, NULL, st) < 0 ||
		    (!w.done && sig_pending() != 0)) {
			err = sig_pending() != 0 ? EINTR : errno;
			if (err == EINTR)
				status_errno(st, EINTR, SC_EX_FAIL, "connect");
			if (!w.done)
				tunnel_cancel(t);
			loop_free(w.loop);
			if (w.fd >= 0)
				close(w.fd);
			errno = err;
			return -1;
		}
	}
	loop_free(w.loop);
	if (w.fd < 0) {
		*st = w.st;
		return -1;
	}
	if (sock_set_nonblock(w.fd, 0) < 0) {
		err = errno;
		close(w.fd);
		return status_errno(st, err, SC_EX_OSERR, "connect");
	}
	return w.fd;
}

/* ------------------------------------------------------------- server */

enum tunnel_srv_state {
	SRV_READ,		/* the client's next message */
	SRV_WRITE,		/* an answer, then read on */
	SRV_DIAL,		/* the destination */
	SRV_REPLY,		/* the final answer (and the early bytes) */
	SRV_REFUSE,		/* a refusal, then the end */
	SRV_LINGER		/* the refusal is out: wait for the client's
				   EOF, so that closing over bytes it sent
				   does not reset the refusal away */
};

/* How long, and how much, a refused client may still send. */
#define SRV_LINGER_MS		1000
#define SRV_LINGER_MAX		(64 * 1024)

/* How telling a dial's failure is, as dial.c ranks them. */
enum {
	RANK_NONE, RANK_UNREACH, RANK_OTHER, RANK_TIMEOUT, RANK_REFUSED
};

struct tunnel_srv {
	struct loop			*loop;
	int				 fd, dfd;
	const struct tunnel_serve_opts	*so;
	tunnel_serve_cb			 cb;
	void				*arg;
	enum tunnel_srv_state		 state;
	struct proxy_server		 ps;
	struct tunnel_buf		 b;
	size_t				 off;	/* b.in[off..len): not taken */
	size_t				 outoff;
	size_t				 earlyoff;	/* of b.in[off..len) */
	struct dial			*dial;
	int				 err, rank;	/* the dial's best */
	int				 said;	/* the client sent a byte */
	size_t				 drained;	/* SRV_LINGER */
	struct status			 fail;	/* after the refusal */
	struct loop_timer		 timer;
	struct tunnel_info		 info;
};

static void	tunnel_srv_cb(struct loop *, int, int, void *);
static void	tunnel_srv_dest_cb(struct loop *, int, int, void *);
static void	tunnel_srv_parse(struct tunnel_srv *);

static void
tunnel_srv_free(struct tunnel_srv *t)
{
	loop_timer_stop(t->loop, &t->timer);
	dial_cancel(t->dial);
	loop_del(t->loop, t->fd);
	if (t->dfd >= 0) {
		loop_del(t->loop, t->dfd);
		close(t->dfd);
	}
	tunnel_buf_free(&t->b);
	free(t);
}

void
tunnel_serve_cancel(struct tunnel_srv *t)
{
	if (t != NULL)
		tunnel_srv_free(t);
}

/* The end: the outcome to the caller, dfd handed over when open. */
static void
tunnel_srv_finish(struct tunnel_srv *t, enum tunnel_end end,
    const struct status *st)
{
	tunnel_serve_cb		cb = t->cb;
	void			*arg = t->arg;
	struct tunnel_info	info = t->info;
	struct status		copy;
	int			dfd = -1;

	info.end = end;
	info.proto = t->ps.proto;
	snprintf(info.user, sizeof info.user, "%s", t->ps.user);
	if (end == TUNNEL_OPEN) {
		loop_del(t->loop, t->dfd);
		dfd = t->dfd;
		t->dfd = -1;
		status_clear(&copy);
	} else
		copy = *st;
	tunnel_srv_free(t);
	cb(arg, dfd, &info, &copy);
}

static int
tunnel_srv_watch(struct tunnel_srv *t, int mask)
{
	struct status	st;

	if (loop_set(t->loop, t->fd, mask, tunnel_srv_cb, t, &st) == 0)
		return 0;
	tunnel_srv_finish(t, TUNNEL_BAD, &st);
	return -1;
}

/* The client failed us: a refusal to send first, if its protocol has one. */
static void
tunnel_srv_refuse(struct tunnel_srv *t, enum tunnel_end end,
    const struct status *st)
{
	if (t->ps.outlen == 0) {
		tunnel_srv_finish(t, end, st);
		return;
	}
	t->fail = *st;
	t->info.end = end;
	t->state = SRV_REFUSE;
	t->outoff = 0;
	tunnel_srv_cb(t->loop, t->fd, LOOP_WRITE, t);
}

/*
 * Send what is left of s->ps.out.  Returns 1 when it is all sent, 0 when
 * the socket is full (it is watched for writing), -1 when t is gone.
 */
static int
tunnel_srv_send(struct tunnel_srv *t)
{
	struct status	st;
	ssize_t		w;

	while (t->outoff < t->ps.outlen) {
		w = send(t->fd, t->ps.out + t->outoff, t->ps.outlen -
		    t->outoff, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return tunnel_srv_watch(t, LOOP_WRITE) < 0 ? -1 : 0;
		if (w < 0) {
			status_errno(&st, errno, SC_EX_FAIL, "client");
			tunnel_srv_finish(t, TUNNEL_GONE, &st);
			return -1;
		}
		t->outoff += (size_t)w;
	}
	return 1;
}

/*
 * The bytes the client sent after its request go to the destination
 * first.  Returns 1 when none is left, 0 when dfd is watched for room,
 * -1 when t is gone.
 */
static int
tunnel_srv_early(struct tunnel_srv *t)
{
	struct status	st;
	size_t		n = t->b.len - t->off;
	ssize_t		w;

	while (t->earlyoff < n) {
		w = send(t->dfd, t->b.in + t->off + t->earlyoff, n -
		    t->earlyoff, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (loop_set(t->loop, t->dfd, LOOP_WRITE,
			    tunnel_srv_dest_cb, t, &st) == 0)
				return 0;
		} else if (w < 0)
			status_errno(&st, errno, SC_EX_FAIL, t->info.dest);
		if (w < 0) {
			tunnel_srv_finish(t, TUNNEL_NO_DEST, &st);
			return -1;
		}
		t->earlyoff += (size_t)w;
	}
	if (loop_watched(t->loop, t->dfd) != 0)
		loop_mask(t->loop, t->dfd, 0, &st);
	return 1;
}

/* The final answer and the early bytes: when both are out, open. */
static void
tunnel_srv_reply(struct tunnel_srv *t)
{
	int	a, b;

	if ((a = tunnel_srv_send(t)) < 0)
		return;
	if (a == 1 && loop_watched(t->loop, t->fd) != 0 &&
	    tunnel_srv_watch(t, 0) < 0)
		return;
	if ((b = tunnel_srv_early(t)) < 0)
		return;
	if (a == 1 && b == 1) {
		t->info.early = t->b.len - t->off;
		tunnel_srv_finish(t, TUNNEL_OPEN, NULL);
	}
}

static void
tunnel_srv_dest_cb(struct loop *l, int fd, int mask, void *arg)
{
	(void)l;
	(void)fd;
	(void)mask;
	tunnel_srv_reply(arg);
}

static void
tunnel_srv_attempt(void *arg, const struct sock_attempt *a)
{
	struct tunnel_srv	*t = arg;
	int			 rank;

	if (a->what != SOCK_ATTEMPT_FAIL)
		return;
	switch (a->err) {
	case ECONNREFUSED:
		rank = RANK_REFUSED;
		break;
	case ETIMEDOUT:
		rank = RANK_TIMEOUT;
		break;
	case ENETUNREACH:
	case EHOSTUNREACH:
	case ENETDOWN:
	case EHOSTDOWN:
		rank = RANK_UNREACH;
		break;
	default:
		rank = RANK_OTHER;
		break;
	}
	if (rank > t->rank) {
		t->rank = rank;
		t->err = a->err;
	}
}

/* The destination answered, or could not be reached. */
static void
tunnel_srv_dialed(void *arg, int fd, const struct status *dst)
{
	struct tunnel_srv	*t = arg;
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof ss;
	struct status		 st;

	t->dial = NULL;
	if (fd < 0) {
		proxy_server_result(&t->ps, dst->code, t->err, NULL, 0);
		tunnel_srv_refuse(t, TUNNEL_NO_DEST, dst);
		return;
	}
	t->dfd = fd;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		len = 0;
	proxy_server_result(&t->ps, SC_EX_OK, 0, len > 0 ?
	    (struct sockaddr *)&ss : NULL, len);
	t->state = SRV_REPLY;
	t->outoff = 0;
	t->earlyoff = 0;
	if (loop_timer_at(t->loop, &t->timer, loop_now(t->loop) +
	    t->so->handshake_ms, &st) < 0) {
		tunnel_srv_finish(t, TUNNEL_BAD, &st);
		return;
	}
	tunnel_srv_reply(t);
}

/* The request is complete: connect to the destination. */
static void
tunnel_srv_dial(struct tunnel_srv *t)
{
	struct sock_opts	o = *t->so->to;
	struct status		st;

	snprintf(t->info.dest, sizeof t->info.dest, strchr(t->ps.host, ':') ?
	    "[%s]:%u" : "%s:%u", t->ps.host, (unsigned)t->ps.port);
	loop_timer_stop(t->loop, &t->timer);
	t->state = SRV_DIAL;
	/* Meanwhile only a reset of the client matters. */
	if (tunnel_srv_watch(t, LOOP_ERROR) < 0)
		return;
	o.attempt = tunnel_srv_attempt;
	o.attempt_arg = t;
	o.acl = NULL;
	t->dial = dial_start(t->loop, &o, t->ps.host, t->ps.port,
	    tunnel_srv_dialed, t, &st);
	if (t->dial == NULL) {
		proxy_server_result(&t->ps, st.code, 0, NULL, 0);
		tunnel_srv_refuse(t, TUNNEL_NO_DEST, &st);
	}
}

/* Read what the client sends, greedily: the parser says what is whose. */
static void
tunnel_srv_read(struct tunnel_srv *t)
{
	struct status	st;
	ssize_t		r;

	if (t->off > 0) {
		memmove(t->b.in, t->b.in + t->off, t->b.len - t->off);
		t->b.len -= t->off;
		t->off = 0;
	}
	if (t->b.len == t->b.cap && tunnel_buf_room(&t->b, PROXY_HTTP_MAX) <
	    0) {
		status_set(&st, SC_EX_PROTOCOL, "a request longer than %d "
		    "bytes", PROXY_HTTP_MAX);
		tunnel_srv_finish(t, TUNNEL_BAD, &st);
		return;
	}
	do
		r = recv(t->fd, t->b.in + t->b.len, t->b.cap - t->b.len, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (r <= 0) {
		if (r == 0)
			status_set(&st, SC_EX_FAIL, "closed the connection %s",
			    t->b.len > 0 ? "in the middle of a request" :
			    "without a request");
		else
			status_errno(&st, errno, SC_EX_FAIL, "client");
		tunnel_srv_finish(t, t->b.len > 0 ? TUNNEL_BAD : TUNNEL_GONE,
		    &st);
		return;
	}
	t->said = 1;
	t->b.len += (size_t)r;
	tunnel_srv_parse(t);
}

/* Take every complete message in the buffer, in turn. */
static void
tunnel_srv_parse(struct tunnel_srv *t)
{
	struct status	st;
	enum proxy_rc	rc;
	size_t		n;

	for (;;) {
		rc = proxy_server_input(&t->ps, t->b.in + t->off, t->b.len -
		    t->off, &n, &st);
		switch (rc) {
		case PROXY_MORE:
			t->state = SRV_READ;
			(void)tunnel_srv_watch(t, LOOP_READ);
			return;
		case PROXY_SEND:
			t->off += n;
			t->outoff = 0;
			t->state = SRV_WRITE;
			if (tunnel_srv_send(t) <= 0)
				return;
			continue;
		case PROXY_DIAL:
			t->off += n;
			tunnel_srv_dial(t);
			return;
		default:
			tunnel_srv_refuse(t, TUNNEL_BAD, &st);
			return;
		}
	}
}

/*
 * The refusal has been sent: half-close, and read what the client still
 * sends until its EOF (bounded in time and bytes), then the end.
 */
static void
tunnel_srv_linger(struct tunnel_srv *t)
{
	struct status	st;

	t->state = SRV_LINGER;
	t->drained = 0;
	if (shutdown(t->fd, SHUT_WR) < 0 ||
	    loop_timer_at(t->loop, &t->timer, loop_now(t->loop) +
	    SRV_LINGER_MS, &st) < 0) {
		tunnel_srv_finish(t, t->info.end, &t->fail);
		return;
	}
	/* On a failure t is gone already. */
	(void)tunnel_srv_watch(t, LOOP_READ);
}

static void
tunnel_srv_drain(struct tunnel_srv *t)
{
	ssize_t	r;

	for (;;) {
		r = recv(t->fd, t->b.in, t->b.cap, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r <= 0 || (t->drained += (size_t)r) >= SRV_LINGER_MAX)
			break;
	}
	tunnel_srv_finish(t, t->info.end, &t->fail);
}

static void
tunnel_srv_cb(struct loop *l, int fd, int mask, void *arg)
{
	struct tunnel_srv	*t = arg;
	struct status		 st;

	(void)l;
	(void)fd;
	switch (t->state) {
	case SRV_READ:
		tunnel_srv_read(t);
		return;
	case SRV_WRITE:
		if (tunnel_srv_send(t) == 1)
			tunnel_srv_parse(t);
		return;
	case SRV_DIAL:
		/* Only errors are watched: the client has gone. */
		(void)mask;
		status_set(&st, SC_EX_FAIL, "the client left before %s "
		    "answered", t->info.dest);
		tunnel_srv_finish(t, TUNNEL_GONE, &st);
		return;
	case SRV_REPLY:
		tunnel_srv_reply(t);
		return;
	case SRV_REFUSE:
		if (tunnel_srv_send(t) == 1)
			tunnel_srv_linger(t);
		return;
	case SRV_LINGER:
		tunnel_srv_drain(t);
		return;
	}
}

/* The handshake's deadline has passed. */
static void
tunnel_srv_timeout_cb(struct loop *l, struct loop_timer *timer, void *arg)
{
	struct tunnel_srv	*t = arg;
	struct status		 st;
	char			 w[32];

	(void)l;
	(void)timer;
	if (t->state == SRV_LINGER) {
		tunnel_srv_finish(t, t->info.end, &t->fail);
		return;
	}
	tunnel_ms_str(t->so->handshake_ms, w, sizeof w);
	if (t->state == SRV_REPLY)
		status_set(&st, SC_EX_TEMPFAIL, "the client did not take the "
		    "answer within %s", w);
	else
		status_set(&st, SC_EX_TEMPFAIL, "%s within %s", t->said ?
		    "no complete request" : "not a byte", w);
	tunnel_srv_finish(t, t->said ? TUNNEL_BAD : TUNNEL_GONE, &st);
}

struct tunnel_srv *
tunnel_serve(struct loop *l, int fd, const struct tunnel_serve_opts *so,
    tunnel_serve_cb cb, void *arg, struct status *st)
{
	struct tunnel_srv	*t;
	int64_t			 ms = so->handshake_ms;

	t = calloc(1, sizeof *t);
	if (t == NULL) {
		status_errno(st, ENOMEM, SC_EX_OSERR, "client");
		return NULL;
	}
	t->loop = l;
	t->fd = fd;
	t->dfd = -1;
	t->so = so;
	t->cb = cb;
	t->arg = arg;
	t->state = SRV_READ;
	tunnel_buf_init(&t->b);
	proxy_server_init(&t->ps, so->auth);
	loop_timer_init(&t->timer, tunnel_srv_timeout_cb, t);
	if (loop_timer_at(l, &t->timer, loop_now(l) + (ms > 0 ? ms :
	    TUNNEL_HANDSHAKE_MS), st) < 0 ||
	    loop_set(l, fd, LOOP_READ, tunnel_srv_cb, t, st) < 0) {
		loop_timer_stop(l, &t->timer);
		free(t);
		return NULL;
	}
	return t;
}
