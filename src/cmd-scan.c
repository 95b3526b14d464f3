/*
 * cmd-scan.c: sockcat scan HOST PORTS... (which ports accept; nc -z, in
 * parallel).
 *
 * HOST is resolved once (its first address).  Each port gets a
 * non-blocking connect, at most -j at once, each bounded by -w, on one
 * event loop.  On loopback the answer is known when connect() returns, so
 * a second connect() asks for it at once (ECONNREFUSED, 0 or EISCONN,
 * EALREADY while the handshake is under way) and only the ports still
 * waiting cost an epoll registration and a timer.  Results are printed in
 * ascending order as soon as every lower port is done.
 *
 * -u sends each port an empty datagram on a connected UDP socket: an ICMP
 * port unreachable (ECONNREFUSED on recv) means closed, an answer open,
 * silence within -w open|filtered.  Linux sends at most 1000 ICMP errors
 * a second (net.ipv4.icmp_msgs_per_sec, in bursts of 50), so UDP probes
 * start at most SCAN_UDP_RATE a second and a silent port is asked once
 * more halfway through -w: a closed port is not taken for a silent one
 * because its answer was rate-limited away.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "cmd.h"
#include "log.h"
#include "loop.h"
#include "opt.h"
#include "parse.h"
#include "sig.h"
#include "sock.h"
#include "status.h"

#define SCAN_PARALLEL	256	/* -j default */
#define SCAN_PARALLEL_MAX 65535
#define SCAN_TIMEOUT_MS	1000	/* -w default */
#define SCAN_FD_SPARE	16	/* descriptors kept for everything else */
#define SCAN_BANNER_MAX	256	/* bytes of a banner looked at */
#define SCAN_UDP_RATE	900	/* UDP probes started per second */
#define SCAN_UDP_BURST	40	/* ... of which at once */
#define SCAN_RETRY_MS	20	/* out of local ports or descriptors */

enum {
	OPT_BANNER = OPT_CMD
};

static const struct opt_row scan_rows[] = {
	OPT_ROW_IPV4,
	OPT_ROW_IPV6,
	OPT_ROW_SOURCE,
	OPT_ROW_NUMERIC,
	{ 'j', 'j', "parallel", OPT_ARG_REQUIRED, "N",
	  "probe at most N ports at once (default 256)" },
	OPT_ROW_TIMEOUT("how long each port may take to answer (default 1s)"),
	{ OPT_BANNER, 0, "banner", OPT_ARG_NONE, NULL,
	  "print the first line an open port says within -w" },
	{ 'u', 'u', "udp", OPT_ARG_NONE, NULL,
	  "probe UDP ports (closed, open, or open|filtered when silent)" },
	OPT_ROW_VERBOSE,
	OPT_ROW_QUIET,
	OPT_ROW_LOG_FORMAT,
	OPT_ROW_END
};

/* What a port came to; PENDING until then. */
enum scan_state {
	SCAN_NONE,		/* not asked for */
	SCAN_PENDING,
	SCAN_OPEN,
	SCAN_CLOSED,
	SCAN_FILTERED,		/* no answer within -w (TCP) */
	SCAN_UNREACH,		/* an ICMP error other than port unreachable */
	SCAN_OPEN_FILTERED	/* UDP: silence */
};

struct scan;

/* One port being probed. */
struct scan_probe {
	struct scan		*s;
	struct scan_probe	*next_free;
	int			 fd;
	uint16_t		 port;
	int			 banner;	/* reading the banner */
	int			 resent;	/* UDP: asked twice */
	int			 refused;	/* TCP: its connect was refused */
	size_t			 blen;
	char			 buf[SCAN_BANNER_MAX];
	struct loop_timer	 timer;
};

