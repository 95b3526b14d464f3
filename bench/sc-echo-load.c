/*
 * sc-echo-load: open C connections to an echo server at HOST PORT and do M
 * round trips on each: send a SIZE-byte message (64 by default), wait for
 * the same SIZE bytes back, check them, repeat.  One thread, one epoll
 * loop, non-blocking sockets; it raises its own open-file limit.
 *
 * Connections are opened first (at most -b at a time, so the server's
 * backlog is not flooded); the clock starts when all are up, so the rate is
 * that of round trips alone.  A connection that cannot be opened, is reset,
 * gets different bytes or is not done by the -t deadline counts as an
 * error.
 *
 * With -H SECS it prints "HOLDING up=N errors=E" once every connection is
 * up and keeps them idle SECS seconds (a decimal number) before the round
 * trips: to measure a server holding many idle connections.  With -G it
 * prints HOLDING and then waits for SIGUSR1 before the round trips, so a
 * script can read the server's CPU once the server is done with the
 * connects (a forking server may still be forking when the last connect
 * has completed).
 *
 * The result is one machine-readable line on stdout:
 *   RESULT conns=C rounds=M ok=N errors=E seconds=S rtps=R p50_us=X p99_us=Y
 *          cpu_us_rt=U
 * (ok: round trips done; rtps: ok / seconds; cpu_us_rt: this program's own
 * CPU time, user + system, per round trip done: one thread can drive at
 * most 1e6 / U round trips per second, whatever the server), then a human
 * summary on
 * stderr.  Exit status 0 when every round trip was done, 1 otherwise, 64 on
 * a usage error.
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/socket.h>

#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOAD_MSG_MAX	65536
#define LOAD_EVENTS	1024

enum load_state {
	LOAD_CONNECTING,
	LOAD_READY,		/* connected, waiting for the start */
	LOAD_SENDING,
	LOAD_READING,
	LOAD_DONE,
	LOAD_FAILED
};

struct load_conn {
	int		 fd;
	enum load_state	 state;
	long		 round;		/* round trips done */
	size_t		 off;		/* bytes sent or received this round */
	int64_t		 t0;		/* this round's start, ns */
};

struct load_opts {
	const char	*host;
	const char	*port;
	long		 conns;
	long		 rounds;
	size_t		 size;
	double		 timeout;	/* seconds for the whole run */
	long		 burst;		/* connects in flight at once */
	double		 hold;		/* seconds to hold them idle first */
	int		 go_signal;	/* -G: then wait for SIGUSR1 */
	int		 nodelay;
};

struct load {
	struct load_opts	 o;
	struct load_conn	*c;
	struct addrinfo		*ai;
	int			 epfd;
	long			 next;		/* next connection to open */
	long			 inflight;	/* connects in progress */
	long			 up;		/* connected */
	long			 finished;	/* done or failed */
	long			 errors;
	long			 ok;		/* round trips done */
	uint32_t		*lat;		/* round-trip times, us */
	size_t			 nlat, caplat;
	char			*msg, *rbuf;
	int64_t			 deadline;
};

static int64_t
load_now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
load_usage(FILE *f)
{
	fprintf(f,
	    "usage: sc-echo-load [-c CONNS] [-n ROUNDS] [-s SIZE] [-b BURST] "
	    "[-t SECS] [-H SECS] [-DG]\n"
	    "                    -h HOST -p PORT\n"
	    "  -c CONNS   connections at once (default 100)\n"
	    "  -n ROUNDS  round trips per connection (default 100)\n"
	    "  -s SIZE    message size in bytes (default 64)\n"
	    "  -b BURST   connects in flight at once (default 256)\n"
	    "  -t SECS    deadline for the whole run (default 60)\n"
	    "  -H SECS    once all are connected, print HOLDING and keep them\n"
	    "             idle SECS seconds before the round trips\n"
	    "  -G         once all are connected (and held), print HOLDING and\n"
	    "             wait for SIGUSR1 before the round trips\n"
	    "  -D         set TCP_NODELAY\n"
	    "  -h HOST -p PORT  the echo server (default host 127.0.0.1)\n");
}

static long
load_num(int c, const char *s, long min, long max)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "sc-echo-load: -%c '%s': bad value\n", c, s);
		exit(64);
	}
	return v;
}

static double
load_secs(int c, const char *s, double min, double max)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= min && v <= max)) {
		fprintf(stderr, "sc-echo-load: -%c '%s': bad value\n", c, s);
		exit(64);
	}
	return v;
}

