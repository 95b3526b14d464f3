/*
 * proxy.h: the proxy protocols, both sides: SOCKS4 and 4a, SOCKS5 (RFC
 * 1928 CONNECT, RFC 1929 username/password) and HTTP CONNECT (RFC 9110,
 * Basic authentication), as pure functions on buffers: what to send, and
 * what a received message means.  Nothing here touches a socket (reading
 * a credentials file is the only I/O); tunnel.c drives these on the event
 * loop, and fuzz/proxy-fuzz.c feeds them arbitrary bytes.
 *
 * Reading a message.  The *_input() functions get every byte of the
 * message being read that has arrived so far, from its first byte (and
 * possibly bytes past it), and answer:
 *	PROXY_MORE	not complete; *n is how many more bytes it needs at
 *			least, exactly, so that reading *n bytes never takes
 *			a byte of what follows; or 0 when the message ends at
 *			a terminator (a NUL, an empty line): then it needs
 *			whatever has arrived.  Nothing changes in the state.
 *	anything else	the message is complete and *n is its length (at
 *			most len); the bytes past it are not this message's.
 * Every length field is checked against what arrived and against the
 * protocol's bounds before it is used; nothing is read past len.
 *
 * Statuses: a failure fills st with SPEC's exit status and a message
 * without a subject ("SOCKS5 reply 5 (connection refused)"); the caller
 * puts the proxy's or the client's name in front.
 */
#ifndef SC_PROXY_H
#define SC_PROXY_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "sock.h"
#include "status.h"

#define PROXY_CRED_MAX	255	/* a user name or password (RFC 1929) */
#define PROXY_NAME_MAX	255	/* a host name in a SOCKS request */
#define PROXY_OUT_MAX	2048	/* the longest message either side sends */
#define PROXY_SOCKS_MAX	1024	/* more than the longest SOCKS message */
#define PROXY_HTTP_MAX	8192	/* the longest HTTP header block read */

/* The schemes of --proxy URLs, curl's names. */
enum proxy_scheme {
	PROXY_NONE,		/* no --proxy */
	PROXY_SOCKS4,		/* socks4://: sockcat resolves, IPv4 only */
	PROXY_SOCKS4A,		/* socks4a://: the proxy resolves */
	PROXY_SOCKS5,		/* socks5://: sockcat resolves */
	PROXY_SOCKS5H,		/* socks5h://: the proxy resolves */
	PROXY_HTTP		/* http://: CONNECT */
};

/* What an input function made of a complete message (see above). */
enum proxy_rc {
	PROXY_MORE,		/* not complete yet */
	PROXY_SEND,		/* taken: send out, then read the next one */
	PROXY_DIAL,		/* server: the request is in host and port */
	PROXY_OPEN,		/* client: the tunnel is open */
	PROXY_FAIL		/* st says why; out holds what to send
				   before closing (server), maybe nothing */
};

/* A user name and password. */
struct proxy_cred {
	int	set;
	int	has_pass;			/* a password was given */
	char	user[PROXY_CRED_MAX + 1];
	char	pass[PROXY_CRED_MAX + 1];
};

/* --proxy URL and --proxy-auth-file, as parsed. */
struct proxy_url {
	enum proxy_scheme	 scheme;	/* PROXY_NONE: no --proxy */
	char			 host[ADDR_HOST_MAX + 1]; /* no brackets */
	uint16_t		 port;
	struct proxy_cred	 cred;		/* USER:PASS@, or the file */
	int			 cred_in_url;
	const char		*auth_file;	/* --proxy-auth-file */
	char			 name[ADDR_STRLEN];	/* "[::1]:1080" */
};

/*
 * The option rows of the clients (connect, forward); proxy_opt() handles
 * them.  The ids are in opt.h's enum.
 */
#define OPT_ROW_PROXY	{ OPT_PROXY, 0, "proxy", OPT_ARG_REQUIRED, "URL", \
	"through a proxy: socks4/4a/5/5h or http://[USER:PASS@]HOST:PORT" }
#define OPT_ROW_PROXY_AUTH_FILE { OPT_PROXY_AUTH_FILE, 0, \
	"proxy-auth-file", OPT_ARG_REQUIRED, "FILE", \
	"read the proxy's USER:PASS from FILE" }

/* No proxy. */
void	proxy_url_init(struct proxy_url *u);

/*
 * Parse SCHEME://[USER[:PASS]@]HOST:PORT[/] into u: a known scheme (any
 * case), USER and PASS percent-decoded (at most 255 bytes each, no NUL),
 * HOST as addr_host() checks it ([V6] in brackets), a PORT that is a
 * number from 1 to 65535.  Returns 0, or -1 with a usage status naming
 * what ("--proxy").
 */
int	proxy_url_parse(const char *what, const char *s, struct proxy_url *u,
	    struct status *st);

/*
 * USER:PASS (n bytes of s, taken as they are) into c: a non-empty USER
 * and a colon; PASS may be empty only when need_pass is 0.  Returns 0, or
 * -1 with a usage status naming what.
 */
int	proxy_cred_parse(const char *what, const char *s, size_t n,
	    int need_pass, struct proxy_cred *c, struct status *st);

/*
 * Read USER:PASS from the first line of the file at path (its newline,
 * and a CR before it, are not part of it) into c.  Returns 0, or -1 with
 * a usage status naming what and path (the file cannot be read, is
 * empty, or holds no colon).
 */
int	proxy_cred_file(const char *what, const char *path, int need_pass,
	    struct proxy_cred *c, struct status *st);

/*
 * Handle --proxy and --proxy-auth-file into u.  Returns 1 when id was one
 * of them, 0 when it was not, -1 with a usage status on a bad value.
 */
