/*
 * cmd-ping.c: sockcat ping HOST (ICMP or ICMPv6 echo).
 *
 * One echo request every --interval, -c of them; each waits up to -w for
 * its reply, matched by identifier and sequence (icmp.c) and by the
 * payload this run sends, so another ping's replies on a raw socket are
 * not taken for ours.  One line per reply on stdout, then a summary.
 * Everything runs on the event loop's timers.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "cmd.h"
#include "icmp.h"
#include "log.h"
#include "loop.h"
#include "opt.h"
#include "parse.h"
#include "sig.h"
#include "sock.h"
#include "status.h"

#define PING_COUNT	4
#define PING_INTERVAL_MS 1000
#define PING_WAIT_MS	1000
#define PING_SIZE	56		/* payload bytes: 64 with the header */
#define PING_COUNT_MAX	1000000000LL
#define PING_SLOTS_MAX	65536		/* one per sequence number */

enum {
	OPT_INTERVAL = OPT_CMD,
	OPT_SIZE
};

static const struct opt_row ping_rows[] = {
	OPT_ROW_IPV4,
	OPT_ROW_IPV6,
	OPT_ROW_SOURCE,
	OPT_ROW_NUMERIC,
	{ 'c', 'c', "count", OPT_ARG_REQUIRED, "N",
	  "send N echo requests (default 4)" },
	{ OPT_INTERVAL, 0, "interval", OPT_ARG_REQUIRED, "DUR",
	  "wait DUR between requests (default 1s)" },
	OPT_ROW_TIMEOUT("how long each reply may take (default 1s)"),
	{ OPT_SIZE, 0, "size", OPT_ARG_REQUIRED, "N",
	  "N bytes of payload (default 56)" },
	OPT_ROW_VERBOSE,
	OPT_ROW_QUIET,
	OPT_ROW_LOG_FORMAT,
	OPT_ROW_END
};

struct ping;

/* One request on its way. */
struct ping_req {
	struct ping		*p;
	int			 pending;
	uint16_t		 seq;
	int64_t			 sent_ns;
	struct loop_timer	 expire;
};

struct ping {
	struct sock_opts	 o;
	int64_t			 count;
	int64_t			 interval_ms;
	int64_t			 size;
	const char		*host;
	char			 addr[ADDR_STRLEN];	/* without a port */
	struct icmp_sock	 sock;
	struct loop		*loop;
	struct loop_timer	 send;
	struct ping_req		*reqs;
	size_t			 nreqs;
	unsigned char		*payload;
	unsigned char		*out, *in;
	size_t			 inlen;
	int64_t			 sent, received, pending;
	int64_t			 send_failed;
	int			 last_err;
	double			 rtt_min, rtt_max, rtt_sum;
	int			 failed;
	struct status		 st;
};

static int
ping_opt(void *ctx, int id, const char *arg, struct status *st)
{
	struct ping	*p = ctx;

	switch (id) {
	case 'c':
		return parse_count("--count", arg, 1, PING_COUNT_MAX, &p->count,
		    st);
	case OPT_INTERVAL:
		if (parse_duration("--interval", arg, &p->interval_ms, st) < 0)
			return -1;
		if (p->interval_ms == 0)
			return status_usage(st, "--interval '%s': must be more "
			    "than 0", arg);
		return 0;
	case OPT_SIZE:
		return parse_count("--size", arg, 0, ICMP_PAYLOAD_MAX,
		    &p->size, st);
	default:
		return status_set(st, SC_EX_SOFTWARE, "option %d not handled",
		    id);
	}
}

static int64_t
ping_now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
ping_fail(struct ping *p, const struct status *st)
{
	if (!p->failed)
		p->st = *st;
	p->failed = 1;
	loop_stop(p->loop);
}

/* Done when every request is sent and none is waiting any more. */
static void
ping_check_done(struct ping *p)
{
	if (p->sent + p->send_failed >= p->count && p->pending == 0)
		loop_stop(p->loop);
}

