/*
 * sc-udp-flood: send UDP datagrams to HOST PORT as fast as possible or at a
 * paced rate, for the receive-rate benchmark of bench/run.sh.
 *
 * One connected UDP socket, datagrams sent in sendmmsg(2) batches. With
 * -r RATE the sender keeps to RATE datagrams per second on CLOCK_MONOTONIC:
 * the batch that starts with datagram k leaves at start + k / RATE, and the
 * sender sleeps (clock_nanosleep, absolute) until then; batches are capped
 * at RATE / 1000 datagrams, so the bursts last about a millisecond.
 * With -g SEGS each message of a batch carries SEGS datagrams at once, cut
 * by the kernel (UDP generic segmentation offload, UDP_SEGMENT): the
 * receiver still gets separate SIZE-byte datagrams, but the sender pays the
 * route and IP output once per message, so a single sender can outrun a
 * receiver on the same machine and the receiver's rate is what is measured.
 * Each datagram starts with its 64-bit sequence number (big-endian) when it
 * is at least 8 bytes long, the rest is a fixed pattern.
 *
 * The result is one line on stdout, key=value separated by spaces:
 *   sent=N seconds=S rate=R errors=E
 * so a script can read it with a single 'read' or awk.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define FLOOD_MAX_SIZE	65507
#define FLOOD_MAX_BATCH	1024
#define FLOOD_MAX_SEGS	64	/* UDP_MAX_SEGMENTS of older kernels */

struct flood_opts {
	long long	 count;		/* datagrams to send, 0: no limit */
	double		 duration;	/* seconds, 0: no limit */
	double		 rate;		/* datagrams per second, 0: max */
	double		 bound;		/* hard limit on the run, seconds */
	size_t		 size;		/* bytes per datagram */
	unsigned int	 batch;		/* messages per sendmmsg */
	unsigned int	 segs;		/* datagrams per message (GSO) */
	int		 family;	/* AF_UNSPEC, AF_INET or AF_INET6 */
	int		 quiet;
	const char	*host;
	const char	*port;
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: sc-udp-flood [-46q] [-s SIZE] [-c COUNT] [-d SECONDS] [-r RATE]\n"
"                    [-b BATCH] [-g SEGS] [-t BOUND] HOST PORT\n"
"Send UDP datagrams of SIZE bytes to HOST PORT in sendmmsg batches.\n"
"\n"
"  -s SIZE     bytes per datagram, 1-%d (default 64)\n"
"  -c COUNT    stop after COUNT datagrams\n"
"  -d SECONDS  stop after SECONDS (decimal); without -c and -d: 1 second\n"
"  -r RATE     datagrams per second, paced on CLOCK_MONOTONIC (default:\n"
"              as fast as the kernel takes them)\n"
"  -b BATCH    messages per sendmmsg call, 1-%d, one datagram each\n"
"              (SEGS with -g) (default 64; a paced run uses at most\n"
"              RATE/1000, so bursts stay near 1 ms)\n"
"  -g SEGS     hand the kernel SEGS datagrams per message, 1-%d, cut by\n"
"              UDP segmentation offload (default 1: no offload; at most\n"
"              65507 bytes a message; not with -r)\n"
"  -t BOUND    never run longer than BOUND seconds (default 60)\n"
"  -4, -6      IPv4 or IPv6 only\n"
"  -q          no warnings on stderr\n"
"\n"
"Prints one line: sent=N seconds=S rate=R errors=E\n",
	    FLOOD_MAX_SIZE, FLOOD_MAX_BATCH, FLOOD_MAX_SEGS);
}

static void
sleep_until(double t)
{
	struct timespec	ts;

	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L)
		ts.tv_nsec = 999999999L;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		continue;
}

static int
flood_parse(int argc, char **argv, struct flood_opts *o)
{
	double	v;
	int	c;

	memset(o, 0, sizeof *o);
	o->size = 64;
	o->batch = 64;
	o->segs = 1;
	o->bound = 60;
	o->family = AF_UNSPEC;
	while ((c = getopt(argc, argv, "46b:c:d:g:hqr:s:t:")) != -1) {
		switch (c) {
		case '4':
			o->family = AF_INET;
			break;
		case '6':
			o->family = AF_INET6;
			break;
		case 'b':
			if (bench_parse_num(optarg, 1, FLOOD_MAX_BATCH, &v) == -1)
				goto bad;
			o->batch = (unsigned int)v;
			break;
		case 'c':
			if (bench_parse_num(optarg, 1, 1e15, &v) == -1)
				goto bad;
			o->count = (long long)v;
			break;
		case 'd':
			if (bench_parse_num(optarg, 0.001, 86400, &o->duration) == -1)
				goto bad;
			break;
		case 'g':
			if (bench_parse_num(optarg, 1, FLOOD_MAX_SEGS, &v) == -1)
				goto bad;
			o->segs = (unsigned int)v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'q':
			o->quiet = 1;
			break;
		case 'r':
			if (bench_parse_num(optarg, 1, 1e9, &o->rate) == -1)
				goto bad;
			break;
		case 's':
			if (bench_parse_num(optarg, 1, FLOOD_MAX_SIZE, &v) == -1)
				goto bad;
			o->size = (size_t)v;
			break;
		case 't':
			if (bench_parse_num(optarg, 0.001, 86400, &o->bound) == -1)
				goto bad;
			break;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "sc-udp-flood: need HOST and PORT\n");
		usage(stderr);
		return -1;
	}
	o->host = argv[optind];
	o->port = argv[optind + 1];
	if (o->count == 0 && o->duration == 0)
		o->duration = 1;
	if (o->duration == 0 || o->duration > o->bound)
		o->duration = o->bound;
	if (o->segs > 1 && o->rate > 0) {
		fprintf(stderr, "sc-udp-flood: -g and -r do not go together\n");
		return -1;
	}
	if (o->segs > 65507 / o->size)
		o->segs = o->size > 65507 / 2 ? 1 : (unsigned int)(65507 / o->size);
	if (o->rate > 0 && o->rate / 1000 < o->batch)
		o->batch = o->rate >= 1000 ? (unsigned int)(o->rate / 1000) : 1;
	return 0;
bad:
	fprintf(stderr, "sc-udp-flood: -%c '%s': bad value; see -h\n", c,
	    optarg);
	return -1;
}