struct scan {
	struct sock_opts	 o;
	int			 parallel;	/* -j */
	int			 banner;	/* --banner */
	int			 udp;		/* -u */
	struct loop		*loop;
	struct status		 st;		/* a fatal error */
	int			 failed;
	struct sockaddr_storage	 target;
	socklen_t		 tlen;
	struct sockaddr_storage	 src;		/* -s */
	socklen_t		 srclen;
	char			 name[ADDR_STRLEN];	/* the address */
	unsigned char		 set[PARSE_PORTS_BYTES];
	unsigned char		*state;		/* enum scan_state per port */
	char			**banners;	/* --banner: per port */
	const char		**services;	/* names from /etc/services */
	char			*services_pool;
	uint32_t		 next;		/* the next port to start */
	uint32_t		 print;		/* the next port to print */
	uint32_t		 nports;
	int			 active;
	struct scan_probe	*probes;
	struct scan_probe	*free;
	struct loop_timer	 retry;		/* out of ports or fds */
	struct loop_timer	 pace;		/* UDP start rate */
	int64_t			 tokens_at;	/* UDP token bucket */
	int			 tokens;
	uint32_t		 count[SCAN_OPEN_FILTERED + 1];
	int64_t			 started;
};

static int
scan_opt(void *ctx, int id, const char *arg, struct status *st)
{
	struct scan	*s = ctx;
	int64_t		 v;

	switch (id) {
	case 'j':
		if (parse_count("--parallel", arg, 1, SCAN_PARALLEL_MAX, &v,
		    st) < 0)
			return -1;
		s->parallel = (int)v;
		return 0;
	case OPT_BANNER:
		s->banner = 1;
		return 0;
	case 'u':
		s->udp = 1;
		return 0;
	default:
		return status_set(st, SC_EX_SOFTWARE, "option %d not handled",
		    id);
	}
}

static int
scan_in_set(const struct scan *s, uint32_t port)
{
	return (s->set[port >> 3] >> (port & 7)) & 1;
}

/* ------------------------------------------------------------ output */

/*
 * The service names of /etc/services for our protocol, read once: a
 * getservbyport() per printed port would read the file again each time.
 */
static void
scan_services_load(struct scan *s)
{
	const char	*proto = s->udp ? "udp" : "tcp";
	struct servent	*se;
	size_t		 used = 0, size = 0, len, i;
	char		*pool = NULL, *np;
	uint32_t	*off;

	s->services = calloc(65536, sizeof *s->services);
	off = calloc(65536, sizeof *off);
	if (s->services == NULL || off == NULL) {
		free(off);
		return;		/* no names, then: they are decoration */
	}
	setservent(0);
	while ((se = getservent()) != NULL) {
		i = ntohs((uint16_t)se->s_port);
		if (strcmp(se->s_proto, proto) != 0 || off[i] != 0)
			continue;
		len = strlen(se->s_name) + 1;
		if (used + len > size) {
			size = size == 0 ? 16384 : size * 2;
			np = realloc(pool, size);
			if (np == NULL)
				break;
			pool = np;
		}
		if (used == 0)
			pool[used++] = '\0';	/* offset 0: no name */
		memcpy(pool + used, se->s_name, len);
		off[i] = (uint32_t)used;
		used += len;
	}
	endservent();
	for (i = 0; pool != NULL && i < 65536; i++)
		if (off[i] != 0)
			s->services[i] = pool + off[i];
	s->services_pool = pool;
	free(off);
}

static const char *
scan_service(struct scan *s, uint32_t port)
{
	if (s->services == NULL)
		scan_services_load(s);
	if (s->services == NULL || s->services[port] == NULL)
		return "unknown";
	return s->services[port];
}

static const char *
scan_state_str(enum scan_state state)
{
	switch (state) {
	case SCAN_OPEN:
		return "open";
	case SCAN_CLOSED:
		return "closed";
	case SCAN_OPEN_FILTERED:
		return "open|filtered";
	default:
		return "filtered";
	}
}

/* Print every finished port up to the first one still pending. */
static void
scan_print(struct scan *s)
{
	const char	*proto = s->udp ? "udp" : "tcp";
	enum scan_state	 state;
	char		*b;

	for (; s->print < 65536; s->print++) {
		state = (enum scan_state)s->state[s->print];
		if (state == SCAN_PENDING)
			return;
		if (state == SCAN_NONE)
			continue;
		if (state != SCAN_OPEN && state != SCAN_OPEN_FILTERED &&
		    log_level() < LOG_VERBOSE)
			continue;
		b = s->banners != NULL ? s->banners[s->print] : NULL;
		printf("%u/%s %s %s%s%s\n", (unsigned)s->print, proto,
		    scan_state_str(state), scan_service(s, s->print),
		    b != NULL ? " " : "", b != NULL ? b : "");
		if (b != NULL) {
			free(b);
			s->banners[s->print] = NULL;
		}
	}
}