static void
ping_expire_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	struct ping_req	*r = arg;
	struct ping	*p = r->p;

	(void)l;
	(void)t;
	r->pending = 0;
	p->pending--;
	log_info(LOG_VERBOSE, "no reply from %s for seq=%u within "
	    "%lld.%03llds", p->addr, (unsigned)r->seq,
	    (long long)(p->o.timeout_ms / 1000),
	    (long long)(p->o.timeout_ms % 1000));
	ping_check_done(p);
}

static void
ping_reply(struct ping *p, uint16_t seq, size_t msglen,
    const unsigned char *data, size_t dlen, int64_t now)
{
	struct ping_req	*r;
	double		 ms;

	/* Ours: the sequence of a request that waits, and our payload. */
	r = &p->reqs[(size_t)((seq + 65535) % 65536) % p->nreqs];
	if (!r->pending || r->seq != seq || dlen != (size_t)p->size ||
	    (dlen > 0 && memcmp(data, p->payload, dlen) != 0)) {
		log_info(LOG_DEBUG, "an echo reply not waited for (seq=%u, "
		    "%zu bytes)", (unsigned)seq, msglen);
		return;
	}
	r->pending = 0;
	p->pending--;
	loop_timer_stop(p->loop, &r->expire);
	ms = (double)(now - r->sent_ns) / 1e6;
	if (p->received == 0 || ms < p->rtt_min)
		p->rtt_min = ms;
	if (p->received == 0 || ms > p->rtt_max)
		p->rtt_max = ms;
	p->rtt_sum += ms;
	p->received++;
	printf("%zu bytes from %s: seq=%u time=%.3f ms\n", msglen, p->addr,
	    (unsigned)seq, ms);
	fflush(stdout);
	ping_check_done(p);
}

static void
ping_read_cb(struct loop *l, int fd, int mask, void *arg)
{
	struct ping		*p = arg;
	const unsigned char	*data;
	size_t			 msglen, dlen;
	uint16_t		 seq;
	ssize_t			 n;
	int			 i;

	(void)l;
	(void)mask;
	/* A batch at most, so the timers get their turn. */
	for (i = 0; i < 64; i++) {
		n = recv(fd, p->in, p->inlen, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			/* An ICMP error for one of ours: unreachable, ... */
			log_info(LOG_VERBOSE, "%s: %s", p->addr,
			    strerror(errno));
			continue;
		}
		if (icmp_echo_parse(&p->sock, p->in, (size_t)n, &seq, &msglen,
		    &data, &dlen) == 1)
			ping_reply(p, seq, msglen, data, dlen, ping_now_ns());
	}
}

static void
ping_send_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	struct ping	*p = arg;
	struct ping_req	*r;
	struct status	 st;
	uint16_t	 seq = (uint16_t)((p->sent + p->send_failed + 1) & 0xffff);
	size_t		 len;
	ssize_t		 n;

	(void)t;
	r = &p->reqs[(size_t)(p->sent + p->send_failed) % p->nreqs];
	if (r->pending) {
		/* -w longer than nreqs intervals: that one is given up. */
		loop_timer_stop(l, &r->expire);
		r->pending = 0;
		p->pending--;
	}
	len = icmp_echo_build(&p->sock, seq, p->payload, (size_t)p->size,
	    p->out, ICMP_HDR + (size_t)p->size);
	r->sent_ns = ping_now_ns();
	do
		n = send(p->sock.fd, p->out, len, 0);
	while (n < 0 && errno == EINTR && sig_pending() == 0);
	if (n < 0) {
		if (p->send_failed == 0 || errno != p->last_err)
			log_warn("%s: send: %s", p->addr, strerror(errno));
		p->last_err = errno;
		p->send_failed++;
	} else {
		p->sent++;
		r->seq = seq;
		r->pending = 1;
		p->pending++;
		if (loop_timer_at(l, &r->expire, loop_now(l) + p->o.timeout_ms,
		    &st) < 0) {
			ping_fail(p, &st);
			return;
		}
	}
	if (p->sent + p->send_failed < p->count) {
		if (loop_timer_at(l, &p->send, loop_now(l) + p->interval_ms,
		    &st) < 0)
			ping_fail(p, &st);
		return;
	}
	ping_check_done(p);
}

