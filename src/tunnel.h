/*
 * tunnel.h: connections through proxies, on the event loop: the proxy
 * protocols of proxy.h spoken over sockets, both sides.
 *
 * Client (connect --proxy, forward --proxy): tunnel_open() resolves HOST
 * first when the scheme says sockcat does (socks4, socks5: resolve.h,
 * without blocking the loop), dials the proxy (dial.h: Happy Eyeballs,
 * -s, the socket options), then speaks the handshake without blocking.
 * It reads the proxy's replies exactly, never past them (the known
 * lengths of SOCKS; for HTTP a peek up to the end of the headers, then a
 * read of just that much), so whatever the proxy sends after its reply
 * stays in the socket for the relay.  -w (o->timeout_ms) bounds the
 * whole: the resolution, the connect to the proxy and its answer.
 *
 * Server (sockcat proxy): tunnel_serve() takes one accepted client
 * through its handshake (SOCKS4/4a, SOCKS5, HTTP CONNECT, told apart by
 * the first byte) under a deadline, dials the destination (dial.h), and
 * answers in the client's protocol.  It reads what the client sends into
 * a small buffer (8 KiB at most, for HTTP headers); bytes the client
 * sent past its request are written to the destination before the
 * tunnel is handed over, so none is lost.
 *
 * Either way the outcome comes through a callback from the loop, never
 * from inside the starting call, and nothing here prints.
 */
#ifndef SC_TUNNEL_H
#define SC_TUNNEL_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "proxy.h"
#include "sock.h"
#include "status.h"

/* The server's deadline for a client's handshake, when not told. */
#define TUNNEL_HANDSHAKE_MS	10000

/* ------------------------------------------------------------- client */

struct tunnel;

/*
 * The outcome: fd, connected through the proxy to the destination, the
 * handshake done, non-blocking and close-on-exec, not watched by the
 * loop, now the callee's; or -1 and st: 68 HOST does not resolve (socks4,
 * socks5), 69/71/75/77 as dial.h says for the connect to the proxy
 * ("proxy 127.0.0.1:1080: Connection refused"), 75 when -w passed, or
 * what the proxy answered ("proxy 127.0.0.1:1080: SOCKS5 reply 5
 * (connection refused)": 69, 75, 77 or 76, see proxy_client_input()).
 * The tunnel is gone once this is called.
 */
typedef void (*tunnel_cb)(void *arg, int fd, const struct status *st);

/*
 * Connect to host:port through the proxy u (u->scheme not PROXY_NONE)
 * with o's options (-4/-6, -s, -n, -w, socket options; not -U).  o and u
 * are copied; none of their strings is needed after this returns.
 * Returns the tunnel, or NULL with st on a failure found at once.
 */
struct tunnel *tunnel_open(struct loop *l, const struct sock_opts *o,
	    const struct proxy_url *u, const char *host, uint16_t port,
	    tunnel_cb cb, void *arg, struct status *st);

/* Stop a tunnel whose callback has not run; its sockets are closed. */
void	tunnel_cancel(struct tunnel *t);

/*
 * The blocking form, for connect: tunnel_open() on a private loop until
 * it is done.  Returns a BLOCKING fd, or -1 with st (a stop signal:
 * errno EINTR, sig_pending() says which).
 */
int	tunnel_blocking(const struct sock_opts *o, const struct proxy_url *u,
	    const char *host, uint16_t port, struct status *st);

/* "example.org:22 via 127.0.0.1:1080", for messages.  Returns buf. */
const char *tunnel_name(const struct proxy_url *u, const char *host,
	    uint16_t port, char *buf, size_t size);

/* ------------------------------------------------------------- server */

/* What the server side is told to do. */
struct tunnel_serve_opts {
	const struct sock_opts	*to;		/* the destinations' side:
						   -4/-6, -s, -n, -w (their
						   connect timeout) and the
						   socket options */
	const struct proxy_cred	*auth;		/* --auth, or NULL */
	int64_t			 handshake_ms;	/* the client's deadline */
};

/* How a client's handshake ended. */
enum tunnel_end {
	TUNNEL_OPEN,		/* the tunnel is open */
	TUNNEL_BAD,		/* malformed, oversized, not supported, bad
				   credentials, or too slow: the client's
				   doing (answered when the protocol can) */
	TUNNEL_NO_DEST,		/* the destination could not be reached
				   (answered) */
	TUNNEL_GONE		/* the client left, or never said a word */
};

/* The handshake's outcome, for the command's log. */
struct tunnel_info {
	enum tunnel_end		 end;
	enum proxy_scheme	 proto;		/* PROXY_NONE: not known */
	char			 dest[ADDR_STRLEN];	/* as asked, or "" */
	char			 user[PROXY_CRED_MAX + 1];	/* or "" */
	uint64_t		 early;		/* bytes the client sent
						   after its request, passed
						   on to the destination */
};

/*
 * Called once: dfd is the socket to the destination (connected,
 * non-blocking, not watched by the loop, now the callee's) and st code 0,
 * or dfd -1 and st (what went wrong, "SOCKS5 BIND is not supported",
 * "Connection refused" ...).  The client's fd is the caller's either way,
 * no longer watched: relay it, or close it.  The server side is gone once
 * this is called.
 */
typedef void (*tunnel_serve_cb)(void *arg, int dfd,
	    const struct tunnel_info *ti, const struct status *st);

struct tunnel_srv;

/*
 * Serve the handshake of the accepted client fd (non-blocking) on l.  so
 * is kept by pointer (and what it points to): it must outlive the
 * handshake.  Returns the handshake, or NULL with st (out of memory).
 */
struct tunnel_srv *tunnel_serve(struct loop *l, int fd,
	    const struct tunnel_serve_opts *so, tunnel_serve_cb cb, void *arg,
	    struct status *st);

/* Stop a handshake whose callback has not run (the client fd stays). */
void	tunnel_serve_cancel(struct tunnel_srv *t);

#endif
