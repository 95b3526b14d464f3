/*
 * dial.c: connecting a client on the event loop, RFC 8305 style.
 *
 * A dial resolves the target (and -s) through resolve.c, orders the
 * addresses so that the families alternate, and starts one non-blocking
 * connect after another: the next when the previous fails, or
 * DIAL_STAGGER_MS after it when it has not finished by then.  The first
 * that connects wins; the others are closed.  A deadline timer (-w) ends
 * the whole.  Everything happens in loop callbacks (timers, the socket's
 * writability, the resolver's answer), so the caller's callback never
 * runs inside dial_start().
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "dial.h"
#include "loop.h"
#include "resolve.h"
#include "sig.h"
#include "sock.h"

/* A Unix listener with a full backlog: ask again after 5 ms, ..., 100 ms. */
#define DIAL_UNIX_RETRY_MIN	5
#define DIAL_UNIX_RETRY_MAX	100

/* How telling a failure is: the highest rank is reported. */
enum dial_rank {
	DIAL_RANK_NONE,
	DIAL_RANK_UNREACH,	/* no route, no such family here */
	DIAL_RANK_OTHER,
	DIAL_RANK_TIMEOUT,
	DIAL_RANK_REFUSED	/* the host is there and said no */
};

/* What starting an attempt came to. */
enum dial_step {
	DIAL_FAILED,		/* at once; the next may start */
	DIAL_PENDING,		/* in progress */
	DIAL_GONE		/* it connected: the dial is finished */
};

struct dial;

struct dial_try {
	struct dial		*d;
	int			 fd;		/* -1: not started, or closed */
	int			 family;
	int			 type;
	struct sockaddr_storage	 sa;
	socklen_t		 len;
	char			 name[ADDR_STRLEN];
	struct loop_timer	 retry;		/* Unix: room in the backlog? */
	int64_t			 backoff;
};

struct dial {
	struct loop		*loop;
	struct sock_opts	 o;
	int			 blocking;	/* dial_blocking: may wait */
	dial_cb			 cb;
	void			*arg;
	char			 subject[ADDR_STRLEN];	/* HOST:PORT or PATH */
	char			 source[ADDR_HOST_MAX + 1];
	struct resolve		*dst_req, *src_req;
	struct addrinfo		*dst, *src;
	struct dial_try		*tries;
	size_t			 ntries, next;
	int			 inflight;	/* tries with an fd */
	int64_t			 started;
	struct loop_timer	 kick, stagger, deadline;
	struct status		 best;
	enum dial_rank		 best_rank;
};

static void	dial_try_cb(struct loop *, int, int, void *);

static void
dial_try_close(struct dial *d, struct dial_try *t)
{
	loop_timer_stop(d->loop, &t->retry);
	if (t->fd < 0)
		return;
	loop_del(d->loop, t->fd);
	close(t->fd);
	t->fd = -1;
	d->inflight--;
}

static void
dial_free(struct dial *d)
{
	size_t	i;

	for (i = 0; i < d->ntries; i++)
		dial_try_close(d, &d->tries[i]);
	loop_timer_stop(d->loop, &d->kick);
	loop_timer_stop(d->loop, &d->stagger);
	loop_timer_stop(d->loop, &d->deadline);
	resolve_cancel(d->dst_req);
	resolve_cancel(d->src_req);
	if (d->dst != NULL)
		freeaddrinfo(d->dst);
	if (d->src != NULL)
		freeaddrinfo(d->src);
	free(d->tries);
	free(d);
}

/* The end: free the dial, then tell the caller (who may start another). */
static enum dial_step
dial_finish(struct dial *d, int fd, const struct status *st)
{
	dial_cb		cb = d->cb;
	void		*arg = d->arg;
	struct status	copy;

	if (st != NULL)
		copy = *st;
	else
		status_clear(&copy);
	dial_free(d);
	cb(arg, fd, &copy);
	return DIAL_GONE;
}

void
dial_cancel(struct dial *d)
{
	if (d != NULL)
		dial_free(d);
}

static void
dial_tell(struct dial *d, enum sock_attempt_what what, struct dial_try *t,
    int err, const char *reason, const char *winner)
{
	struct sock_attempt	a;

	if (d->o.attempt == NULL)
		return;
	memset(&a, 0, sizeof a);
	a.what = what;
	a.addr = t->name;
	a.err = err;
	a.reason = reason;
	a.winner = winner;
	a.n = (size_t)(t - d->tries) + 1;
	a.of = d->ntries;
	d->o.attempt(d->o.attempt_arg, &a);
}

