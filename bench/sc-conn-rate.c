/*
 * sc-conn-rate: open and close TCP connections to HOST PORT for a while and
 * report how many complete sessions per second a server sustains.
 *
 * One session, in the default mode 'half':
 *   connect, send MSG, shutdown(SHUT_WR), read until EOF, close.
 * The server must therefore see our EOF and close its side (or have closed
 * it already) for a session to count: that is the moment a relay such as
 * 'sockcat listen -k' or 'nc -lk' ends the session and accepts the next.
 * Mode 'close' sends MSG and closes at once (no wait for the server); mode
 * 'read' sends MSG and reads until the server closes, without half-closing.
 * With -R N a session counts only when exactly N bytes came back before
 * the EOF (-R 64 with a 64-byte MSG checks an echo, e.g. 'listen -k -e cat').
 * Mode 'reply' sends MSG, reads the -R bytes of the answer and closes,
 * without half-closing and without waiting for EOF (a server that never
 * ends a session by itself, such as ncat -k -e cat, can be measured so).
 *
 * CONC sessions run at once (default 1: strictly sequential), driven by one
 * poll(2) loop over non-blocking sockets. After the duration no new session
 * starts; the ones in flight finish (or time out) and count, and the elapsed
 * time runs until the last one ended.
 *
 * The result is one line on stdout, key=value separated by spaces:
 *   conns=N seconds=S rate=R errors=E timeouts=T
 * The status is 0 when every session completed, 1 when one failed or timed
 * out (the run stops at the first failure unless -k), 64 on a usage error.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define CONN_MAX_CONC	4096

enum conn_mode {
	CONN_MODE_HALF,
	CONN_MODE_CLOSE,
	CONN_MODE_READ,
	CONN_MODE_REPLY
};

enum conn_state {
	CONN_IDLE,
	CONN_CONNECTING,
	CONN_SENDING,
	CONN_READING
};

struct conn_opts {
	double			 duration;	/* seconds */
	long long		 count;		/* sessions, 0: no limit */
	double			 timeout;	/* per session, seconds */
	double			 bound;		/* hard limit on the run */
	int			 conc;
	int			 keep_going;
	enum conn_mode		 mode;
	const char		*msg;
	size_t			 msglen;
	long long		 reply;		/* -R: bytes expected, -1: any */
	const char		*host;
	const char		*port;
	int			 family;
};

struct conn_slot {
	int			 fd;
	enum conn_state		 state;
	size_t			 off;		/* bytes of msg sent */
	long long		 got;		/* bytes read back */
	double			 began;
};

struct conn_run {
	const struct conn_opts	*o;
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
	struct conn_slot	*slots;
	struct pollfd		*pfds;
	long long		 started, done, errors, timeouts;
	int			 stopping;
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: sc-conn-rate [-46k] [-d SECONDS] [-n COUNT] [-c CONC] [-m MSG]\n"
"                    [-R BYTES] [-x half|close|read|reply] [-w TIMEOUT]\n"
"                    [-t BOUND]\n"
"                    HOST PORT\n"
"Open sessions to a TCP server one after another (or CONC at once) and\n"
"report sessions per second.\n"
"\n"
"  -d SECONDS  start new sessions for SECONDS (decimal, default 2)\n"
"  -n COUNT    stop after COUNT sessions\n"
"  -c CONC     sessions at once, 1-%d (default 1)\n"
"  -m MSG      bytes to send in each session (default \"ping\\n\"; '' sends\n"
"              nothing)\n"
"  -R BYTES    a session fails unless exactly BYTES come back before EOF\n"
"  -x MODE     half: send, shutdown(SHUT_WR), read to EOF, close (default)\n"
"              close: send, close at once\n"
"              read: send, read to EOF without half-closing, close\n"
"              reply: send, read the -R bytes of the answer, close\n"
"  -w TIMEOUT  a session that takes longer fails (default 5)\n"
"  -t BOUND    never run longer than BOUND seconds (default 60)\n"
"  -k          keep going after a failed session (default: stop)\n"
"  -4, -6      IPv4 or IPv6 only\n"
"\n"
"Prints one line: conns=N seconds=S rate=R errors=E timeouts=T\n",
	    CONN_MAX_CONC);
}