/* Keep the printable characters of the first line of buf[0..len). */
static char *
scan_banner_line(const char *buf, size_t len)
{
	char	*out = malloc(len + 1);
	size_t	 i, n = 0;

	if (out == NULL)
		return NULL;
	for (i = 0; i < len && buf[i] != '\n'; i++)
		if (buf[i] >= ' ' && buf[i] < 0x7f)
			out[n++] = buf[i];
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	if (n == 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* --------------------------------------------------------------- probes */

static void	scan_fill(struct scan *);

static void
scan_fail(struct scan *s, const struct status *st)
{
	if (!s->failed)
		s->st = *st;
	s->failed = 1;
	loop_stop(s->loop);
}

/*
 * The port is done: record, free the probe, print what can be printed.
 * A TCP socket whose connect was refused (p->refused) is kept for the
 * probe's next port: connect() may be called again on it, and that halves
 * what a closed port costs the kernel (no socket to make and tear down).
 */
static void
scan_done(struct scan *s, struct scan_probe *p, enum scan_state state)
{
	if (p->fd >= 0) {
		loop_del(s->loop, p->fd);
		/* Not one connected to itself, which is closed too. */
		if (!p->refused) {
			close(p->fd);
			p->fd = -1;
		}
	}
	p->refused = 0;
	loop_timer_stop(s->loop, &p->timer);
	if (s->banner && p->blen > 0 && s->banners != NULL)
		s->banners[p->port] = scan_banner_line(p->buf, p->blen);
	s->state[p->port] = (unsigned char)state;
	s->count[state]++;
	if (log_level() >= LOG_DEBUG)
		log_info(LOG_DEBUG, "%u: %s", (unsigned)p->port,
		    scan_state_str(state));
	p->next_free = s->free;
	s->free = p;
	s->active--;
	scan_print(s);
}

/* A connect failed with err: what the port is. */
static enum scan_state
scan_conn_state(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return SCAN_CLOSED;
	case ETIMEDOUT:
		return SCAN_FILTERED;
	default:
		/* Host or network unreachable, administratively refused. */
		return SCAN_UNREACH;
	}
}

/*
 * A TCP connection that got to ourselves: connecting to 127.0.0.1:P from
 * the ephemeral port P is a simultaneous open with no listener.  It
 * proves nothing is there.
 */
static int
scan_self(int fd)
{
	struct sockaddr_storage	a, b;
	socklen_t		la = sizeof a, lb = sizeof b;

	if (getsockname(fd, (struct sockaddr *)&a, &la) < 0 ||
	    getpeername(fd, (struct sockaddr *)&b, &lb) < 0)
		return 0;
	return la == lb && memcmp(&a, &b, la) == 0;
}

static void
scan_banner_cb(struct loop *l, int fd, int mask, void *arg)
{
	struct scan_probe	*p = arg;
	ssize_t			 n;

	(void)l;
	(void)mask;
	n = recv(fd, p->buf + p->blen, sizeof p->buf - p->blen, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		p->blen += (size_t)n;
	if (n > 0 && p->blen < sizeof p->buf &&
	    memchr(p->buf, '\n', p->blen) == NULL)
		return;		/* the rest of the line may follow */
	scan_done(p->s, p, SCAN_OPEN);
	scan_fill(p->s);
}

/* A TCP port accepted. */
static void
scan_open(struct scan *s, struct scan_probe *p)
{
	struct status	st;

	if (scan_self(p->fd)) {
		scan_done(s, p, SCAN_CLOSED);
		return;
	}
	if (!s->banner) {
		scan_done(s, p, SCAN_OPEN);
		return;
	}
	/* -w again, for what the port says. */
	p->banner = 1;
	if (loop_set(s->loop, p->fd, LOOP_READ, scan_banner_cb, p, &st) < 0 ||
	    loop_timer_at(s->loop, &p->timer, loop_now(s->loop) +
	    s->o.timeout_ms, &st) < 0) {
		scan_done(s, p, SCAN_OPEN);
		scan_fail(s, &st);
	}
}

static void
scan_conn_cb(struct loop *l, int fd, int mask, void *arg)
{
	struct scan_probe	*p = arg;
	socklen_t		 len = sizeof(int);
	int			 err = 0;

	(void)l;
	(void)mask;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	p->refused = err == ECONNREFUSED;
	if (err == 0)
		scan_open(p->s, p);
	else
		scan_done(p->s, p, scan_conn_state(err));
	scan_fill(p->s);
}

static int
scan_udp_send(struct scan_probe *p)
{
	ssize_t	n;

	do
		n = send(p->fd, "", 0, 0);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : 0;
}

static void
scan_udp_cb(struct loop *l, int fd, int mask, void *arg)
{
	struct scan_probe	*p = arg;
	ssize_t			 n;

	(void)l;
	(void)mask;
	n = recv(fd, p->buf, sizeof p->buf, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n >= 0) {
		p->blen = (size_t)n;
		scan_done(p->s, p, SCAN_OPEN);
	} else
		scan_done(p->s, p, errno == ECONNREFUSED ? SCAN_CLOSED :
		    SCAN_UNREACH);
	scan_fill(p->s);
}

/* -w ran out: no answer, or (UDP) ask once more halfway. */
static void
scan_timer_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	struct scan_probe	*p = arg;
	struct scan		*s = p->s;
	struct status		 st;

	(void)t;
	if (s->udp && !p->resent) {
		p->resent = 1;
		if (scan_udp_send(p) == 0 && loop_timer_at(l, &p->timer,
		    loop_now(l) + s->o.timeout_ms - s->o.timeout_ms / 2,
		    &st) == 0)
			return;
	}
	if (p->banner)
		scan_done(s, p, SCAN_OPEN);
	else
		scan_done(s, p, s->udp ? SCAN_OPEN_FILTERED : SCAN_FILTERED);
	scan_fill(s);
}

/*
 * The socket could not even be made or connected for a local reason
 * (out of descriptors, of ephemeral ports, of buffers): 1 when the port
 * should be tried again later, else 0.
 */
static int
scan_transient(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS ||
	    err == ENOMEM || err == EADDRNOTAVAIL || err == EAGAIN;
}

/* After the connect: answer known at once, or wait for it. */
static int
scan_tcp_after(struct scan *s, struct scan_probe *p, int err,
    struct status *st)
{
	if (err == EINPROGRESS) {
		/* Loopback answers inside connect(): ask again at once. */
		if (connect(p->fd, (struct sockaddr *)&s->target,
		    s->tlen) == 0 || errno == EISCONN)
			err = 0;
		else
			err = errno;
	}
	if (err == 0) {
		scan_open(s, p);
		return 0;
	}
	if (err != EALREADY && err != EINPROGRESS) {
		p->refused = err == ECONNREFUSED;
		scan_done(s, p, scan_conn_state(err));
		return 0;
	}
	if (loop_set(s->loop, p->fd, LOOP_WRITE, scan_conn_cb, p, st) < 0 ||
	    loop_timer_at(s->loop, &p->timer, loop_now(s->loop) +
	    s->o.timeout_ms, st) < 0)
		return -1;
	return 0;
}

static int
scan_udp_after(struct scan *s, struct scan_probe *p, struct status *st)
{
	ssize_t	n;

	if (scan_udp_send(p) < 0) {
		if (errno == ECONNREFUSED) {
			scan_done(s, p, SCAN_CLOSED);
			return 0;
		}
		return status_errno(st, errno, SC_EX_UNAVAILABLE, s->name);
	}
	/* Loopback's port unreachable is usually in already. */
	n = recv(p->fd, p->buf, sizeof p->buf, MSG_DONTWAIT);
	if (n >= 0 || errno == ECONNREFUSED) {
		if (n > 0)
			p->blen = (size_t)n;
		scan_done(s, p, n >= 0 ? SCAN_OPEN : SCAN_CLOSED);
		return 0;
	}
	if (loop_set(s->loop, p->fd, LOOP_READ, scan_udp_cb, p, st) < 0 ||
	    loop_timer_at(s->loop, &p->timer, loop_now(s->loop) +
	    s->o.timeout_ms / 2, st) < 0)
		return -1;
	return 0;
}

/*
 * Start probing port.  Returns 0 (started, or already decided), 1 when a
 * local shortage says "later", -1 with st on a fatal error.
 */
static int
scan_start(struct scan *s, struct scan_probe *p, uint16_t port,
    struct status *st)
{
	int	err;

	p->port = port;
	p->banner = p->resent = p->refused = 0;
	p->blen = 0;
	if (p->fd >= 0)
		goto ready;	/* refused last time: connect it again */
	p->fd = socket(s->target.ss_family, (s->udp ? SOCK_DGRAM :
	    SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		err = errno;
		if (scan_transient(err))
			return 1;
		return status_errno(st, err, SC_EX_OSERR, "socket");
	}
	if (s->srclen > 0 && bind(p->fd, (struct sockaddr *)&s->src,
	    s->srclen) < 0) {
		err = errno;
		close(p->fd);
		p->fd = -1;
		if (scan_transient(err) && err != EADDRNOTAVAIL)
			return 1;
		return status_errno(st, err, SC_EX_OSERR, "--source");
	}
ready:
	if (s->target.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&s->target)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)&s->target)->sin_port = htons(port);
	s->active++;
	if (connect(p->fd, (struct sockaddr *)&s->target, s->tlen) == 0)
		err = 0;
	else
		err = errno;
	if (err != 0 && err != EINPROGRESS && scan_transient(err)) {
		close(p->fd);
		p->fd = -1;
		s->active--;
		return 1;
	}
	if (s->udp) {
		if (err != 0) {
			scan_done(s, p, scan_conn_state(err));
			return 0;
		}
		return scan_udp_after(s, p, st);
	}
	return scan_tcp_after(s, p, err, st);
}