static enum dial_rank
dial_rank(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return DIAL_RANK_REFUSED;
	case ETIMEDOUT:
		return DIAL_RANK_TIMEOUT;
	case ENETUNREACH:
	case EHOSTUNREACH:
	case ENETDOWN:
	case EHOSTDOWN:
	case EADDRNOTAVAIL:
	case EAFNOSUPPORT:
		return DIAL_RANK_UNREACH;
	default:
		return DIAL_RANK_OTHER;
	}
}

/* "-w 1.5" as "1.500s", for the timeout messages. */
static void
dial_timeout_str(const struct dial *d, char *buf, size_t size)
{
	snprintf(buf, size, "%lld.%03llds", (long long)(d->o.timeout_ms / 1000),
	    (long long)(d->o.timeout_ms % 1000));
}

/* The message of a connect that failed with err. */
static void
dial_conn_status(const struct dial *d, const struct dial_try *t, int err,
    struct status *st)
{
	char	w[32];

	if (err == ETIMEDOUT && d->o.timeout_ms >= 0) {
		dial_timeout_str(d, w, sizeof w);
		status_set(st, SC_EX_TEMPFAIL, "%s: connect timeout: no answer "
		    "within %s", t->name, w);
	} else
		status_errno(st, err, SC_EX_UNAVAILABLE, t->name);
}

/*
 * Attempt t failed with err (st: its message, or NULL for a connect
 * error): say so, close it, keep the message if it is the most telling.
 */
static void
dial_try_failed(struct dial *d, struct dial_try *t, int err,
    const struct status *st)
{
	struct status	own;
	enum dial_rank	rank = dial_rank(err);

	if (st == NULL) {
		dial_conn_status(d, t, err, &own);
		st = &own;
	}
	dial_tell(d, SOCK_ATTEMPT_FAIL, t, err, st->msg, NULL);
	dial_try_close(d, t);
	if (rank > d->best_rank) {
		d->best = *st;
		d->best_rank = rank;
	}
}

/* t connected: close the others and hand its socket over. */
static enum dial_step
dial_won(struct dial *d, struct dial_try *t)
{
	size_t	i;
	int	fd = t->fd;

	loop_timer_stop(d->loop, &t->retry);
	loop_del(d->loop, fd);
	t->fd = -1;
	d->inflight--;
	dial_tell(d, SOCK_ATTEMPT_OK, t, 0, NULL, NULL);
	for (i = 0; i < d->ntries; i++) {
		if (d->tries[i].fd < 0)
			continue;
		dial_tell(d, SOCK_ATTEMPT_LOST, &d->tries[i], 0, NULL, t->name);
		dial_try_close(d, &d->tries[i]);
	}
	return dial_finish(d, fd, NULL);
}

/* Every attempt has failed: report the most telling failure. */
static enum dial_step
dial_lost(struct dial *d)
{
	struct status	st;

	if (d->best_rank == DIAL_RANK_NONE) {
		status_set(&st, SC_EX_UNAVAILABLE, "%s: no address to connect "
		    "to", d->subject);
		return dial_finish(d, -1, &st);
	}
	return dial_finish(d, -1, &d->best);
}

/* -s / --source-port, or a Unix datagram client's autobind name. */
static int
dial_try_bind(struct dial *d, struct dial_try *t, struct status *st)
{
	struct sockaddr_storage	 ss;
	struct addrinfo		*ai;
	socklen_t		 len;
	char			 name[ADDR_STRLEN];
	int			 one = 1;

	if (t->family == AF_UNIX) {
		struct sockaddr_un	un = { .sun_family = AF_UNIX };

		/*
		 * An unbound Unix datagram client cannot be answered: bind it
		 * to an autobind abstract name (length sizeof(sa_family_t)).
		 */
		if (t->type == SOCK_DGRAM && bind(t->fd, (struct sockaddr *)&un,
		    sizeof(sa_family_t)) < 0)
			return status_errno(st, errno, SC_EX_OSERR, "bind");
		return 0;
	}
	if (d->src == NULL && !d->o.source_port_set)
		return 0;
	memset(&ss, 0, sizeof ss);
	if (d->src != NULL) {
		for (ai = d->src; ai->ai_family != t->family; ai = ai->ai_next)
			;	/* the tries were chosen to have one */
		memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
		len = ai->ai_addrlen;
	} else if (t->family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_addr = in6addr_any;
		in6->sin6_port = htons(d->o.source_port);
		len = sizeof *in6;
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_ANY);
		in->sin_port = htons(d->o.source_port);
		len = sizeof *in;
	}
	/* A fixed source port: TIME_WAIT of the last run must not block it. */
	if (d->o.source_port_set && setsockopt(t->fd, SOL_SOCKET,
	    SO_REUSEADDR, &one, sizeof one) < 0)
		return status_errno(st, errno, SC_EX_OSERR,
		    "setsockopt SO_REUSEADDR");
	if (bind(t->fd, (struct sockaddr *)&ss, len) < 0)
		return status_errno(st, errno, SC_EX_OSERR,
		    addr_format((struct sockaddr *)&ss, len, name, sizeof name));
	return 0;
}