static int
flood_connect(const struct flood_opts *o)
{
	struct addrinfo	 hints, *res, *ai;
	int		 fd = -1, err, saved = 0;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = o->family;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	err = getaddrinfo(o->host, o->port, &hints, &res);
	if (err != 0) {
		fprintf(stderr, "sc-udp-flood: %s %s: %s\n", o->host, o->port,
		    gai_strerror(err));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd == -1) {
			saved = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		fprintf(stderr, "sc-udp-flood: %s %s: %s\n", o->host, o->port,
		    strerror(saved));
	return fd;
}

/*
 * How many datagrams the next sendmmsg carries, and when it is due: the
 * batch that starts at datagram number 'sent' leaves at start + sent / rate.
 */
static long long
flood_next(const struct flood_opts *o, long long sent, double start,
    double *due)
{
	long long	n = (long long)o->batch * o->segs;

	if (o->count > 0 && o->count - sent < n)
		n = o->count - sent;
	*due = o->rate > 0 ? start + (double)sent / o->rate : 0;
	return n;
}

/* Ask the kernel to cut each message into SIZE-byte datagrams. */
static void
flood_gso(struct flood_opts *o, int fd)
{
	int	gso = (int)o->size;

	if (o->segs <= 1)
		return;
	if (setsockopt(fd, IPPROTO_UDP, UDP_SEGMENT, &gso, sizeof gso) == 0)
		return;
	if (!o->quiet)
		fprintf(stderr, "sc-udp-flood: UDP_SEGMENT: %s (one datagram "
		    "a message)\n", strerror(errno));
	o->segs = 1;
}

static int
flood_run(const struct flood_opts *o, int fd)
{
	static struct mmsghdr	 msgs[FLOOD_MAX_BATCH];
	static struct iovec	 iovs[FLOOD_MAX_BATCH];
	size_t			 msglen = o->segs * o->size;
	unsigned char		*bufs;
	long long		 sent = 0, errors = 0, n, k;
	double			 start, due, elapsed = 0;
	unsigned int		 i, m;
	int			 r;

	bufs = malloc((size_t)o->batch * msglen);
	if (bufs == NULL) {
		perror("sc-udp-flood: malloc");
		return -1;
	}
	memset(bufs, 'x', (size_t)o->batch * msglen);
	for (k = 0; k < (long long)o->batch * o->segs; k++)
		bufs[(size_t)k * o->size + o->size - 1] = '\n';
	for (i = 0; i < o->batch; i++) {
		iovs[i].iov_base = bufs + (size_t)i * msglen;
		memset(&msgs[i], 0, sizeof msgs[i]);
		msgs[i].msg_hdr.msg_iov = &iovs[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	start = bench_now_sec();
	for (;;) {
		elapsed = bench_now_sec() - start;
		if (elapsed >= o->duration || (o->count > 0 && sent >= o->count))
			break;
		n = flood_next(o, sent, start, &due);
		if (due > start + elapsed) {
			sleep_until(due);
			continue;
		}
		for (k = 0; k < n && o->size >= 8; k++) {
			uint64_t	 seq = (uint64_t)(sent + k);
			unsigned char	*d = bufs + (size_t)k * o->size;
			int		 b;

			for (b = 0; b < 8; b++)
				d[b] = (unsigned char)(seq >> (56 - 8 * b));
		}
		/* n datagrams in m messages; only the last may be short. */
		m = (unsigned int)((n + o->segs - 1) / o->segs);
		for (i = 0; i < m; i++)
			iovs[i].iov_len = msglen;
		iovs[m - 1].iov_len = (size_t)(n - (long long)(m - 1) * o->segs) *
		    o->size;
		r = sendmmsg(fd, msgs, m, 0);
		if (r > 0) {
			sent += (unsigned int)r == m ? n : (long long)r * o->segs;
			continue;
		}
		/*
		 * ECONNREFUSED is the ICMP port-unreachable of an earlier
		 * datagram (nobody bound yet, or the receiver went away);
		 * ENOBUFS is a full device queue. Both are worth a retry.
		 */
		errors++;
		if (r == -1 && errno != ECONNREFUSED && errno != ENOBUFS &&
		    errno != EAGAIN && errno != EINTR) {
			perror("sc-udp-flood: sendmmsg");
			break;
		}
		if (errors == 1 && !o->quiet)
			fprintf(stderr, "sc-udp-flood: sendmmsg: %s (retrying)\n",
			    strerror(errno));
	}
	elapsed = bench_now_sec() - start;
	printf("sent=%lld seconds=%.6f rate=%.0f errors=%lld\n", sent, elapsed,
	    elapsed > 0 ? (double)sent / elapsed : 0.0, errors);
	free(bufs);
	return 0;
}

int
main(int argc, char **argv)
{
	struct flood_opts	o;
	int			fd, rc;

	if (flood_parse(argc, argv, &o) == -1)
		return 64;
	fd = flood_connect(&o);
	if (fd == -1)
		return 69;
	flood_gso(&o, fd);
	rc = flood_run(&o, fd);
	close(fd);
	return rc == 0 ? 0 : 1;
}