/* The next port of the set from s->next on, or 65536. */
static uint32_t
scan_next_port(struct scan *s)
{
	while (s->next < 65536 && !scan_in_set(s, s->next))
		s->next++;
	return s->next;
}

/* UDP: may one more probe start now?  Else arm the pacing timer. */
static int
scan_udp_token(struct scan *s)
{
	int64_t		now = loop_now(s->loop), add;
	struct status	st;

	/* Tokens come at SCAN_UDP_RATE a second, at most a burst's worth. */
	add = (now - s->tokens_at) * SCAN_UDP_RATE / 1000;
	if (add > 0) {
		s->tokens_at += add * 1000 / SCAN_UDP_RATE;
		if (add >= SCAN_UDP_BURST - s->tokens) {
			s->tokens = SCAN_UDP_BURST;
			s->tokens_at = now;
		} else
			s->tokens += (int)add;
	}
	if (s->tokens > 0) {
		s->tokens--;
		return 1;
	}
	if (!loop_timer_armed(&s->pace) && loop_timer_at(s->loop, &s->pace,
	    now + 1, &st) < 0)
		scan_fail(s, &st);
	return 0;
}

/* Start probes while there are ports left and room under -j. */
static void
scan_fill(struct scan *s)
{
	struct scan_probe	*p;
	struct status		 st;
	uint32_t		 port;
	int			 rc;

	if (s->failed)
		return;
	while (s->active < s->parallel && s->free != NULL &&
	    (port = scan_next_port(s)) < 65536) {
		if (s->udp && !scan_udp_token(s))
			return;
		/* The probe is ours until scan_done() gives it back. */
		p = s->free;
		s->free = p->next_free;
		rc = scan_start(s, p, (uint16_t)port, &st);
		if (rc != 0) {
			p->next_free = s->free;
			s->free = p;
		}
		if (rc < 0) {
			scan_fail(s, &st);
			return;
		}
		if (rc > 0) {
			/* Out of something local: wait for a probe to end. */
			if (s->active == 0 && loop_timer_at(s->loop, &s->retry,
			    loop_now(s->loop) + SCAN_RETRY_MS, &st) < 0)
				scan_fail(s, &st);
			return;
		}
		s->next++;
	}
	if (s->active == 0 && scan_next_port(s) >= 65536)
		loop_stop(s->loop);
}