/* HOST's first address (of -4/-6), and -s. */
static int
ping_resolve(struct ping *p, struct sockaddr_storage *dst, socklen_t *dstlen,
    struct sockaddr_storage *src, socklen_t *srclen, struct status *st)
{
	struct addrinfo	*res, *ai;
	int		 flags = p->o.numeric ? ADDR_NUMERIC : 0;
	char		*colon;

	if (addr_resolve(p->host, 0, p->o.family, SOCK_DGRAM, flags, &res,
	    st) < 0)
		return -1;
	memcpy(dst, res->ai_addr, res->ai_addrlen);
	*dstlen = res->ai_addrlen;
	freeaddrinfo(res);
	/* "127.0.0.1", "::1": the address without its port. */
	addr_format((struct sockaddr *)dst, *dstlen, p->addr, sizeof p->addr);
	if (p->addr[0] == '[') {
		memmove(p->addr, p->addr + 1, strlen(p->addr));
		colon = strrchr(p->addr, ']');
	} else
		colon = strrchr(p->addr, ':');
	if (colon != NULL)
		*colon = '\0';
	*srclen = 0;
	if (p->o.source == NULL)
		return 0;
	if (addr_resolve(p->o.source, 0, p->o.family, SOCK_DGRAM,
	    ADDR_PASSIVE | flags, &res, st) < 0)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (ai->ai_family == dst->ss_family) {
			memcpy(src, ai->ai_addr, ai->ai_addrlen);
			*srclen = ai->ai_addrlen;
			break;
		}
	freeaddrinfo(res);
	if (*srclen == 0)
		return status_set(st, SC_EX_OSERR, "%s: no address of the "
		    "family of --source %s", p->addr, p->o.source);
	return 0;
}

static int
ping_setup(struct ping *p, struct status *st)
{
	struct sockaddr_storage	dst, src;
	socklen_t		dstlen, srclen;
	size_t			i;
	unsigned int		seed;

	if (p->o.timeout_ms < 0)
		p->o.timeout_ms = PING_WAIT_MS;
	if (p->o.timeout_ms == 0)
		return status_usage(st, "--timeout must be more than 0");
	if (ping_resolve(p, &dst, &dstlen, &src, &srclen, st) < 0)
		return -1;
	if (icmp_open(&p->sock, (struct sockaddr *)&dst, dstlen,
	    srclen > 0 ? (struct sockaddr *)&src : NULL, srclen, st) < 0)
		return -1;
	p->nreqs = p->count < PING_SLOTS_MAX ? (size_t)p->count :
	    PING_SLOTS_MAX;
	p->reqs = calloc(p->nreqs, sizeof *p->reqs);
	p->payload = malloc((size_t)p->size + 1);
	p->out = malloc(ICMP_HDR + (size_t)p->size);
	/* Room for an IP header, options and all. */
	p->inlen = ICMP_HDR + (size_t)p->size + 64;
	p->in = malloc(p->inlen);
	if (p->reqs == NULL || p->payload == NULL || p->out == NULL ||
	    p->in == NULL)
		return status_errno(st, ENOMEM, SC_EX_OSERR, "ping");
	/* This run's own bytes: a stranger's reply will not match them. */
	seed = (unsigned int)ping_now_ns() ^ (unsigned int)getpid();
	for (i = 0; i < (size_t)p->size; i++) {
		seed = seed * 1103515245U + 12345U;
		p->payload[i] = (unsigned char)(seed >> 16);
	}
	if ((p->loop = loop_new(st)) == NULL)
		return -1;
	for (i = 0; i < p->nreqs; i++) {
		p->reqs[i].p = p;
		loop_timer_init(&p->reqs[i].expire, ping_expire_cb,
		    &p->reqs[i]);
	}
	loop_timer_init(&p->send, ping_send_cb, p);
	if (loop_set(p->loop, p->sock.fd, LOOP_READ, ping_read_cb, p, st) < 0 ||
	    loop_timer_at(p->loop, &p->send, loop_now(p->loop), st) < 0)
		return -1;
	log_info(LOG_VERBOSE, "ping %s: %lld bytes of payload, %s ICMP%s "
	    "socket", p->addr, (long long)p->size, p->sock.raw ? "raw" :
	    "datagram", p->sock.family == AF_INET6 ? "v6" : "");
	return 0;
}

