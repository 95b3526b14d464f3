/*
 * pairload.c: the engine of sc-fwd-load and sc-socks-load; see pairload.h
 * and the usage below.
 *
 * One thread, one level-triggered epoll loop over non-blocking sockets.
 * Client connections live in a fixed array of slots; target connections
 * are allocated as the relay opens them.
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "pairload.h"

#define PL_EVENTS	512
#define PL_MEM		(4u << 20)	/* the bytes a stream sends, cycled */
#define PL_CHUNK	(1u << 20)	/* at most this much per call */
#define PL_PING		16		/* bytes each way on an idle pair */
#define PL_MSG_MAX	65536

enum pl_mode {
	PL_STREAM,
	PL_RR,
	PL_IDLE
};

enum pl_role {
	PL_LISTENER,
	PL_TARGET,
	PL_CLIENT
};

enum pl_state {
	ST_FREE,		/* a client slot not in use */
	ST_CONNECTING,
	ST_HS_SEND,		/* a handshake request going out */
	ST_HS_READ,		/* its reply coming in */
	ST_READY,		/* stream: up, waiting for the others */
	ST_SEND,		/* the payload going out */
	ST_READ,		/* the answer coming in, then EOF */
	ST_HOLD,		/* an idle pair */
	ST_T_READ,		/* target: taking bytes in */
	ST_T_SEND		/* target: the response going out */
};

struct pl_opts {
	enum pl_mode		 mode;
	const char		*prog;
	const char		*host, *port;	/* the relay; NULL: direct */
	const char		*taddr;		/* the target's address */
	const char		*tport;
	int			 go_signal;	/* -G */
	long			 n;		/* streams or pairs */
	unsigned long long	 size;		/* stream: bytes in all */
	int			 conc;
	double			 duration;
	size_t			 req, resp;
	long			 burst;
	double			 hold;		/* idle; <0: until a signal */
	double			 timeout;
	double			 bound;
	int			 keep_going;
	int			 copy;		/* -r: no sendfile, no splice */
};

struct pl_conn {
	enum pl_role		 role;
	enum pl_state		 state;
	int			 fd;
	int			 watched;	/* registered with epoll */
	int			 opening;	/* counted in R->connecting */
	uint32_t		 events;
	int			 step;		/* handshake step */
	unsigned long long	 want;		/* payload bytes to move */
	unsigned long long	 done;		/* payload bytes moved */
	double			 began;
	size_t			 hlen, hoff;
	unsigned char		*hbuf;		/* handshake bytes, clients */
};

struct pl_run {
	const struct pl_opts		*o;
	const struct pl_handshake	*hs;
	struct sockaddr_in		 relay;
	struct sockaddr_in		 target;
	int				 epfd;
	struct pl_conn			 listener;
	struct pl_conn			*slots;
	long				 nslots;
	int				 memfd;
	int				 pipefd[2];
	int				 nullfd;
	char				*buf;		/* PL_CHUNK */
	char				*msg;		/* the request */
	char				*ans;		/* the response */
	/* counters */
	long				 started, connecting;
	long				 ok;		/* sessions, streams, pairs */
	long				 errors, timeouts;
	long				 t_accepted, t_done;
	unsigned long long		 t_bytes;	/* at the target */
	unsigned long long		 c_bytes;	/* sent by clients */
	double				 t0, deadline, stop_at;
	double				 setup;		/* stream: seconds */
	long				 ready;		/* stream: up */
	double				 ready_at;
	int				 sending;	/* stream: started */
	int				 stopping;
	int				 said;
};

static volatile sig_atomic_t	pl_stop;

static void
pl_on_signal(int sig)
{
	(void)sig;
	pl_stop = 1;
}