/*
 * A Unix listener whose backlog is full makes a non-blocking connect say
 * EAGAIN: nothing is in progress, and polling the socket would report it
 * writable while unconnected.  dial_blocking() waits in a blocking
 * connect instead (a Unix connect waits as long as SO_SNDTIMEO says);
 * on a shared loop the connect is retried on a timer.  Returns 0 or an
 * errno value.
 */
static int
dial_unix_wait(struct dial *d, struct dial_try *t)
{
	struct timeval	tv = { 0, 0 };	/* 0: no limit */
	int64_t		left;
	int		rc, err;

	if (d->o.timeout_ms >= 0) {
		left = d->started + d->o.timeout_ms - sock_now_ms();
		if (left <= 0)
			return ETIMEDOUT;
		tv.tv_sec = (time_t)(left / 1000);
		tv.tv_usec = (suseconds_t)(left % 1000) * 1000;
	}
	if (sock_set_nonblock(t->fd, 0) < 0 || setsockopt(t->fd, SOL_SOCKET,
	    SO_SNDTIMEO, &tv, sizeof tv) < 0)
		return errno;
	do
		rc = connect(t->fd, (struct sockaddr *)&t->sa, t->len);
	while (rc < 0 && errno == EINTR && sig_pending() == 0);
	err = rc < 0 && errno != EISCONN ? errno : 0;
	tv.tv_sec = tv.tv_usec = 0;
	setsockopt(t->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (sock_set_nonblock(t->fd, 1) < 0 && err == 0)
		err = errno;
	return err == EAGAIN ? ETIMEDOUT : err;
}

static int	dial_next(struct dial *);

/* Ask a full Unix backlog again. */
static void
dial_unix_retry_cb(struct loop *l, struct loop_timer *timer, void *arg)
{
	struct dial_try	*t = arg;
	struct dial	*d = t->d;
	struct status	 st;

	(void)timer;
	if (connect(t->fd, (struct sockaddr *)&t->sa, t->len) == 0 ||
	    errno == EISCONN) {
		dial_won(d, t);
		return;
	}
	if (errno == EAGAIN || errno == EINTR) {
		if (t->backoff < DIAL_UNIX_RETRY_MAX)
			t->backoff *= 2;
		if (loop_timer_at(l, &t->retry, loop_now(l) + t->backoff,
		    &st) == 0)
			return;
		dial_try_failed(d, t, ENOMEM, &st);
	} else
		dial_try_failed(d, t, errno, NULL);
	dial_next(d);
}

/* Start attempt t: a socket, its options, -s, then connect. */
static enum dial_step
dial_try_start(struct dial *d, struct dial_try *t)
{
	struct status	st;
	int		err;

	status_clear(&st);
	t->fd = socket(t->family, t->type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (t->fd < 0) {
		err = errno;
		status_set(&st, status_errno_code(err, SC_EX_OSERR), "%s: "
		    "socket: %s", t->name, strerror(err));
		dial_try_failed(d, t, err, &st);
		return DIAL_FAILED;
	}
	d->inflight++;
	if (sock_apply(t->fd, &d->o, t->family, 0, &st) < 0 ||
	    dial_try_bind(d, t, &st) < 0) {
		dial_try_failed(d, t, errno, &st);
		return DIAL_FAILED;
	}
	dial_tell(d, SOCK_ATTEMPT_START, t, 0, NULL, NULL);
	if (connect(t->fd, (struct sockaddr *)&t->sa, t->len) == 0)
		return dial_won(d, t);
	err = errno;
	if (err == EINPROGRESS) {
		if (loop_set(d->loop, t->fd, LOOP_WRITE, dial_try_cb, t,
		    &st) < 0) {
			dial_try_failed(d, t, ENOMEM, &st);
			return DIAL_FAILED;
		}
		return DIAL_PENDING;
	}
	if (t->family == AF_UNIX && err == EAGAIN) {
		if (d->blocking) {
			err = dial_unix_wait(d, t);
			if (err == 0)
				return dial_won(d, t);
		} else {
			t->backoff = DIAL_UNIX_RETRY_MIN;
			if (loop_timer_at(d->loop, &t->retry, loop_now(d->loop) +
			    t->backoff, &st) == 0)
				return DIAL_PENDING;
			err = ENOMEM;
		}
	}
	dial_try_failed(d, t, err, NULL);
	return DIAL_FAILED;
}

/*
 * Start the next attempts until one is in progress (then the stagger
 * timer is armed for the one after it) or none is left (then, with none
 * in progress either, the dial has failed).  Returns 1 when the dial is
 * finished and gone.
 */
static int
dial_next(struct dial *d)
{
	struct status	st;

	loop_timer_stop(d->loop, &d->stagger);
	while (d->next < d->ntries) {
		switch (dial_try_start(d, &d->tries[d->next++])) {
		case DIAL_GONE:
			return 1;
		case DIAL_PENDING:
			if (d->next < d->ntries && loop_timer_at(d->loop,
			    &d->stagger, loop_now(d->loop) + DIAL_STAGGER_MS,
			    &st) < 0)
				return dial_finish(d, -1, &st) == DIAL_GONE;
			return 0;
		case DIAL_FAILED:
			break;
		}
	}
	if (d->inflight == 0) {
		dial_lost(d);
		return 1;
	}
	return 0;
}

/* An attempt in progress became writable: connected, or failed. */
static void
dial_try_cb(struct loop *l, int fd, int mask, void *arg)
{
	struct dial_try	*t = arg;
	struct dial	*d = t->d;
	socklen_t	 len = sizeof(int);
	int		 err = 0;

	(void)l;
	(void)mask;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == 0) {
		dial_won(d, t);
		return;
	}
	dial_try_failed(d, t, err, NULL);
	dial_next(d);
}

static void
dial_stagger_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	dial_next(arg);
}