static void
ping_summary(const struct ping *p)
{
	int64_t	lost = p->sent - p->received;

	printf("--- %s ping statistics ---\n", p->host);
	printf("%lld sent, %lld received, %lld%% loss\n", (long long)p->sent,
	    (long long)p->received, p->sent > 0 ?
	    (long long)(lost * 100 / p->sent) : 0LL);
	if (p->received > 0)
		printf("rtt min/avg/max = %.3f/%.3f/%.3f ms\n", p->rtt_min,
		    p->rtt_sum / (double)p->received, p->rtt_max);
}

static void
ping_cleanup(struct ping *p)
{
	size_t	i;

	for (i = 0; p->loop != NULL && i < p->nreqs; i++)
		loop_timer_stop(p->loop, &p->reqs[i].expire);
	if (p->loop != NULL && p->sock.fd >= 0)
		loop_del(p->loop, p->sock.fd);
	if (p->sock.fd >= 0)
		close(p->sock.fd);
	loop_free(p->loop);
	free(p->reqs);
	free(p->payload);
	free(p->out);
	free(p->in);
}

/* 0 any reply; 75 none; a send error that stopped every request. */
static int
ping_status(const struct ping *p, struct status *st)
{
	if (p->received > 0)
		return SC_EX_OK;
	if (p->sent == 0 && p->send_failed > 0) {
		status_errno(st, p->last_err, SC_EX_UNAVAILABLE, p->addr);
		return -1;
	}
	status_set(st, SC_EX_TEMPFAIL, "%s: no reply", p->addr);
	return -1;
}

static int
ping_main(const struct sc_cmd *cmd, int argc, char **argv)
{
	struct ping	p;
	struct status	st;
	int		first, rc;

	memset(&p, 0, sizeof p);
	p.sock.fd = -1;
	p.count = PING_COUNT;
	p.interval_ms = PING_INTERVAL_MS;
	p.size = PING_SIZE;
	status_clear(&st);
	sock_opts_init(&p.o, SOCK_DGRAM, "udp");
	first = opt_parse(cmd, argc, argv, &p.o, ping_opt, &p, &st);
	if (first == OPT_HELP)
		return SC_EX_OK;
	if (first < 0)
		goto out;
	if (first >= argc) {
		status_usage(&st, "HOST is needed");
		goto out;
	}
	if (first + 1 < argc) {
		status_usage(&st, "unexpected argument '%.64s'",
		    argv[first + 1]);
		goto out;
	}
	p.host = argv[first];
	if (addr_host("HOST", p.host, NULL, 0, &st) < 0 ||
	    ping_setup(&p, &st) < 0)
		goto out;
	rc = loop_run(p.loop, NULL, NULL, &st);
	if (rc == 0 && p.failed) {
		st = p.st;
		rc = -1;
	}
	if (rc == 0) {
		ping_summary(&p);
		rc = ping_status(&p, &st);
	}
	ping_cleanup(&p);
	if (sig_pending() != 0) {
		fflush(stdout);
		sig_reraise();
	}
	if (rc == 0)
		return SC_EX_OK;
	/* No reply at all is a status, said once on stderr. */
	return log_status(&st);
out:
	ping_cleanup(&p);
	return log_status(&st);
}

const struct sc_cmd cmd_ping = {
	"ping", "ICMP echo (raw or ICMP datagram socket)",
	"[OPTIONS] HOST", ping_rows, ping_main
};