static void
pl_usage(FILE *f, const char *prog, const struct pl_handshake *hs)
{
	fprintf(f,
"usage: %s [-m stream|rr|idle] -T [ADDR:]PORT [-Gkr] [-n N] [-s SIZE]\n"
"           [-c CONC] [-d SECS] [-q BYTES] [-a BYTES] [-b BURST] [-H SECS]\n"
"           [-w SECS] [-t BOUND] [HOST PORT]\n"
"Load the %s at HOST PORT.  Its clients' target, a listener on\n"
"ADDR:PORT (default address 127.0.0.1), is in this same process; what\n"
"arrives is counted at either end.\n%s\n"
"\n"
"  -m MODE   stream: N streams at once carry SIZE bytes in all, then\n"
"              half-close and wait for EOF; they start together once all\n"
"              are up, and the clock with them\n"
"            rr: sessions of a -q byte request and an -a byte response\n"
"              (the target answers and closes; the client closes once\n"
"              it has the answer), CONC at once, for -d seconds (default)\n"
"            idle: open N pairs, %d bytes each way on each, print\n"
"              \"HOLDING pairs=N\" and hold them -H seconds\n"
"  -T ADDR:PORT  where the target listens (PORT 0: the kernel picks; the\n"
"            port is said on stderr as \"target listening on ADDR:PORT\")\n"
"  -G        once the target listens, wait for SIGUSR1 before starting\n"
"  -n N      streams (default 1) or pairs (default 1000)\n"
"  -s SIZE   stream: bytes in all, with K, M or G (default 1G)\n"
"  -c CONC   rr: sessions at once (default 1)\n"
"  -d SECS   rr: start new sessions for SECS (default 2)\n"
"  -q BYTES  rr: request size (default 64)\n"
"  -a BYTES  rr: response size (default 64)\n"
"  -b BURST  connections being opened at once (default 64); in idle\n"
"            mode a pair is being opened until its bytes came back\n"
"  -H SECS   idle: hold for SECS (default: until SIGTERM or the bound)\n"
"  -w SECS   a session or the opening of a pair that takes longer fails\n"
"            (default 10; streams are bound by -t only)\n"
"  -t BOUND  never run longer than BOUND seconds (default 120)\n"
"  -k        keep going after a failed session, stream or pair (default:\n"
"            stop at the first)\n"
"  -r        copy with send and recv instead of sendfile and splice\n"
"\n"
"Prints one line on stdout:\n"
"  stream: mode=stream streams=N bytes=B received=B seconds=S gibs=G\n"
"          setup=S errors=E cpu=S\n"
"  rr:     mode=rr conns=N seconds=S rate=R errors=E timeouts=T cpu=S\n"
"  idle:   mode=idle pairs=N held=H seconds=S errors=E cpu=S\n"
"(cpu: this program's own user+system seconds).  Status 0 when every\n"
"stream, session or pair was right, 1 otherwise, 64 on a usage error.\n",
	    prog, hs != NULL ? "SOCKS5 proxy" : "TCP relay",
	    hs != NULL ? "Each client first does the SOCKS5 greeting (no "
	    "authentication) and\nCONNECT to the target." :
	    "Without HOST PORT the clients connect to the target directly: "
	    "a\nreference with no relay in between.", PL_PING);
}

/* A byte count with an optional K, M or G (powers of 1024). */
static int
pl_parse_size(const char *s, unsigned long long *out)
{
	char			*end;
	unsigned long long	 v, mul = 1;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *s == '-')
		return -1;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		mul = 1ull << 10;
		end++;
		break;
	case 'm': case 'M':
		mul = 1ull << 20;
		end++;
		break;
	case 'g': case 'G':
		mul = 1ull << 30;
		end++;
		break;
	default:
		return -1;
	}
	if (*end != '\0' || v == 0 || v > (1ull << 50) / mul)
		return -1;
	*out = v * mul;
	return 0;
}

static int
pl_parse(int argc, char **argv, struct pl_opts *o, const char *prog,
    const struct pl_handshake *hs)
{
	double	 v;
	char	*colon;
	int	 c, n_set = 0;

	memset(o, 0, sizeof *o);
	o->prog = prog;
	o->mode = PL_RR;
	o->taddr = "127.0.0.1";
	o->n = 1;
	o->size = 1ull << 30;
	o->conc = 1;
	o->duration = 2;
	o->req = o->resp = 64;
	o->burst = 64;
	o->hold = -1;
	o->timeout = 10;
	o->bound = 120;
	while ((c = getopt(argc, argv, "a:b:c:d:GhH:km:n:q:rs:t:T:w:")) != -1) {
		switch (c) {
		case 'a':
		case 'q':
			if (bench_parse_num(optarg, 1, PL_MSG_MAX, &v) == -1)
				goto bad;
			*(c == 'a' ? &o->resp : &o->req) = (size_t)v;
			break;
		case 'b':
			if (bench_parse_num(optarg, 1, 100000, &v) == -1)
				goto bad;
			o->burst = (long)v;
			break;
		case 'c':
			if (bench_parse_num(optarg, 1, 100000, &v) == -1)
				goto bad;
			o->conc = (int)v;
			break;
		case 'd':
			if (bench_parse_num(optarg, 0.001, 86400,
			    &o->duration) == -1)
				goto bad;
			break;
		case 'G':
			o->go_signal = 1;
			break;
		case 'h':
			pl_usage(stdout, o->prog, hs);
			exit(0);
		case 'H':
			if (bench_parse_num(optarg, 0, 86400, &o->hold) == -1)
				goto bad;
			break;
		case 'k':
			o->keep_going = 1;
			break;
		case 'm':
			if (strcmp(optarg, "stream") == 0)
				o->mode = PL_STREAM;
			else if (strcmp(optarg, "rr") == 0)
				o->mode = PL_RR;
			else if (strcmp(optarg, "idle") == 0)
				o->mode = PL_IDLE;
			else
				goto bad;
			break;
		case 'n':
			if (bench_parse_num(optarg, 1, 1000000, &v) == -1)
				goto bad;
			o->n = (long)v;
			n_set = 1;
			break;
		case 'r':
			o->copy = 1;
			break;
		case 's':
			if (pl_parse_size(optarg, &o->size) == -1)
				goto bad;
			break;
		case 't':
			if (bench_parse_num(optarg, 0.001, 86400, &o->bound) == -1)
				goto bad;
			break;
		case 'T':
			colon = strrchr(optarg, ':');
			if (colon != NULL) {
				*colon = '\0';
				o->taddr = optarg;
				o->tport = colon + 1;
			} else
				o->tport = optarg;
			break;
		case 'w':
			if (bench_parse_num(optarg, 0.001, 86400,
			    &o->timeout) == -1)
				goto bad;
			break;
		default:
			pl_usage(stderr, o->prog, hs);
			return -1;
		}
	}
	if (o->tport == NULL) {
		fprintf(stderr, "%s: -T PORT is needed (the target's port)\n",
		    o->prog);
		return -1;
	}
	if (argc - optind == 2) {
		o->host = argv[optind];
		o->port = argv[optind + 1];
	} else if (argc - optind != 0) {
		fprintf(stderr, "%s: give HOST and PORT of the relay, or "
		    "neither\n", o->prog);
		return -1;
	}
	if (hs != NULL && o->host == NULL) {
		fprintf(stderr, "%s: HOST PORT of the proxy are needed\n",
		    o->prog);
		return -1;
	}
	if (o->mode == PL_IDLE && !n_set)
		o->n = 1000;
	if (o->mode == PL_STREAM && o->size < (unsigned long long)o->n) {
		fprintf(stderr, "%s: -s is less than a byte per stream\n",
		    o->prog);
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "%s: -%c '%s': bad value; see -h\n", o->prog, c,
	    optarg);
	return -1;
}