static void
dial_kick_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	dial_next(arg);
}

/* -w has passed: what is in progress has timed out. */
static void
dial_deadline_cb(struct loop *l, struct loop_timer *timer, void *arg)
{
	struct dial	*d = arg;
	struct status	 st;
	char		 w[32];
	size_t		 i;

	(void)l;
	(void)timer;
	dial_timeout_str(d, w, sizeof w);
	if (d->dst_req != NULL || d->src_req != NULL) {
		status_set(&st, SC_EX_TEMPFAIL, "%s: connect timeout: the name "
		    "did not resolve within %s", d->subject, w);
		dial_finish(d, -1, &st);
		return;
	}
	for (i = 0; i < d->ntries; i++)
		if (d->tries[i].fd >= 0)
			dial_try_failed(d, &d->tries[i], ETIMEDOUT, NULL);
	if (d->best_rank == DIAL_RANK_NONE) {
		status_set(&st, SC_EX_TEMPFAIL, "%s: connect timeout: no answer "
		    "within %s", d->subject, w);
		dial_finish(d, -1, &st);
		return;
	}
	dial_lost(d);
}

static void
dial_try_init(struct dial *d, struct dial_try *t, int family, int type,
    const struct sockaddr *sa, socklen_t len)
{
	memset(t, 0, sizeof *t);
	t->d = d;
	t->fd = -1;
	t->family = family;
	t->type = type;
	memcpy(&t->sa, sa, len);
	t->len = len;
	if (family == AF_UNIX)
		snprintf(t->name, sizeof t->name, "%s", d->subject);
	else
		addr_format(sa, len, t->name, sizeof t->name);
	loop_timer_init(&t->retry, dial_unix_retry_cb, t);
}

/*
 * Add ai to the plan unless it is there already: glibc's /etc/hosts
 * backend answers a -4 lookup of a name listed as ::1 and 127.0.0.1 with
 * 127.0.0.1 twice.
 */