static void
scan_refill_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	scan_fill(arg);
}

/* --------------------------------------------------------------- set-up */

/* -j against the open-file limit: raise it, or lower -j with a warning. */
static int
scan_limit(struct scan *s, struct status *st)
{
	uint64_t	from, to;

	if (loop_nofile_raise(&from, &to, st) < 0)
		return -1;
	if (to != from)
		log_info(LOG_VERBOSE, "open-file limit raised from %llu to "
		    "%llu", (unsigned long long)from, (unsigned long long)to);
	if ((uint64_t)s->parallel + SCAN_FD_SPARE <= to)
		return 0;
	log_warn("-j %d: the open-file limit is %llu; using -j %llu",
	    s->parallel, (unsigned long long)to, (unsigned long long)
	    (to > SCAN_FD_SPARE + 1 ? to - SCAN_FD_SPARE : 1));
	s->parallel = to > SCAN_FD_SPARE + 1 ? (int)(to - SCAN_FD_SPARE) : 1;
	return 0;
}

static int
scan_resolve(struct scan *s, const char *host, struct status *st)
{
	struct addrinfo	*res, *ai;
	int		 flags = s->o.numeric ? ADDR_NUMERIC : 0;

	if (addr_resolve(host, 0, s->o.family, s->udp ? SOCK_DGRAM :
	    SOCK_STREAM, flags, &res, st) < 0)
		return -1;
	memcpy(&s->target, res->ai_addr, res->ai_addrlen);
	s->tlen = res->ai_addrlen;
	freeaddrinfo(res);
	addr_format((struct sockaddr *)&s->target, s->tlen, s->name,
	    sizeof s->name);
	/* The address alone: "127.0.0.1", "::1". */
	if (s->name[0] == '[') {
		memmove(s->name, s->name + 1, strlen(s->name));
		*strrchr(s->name, ']') = '\0';
	} else
		*strrchr(s->name, ':') = '\0';
	if (s->o.source == NULL)
		return 0;
	if (addr_resolve(s->o.source, 0, s->o.family, s->udp ? SOCK_DGRAM :
	    SOCK_STREAM, ADDR_PASSIVE | flags, &res, st) < 0)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (ai->ai_family == s->target.ss_family) {
			memcpy(&s->src, ai->ai_addr, ai->ai_addrlen);
			s->srclen = ai->ai_addrlen;
			break;
		}
	freeaddrinfo(res);
	if (s->srclen == 0)
		return status_set(st, SC_EX_OSERR, "%s: no address of the "
		    "family of --source %s", s->name, s->o.source);
	return 0;
}