static int
pl_resolve(const char *prog, const char *host, const char *port,
    struct sockaddr_in *sin)
{
	struct addrinfo	hints, *res;
	int		err;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	err = getaddrinfo(host, port, &hints, &res);
	if (err != 0) {
		fprintf(stderr, "%s: %s %s: %s (IPv4 numbers only)\n", prog,
		    host, port, gai_strerror(err));
		return -1;
	}
	memcpy(sin, res->ai_addr, sizeof *sin);
	freeaddrinfo(res);
	return 0;
}

/* ------------------------------------------------------------ plumbing */

static void
pl_watch(struct pl_run *R, struct pl_conn *c, uint32_t events)
{
	struct epoll_event	ev;

	if (c->watched && c->events == events)
		return;
	memset(&ev, 0, sizeof ev);
	ev.events = events;
	ev.data.ptr = c;
	if (epoll_ctl(R->epfd, c->watched ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
	    c->fd, &ev) == -1) {
		fprintf(stderr, "%s: epoll_ctl: %s\n", R->o->prog,
		    strerror(errno));
		exit(1);
	}
	c->watched = 1;
	c->events = events;
}

static void
pl_close(struct pl_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);	/* also leaves the epoll set */
	c->fd = -1;
	c->watched = 0;
	c->events = 0;
}

static void
pl_say(struct pl_run *R, const char *what, const char *why, int err)
{
	if (R->said++ < 5)
		fprintf(stderr, "%s: %.3fs: %s: %s%s%s\n", R->o->prog,
		    bench_now_sec() - R->t0, what, why, err != 0 ? ": " : "",
		    err != 0 ? strerror(err) : "");
}

/* The opening of C is over (-b counts what is being opened).  A pair of
 * idle mode is being opened until it has echoed its bytes: a relay that
 * accepts slowly then never has more than -b connections waiting in its
 * listen backlog (redir's and ncat's hold 10; past that the kernel drops
 * SYNs and the client waits a second to retry). */
static void
pl_opened(struct pl_run *R, struct pl_conn *c)
{
	if (!c->opening)
		return;
	c->opening = 0;
	R->connecting--;
}

/* A client's session or pair went wrong: count it, free the slot. */
static void
pl_client_fail(struct pl_run *R, struct pl_conn *c, const char *why, int err)
{
	char	what[64];

	snprintf(what, sizeof what, "client %ld", (long)(c - R->slots));
	pl_say(R, what, why, err);
	pl_opened(R, c);
	R->errors++;
	if (!R->o->keep_going)
		R->stopping = 1;
	pl_close(c);
	c->state = ST_FREE;
}

static void
pl_target_fail(struct pl_run *R, struct pl_conn *c, const char *why, int err)
{
	pl_say(R, "target", why, err);
	R->errors++;
	if (!R->o->keep_going)
		R->stopping = 1;
	pl_close(c);
	free(c);
}

/* ------------------------------------------------------------- clients */

static void	pl_client_payload(struct pl_run *, struct pl_conn *);

