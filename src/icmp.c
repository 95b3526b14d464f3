/* icmp.c: ICMP/ICMPv6 echo sockets and messages, for ping. */
#include "config.h"

#include <sys/random.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/icmp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "icmp.h"

#define ICMP4_ECHO_REQUEST	8
#define ICMP4_ECHO_REPLY	0
#define ICMP6_REQUEST		128
#define ICMP6_REPLY		129

uint16_t
icmp_checksum(const void *buf, size_t len)
{
	const unsigned char	*p = buf;
	uint32_t		 sum = 0;

	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len == 1)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* net.ipv4.ping_group_range, as "1 0", for the message; "?" unread. */
static void
icmp_group_range(char *buf, size_t size)
{
	FILE	*fp = fopen("/proc/sys/net/ipv4/ping_group_range", "re");
	size_t	 n;

	snprintf(buf, size, "?");
	if (fp == NULL)
		return;
	if (fgets(buf, (int)size, fp) == NULL)
		snprintf(buf, size, "?");
	fclose(fp);
	n = strcspn(buf, "\n");
	buf[n] = '\0';
	/* The kernel separates the two numbers with a tab. */
	for (n = 0; buf[n] != '\0'; n++)
		if (buf[n] == '\t')
			buf[n] = ' ';
}

/* A raw socket sees all ICMP: let only echo replies through. */
static int
icmp_filter(int fd, int family)
{
	if (family == AF_INET) {
		struct icmp_filter	f;

		f.data = ~(1U << ICMP4_ECHO_REPLY);
		return setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof f);
	} else {
		struct icmp6_filter	f;

		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_REPLY, &f);
		return setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f,
		    sizeof f);
	}
}

/* A random identifier for a raw socket (the kernel picks a datagram's). */
static uint16_t
icmp_random_ident(void)
{
	uint16_t	id;
	struct timespec	ts;

	if (getrandom(&id, sizeof id, GRND_NONBLOCK) == (ssize_t)sizeof id)
		return id;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint16_t)(ts.tv_nsec ^ getpid());
}

/* The identifier a datagram socket's bind gave it: its "port". */
static int
icmp_dgram_ident(int fd, uint16_t *id)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof ss;

	memset(&ss, 0, sizeof ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		*id = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		*id = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}

/* Bind (src, or the wildcard so the kernel picks an identifier), connect. */
static int
icmp_setup(struct icmp_sock *s, const struct sockaddr *dst, socklen_t dstlen,
    const struct sockaddr *src, socklen_t srclen, struct status *st)
{
	struct sockaddr_storage	any;

	if (src == NULL && !s->raw) {
		memset(&any, 0, sizeof any);
		any.ss_family = (sa_family_t)s->family;
		src = (struct sockaddr *)&any;
		srclen = s->family == AF_INET6 ?
		    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	}
	if (src != NULL && bind(s->fd, src, srclen) < 0)
		return status_errno(st, errno, SC_EX_OSERR, "--source");
	if (s->raw && icmp_filter(s->fd, s->family) < 0)
		return status_errno(st, errno, SC_EX_OSERR,
		    "setsockopt ICMP_FILTER");
	/* Connected: only packets from dst reach us, and send() needs no address. */
	if (connect(s->fd, dst, dstlen) < 0)
		return status_errno(st, errno, SC_EX_UNAVAILABLE, "connect");
	if (s->raw)
		s->ident = icmp_random_ident();
	else if (icmp_dgram_ident(s->fd, &s->ident) < 0)
		return status_errno(st, errno, SC_EX_OSERR, "getsockname");
	return 0;
}

int
icmp_open(struct icmp_sock *s, const struct sockaddr *dst, socklen_t dstlen,
    const struct sockaddr *src, socklen_t srclen, struct status *st)
{
	int	proto = dst->sa_family == AF_INET6 ? IPPROTO_ICMPV6 :
		    IPPROTO_ICMP;
	int	derr, rerr, fd;
	char	range[64];

	memset(s, 0, sizeof *s);
	s->fd = -1;
	s->family = dst->sa_family;
	fd = socket(s->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    proto);
	derr = fd < 0 ? errno : 0;
	if (fd < 0) {
		fd = socket(s->family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    proto);
		rerr = fd < 0 ? errno : 0;
		if (fd < 0) {
			icmp_group_range(range, sizeof range);
			return status_set(st, (derr == EACCES ||
			    derr == EPERM) && (rerr == EPERM ||
			    rerr == EACCES) ? SC_EX_NOPERM :
			    status_errno_code(rerr, SC_EX_OSERR),
			    "cannot open an ICMP socket: datagram socket: %s "
			    "(net.ipv4.ping_group_range is %s); raw socket: "
			    "%s (needs root or CAP_NET_RAW)", strerror(derr),
			    range, strerror(rerr));
		}
		s->raw = 1;
	}
	s->fd = fd;
	if (icmp_setup(s, dst, dstlen, src, srclen, st) < 0) {
		close(fd);
		s->fd = -1;
		return -1;
	}
	return 0;
}

size_t
icmp_echo_build(const struct icmp_sock *s, uint16_t seq,
    const unsigned char *payload, size_t plen, unsigned char *buf,
    size_t size)
{
	uint16_t	sum;

	if (size < ICMP_HDR + plen)
		return 0;
	buf[0] = s->family == AF_INET6 ? ICMP6_REQUEST : ICMP4_ECHO_REQUEST;
	buf[1] = 0;
	buf[2] = buf[3] = 0;
	buf[4] = (unsigned char)(s->ident >> 8);
	buf[5] = (unsigned char)s->ident;
	buf[6] = (unsigned char)(seq >> 8);
	buf[7] = (unsigned char)seq;
	if (plen > 0)
		memcpy(buf + ICMP_HDR, payload, plen);
	/* ICMPv6's checksum covers a pseudo-header: the kernel fills it. */
	if (s->family == AF_INET) {
		sum = icmp_checksum(buf, ICMP_HDR + plen);
		buf[2] = (unsigned char)(sum >> 8);
		buf[3] = (unsigned char)sum;
	}
	return ICMP_HDR + plen;
}

int
icmp_echo_parse(const struct icmp_sock *s, const unsigned char *pkt,
    size_t len, uint16_t *seq, size_t *msglen, const unsigned char **data,
    size_t *dlen)
{
	size_t	ihl, total;

	/* A raw IPv4 socket gets the IP header too. */
	if (s->family == AF_INET && s->raw) {
		if (len < 20 || (pkt[0] >> 4) != 4)
			return 0;
		ihl = (size_t)(pkt[0] & 0x0f) * 4;
		total = (size_t)pkt[2] << 8 | pkt[3];
		if (ihl < 20 || ihl > len || pkt[9] != IPPROTO_ICMP)
			return 0;
		if (total >= ihl && total < len)
			len = total;
		pkt += ihl;
		len -= ihl;
	}
	if (len < ICMP_HDR)
		return 0;
	if (pkt[0] != (s->family == AF_INET6 ? ICMP6_REPLY :
	    ICMP4_ECHO_REPLY) || pkt[1] != 0)
		return 0;
	if (((uint16_t)pkt[4] << 8 | pkt[5]) != s->ident)
		return 0;
	/* A checksum that holds sums to 0 with itself included. */
	if (s->family == AF_INET && icmp_checksum(pkt, len) != 0)
		return 0;
	*seq = (uint16_t)((uint16_t)pkt[6] << 8 | pkt[7]);
	*msglen = len;
	*data = pkt + ICMP_HDR;
	*dlen = len - ICMP_HDR;
	return 1;
}