static int
scan_setup(struct scan *s, const char *host, struct status *st)
{
	int	i;

	if (s->o.timeout_ms < 0)
		s->o.timeout_ms = SCAN_TIMEOUT_MS;
	if (s->o.timeout_ms == 0)
		return status_usage(st, "--timeout must be more than 0");
	if (s->udp && s->banner)
		log_info(LOG_DEBUG, "--banner with -u: the first line of "
		    "each answer");
	if (scan_resolve(s, host, st) < 0 || scan_limit(s, st) < 0)
		return -1;
	s->state = calloc(65536, 1);
	s->probes = calloc((size_t)s->parallel, sizeof *s->probes);
	if (s->banner)
		s->banners = calloc(65536, sizeof *s->banners);
	if (s->state == NULL || s->probes == NULL ||
	    (s->banner && s->banners == NULL))
		return status_errno(st, ENOMEM, SC_EX_OSERR, "scan");
	for (i = s->parallel; i-- > 0; ) {
		s->probes[i].s = s;
		s->probes[i].fd = -1;
		loop_timer_init(&s->probes[i].timer, scan_timer_cb,
		    &s->probes[i]);
		s->probes[i].next_free = s->free;
		s->free = &s->probes[i];
	}
	if ((s->loop = loop_new(st)) == NULL)
		return -1;
	loop_timer_init(&s->retry, scan_refill_cb, s);
	loop_timer_init(&s->pace, scan_refill_cb, s);
	s->tokens = SCAN_UDP_BURST;
	s->tokens_at = loop_now(s->loop);
	return 0;
}