static void
pl_client_start(struct pl_run *R, struct pl_conn *c, double now)
{
	const struct sockaddr_in	*to;

	to = R->o->host != NULL ? &R->relay : &R->target;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (c->fd == -1) {
		c->state = ST_CONNECTING;
		pl_client_fail(R, c, "socket", errno);
		return;
	}
	c->state = ST_CONNECTING;
	c->began = now;
	c->step = 0;
	c->done = 0;
	c->hlen = c->hoff = 0;
	R->started++;
	R->connecting++;
	c->opening = 1;
	if (connect(c->fd, (const struct sockaddr *)to, sizeof *to) == -1 &&
	    errno != EINPROGRESS) {
		pl_client_fail(R, c, "connect", errno);
		return;
	}
	pl_watch(R, c, EPOLLOUT);
}

static void
pl_hs_request(struct pl_run *R, struct pl_conn *c)
{
	c->hlen = R->hs->request(c->step, &R->target, c->hbuf, 512);
	c->hoff = 0;
	c->state = ST_HS_SEND;
	pl_watch(R, c, EPOLLOUT);
}

static void
pl_client_connected(struct pl_run *R, struct pl_conn *c)
{
	socklen_t	len = sizeof(int);
	int		err = 0;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		pl_client_fail(R, c, "connect", err);
		return;
	}
	if (R->o->mode != PL_IDLE)
		pl_opened(R, c);
	if (R->hs != NULL)
		pl_hs_request(R, c);
	else
		pl_client_payload(R, c);
}

static void
pl_hs_send(struct pl_run *R, struct pl_conn *c)
{
	ssize_t	n;

	while (c->hoff < c->hlen) {
		n = send(c->fd, c->hbuf + c->hoff, c->hlen - c->hoff,
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				pl_client_fail(R, c, "handshake send", errno);
			return;
		}
		c->hoff += (size_t)n;
	}
	c->hlen = 0;
	c->state = ST_HS_READ;
	pl_watch(R, c, EPOLLIN);
}

/* Read no more than the reply needs: what follows it is the session's. */
static void
pl_hs_read(struct pl_run *R, struct pl_conn *c)
{
	char	why[160];
	ssize_t	need, n;

	for (;;) {
		why[0] = '\0';
		need = R->hs->reply(c->step, c->hbuf, c->hlen, why,
		    sizeof why);
		if (need < 0) {
			pl_client_fail(R, c, why, 0);
			return;
		}
		if ((size_t)need <= c->hlen)
			break;
		if ((size_t)need > 512) {
			pl_client_fail(R, c, "handshake reply too long", 0);
			return;
		}
		n = recv(c->fd, c->hbuf + c->hlen, (size_t)need - c->hlen, 0);
		if (n == 0) {
			pl_client_fail(R, c, "closed during the handshake", 0);
			return;
		}
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				pl_client_fail(R, c, "handshake recv", errno);
			return;
		}
		c->hlen += (size_t)n;
	}
	if (++c->step < R->hs->steps) {
		pl_hs_request(R, c);
		return;
	}
	pl_client_payload(R, c);
}

static void	pl_client_send(struct pl_run *, struct pl_conn *);

static void
pl_client_payload(struct pl_run *R, struct pl_conn *c)
{
	switch (R->o->mode) {
	case PL_STREAM:
		/* want was set when the slot was given its share; the
		 * streams start together once all are up. */
		if (!R->sending) {
			c->state = ST_READY;
			pl_watch(R, c, 0);
			if (++R->ready == R->nslots)
				R->ready_at = bench_now_sec();
			return;
		}
		break;
	case PL_RR:
		c->want = R->o->req;
		break;
	case PL_IDLE:
		c->want = PL_PING;
		break;
	}
	c->done = 0;
	c->state = ST_SEND;
	pl_client_send(R, c);
}

static ssize_t
pl_stream_out(struct pl_run *R, struct pl_conn *c)
{
	unsigned long long	left = c->want - c->done;
	off_t			off = (off_t)(c->done % PL_MEM);
	size_t			len = PL_CHUNK;

	if ((unsigned long long)len > left)
		len = (size_t)left;
	if (R->o->copy) {
		if (len > PL_MEM - (size_t)off)
			len = PL_MEM - (size_t)off;
		return send(c->fd, R->buf, len, MSG_NOSIGNAL);
	}
	if (len > PL_MEM - (size_t)off)
		len = PL_MEM - (size_t)off;
	/* From a memfd: the pages go into the socket by reference. */
	return sendfile(c->fd, R->memfd, &off, len);
}

static void
pl_client_send(struct pl_run *R, struct pl_conn *c)
{
	const char	*src = R->o->mode == PL_RR ? R->msg : R->ans;
	ssize_t		 n;

	while (c->done < c->want) {
		if (R->o->mode == PL_STREAM)
			n = pl_stream_out(R, c);
		else
			n = send(c->fd, src + c->done,
			    (size_t)(c->want - c->done), MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR) {
				pl_watch(R, c, EPOLLOUT);
				return;
			}
			pl_client_fail(R, c, "send", errno);
			return;
		}
		if (n == 0) {
			pl_client_fail(R, c, "send: nothing sent", 0);
			return;
		}
		c->done += (unsigned long long)n;
		if (R->o->mode == PL_STREAM)
			R->c_bytes += (unsigned long long)n;
	}
	/* A stream ends with our FIN; its EOF comes back once the target
	 * has read everything and closed. */
	if (R->o->mode == PL_STREAM && shutdown(c->fd, SHUT_WR) == -1) {
		pl_client_fail(R, c, "shutdown", errno);
		return;
	}
	c->done = 0;
	c->state = ST_READ;
	pl_watch(R, c, EPOLLIN);
}

