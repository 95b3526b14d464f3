/*
 * unit-icmp.c: building and checking ICMP echo messages, as TAP.  What a
 * raw socket hands over is every ICMP packet, IP header first: only an
 * echo reply with our identifier and a checksum that holds may pass.
 */
#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "icmp.h"

static int	ntest, nfail;

static void
ok(int cond, const char *what)
{
	ntest++;
	if (!cond)
		nfail++;
	printf("%sok %d - %s\n", cond ? "" : "not ", ntest, what);
}

/* An IPv4 header of ihl words before an ICMP message of len bytes. */
static size_t
ip4_wrap(unsigned char *pkt, int ihl, const unsigned char *icmp, size_t len,
    size_t total_extra)
{
	size_t	hl = (size_t)ihl * 4, total = hl + len;

	memset(pkt, 0, hl);
	pkt[0] = (unsigned char)(0x40 | ihl);
	pkt[2] = (unsigned char)((total + total_extra) >> 8);
	pkt[3] = (unsigned char)(total + total_extra);
	pkt[8] = 64;
	pkt[9] = IPPROTO_ICMP;
	memcpy(pkt + hl, icmp, len);
	return total;
}

/* A reply to a request: type 0, checksum made again. */
static void
make_reply(unsigned char *m, size_t len, int v6)
{
	uint16_t	sum;

	m[0] = v6 ? 129 : 0;
	m[2] = m[3] = 0;
	if (!v6) {
		sum = icmp_checksum(m, len);
		m[2] = (unsigned char)(sum >> 8);
		m[3] = (unsigned char)sum;
	}
}

int
main(void)
{
	struct icmp_sock	 raw4 = { -1, AF_INET, 1, 0x1234 };
	struct icmp_sock	 dgram4 = { -1, AF_INET, 0, 0x1234 };
	struct icmp_sock	 raw6 = { -1, AF_INET6, 1, 0x1234 };
	unsigned char		 payload[56], msg[128], pkt[256];
	const unsigned char	*data;
	size_t			 len, plen, msglen, dlen, i;
	uint16_t		 seq;

	for (i = 0; i < sizeof payload; i++)
		payload[i] = (unsigned char)(i * 7);
	len = icmp_echo_build(&raw4, 5, payload, sizeof payload, msg,
	    sizeof msg);
	ok(len == 64 && msg[0] == 8 && msg[4] == 0x12 && msg[5] == 0x34 &&
	    msg[7] == 5, "build: an echo request, 64 bytes, id and seq");
	ok(icmp_checksum(msg, len) == 0, "build: its checksum holds");
	ok(icmp_echo_build(&raw4, 5, payload, sizeof payload, msg, 63) == 0,
	    "build: refuses a buffer too small");
	{
		static const unsigned char rfc[] = { 0x00, 0x01, 0xf2, 0x03,
		    0xf4, 0xf5, 0xf6, 0xf7 };

		/* RFC 1071's example: the sum is 0xddf2, so ~ is 0x220d. */
		ok(icmp_checksum(rfc, sizeof rfc) == 0x220d,
		    "checksum: RFC 1071's example");
	}

	/* A raw IPv4 socket: header, then the reply. */
	make_reply(msg, len, 0);
	plen = ip4_wrap(pkt, 5, msg, len, 0);
	ok(icmp_echo_parse(&raw4, pkt, plen, &seq, &msglen, &data, &dlen) == 1 &&
	    seq == 5 && msglen == 64 && dlen == 56 &&
	    memcmp(data, payload, 56) == 0, "raw4: our reply passes");
	plen = ip4_wrap(pkt, 6, msg, len, 0);
	ok(icmp_echo_parse(&raw4, pkt, plen, &seq, &msglen, &data, &dlen) == 1 &&
	    seq == 5 && dlen == 56, "raw4: IP options are skipped");
	plen = ip4_wrap(pkt, 5, msg, len, 0);
	ok(icmp_echo_parse(&raw4, pkt, plen + 10, &seq, &msglen, &data,
	    &dlen) == 1 && msglen == 64, "raw4: bytes past the IP length are "
	    "not part of it");
	pkt[20 + 30] ^= 0x01;
	ok(icmp_echo_parse(&raw4, pkt, plen, &seq, &msglen, &data, &dlen) == 0,
	    "raw4: a bad checksum is refused");
	pkt[20 + 30] ^= 0x01;
	pkt[20 + 5] = 0x35;
	ok(icmp_echo_parse(&raw4, pkt, plen, &seq, &msglen, &data, &dlen) == 0,
	    "raw4: another identifier is refused");
	pkt[20 + 5] = 0x34;
	pkt[20] = 8;
	ok(icmp_echo_parse(&raw4, pkt, plen, &seq, &msglen, &data, &dlen) == 0,
	    "raw4: an echo request (our own, looped back) is refused");
	pkt[20] = 0;
	pkt[20 + 1] = 1;
	ok(icmp_echo_parse(&raw4, pkt, plen, &seq, &msglen, &data, &dlen) == 0,
	    "raw4: a code other than 0 is refused");
	pkt[20 + 1] = 0;
	pkt[9] = IPPROTO_UDP;
	ok(icmp_echo_parse(&raw4, pkt, plen, &seq, &msglen, &data, &dlen) == 0,
	    "raw4: not ICMP is refused");
	pkt[9] = IPPROTO_ICMP;
	pkt[0] = 0x4f;
	ok(icmp_echo_parse(&raw4, pkt, 40, &seq, &msglen, &data, &dlen) == 0,
	    "raw4: a header longer than the packet is refused");
	pkt[0] = 0x45;
	ok(icmp_echo_parse(&raw4, pkt, 27, &seq, &msglen, &data, &dlen) == 0,
	    "raw4: a truncated ICMP header is refused");
	ok(icmp_echo_parse(&raw4, pkt, 10, &seq, &msglen, &data, &dlen) == 0,
	    "raw4: a truncated IP header is refused");
	pkt[0] = 0x65;
	ok(icmp_echo_parse(&raw4, pkt, plen, &seq, &msglen, &data, &dlen) == 0,
	    "raw4: not IPv4 is refused");

	/* A datagram socket: the ICMP message alone. */
	ok(icmp_echo_parse(&dgram4, msg, len, &seq, &msglen, &data, &dlen) == 1 &&
	    seq == 5 && dlen == 56, "dgram4: our reply passes");
	ok(icmp_echo_parse(&dgram4, msg, 7, &seq, &msglen, &data, &dlen) == 0,
	    "dgram4: 7 bytes are refused");

	/* ICMPv6: no IP header, the kernel checks the checksum. */
	len = icmp_echo_build(&raw6, 9, payload, 0, msg, sizeof msg);
	ok(len == 8 && msg[0] == 128, "build6: an echo request, 8 bytes");
	make_reply(msg, len, 1);
	ok(icmp_echo_parse(&raw6, msg, len, &seq, &msglen, &data, &dlen) == 1 &&
	    seq == 9 && dlen == 0, "raw6: our reply passes");
	msg[0] = 128;
	ok(icmp_echo_parse(&raw6, msg, len, &seq, &msglen, &data, &dlen) == 0,
	    "raw6: an echo request is refused");
	printf("1..%d\n", ntest);
	return nfail != 0;
}
