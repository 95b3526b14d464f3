/*
 * sc-socks-load: load for a SOCKS5 proxy (sockcat proxy, microsocks,
 * danted): each client connects to the proxy at HOST PORT, offers "no
 * authentication" (RFC 1928), asks to CONNECT to the target in this same
 * process (an IPv4 address), and once the proxy has answered, runs the
 * stream, request/response or idle load of pairload.h through the tunnel.
 * A proxy that refuses, answers out of protocol or closes is a failed
 * session with the proxy's reply code in the message.
 */
#include "config.h"

#include <sys/types.h>

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "pairload.h"

static const char *const socks_replies[] = {
	"succeeded", "general failure", "not allowed by the rule set",
	"network unreachable", "host unreachable", "connection refused",
	"TTL expired", "command not supported", "address type not supported"
};

/* Step 0: the greeting, one method (no authentication); step 1: CONNECT
 * to DST as an IPv4 address. */
static size_t
socks_request(int step, const struct sockaddr_in *dst, unsigned char *buf,
    size_t cap)
{
	(void)cap;
	if (step == 0) {
		buf[0] = 5;	/* version */
		buf[1] = 1;	/* one method */
		buf[2] = 0;	/* no authentication */
		return 3;
	}
	buf[0] = 5;
	buf[1] = 1;		/* CONNECT */
	buf[2] = 0;
	buf[3] = 1;		/* IPv4 */
	memcpy(buf + 4, &dst->sin_addr, 4);
	memcpy(buf + 8, &dst->sin_port, 2);
	return 10;
}

static ssize_t
socks_reply(int step, const unsigned char *b, size_t n, char *why,
    size_t whylen)
{
	if (step == 0) {
		if (n < 2)
			return 2;
		if (b[0] != 5 || b[1] != 0) {
			snprintf(why, whylen, "greeting answered %u %u, not "
			    "5 0 (no authentication)", b[0], b[1]);
			return -1;
		}
		return 2;
	}
	if (n < 5)
		return 5;
	if (b[0] != 5) {
		snprintf(why, whylen, "reply version %u, not 5", b[0]);
		return -1;
	}
	if (b[1] != 0) {
		snprintf(why, whylen, "SOCKS5 reply %u (%s)", b[1],
		    b[1] < sizeof socks_replies / sizeof socks_replies[0] ?
		    socks_replies[b[1]] : "unknown");
		return -1;
	}
	switch (b[3]) {
	case 1:
		return 4 + 4 + 2;
	case 3:
		return 4 + 1 + b[4] + 2;
	case 4:
		return 4 + 16 + 2;
	default:
		snprintf(why, whylen, "reply address type %u", b[3]);
		return -1;
	}
}

static const struct pl_handshake socks5 = {
	"socks5", 2, socks_request, socks_reply
};

int
main(int argc, char **argv)
{
	return pl_main(argc, argv, "sc-socks-load", &socks5);
}