int	proxy_opt(struct proxy_url *u, int id, const char *arg,
	    struct status *st);

/*
 * Once the options and operands are read, before any socket: the rules
 * that need no network.  --proxy-auth-file without --proxy or with
 * USER:PASS@ in the URL; a password for socks4/socks4a (which carry a
 * user name only); -6 with socks4; an IPv6 address as HOST for socks4;
 * -U (o->unix_path) with a proxy.  Reads --proxy-auth-file.  host is
 * the destination (NULL: not known).  Returns 0 (also without --proxy),
 * or -1 with a usage status.
 */
int	proxy_opts_check(struct proxy_url *u, const struct sock_opts *o,
	    const char *host, struct status *st);

/* "SOCKS4", "SOCKS4a", "SOCKS5", "HTTP". */
const char *proxy_scheme_name(enum proxy_scheme s);

/* 1 when sockcat resolves HOST itself for this scheme (socks4, socks5). */
int	proxy_resolves_locally(enum proxy_scheme s);

/* ------------------------------------------------------------- client */

/* A client's side of one handshake. */
struct proxy_client {
	enum proxy_scheme	 scheme;
	const struct proxy_cred	*cred;		/* the caller's; may be NULL */
	int			 step;		/* proxy.c's */
	char			 host[ADDR_HOST_MAX + 3];	/* as sent */
	uint16_t		 port;
	int			 family;	/* of addr, or 0: send host */
	uint8_t			 addr[16];
	uint8_t			 out[PROXY_OUT_MAX];	/* to send next */
	size_t			 outlen;
};

/*
 * Begin a handshake towards host:port through a proxy of scheme s, with
 * cred (NULL or not set: none; kept by pointer, it must outlive c).  sa
 * is the address that sockcat resolved HOST to, for socks4 and socks5
 * (NULL for the others; a HOST that is an address literal is sent as one
 * in every scheme).  c->out gets the first message.  Returns 0, or -1
 * with a usage status (a name longer than the protocol carries, an IPv6
 * address for SOCKS4, no address where one is needed).
 */
int	proxy_client_init(struct proxy_client *c, enum proxy_scheme s,
	    const struct proxy_cred *cred, const char *host, uint16_t port,
	    const struct sockaddr *sa, struct status *st);

/*
 * The proxy's answer to what was sent last (see the top of this file):
 * PROXY_SEND (c->out holds the next message), PROXY_OPEN, or PROXY_FAIL
 * with st: 69 refused or unreachable, 75 TTL expired or 504, 77
 * authentication rejected (and SOCKS5's "not allowed by ruleset", HTTP
 * 403 and 407), 76 for anything else or a reply not in the protocol.
 * The message quotes the proxy: "SOCKS5 reply 5 (connection refused)",
 * "HTTP/1.1 407 Proxy Authentication Required".
 */
enum proxy_rc proxy_client_input(struct proxy_client *c, const uint8_t *buf,
	    size_t len, size_t *n, struct status *st);

/* ------------------------------------------------------------- server */

/* The server's side of one handshake. */
struct proxy_server {
	const struct proxy_cred	*auth;		/* required; NULL: none */
	enum proxy_scheme	 proto;		/* PROXY_NONE until the first
						   message is complete;
						   SOCKS4A, SOCKS5 or HTTP */
	int			 step;		/* proxy.c's */
	size_t			 scan;		/* HTTP: no end before this */
	char			 host[PROXY_NAME_MAX + 1];	/* the
						   destination: a name or
						   an address literal */
	uint16_t		 port;
	char			 user[PROXY_CRED_MAX + 1];	/* as sent */
	uint8_t			 out[PROXY_OUT_MAX];	/* to send next */
	size_t			 outlen;
};

/* Begin serving a client; auth (kept by pointer) or NULL. */
void	proxy_server_init(struct proxy_server *s,
	    const struct proxy_cred *auth);

/*
 * What the client sent (see the top of this file).  The first byte says
 * the protocol: 5 SOCKS5, 4 SOCKS4/4a, a capital letter HTTP.  Returns
 * PROXY_SEND (s->out holds an answer, then read the next message),
 * PROXY_DIAL (s->host and s->port hold the destination), or PROXY_FAIL
 * (st: what was wrong, for the log; s->out holds the protocol's refusal
 * when there is one: "command not supported", 501, 407 ...).
 */
enum proxy_rc proxy_server_input(struct proxy_server *s, const uint8_t *buf,
	    size_t len, size_t *n, struct status *st);

/*
 * After PROXY_DIAL: the outcome of connecting to the destination.  code
 * is SC_EX_OK (bound: the local address of the socket towards it, told
 * to SOCKS clients) or the dial's status (68, 69, 75, 77, ...); err the
 * errno behind it when known (ECONNREFUSED, ENETUNREACH, EHOSTUNREACH,
 * ETIMEDOUT), else 0.  s->out gets the reply in the client's protocol.
 */
void	proxy_server_result(struct proxy_server *s, int code, int err,
	    const struct sockaddr *bound, socklen_t boundlen);

/* ------------------------------------------------------------ helpers */

/*
 * Base64 (RFC 4648, with padding) of n bytes of in into out (size at
 * least 4 * ((n + 2) / 3) + 1).  Returns the length written.
 */
size_t	proxy_base64_encode(const uint8_t *in, size_t n, char *out,
	    size_t size);

/*
 * Decode n characters of base64 (padding required, no spaces) into out.
 * Returns the length, or (size_t)-1 when s is not base64 or out is too
 * small.
 */
size_t	proxy_base64_decode(const char *s, size_t n, uint8_t *out,
	    size_t size);

#endif
