/*
 * pairload.h: the engine of the relay load generators of bench/
 * (sc-fwd-load for forwarders, sc-socks-load for SOCKS5 proxies).
 *
 * One process plays both ends of a relay: clients that connect to the
 * relay under test (HOST PORT), and the target the relay connects them to
 * (a listener on 127.0.0.1:TPORT in the same process).  So the bytes that
 * reach the target are counted where they arrive, and a relay that drops,
 * adds or mixes up data fails the run instead of looking fast.  The modes:
 *
 *   stream  N streams at once carry SIZE bytes in all to the target
 *           (sendfile from memory; the target splices them to /dev/null)
 *   rr      sessions of a request and a response, CONC at once, for a
 *           while; the target answers and closes, the client reads to
 *           EOF and closes
 *   idle    open N pairs, move a few bytes each way on each, then hold
 *           them idle (for the relay's memory per pair)
 *
 * A handshake (the SOCKS5 greeting and CONNECT of sc-socks-load) may run
 * on each client connection before its payload; the engine knows nothing
 * of its protocol.
 */
#ifndef SC_PAIRLOAD_H
#define SC_PAIRLOAD_H

#include <sys/types.h>

#include <netinet/in.h>
#include <stddef.h>

/* A client-side handshake: STEPS requests, each answered by one reply. */
struct pl_handshake {
	const char	*name;
	int		 steps;
	/* Writes the request of STEP for destination DST into BUF (CAP
	 * bytes at least 512); returns its length. */
	size_t		(*request)(int step, const struct sockaddr_in *dst,
			    unsigned char *buf, size_t cap);
	/* The length the reply of STEP has, judged from the N bytes read so
	 * far (more than N while it cannot tell yet); -1 with a reason in
	 * WHY when these bytes are not a successful reply. */
	ssize_t		(*reply)(int step, const unsigned char *buf, size_t n,
			    char *why, size_t whylen);
};

/* Parses the command line, runs the load and prints the result line; the
 * exit status: 0 every session was right, 1 one failed, 64 usage.  HS is
 * NULL for a plain relay. */
int	pl_main(int argc, char **argv, const char *prog,
	    const struct pl_handshake *hs);

#endif