static void
scan_cleanup(struct scan *s)
{
	int	i;

	for (i = 0; s->probes != NULL && i < s->parallel; i++)
		if (s->probes[i].fd >= 0) {
			loop_del(s->loop, s->probes[i].fd);
			close(s->probes[i].fd);
		}
	for (i = 0; s->banners != NULL && i < 65536; i++)
		free(s->banners[i]);
	loop_free(s->loop);
	free(s->banners);
	free(s->probes);
	free(s->state);
	free(s->services);
	free(s->services_pool);
}

/* 0 some port open (or open|filtered), 75 none and one timed out, 69. */
static int
scan_status(const struct scan *s)
{
	if (s->count[SCAN_OPEN] > 0 || s->count[SCAN_OPEN_FILTERED] > 0)
		return SC_EX_OK;
	if (s->count[SCAN_FILTERED] > 0)
		return SC_EX_TEMPFAIL;
	return SC_EX_UNAVAILABLE;
}

static int
scan_run(struct scan *s, struct status *st)
{
	uint32_t	p;

	/* Pending from the start: the printer waits for each in turn. */
	for (p = 1; p < 65536; p++)
		if (scan_in_set(s, p)) {
			s->state[p] = SCAN_PENDING;
			s->nports++;
		}
	log_info(LOG_VERBOSE, "scanning %u %s port%s of %s", s->nports,
	    s->udp ? "UDP" : "TCP", s->nports == 1 ? "" : "s", s->name);
	s->started = loop_now(s->loop);
	scan_fill(s);
	/* On loopback every answer may be in already. */
	if (!s->failed && (s->active > 0 || scan_next_port(s) < 65536) &&
	    loop_run(s->loop, NULL, NULL, st) < 0)
		return -1;
	if (s->failed) {
		*st = s->st;
		return -1;
	}
	if (sig_pending() != 0)
		return 0;
	log_info(LOG_VERBOSE, "%u open, %u closed, %u filtered%s in %lldms",
	    s->count[SCAN_OPEN], s->count[SCAN_CLOSED],
	    s->count[SCAN_FILTERED] + s->count[SCAN_UNREACH] +
	    s->count[SCAN_OPEN_FILTERED], s->udp ? " or silent" : "",
	    (long long)(sock_now_ms() - s->started));
	return 0;
}

static int
scan_main(const struct sc_cmd *cmd, int argc, char **argv)
{
	struct scan	*s;
	struct status	 st;
	int		 first, i, rc;

	status_clear(&st);
	s = calloc(1, sizeof *s);
	if (s == NULL) {
		status_errno(&st, ENOMEM, SC_EX_OSERR, "scan");
		return log_status(&st);
	}
	s->parallel = SCAN_PARALLEL;
	sock_opts_init(&s->o, SOCK_STREAM, "tcp");
	first = opt_parse(cmd, argc, argv, &s->o, scan_opt, s, &st);
	if (first == OPT_HELP) {
		free(s);
		return SC_EX_OK;
	}
	if (first < 0)
		goto out;
	if (first >= argc) {
		status_usage(&st, "HOST and PORTS are needed");
		goto out;
	}
	if (first + 1 >= argc) {
		status_usage(&st, "PORTS are needed after HOST");
		goto out;
	}
	if (addr_host("HOST", argv[first], NULL, 0, &st) < 0)
		goto out;
	for (i = first + 1; i < argc; i++)
		if (parse_ports("PORTS", argv[i], s->udp ? "udp" : "tcp",
		    s->set, &st) < 0)
			goto out;
	if (scan_setup(s, argv[first], &st) < 0 || scan_run(s, &st) < 0)
		goto out;
	scan_cleanup(s);
	rc = scan_status(s);
	free(s);
	if (sig_pending() != 0) {
		fflush(stdout);
		sig_reraise();
	}
	return rc;
out:
	scan_cleanup(s);
	free(s);
	return log_status(&st);
}

const struct sc_cmd cmd_scan = {
	"scan", "which ports accept (nc -z, in parallel)",
	"[OPTIONS] HOST PORTS...", scan_rows, scan_main
};