/* The end of a good session, stream or opening of a pair. */
static void
pl_client_ok(struct pl_run *R, struct pl_conn *c)
{
	R->ok++;
	if (R->o->mode == PL_IDLE) {
		pl_opened(R, c);
		c->state = ST_HOLD;
		pl_watch(R, c, EPOLLIN | EPOLLRDHUP);
		return;
	}
	pl_close(c);
	c->state = ST_FREE;
}

static void
pl_client_read(struct pl_run *R, struct pl_conn *c)
{
	size_t	expect, room;
	ssize_t	n;

	expect = R->o->mode == PL_RR ? R->o->resp :
	    R->o->mode == PL_IDLE ? PL_PING : 0;
	for (;;) {
		/* rr and idle stop at the answer's last byte: a relay need
		 * not pass the target's FIN on before the client closes
		 * (ncat --sh-exec does not). */
		room = R->o->mode == PL_STREAM ? PL_CHUNK :
		    expect - (size_t)c->done;
		if (room == 0) {
			pl_client_ok(R, c);
			return;
		}
		n = recv(c->fd, R->buf, room, 0);
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				pl_client_fail(R, c, "recv", errno);
			return;
		}
		if (n == 0)
			break;
		if (c->done + (unsigned long long)n > expect) {
			pl_client_fail(R, c, "more bytes back than expected",
			    0);
			return;
		}
		/* rr gets the target's answer, idle its own bytes back:
		 * both are the start of R->ans. */
		if (memcmp(R->buf, R->ans + c->done, (size_t)n) != 0) {
			pl_client_fail(R, c, "the bytes back differ", 0);
			return;
		}
		c->done += (unsigned long long)n;
	}
	if (c->done != expect) {
		pl_client_fail(R, c, R->o->mode == PL_IDLE ?
		    "pair closed before its bytes came back" :
		    "EOF before the whole response", 0);
		return;
	}
	pl_client_ok(R, c);	/* a stream's EOF */
}

static void
pl_client_hold(struct pl_run *R, struct pl_conn *c)
{
	char	b[64];
	ssize_t	n;

	n = recv(c->fd, b, sizeof b, 0);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	R->ok--;
	pl_client_fail(R, c, n > 0 ? "bytes on an idle pair" :
	    "idle pair closed", n == -1 ? errno : 0);
}

static void
pl_client_event(struct pl_run *R, struct pl_conn *c)
{
	switch (c->state) {
	case ST_CONNECTING:
		pl_client_connected(R, c);
		break;
	case ST_HS_SEND:
		pl_hs_send(R, c);
		break;
	case ST_HS_READ:
		pl_hs_read(R, c);
		break;
	case ST_SEND:
		pl_client_send(R, c);
		break;
	case ST_READ:
		pl_client_read(R, c);
		break;
	case ST_HOLD:
		pl_client_hold(R, c);
		break;
	default:
		break;
	}
}

/* -------------------------------------------------------------- target */

static void
pl_target_accept(struct pl_run *R)
{
	struct pl_conn	*t;
	int		 fd;

	for (;;) {
		fd = accept4(R->listener.fd, NULL, NULL,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EAGAIN || errno == EINTR ||
			    errno == ECONNABORTED)
				return;
			pl_say(R, "target", "accept", errno);
			R->errors++;
			R->stopping = 1;
			return;
		}
		t = calloc(1, sizeof *t);
		if (t == NULL) {
			perror("calloc");
			exit(1);
		}
		t->role = PL_TARGET;
		t->fd = fd;
		t->state = ST_T_READ;
		if (R->o->mode == PL_STREAM)
			t->want = R->o->size / (unsigned long long)R->o->n;
		else if (R->o->mode == PL_RR)
			t->want = R->o->req;
		R->t_accepted++;
		pl_watch(R, t, EPOLLIN);
	}
}

