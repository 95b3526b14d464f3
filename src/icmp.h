/*
 * icmp.h: ICMP and ICMPv6 echo, for ping.  The Linux-only parts (ICMP
 * datagram sockets, ICMP_FILTER) live in icmp.c and nowhere else.
 *
 * An unprivileged ICMP datagram socket is used where the kernel allows
 * it (net.ipv4.ping_group_range holds the process's group; the kernel
 * then owns the identifier and delivers only our replies), and a raw
 * socket otherwise (root or CAP_NET_RAW), which sees every ICMP packet:
 * icmp_echo_parse() then filters by type, identifier and sequence and
 * checks the checksum.  Nothing here prints or exits.
 */
#ifndef SC_ICMP_H
#define SC_ICMP_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define ICMP_HDR	8		/* type, code, checksum, id, seq */
#define ICMP_PAYLOAD_MAX 65507		/* what one IPv4 datagram holds */

struct icmp_sock {
	int		fd;
	int		family;		/* AF_INET or AF_INET6 */
	int		raw;		/* 1: SOCK_RAW, 0: ICMP datagram socket */
	uint16_t	ident;		/* the identifier of our echoes */
};

/*
 * Open a non-blocking, close-on-exec echo socket towards dst (family of
 * dst), bound to src when not NULL, connected to dst: a datagram socket
 * where allowed, else a raw one.  Returns 0, or -1 with st: 77 when
 * neither is allowed (the message names both refusals), 71 otherwise.
 */
int	icmp_open(struct icmp_sock *s, const struct sockaddr *dst,
	    socklen_t dstlen, const struct sockaddr *src, socklen_t srclen,
	    struct status *st);

/* The Internet checksum (RFC 1071) of buf. */
uint16_t icmp_checksum(const void *buf, size_t len);

/*
 * An echo request with seq and payload into buf (ICMP_HDR + plen bytes,
 * which size must hold).  Returns its length.
 */
size_t	icmp_echo_build(const struct icmp_sock *s, uint16_t seq,
	    const unsigned char *payload, size_t plen, unsigned char *buf,
	    size_t size);

/*
 * What recv() gave on s.  Returns 1 for an echo reply of ours (type,
 * code, identifier, and for a raw IPv4 socket the IP header and the
 * checksum are checked), with *seq, the ICMP message (*msg, *msglen:
 * header and payload) and its payload (*data, *dlen); 0 for anything
 * else.  Reads at most len bytes of pkt.
 */
int	icmp_echo_parse(const struct icmp_sock *s, const unsigned char *pkt,
	    size_t len, uint16_t *seq, size_t *msglen,
	    const unsigned char **data, size_t *dlen);

#endif