static void
dial_plan_add(struct dial *d, const struct addrinfo *ai)
{
	size_t	i;

	for (i = 0; i < d->ntries; i++)
		if (d->tries[i].len == ai->ai_addrlen &&
		    memcmp(&d->tries[i].sa, ai->ai_addr, ai->ai_addrlen) == 0)
			return;
	dial_try_init(d, &d->tries[d->ntries++], ai->ai_family,
	    d->o.socktype, ai->ai_addr, ai->ai_addrlen);
}

/* Is there a -s address of this family (or no -s at all)? */
static int
dial_src_has(const struct dial *d, int family)
{
	const struct addrinfo	*ai;

	if (d->src == NULL)
		return 1;
	for (ai = d->src; ai != NULL; ai = ai->ai_next)
		if (ai->ai_family == family)
			return 1;
	return 0;
}

/*
 * Both names are resolved: order the addresses, the family getaddrinfo
 * put first, then the other, then the first again, and begin.
 */
static void
dial_plan(struct dial *d)
{
	struct addrinfo	*ai, *a = NULL, *b = NULL;
	struct status	 st;
	size_t		 n = 0;
	int		 first;

	if (d->dst_req != NULL || d->src_req != NULL)
		return;
	for (ai = d->dst; ai != NULL; ai = ai->ai_next)
		n++;
	d->tries = calloc(n == 0 ? 1 : n, sizeof *d->tries);
	if (d->tries == NULL) {
		status_errno(&st, ENOMEM, SC_EX_OSERR, "connect");
		dial_finish(d, -1, &st);
		return;
	}
	first = d->dst != NULL ? d->dst->ai_family : AF_UNSPEC;
	a = b = d->dst;
	for (;;) {
		while (a != NULL && (a->ai_family != first ||
		    !dial_src_has(d, a->ai_family)))
			a = a->ai_next;
		while (b != NULL && (b->ai_family == first ||
		    !dial_src_has(d, b->ai_family)))
			b = b->ai_next;
		if (a == NULL && b == NULL)
			break;
		if (a != NULL) {
			dial_plan_add(d, a);
			a = a->ai_next;
		}
		if (b != NULL) {
			dial_plan_add(d, b);
			b = b->ai_next;
		}
	}
	freeaddrinfo(d->dst);
	d->dst = NULL;
	if (d->ntries == 0 && n > 0) {
		status_set(&st, SC_EX_OSERR, "%s: no address of the family "
		    "of --source %s", d->subject, d->source);
		dial_finish(d, -1, &st);
		return;
	}
	dial_next(d);
}

static void
dial_dst_cb(void *arg, struct addrinfo *res, const struct status *st)
{
	struct dial	*d = arg;

	d->dst_req = NULL;
	if (res == NULL) {
		dial_finish(d, -1, st);
		return;
	}
	d->dst = res;
	dial_plan(d);
}

static void
dial_src_cb(void *arg, struct addrinfo *res, const struct status *st)
{
	struct dial	*d = arg;
	struct status	 own;

	d->src_req = NULL;
	if (res == NULL) {
		status_set(&own, st->code, "--source %s", st->msg);
		dial_finish(d, -1, &own);
		return;
	}
	d->src = res;
	dial_plan(d);
}

/* The Unix target: one attempt, started from a 0 ms timer. */
static int
dial_start_unix(struct dial *d, struct status *st)
{
	struct sockaddr_un	sun;
	socklen_t		len;

	if (addr_unix(d->o.unix_path, &sun, &len, st) < 0)
		return -1;
	snprintf(d->subject, sizeof d->subject, "%s", d->o.unix_path);
	d->tries = calloc(1, sizeof *d->tries);
	if (d->tries == NULL)
		return status_errno(st, ENOMEM, SC_EX_OSERR, "connect");
	dial_try_init(d, &d->tries[0], AF_UNIX, sock_type(&d->o),
	    (struct sockaddr *)&sun, len);
	d->ntries = 1;
	return loop_timer_at(d->loop, &d->kick, loop_now(d->loop), st);
}

static int
dial_start_ip(struct dial *d, const char *host, uint16_t port,
    struct status *st)
{
	int	numeric = d->o.numeric ? ADDR_NUMERIC : 0;