/* Move what is there to /dev/null; the pipe is empty between calls. */
static ssize_t
pl_target_splice(struct pl_run *R, struct pl_conn *t)
{
	ssize_t	n, m, left;

	if (R->o->copy)
		return recv(t->fd, R->buf, PL_CHUNK, 0);
	n = splice(t->fd, NULL, R->pipefd[1], NULL, PL_CHUNK,
	    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	for (left = n; left > 0; left -= m) {
		m = splice(R->pipefd[0], NULL, R->nullfd, NULL, (size_t)left,
		    SPLICE_F_MOVE);
		if (m <= 0) {
			perror("splice to /dev/null");
			exit(1);
		}
	}
	return n;
}

static void
pl_target_stream(struct pl_run *R, struct pl_conn *t)
{
	char	why[96];
	ssize_t	n;

	for (;;) {
		n = pl_target_splice(R, t);
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				pl_target_fail(R, t, "stream in", errno);
			return;
		}
		if (n == 0)
			break;
		t->done += (unsigned long long)n;
		R->t_bytes += (unsigned long long)n;
	}
	if (t->done != t->want) {
		snprintf(why, sizeof why, "a stream brought %llu bytes, not "
		    "%llu", t->done, t->want);
		pl_target_fail(R, t, why, 0);
		return;
	}
	R->t_done++;
	pl_close(t);
	free(t);
}

/* rr: the response out, then close: the target ends the session (FIN). */
static void
pl_target_answer(struct pl_run *R, struct pl_conn *t)
{
	ssize_t	n;

	while (t->hoff < R->o->resp) {
		n = send(t->fd, R->ans + t->hoff, R->o->resp - t->hoff,
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR) {
				t->state = ST_T_SEND;
				pl_watch(R, t, EPOLLOUT);
				return;
			}
			pl_target_fail(R, t, "send", errno);
			return;
		}
		t->hoff += (size_t)n;
	}
	R->t_done++;
	pl_close(t);
	free(t);
}

static void
pl_target_request(struct pl_run *R, struct pl_conn *t)
{
	ssize_t	n;

	while (t->done < t->want) {
		n = recv(t->fd, R->buf + t->done, (size_t)(t->want - t->done),
		    0);
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				pl_target_fail(R, t, "recv", errno);
			return;
		}
		if (n == 0) {
			pl_target_fail(R, t, "EOF before the whole request",
			    0);
			return;
		}
		t->done += (unsigned long long)n;
	}
	if (memcmp(R->buf, R->msg, R->o->req) != 0) {
		pl_target_fail(R, t, "the request arrived changed", 0);
		return;
	}
	t->hoff = 0;
	pl_target_answer(R, t);
}

/* idle: what comes is sent back (a few bytes; the send does not block). */
static void
pl_target_echo(struct pl_run *R, struct pl_conn *t)
{
	char	b[256];
	ssize_t	n;

	n = recv(t->fd, b, sizeof b, 0);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		pl_close(t);
		free(t);
		return;
	}
	if (send(t->fd, b, (size_t)n, MSG_NOSIGNAL) != n)
		pl_target_fail(R, t, "echo send", errno);
}

static void
pl_target_event(struct pl_run *R, struct pl_conn *t)
{
	if (t->state == ST_T_SEND) {
		pl_target_answer(R, t);
		return;
	}
	switch (R->o->mode) {
	case PL_STREAM:
		pl_target_stream(R, t);
		break;
	case PL_RR:
		pl_target_request(R, t);
		break;
	case PL_IDLE:
		pl_target_echo(R, t);
		break;
	}
}

/* ---------------------------------------------------------------- loop */

static int
pl_listen(struct pl_run *R)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd, one = 1;

	if (pl_resolve(R->o->prog, R->o->taddr, R->o->tport, &R->target) == -1)
		return -1;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1 ||
	    bind(fd, (struct sockaddr *)&R->target, sizeof R->target) == -1 ||
	    listen(fd, 4096) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		fprintf(stderr, "%s: target %s:%s: %s\n", R->o->prog,
		    R->o->taddr, R->o->tport, strerror(errno));
		return -1;
	}
	R->target.sin_port = sin.sin_port;
	fprintf(stderr, "%s: target listening on %s:%u\n", R->o->prog,
	    R->o->taddr, ntohs(sin.sin_port));
	R->listener.role = PL_LISTENER;
	R->listener.fd = fd;
	pl_watch(R, &R->listener, EPOLLIN);
	return 0;
}