static int
conn_parse(int argc, char **argv, struct conn_opts *o)
{
	double	v;
	int	c;

	memset(o, 0, sizeof *o);
	o->duration = 2;
	o->timeout = 5;
	o->bound = 60;
	o->conc = 1;
	o->msg = "ping\n";
	o->reply = -1;
	o->family = AF_UNSPEC;
	while ((c = getopt(argc, argv, "46c:d:hkm:n:R:t:w:x:")) != -1) {
		switch (c) {
		case '4':
			o->family = AF_INET;
			break;
		case '6':
			o->family = AF_INET6;
			break;
		case 'c':
			if (bench_parse_num(optarg, 1, CONN_MAX_CONC, &v) == -1)
				goto bad;
			o->conc = (int)v;
			break;
		case 'd':
			if (bench_parse_num(optarg, 0.001, 86400, &o->duration) == -1)
				goto bad;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'k':
			o->keep_going = 1;
			break;
		case 'm':
			o->msg = optarg;
			break;
		case 'n':
			if (bench_parse_num(optarg, 1, 1e15, &v) == -1)
				goto bad;
			o->count = (long long)v;
			break;
		case 'R':
			if (bench_parse_num(optarg, 0, 1e15, &v) == -1)
				goto bad;
			o->reply = (long long)v;
			break;
		case 't':
			if (bench_parse_num(optarg, 0.001, 86400, &o->bound) == -1)
				goto bad;
			break;
		case 'w':
			if (bench_parse_num(optarg, 0.001, 86400, &o->timeout) == -1)
				goto bad;
			break;
		case 'x':
			if (strcmp(optarg, "half") == 0)
				o->mode = CONN_MODE_HALF;
			else if (strcmp(optarg, "close") == 0)
				o->mode = CONN_MODE_CLOSE;
			else if (strcmp(optarg, "read") == 0)
				o->mode = CONN_MODE_READ;
			else if (strcmp(optarg, "reply") == 0)
				o->mode = CONN_MODE_REPLY;
			else
				goto bad;
			break;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "sc-conn-rate: need HOST and PORT\n");
		usage(stderr);
		return -1;
	}
	o->host = argv[optind];
	o->port = argv[optind + 1];
	if (o->mode == CONN_MODE_REPLY && o->reply < 1) {
		fprintf(stderr, "sc-conn-rate: -x reply needs -R BYTES\n");
		return -1;
	}
	o->msglen = strlen(o->msg);
	if (o->duration > o->bound)
		o->duration = o->bound;
	return 0;
bad:
	fprintf(stderr, "sc-conn-rate: -%c '%s': bad value; see -h\n", c,
	    optarg);
	return -1;
}

static int
conn_resolve(struct conn_run *run)
{
	struct addrinfo	hints, *res;
	int		err;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = run->o->family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	err = getaddrinfo(run->o->host, run->o->port, &hints, &res);
	if (err != 0) {
		fprintf(stderr, "sc-conn-rate: %s %s: %s\n", run->o->host,
		    run->o->port, gai_strerror(err));
		return -1;
	}
	memcpy(&run->addr, res->ai_addr, res->ai_addrlen);
	run->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* End a session: count it, close the socket, free the slot. */
static void
conn_finish(struct conn_run *run, struct conn_slot *s, int err, int timedout)
{
	if (timedout) {
		run->timeouts++;
		if (run->timeouts == 1)
			fprintf(stderr, "sc-conn-rate: session %lld: no EOF "
			    "from the server within %gs\n",
			    run->done + run->errors + 1, run->o->timeout);
	} else if (err != 0) {
		run->errors++;
		if (run->errors == 1 && err == EBADMSG)
			fprintf(stderr, "sc-conn-rate: session %lld: %lld bytes "
			    "came back, not %lld\n", run->done + run->errors,
			    s->got, run->o->reply);
		else if (run->errors == 1)
			fprintf(stderr, "sc-conn-rate: session %lld: %s\n",
			    run->done + run->errors, strerror(err));
	} else
		run->done++;
	if ((timedout || err != 0) && !run->o->keep_going)
		run->stopping = 1;
	close(s->fd);
	s->fd = -1;
	s->state = CONN_IDLE;
}

/* Send what is left of the message; then half-close, close or read. */
static void
conn_send(struct conn_run *run, struct conn_slot *s)
{
	ssize_t	n;

	while (s->off < run->o->msglen) {
		n = send(s->fd, run->o->msg + s->off, run->o->msglen - s->off,
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			conn_finish(run, s, errno, 0);
			return;
		}
		s->off += (size_t)n;
	}
	switch (run->o->mode) {
	case CONN_MODE_CLOSE:
		conn_finish(run, s, 0, 0);
		return;
	case CONN_MODE_HALF:
		if (shutdown(s->fd, SHUT_WR) == -1) {
			conn_finish(run, s, errno, 0);
			return;
		}
		break;
	case CONN_MODE_READ:
	case CONN_MODE_REPLY:
		break;
	}
	s->state = CONN_READING;
}

static void
conn_read(struct conn_run *run, struct conn_slot *s)
{
	char	buf[16384];
	ssize_t	n;

	for (;;) {
		n = recv(s->fd, buf, sizeof buf, 0);
		if (n > 0) {
			s->got += n;
			if (run->o->mode == CONN_MODE_REPLY &&
			    s->got >= run->o->reply) {
				conn_finish(run, s, s->got == run->o->reply ? 0 :
				    EBADMSG, 0);
				return;
			}
			continue;
		}
		if (n == 0) {
			/* EBADMSG: the reply was not the -R bytes. */
			conn_finish(run, s, run->o->reply >= 0 &&
			    s->got != run->o->reply ? EBADMSG : 0, 0);
			return;
		}
		if (errno == EAGAIN || errno == EINTR)
			return;
		conn_finish(run, s, errno, 0);
		return;
	}
}

static void
conn_start(struct conn_run *run, struct conn_slot *s, double now)
{
	int	fd;

	fd = socket(run->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd == -1) {
		run->errors++;
		run->stopping = 1;
		perror("sc-conn-rate: socket");
		return;
	}
	run->started++;
	s->fd = fd;
	s->off = 0;
	s->got = 0;
	s->began = now;
	if (connect(fd, (struct sockaddr *)&run->addr, run->addrlen) == 0) {
		s->state = CONN_SENDING;
		conn_send(run, s);
	} else if (errno == EINPROGRESS)
		s->state = CONN_CONNECTING;
	else
		conn_finish(run, s, errno, 0);
}

static void
conn_connected(struct conn_run *run, struct conn_slot *s)
{
	int		err = 0;
	socklen_t	len = sizeof err;

	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		conn_finish(run, s, err, 0);
		return;
	}
	s->state = CONN_SENDING;
	conn_send(run, s);
}