static void
load_parse(struct load_opts *o, int argc, char **argv)
{
	int	c;

	o->host = "127.0.0.1";
	o->port = NULL;
	o->conns = 100;
	o->rounds = 100;
	o->size = 64;
	o->timeout = 60;
	o->burst = 256;
	while ((c = getopt(argc, argv, "c:n:s:b:t:h:p:DGH:")) != -1) {
		switch (c) {
		case 'c':
			o->conns = load_num(c, optarg, 1, 1000000);
			break;
		case 'n':
			o->rounds = load_num(c, optarg, 1, 100000000);
			break;
		case 's':
			o->size = (size_t)load_num(c, optarg, 1, LOAD_MSG_MAX);
			break;
		case 'b':
			o->burst = load_num(c, optarg, 1, 1000000);
			break;
		case 't':
			o->timeout = (double)load_num(c, optarg, 1, 86400);
			break;
		case 'h':
			o->host = optarg;
			break;
		case 'p':
			o->port = optarg;
			break;
		case 'D':
			o->nodelay = 1;
			break;
		case 'G':
			o->go_signal = 1;
			break;
		case 'H':
			o->hold = load_secs(c, optarg, 0, 3600);
			break;
		default:
			load_usage(stderr);
			exit(64);
		}
	}
	if (o->port == NULL || optind != argc) {
		load_usage(stderr);
		exit(64);
	}
}

/* Each connection and round gets its own bytes, so a mix-up shows. */
static void
load_fill(char *p, size_t n, long conn, long round)
{
	size_t		i;
	uint32_t	x = (uint32_t)conn * 2654435761u ^ (uint32_t)round;

	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (char)(x >> 16);
	}
}

static void
load_fail(struct load *L, struct load_conn *c, const char *why, int err)
{
	static int	said;

	if (said++ < 5)
		fprintf(stderr, "sc-echo-load: connection %ld: %s%s%s\n",
		    (long)(c - L->c), why, err ? ": " : "",
		    err ? strerror(err) : "");
	if (c->state == LOAD_CONNECTING)
		L->inflight--;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->state = LOAD_FAILED;
	L->errors++;
	L->finished++;
}

static int
load_ctl(struct load *L, struct load_conn *c, int op, uint32_t events)
{
	struct epoll_event	ev;

	memset(&ev, 0, sizeof ev);
	ev.events = events;
	ev.data.ptr = c;
	return epoll_ctl(L->epfd, op, c->fd, &ev);
}

/* Open connections until -b are in flight or all were started. */
static void
load_open_more(struct load *L)
{
	struct load_conn	*c;
	int			 one = 1;

	while (L->next < L->o.conns && L->inflight < L->o.burst) {
		c = &L->c[L->next++];
		c->fd = socket(L->ai->ai_family, L->ai->ai_socktype |
		    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd < 0) {
			load_fail(L, c, "socket", errno);
			continue;
		}
		if (L->o.nodelay)
			setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof one);
		c->state = LOAD_CONNECTING;
		L->inflight++;
		if (connect(c->fd, L->ai->ai_addr, L->ai->ai_addrlen) < 0 &&
		    errno != EINPROGRESS) {
			load_fail(L, c, "connect", errno);
			continue;
		}
		if (load_ctl(L, c, EPOLL_CTL_ADD, EPOLLOUT) < 0)
			load_fail(L, c, "epoll_ctl", errno);
	}
}

static void
load_connected(struct load *L, struct load_conn *c)
{
	socklen_t	len = sizeof(int);
	int		err = 0;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0) {
		load_fail(L, c, "connect", err);
		return;
	}
	L->inflight--;
	L->up++;
	c->state = LOAD_READY;
	/* Nothing to watch until the start. */
	if (load_ctl(L, c, EPOLL_CTL_MOD, 0) < 0)
		load_fail(L, c, "epoll_ctl", errno);
}

static void
load_record(struct load *L, int64_t ns)
{
	if (L->nlat < L->caplat)
		L->lat[L->nlat++] = (uint32_t)(ns / 1000 > UINT32_MAX ?
		    UINT32_MAX : ns / 1000);
}