static void
pl_setup(struct pl_run *R)
{
	struct rlimit	rl;
	long		i;
	unsigned int	x = 2463534242u;

	/* Both ends of every pair are ours: raise the open-file limit. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)R->nslots * 2 + 32)
		fprintf(stderr, "%s: warning: open-file limit %llu is below "
		    "the %ld descriptors needed\n", R->o->prog,
		    (unsigned long long)rl.rlim_cur, R->nslots * 2 + 32);
	R->epfd = epoll_create1(EPOLL_CLOEXEC);
	R->buf = malloc(PL_CHUNK);
	R->msg = malloc(PL_MSG_MAX);
	R->ans = malloc(PL_MSG_MAX);
	R->slots = calloc((size_t)R->nslots, sizeof *R->slots);
	if (R->epfd == -1 || R->buf == NULL || R->msg == NULL ||
	    R->ans == NULL || R->slots == NULL) {
		perror("setup");
		exit(1);
	}
	for (i = 0; i < PL_MSG_MAX; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		R->msg[i] = (char)x;
		R->ans[i] = (char)(x >> 8);
	}
	for (i = 0; i < R->nslots; i++) {
		R->slots[i].role = PL_CLIENT;
		R->slots[i].fd = -1;
		if (R->hs != NULL) {
			R->slots[i].hbuf = malloc(512);
			if (R->slots[i].hbuf == NULL) {
				perror("malloc");
				exit(1);
			}
		}
	}
	R->memfd = R->nullfd = R->pipefd[0] = R->pipefd[1] = -1;
	if (R->o->mode != PL_STREAM)
		return;
	memset(R->buf, 'x', PL_CHUNK);
	if (R->o->copy)
		return;
	R->memfd = memfd_create("sc-stream", MFD_CLOEXEC);
	if (R->memfd == -1 || ftruncate(R->memfd, PL_MEM) == -1) {
		perror("memfd");
		exit(1);
	}
	/* Real pages, not holes, so every stream sends the same thing. */
	for (i = 0; i < (long)(PL_MEM / PL_CHUNK); i++)
		if (pwrite(R->memfd, R->buf, PL_CHUNK,
		    (off_t)i * PL_CHUNK) != (ssize_t)PL_CHUNK) {
			perror("memfd write");
			exit(1);
		}
	if (pipe2(R->pipefd, O_CLOEXEC | O_NONBLOCK) == -1 ||
	    (R->nullfd = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1) {
		perror("pipe or /dev/null");
		exit(1);
	}
	fcntl(R->pipefd[1], F_SETPIPE_SZ, PL_CHUNK);
}

/* stream: once every stream is up and the relay has opened each towards
 * the target (or a second later: a relay may connect only when the first
 * bytes come), they all start sending, and the clock starts.  So the
 * figure is the relay's moving of data, not its accepting: a relay with a
 * small listen backlog that falls behind while the first streams run
 * would otherwise be timed on the kernel's SYN retransmissions. */
static void
pl_stream_start(struct pl_run *R, double now)
{
	long	i;

	if (R->sending || R->ready < R->nslots ||
	    (R->t_accepted < R->nslots && now - R->ready_at < 1))
		return;
	R->sending = 1;
	R->setup = now - R->t0;
	R->t0 = now;
	for (i = 0; i < R->nslots; i++) {
		if (R->slots[i].state != ST_READY)
			continue;
		R->slots[i].state = ST_SEND;
		pl_client_send(R, &R->slots[i]);
	}
}

/* Give the free slots new work while the mode wants it. */
static void
pl_fill(struct pl_run *R, double now)
{
	long	i;

	for (i = 0; i < R->nslots; i++) {
		if (R->stopping || R->connecting >= R->o->burst)
			return;
		if (R->slots[i].state != ST_FREE)
			continue;
		if (R->o->mode == PL_RR) {
			if (now >= R->stop_at)
				return;
		} else if (R->started >= R->nslots)
			return;
		if (R->o->mode == PL_STREAM) {
			R->slots[i].want = R->o->size /
			    (unsigned long long)R->o->n;
		}
		pl_client_start(R, &R->slots[i], now);
	}
}

static long
pl_busy(const struct pl_run *R)
{
	long	i, n = 0;

	for (i = 0; i < R->nslots; i++)
		if (R->slots[i].state != ST_FREE &&
		    R->slots[i].state != ST_HOLD)
			n++;
	return n;
}

/* Fail the sessions that took longer than -w (not streams, not holds). */
static void
pl_expire(struct pl_run *R, double now)
{
	struct pl_conn	*c;
	long		 i;

	if (R->o->mode == PL_STREAM)
		return;
	for (i = 0; i < R->nslots; i++) {
		c = &R->slots[i];
		if (c->state == ST_FREE || c->state == ST_HOLD ||
		    now - c->began <= R->o->timeout)
			continue;
		R->timeouts++;
		R->errors--;	/* pl_client_fail counts it as an error */
		pl_client_fail(R, c, "no answer within -w", 0);
	}
}

/* Whether the run's work is over (the hold of idle is not work). */
static int
pl_finished(const struct pl_run *R)
{
	switch (R->o->mode) {
	case PL_STREAM:
		return R->stopping ||
		    (R->ok >= R->nslots && R->t_done >= R->nslots);
	case PL_RR:
		return (R->stopping || bench_now_sec() >= R->stop_at) &&
		    pl_busy(R) == 0;
	case PL_IDLE:
		return R->stopping || R->ok >= R->nslots;
	}
	return 1;
}

static void
pl_pump(struct pl_run *R, double until, int work)
{
	struct epoll_event	 ev[PL_EVENTS];
	struct pl_conn		*c;
	double			 now, last_expire = 0;
	int			 i, n, ms;

	for (;;) {
		now = bench_now_sec();
		if (pl_stop || now >= until || now >= R->deadline)
			return;
		if (work && pl_finished(R))
			return;
		if (work)
			pl_fill(R, now);
		if (work && R->o->mode == PL_STREAM)
			pl_stream_start(R, now);
		if (now - last_expire > 0.1) {
			pl_expire(R, now);
			last_expire = now;
		}
		ms = (int)(((until < R->deadline ? until : R->deadline) - now) *
		    1000) + 1;
		if (ms > 100)
			ms = 100;
		n = epoll_wait(R->epfd, ev, PL_EVENTS, ms);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			perror("epoll_wait");
			exit(1);
		}
		for (i = 0; i < n; i++) {
			c = ev[i].data.ptr;
			if (c->role == PL_LISTENER)
				pl_target_accept(R);
			else if (c->role == PL_TARGET)
				pl_target_event(R, c);
			else
				pl_client_event(R, c);
		}
	}
}