/* Start sessions in free slots while the run may still start new ones. */
static void
conn_fill(struct conn_run *run, double now, double end)
{
	int	i;

	for (i = 0; i < run->o->conc; i++) {
		if (run->stopping || now >= end ||
		    (run->o->count > 0 && run->started >= run->o->count))
			return;
		if (run->slots[i].state == CONN_IDLE)
			conn_start(run, &run->slots[i], now);
	}
}

static int
conn_active(const struct conn_run *run)
{
	int	i, n = 0;

	for (i = 0; i < run->o->conc; i++)
		if (run->slots[i].state != CONN_IDLE)
			n++;
	return n;
}

static void
conn_poll_once(struct conn_run *run, double now)
{
	struct conn_slot	*s;
	int			 i, n = 0, map[CONN_MAX_CONC];

	for (i = 0; i < run->o->conc; i++) {
		s = &run->slots[i];
		if (s->state == CONN_IDLE)
			continue;
		if (now - s->began > run->o->timeout) {
			conn_finish(run, s, 0, 1);
			continue;
		}
		run->pfds[n].fd = s->fd;
		run->pfds[n].events = s->state == CONN_READING ? POLLIN :
		    POLLOUT;
		run->pfds[n].revents = 0;
		map[n++] = i;
	}
	if (n == 0)
		return;
	if (poll(run->pfds, (nfds_t)n, 100) <= 0)
		return;
	for (i = 0; i < n; i++) {
		if (run->pfds[i].revents == 0)
			continue;
		s = &run->slots[map[i]];
		switch (s->state) {
		case CONN_CONNECTING:
			conn_connected(run, s);
			break;
		case CONN_SENDING:
			conn_send(run, s);
			break;
		case CONN_READING:
			conn_read(run, s);
			break;
		case CONN_IDLE:
			break;
		}
	}
}

int
main(int argc, char **argv)
{
	struct conn_opts	o;
	struct conn_run		run;
	double			start, end, hard, now;
	int			i;

	if (conn_parse(argc, argv, &o) == -1)
		return 64;
	memset(&run, 0, sizeof run);
	run.o = &o;
	if (conn_resolve(&run) == -1)
		return 68;
	run.slots = calloc((size_t)o.conc, sizeof *run.slots);
	run.pfds = calloc((size_t)o.conc, sizeof *run.pfds);
	if (run.slots == NULL || run.pfds == NULL) {
		perror("sc-conn-rate: calloc");
		return 1;
	}
	for (i = 0; i < o.conc; i++)
		run.slots[i].fd = -1;

	start = bench_now_sec();
	end = start + o.duration;
	hard = start + o.bound;
	for (now = start; now < hard; now = bench_now_sec()) {
		conn_fill(&run, now, end);
		if (conn_active(&run) == 0)
			break;
		conn_poll_once(&run, now);
	}
	for (i = 0; i < o.conc; i++)
		if (run.slots[i].state != CONN_IDLE)
			conn_finish(&run, &run.slots[i], 0, 1);
	now = bench_now_sec() - start;
	printf("conns=%lld seconds=%.6f rate=%.1f errors=%lld timeouts=%lld\n",
	    run.done, now, now > 0 ? (double)run.done / now : 0.0, run.errors,
	    run.timeouts);
	free(run.slots);
	free(run.pfds);
	return run.errors == 0 && run.timeouts == 0 && run.done > 0 ? 0 : 1;
}