/* Send (the rest of) this round's message; then wait for the echo. */
static void
load_send(struct load *L, struct load_conn *c)
{
	ssize_t	n;

	if (c->off == 0)
		c->t0 = load_now_ns();
	load_fill(L->msg, L->o.size, (long)(c - L->c), c->round);
	n = send(c->fd, L->msg + c->off, L->o.size - c->off, MSG_NOSIGNAL);
	if (n < 0 && errno != EAGAIN && errno != EINTR) {
		load_fail(L, c, "send", errno);
		return;
	}
	if (n > 0)
		c->off += (size_t)n;
	if (c->off < L->o.size) {
		if (c->state != LOAD_SENDING) {
			c->state = LOAD_SENDING;
			if (load_ctl(L, c, EPOLL_CTL_MOD, EPOLLOUT) < 0)
				load_fail(L, c, "epoll_ctl", errno);
		}
		return;
	}
	c->off = 0;
	c->state = LOAD_READING;
	if (load_ctl(L, c, EPOLL_CTL_MOD, EPOLLIN) < 0)
		load_fail(L, c, "epoll_ctl", errno);
}

static void
load_read(struct load *L, struct load_conn *c)
{
	ssize_t	n;

	n = recv(c->fd, L->rbuf + c->off, L->o.size - c->off, 0);
	if (n == 0) {
		load_fail(L, c, "closed by the server", 0);
		return;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			load_fail(L, c, "recv", errno);
		return;
	}
	c->off += (size_t)n;
	if (c->off < L->o.size)
		return;
	load_fill(L->msg, L->o.size, (long)(c - L->c), c->round);
	if (memcmp(L->msg, L->rbuf, L->o.size) != 0) {
		load_fail(L, c, "echo differs", 0);
		return;
	}
	load_record(L, load_now_ns() - c->t0);
	L->ok++;
	c->off = 0;
	if (++c->round == L->o.rounds) {
		close(c->fd);
		c->fd = -1;
		c->state = LOAD_DONE;
		L->finished++;
		return;
	}
	/* Level-triggered EPOLLIN stays: the send almost always completes. */
	c->t0 = load_now_ns();
	load_fill(L->msg, L->o.size, (long)(c - L->c), c->round);
	n = send(c->fd, L->msg, L->o.size, MSG_NOSIGNAL);
	if (n == (ssize_t)L->o.size)
		return;
	if (n < 0 && errno != EAGAIN && errno != EINTR) {
		load_fail(L, c, "send", errno);
		return;
	}
	c->off = n > 0 ? (size_t)n : 0;
	c->state = LOAD_SENDING;
	if (load_ctl(L, c, EPOLL_CTL_MOD, EPOLLOUT) < 0)
		load_fail(L, c, "epoll_ctl", errno);
}