/* -G: the target listens; the caller starts the relay, then SIGUSR1. */
static int
pl_wait_go(struct pl_run *R)
{
	struct timespec	ts;
	sigset_t	set;
	double		left;
	int		sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	do {
		left = R->deadline - bench_now_sec();
		if (left < 0)
			left = 0;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		sig = sigtimedwait(&set, NULL, &ts);
	} while (sig == -1 && errno == EINTR);
	if (sig == SIGUSR1)
		return 0;
	fprintf(stderr, "%s: %s before the start signal\n", R->o->prog,
	    sig == -1 ? strerror(errno) : "stopped");
	return -1;
}

static void
pl_signals(void)
{
	struct sigaction	sa;
	sigset_t		set;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = pl_on_signal;	/* no SA_RESTART: epoll_wait wakes */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

static double
pl_cpu(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void
pl_unblock(void)
{
	sigset_t	set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static int
pl_report(struct pl_run *R, double secs, double cpu)
{
	switch (R->o->mode) {
	case PL_STREAM:
		if (R->ok < R->nslots && R->errors == 0)
			R->errors = R->nslots - R->ok;
		if (R->t_bytes != R->c_bytes) {
			fprintf(stderr, "%s: clients sent %llu bytes, the target "
			    "got %llu\n", R->o->prog, R->c_bytes, R->t_bytes);
			R->errors++;
		}
		printf("mode=stream streams=%ld bytes=%llu received=%llu "
		    "seconds=%.6f gibs=%.4f setup=%.3f errors=%ld cpu=%.3f\n",
		    R->nslots, R->c_bytes, R->t_bytes, secs,
		    secs > 0 ? (double)R->t_bytes / 1073741824.0 / secs : 0,
		    R->setup, R->errors, cpu);
		break;
	case PL_RR:
		printf("mode=rr conns=%ld seconds=%.6f rate=%.1f errors=%ld "
		    "timeouts=%ld cpu=%.3f\n", R->ok, secs,
		    secs > 0 ? (double)R->ok / secs : 0, R->errors,
		    R->timeouts, cpu);
		break;
	case PL_IDLE:
		printf("mode=idle pairs=%ld held=%ld seconds=%.6f errors=%ld "
		    "cpu=%.3f\n", R->nslots, R->ok, secs, R->errors, cpu);
		break;
	}
	fflush(stdout);
	if (R->o->mode != PL_RR && R->ok < R->nslots)
		return 1;
	return R->errors == 0 && R->timeouts == 0 && R->ok > 0 ? 0 : 1;
}

int
pl_main(int argc, char **argv, const char *prog, const struct pl_handshake *hs)
{
	struct pl_opts	o;
	struct pl_run	R;
	double		cpu0, secs, hold_end;

	if (pl_parse(argc, argv, &o, prog, hs) == -1)
		return 64;
	memset(&R, 0, sizeof R);
	R.o = &o;
	R.hs = hs;
	R.nslots = o.mode == PL_RR ? o.conc : o.n;
	R.deadline = bench_now_sec() + o.bound;
	pl_signals();
	if (o.host != NULL &&
	    pl_resolve(prog, o.host, o.port, &R.relay) == -1)
		return 68;
	pl_setup(&R);
	if (pl_listen(&R) == -1)
		return 71;
	if (o.go_signal && pl_wait_go(&R) == -1)
		return 1;
	pl_unblock();

	cpu0 = pl_cpu();
	R.t0 = bench_now_sec();
	R.stop_at = R.t0 + o.duration;
	pl_pump(&R, R.deadline, 1);
	secs = bench_now_sec() - R.t0;	/* stream: since they all started */
	if (o.mode == PL_IDLE && R.ok == R.nslots && R.errors == 0) {
		printf("HOLDING pairs=%ld\n", R.ok);
		fflush(stdout);
		hold_end = o.hold < 0 ? R.deadline : bench_now_sec() + o.hold;
		pl_pump(&R, hold_end, 0);
	}
	if (!pl_finished(&R) && !pl_stop && o.mode != PL_IDLE) {
		fprintf(stderr, "%s: the bound of %gs was reached\n", prog,
		    o.bound);
		if (R.errors == 0)
			R.errors++;
	}
	return pl_report(&R, secs, pl_cpu() - cpu0);
}