	snprintf(d->subject, sizeof d->subject,
	    strchr(host, ':') != NULL && host[0] != '[' ? "[%s]:%u" : "%s:%u",
	    host, (unsigned)port);
	d->dst_req = resolve_start(d->loop, host, port, d->o.family,
	    d->o.socktype, numeric, dial_dst_cb, d, st);
	if (d->dst_req == NULL)
		return -1;
	if (d->o.source != NULL) {
		snprintf(d->source, sizeof d->source, "%s", d->o.source);
		d->src_req = resolve_start(d->loop, d->o.source,
		    d->o.source_port, d->o.family, d->o.socktype,
		    ADDR_PASSIVE | numeric, dial_src_cb, d, st);
		if (d->src_req == NULL)
			return -1;
	}
	return 0;
}

static struct dial *
dial_new(struct loop *l, const struct sock_opts *o, const char *host,
    uint16_t port, int blocking, dial_cb cb, void *arg, struct status *st)
{
	struct dial	*d;
	int		 rc;

	if (host == NULL && o->unix_path == NULL) {
		status_set(st, SC_EX_SOFTWARE, "connect: no host and no path");
		return NULL;
	}
	d = calloc(1, sizeof *d);
	if (d == NULL) {
		status_errno(st, ENOMEM, SC_EX_OSERR, "connect");
		return NULL;
	}
	d->loop = l;
	d->o = *o;
	d->blocking = blocking;
	d->cb = cb;
	d->arg = arg;
	d->started = loop_now(l);
	loop_timer_init(&d->kick, dial_kick_cb, d);
	loop_timer_init(&d->stagger, dial_stagger_cb, d);
	loop_timer_init(&d->deadline, dial_deadline_cb, d);
	rc = host == NULL ? dial_start_unix(d, st) :
	    dial_start_ip(d, host, port, st);
	if (rc == 0 && o->timeout_ms >= 0)
		rc = loop_timer_at(l, &d->deadline, d->started + o->timeout_ms,
		    st);
	/* Only the caller's strings' copies are used from here on. */
	d->o.unix_path = NULL;
	d->o.source = NULL;
	d->o.bind = NULL;
	if (rc < 0) {
		dial_free(d);
		return NULL;
	}
	return d;
}

struct dial *
dial_start(struct loop *l, const struct sock_opts *o, const char *host,
    uint16_t port, dial_cb cb, void *arg, struct status *st)
{
	return dial_new(l, o, host, port, 0, cb, arg, st);
}

/* What dial_blocking() waits for. */
struct dial_wait {
	struct loop	*loop;
	int		 done;
	int		 fd;
	struct status	 st;
};

static void
dial_wait_cb(void *arg, int fd, const struct status *st)
{
	struct dial_wait	*w = arg;

	w->done = 1;
	w->fd = fd;
	w->st = *st;
	loop_stop(w->loop);
}

int
dial_blocking(const struct sock_opts *o, const char *host, uint16_t port,
    struct status *st)
{
	struct dial_wait	 w;
	struct dial		*d;
	int			 err;

	memset(&w, 0, sizeof w);
	w.fd = -1;
	if ((w.loop = loop_new(st)) == NULL)
		return -1;
	d = dial_new(w.loop, o, host, port, 1, dial_wait_cb, &w, st);
	if (d == NULL) {
		loop_free(w.loop);
		return -1;
	}
	while (!w.done) {
		if (loop_run(w.loop, NULL, NULL, st) < 0 ||
		    (!w.done && sig_pending() != 0)) {
			err = sig_pending() != 0 ? EINTR : errno;
			if (err == EINTR)
				status_errno(st, EINTR, SC_EX_FAIL, "connect");
			dial_cancel(d);
			loop_free(w.loop);
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

const char *
dial_attempt_str(const struct sock_attempt *a, char *buf, size_t size)
{
	switch (a->what) {
	case SOCK_ATTEMPT_START:
		if (a->of > 1)
			snprintf(buf, size, "connecting to %s (address %zu of "
			    "%zu)", a->addr, a->n, a->of);
		else
			snprintf(buf, size, "connecting to %s", a->addr);
		break;
	case SOCK_ATTEMPT_FAIL:
		snprintf(buf, size, "%s", a->reason != NULL ? a->reason :
		    a->addr);
		break;
	case SOCK_ATTEMPT_LOST:
		snprintf(buf, size, "%s: closed, %s connected first", a->addr,
		    a->winner != NULL ? a->winner : "another");
		break;
	default:
		snprintf(buf, size, "connected to %s", a->addr);
		break;
	}
	return buf;
}