/* Run epoll until pred is false or the deadline passes. */
static void
load_pump(struct load *L, int phase)
{
	struct epoll_event	 ev[LOAD_EVENTS];
	struct load_conn	*c;
	int64_t			 left;
	int			 i, n;

	for (;;) {
		if (phase == 0 && L->up + L->finished >= L->o.conns)
			return;
		if (phase == 1 && L->finished >= L->o.conns)
			return;
		left = (L->deadline - load_now_ns()) / 1000000;
		if (left <= 0)
			return;
		n = epoll_wait(L->epfd, ev, LOAD_EVENTS,
		    left > 1000 ? 1000 : (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("sc-echo-load: epoll_wait");
			exit(1);
		}
		for (i = 0; i < n; i++) {
			c = ev[i].data.ptr;
			if (c->state == LOAD_CONNECTING)
				load_connected(L, c);
			else if (c->state == LOAD_SENDING)
				load_send(L, c);
			else if (c->state == LOAD_READING)
				load_read(L, c);
		}
		if (phase == 0)
			load_open_more(L);
	}
}

static int
load_cmp(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t
load_pct(const struct load *L, double p)
{
	size_t	i;

	if (L->nlat == 0)
		return 0;
	i = (size_t)(p * (double)(L->nlat - 1) + 0.5);
	return L->lat[i];
}

static void
load_setup(struct load *L)
{
	struct addrinfo	 hints;
	struct rlimit	 rl;
	int		 rc;

	/* C sockets plus a few: raise the soft limit to the hard one. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)L->o.conns + 16)
		fprintf(stderr, "sc-echo-load: warning: open-file limit %llu "
		    "is below %ld connections\n",
		    (unsigned long long)rl.rlim_cur, L->o.conns);
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(L->o.host, L->o.port, &hints, &L->ai);
	if (rc != 0) {
		fprintf(stderr, "sc-echo-load: %s %s: %s\n", L->o.host,
		    L->o.port, gai_strerror(rc));
		exit(68);
	}
	L->c = calloc((size_t)L->o.conns, sizeof *L->c);
	L->caplat = (size_t)L->o.conns * (size_t)L->o.rounds;
	if (L->caplat > 50000000)
		L->caplat = 50000000;
	L->lat = malloc(L->caplat * sizeof *L->lat);
	L->msg = malloc(L->o.size);
	L->rbuf = malloc(L->o.size);
	L->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (L->c == NULL || L->lat == NULL || L->msg == NULL ||
	    L->rbuf == NULL || L->epfd < 0) {
		perror("sc-echo-load: setup");
		exit(1);
	}
}

static double
load_tv_us(const struct timeval *tv)
{
	return (double)tv->tv_sec * 1e6 + (double)tv->tv_usec;
}

int
main(int argc, char **argv)
{
	struct load	 L;
	int64_t		 t0, t1;
	struct rusage	 ru0, ru1;
	struct timespec	 hold;
	sigset_t	 go;
	int64_t		 w0;
	double		 secs, rtps, cpu;
	long		 i, ok;

	memset(&L, 0, sizeof L);
	load_parse(&L.o, argc, argv);
	sigemptyset(&go);
	sigaddset(&go, SIGUSR1);
	if (L.o.go_signal)
		sigprocmask(SIG_BLOCK, &go, NULL);
	load_setup(&L);
	L.deadline = load_now_ns() + (int64_t)(L.o.timeout * 1e9);

	/* Phase 0: every connection up. */
	load_open_more(&L);
	load_pump(&L, 0);
	if (L.o.hold > 0 || L.o.go_signal) {
		/* Idle connections, e.g. for the server's RSS. */
		printf("HOLDING up=%ld errors=%ld\n", L.up, L.errors);
		fflush(stdout);
		hold.tv_sec = (time_t)L.o.hold;
		hold.tv_nsec = (long)((L.o.hold - (double)hold.tv_sec) * 1e9);
		while (nanosleep(&hold, &hold) == -1 && errno == EINTR)
			;
		L.deadline += (int64_t)(L.o.hold * 1e9);
	}
	if (L.o.go_signal) {
		w0 = load_now_ns();
		hold.tv_sec = (time_t)L.o.timeout;
		hold.tv_nsec = 0;
		while (sigtimedwait(&go, NULL, &hold) == -1 && errno == EINTR)
			;
		L.deadline += load_now_ns() - w0;
	}
	/* Phase 1: the round trips, timed. */
	getrusage(RUSAGE_SELF, &ru0);
	t0 = load_now_ns();
	for (i = 0; i < L.o.conns; i++)
		if (L.c[i].state == LOAD_READY)
			load_send(&L, &L.c[i]);
	load_pump(&L, 1);
	t1 = load_now_ns();
	getrusage(RUSAGE_SELF, &ru1);
	for (i = 0; i < L.o.conns; i++)
		if (L.c[i].state != LOAD_DONE && L.c[i].state != LOAD_FAILED)
			load_fail(&L, &L.c[i], "not done by the deadline", 0);

	secs = (double)(t1 - t0) / 1e9;
	qsort(L.lat, L.nlat, sizeof *L.lat, load_cmp);
	ok = L.ok;
	rtps = secs > 0 ? (double)ok / secs : 0;
	cpu = load_tv_us(&ru1.ru_utime) - load_tv_us(&ru0.ru_utime) +
	    load_tv_us(&ru1.ru_stime) - load_tv_us(&ru0.ru_stime);
	printf("RESULT conns=%ld rounds=%ld ok=%ld errors=%ld seconds=%.6f "
	    "rtps=%.1f p50_us=%u p99_us=%u cpu_us_rt=%.2f\n", L.o.conns,
	    L.o.rounds, ok, L.errors, secs, rtps, load_pct(&L, 0.50),
	    load_pct(&L, 0.99), ok > 0 ? cpu / (double)ok : 0.0);
	fflush(stdout);
	fprintf(stderr, "sc-echo-load: %ld connections x %ld round trips of "
	    "%zu bytes to %s:%s\n"
	    "  %ld round trips in %.3f s = %.0f round trips/s; latency p50 "
	    "%.3f ms, p99 %.3f ms; %ld connection errors\n",
	    L.o.conns, L.o.rounds, L.o.size, L.o.host, L.o.port, ok, secs,
	    rtps, load_pct(&L, 0.50) / 1000.0, load_pct(&L, 0.99) / 1000.0,
	    L.errors);
	freeaddrinfo(L.ai);
	return L.errors == 0 && ok == L.o.conns * L.o.rounds ? 0 : 1;
}
