/*
 * addr.h: host names, ports and Unix paths: checking, resolving,
 * formatting.  Nothing here prints or exits.
 */
#ifndef SC_ADDR_H
#define SC_ADDR_H

#include <sys/socket.h>
#include <sys/un.h>
#include <netdb.h>
#include <stdint.h>

#include "status.h"

/* Room for any address addr_format() writes, a Unix path included. */
#define ADDR_STRLEN	160

/* The longest host name accepted (RFC 1035: 253 characters). */
#define ADDR_HOST_MAX	253

#define ADDR_NUMERIC	0x1	/* -n: refuse names, never ask DNS */
#define ADDR_PASSIVE	0x2	/* for bind() */

/*
 * Check HOST as typed and copy it to out without brackets ("[::1]" ->
 * "::1").  Empty, overlong, or with spaces or control characters: -1 with
 * a usage status naming what.
 */
int	addr_host(const char *what, const char *host, char *out, size_t size,
	    struct status *st);

/*
 * Resolve host (NULL: the wildcard, with ADDR_PASSIVE) and port for
 * family (AF_UNSPEC, AF_INET, AF_INET6) and socktype.  Numeric addresses
 * never reach the name service.  Returns 0 and *res (freeaddrinfo it), or
 * -1: 68 not resolved, 64 a name with ADDR_NUMERIC or a literal of the
 * other family than -4/-6.
 */
int	addr_resolve(const char *host, uint16_t port, int family, int socktype,
	    int flags, struct addrinfo **res, struct status *st);

/*
 * A lookup checked by addr_query_init() and not yet run: what
 * addr_resolve() does in two steps, so that the lookup alone can run on
 * another thread (resolve.c).  Plain data: copy it freely.
 */
struct addr_query {
	char		 host[ADDR_HOST_MAX + 1];	/* without brackets */
	int		 has_host;	/* 0: the wildcard (host NULL) */
	int		 literal;	/* AF_INET/AF_INET6 of a literal, or 0 */
	char		 serv[8];	/* the port, in decimal */
	struct addrinfo	 hints;
};

/*
 * Check host, port, family and flags as addr_resolve() does, asking
 * nobody.  Returns 0, or -1 with addr_resolve()'s usage status (64).
 */
int	addr_query_init(struct addr_query *q, const char *host, uint16_t port,
	    int family, int socktype, int flags, struct status *st);

/* 1 when running q asks no name service: a literal or the wildcard. */
int	addr_query_numeric(const struct addr_query *q);

/*
 * Run q (getaddrinfo; safe on any thread).  Returns 0 and *res
 * (freeaddrinfo it), or -1 with *res NULL and st: 68 not resolved.
 */
int	addr_query_run(const struct addr_query *q, struct addrinfo **res,
	    struct status *st);

/*
 * Check a Unix socket PATH ("@name" is abstract): non-empty and short
 * enough for sun_path, else a usage status naming what.
 */
int	addr_unix_check(const char *what, const char *path, struct status *st);

/* Fill a sockaddr_un for path (checked as above). */
int	addr_unix(const char *path, struct sockaddr_un *sun, socklen_t *len,
	    struct status *st);

/*
 * Format an address as SPEC prints it: "127.0.0.1:8009", "[::1]:8009"
 * (IPv4-mapped IPv6 as plain IPv4), a Unix path or "@abstract".  Reads at
 * most len bytes of sa (len 0, as recvfrom() gives for an unbound Unix
 * sender, is "(unnamed)"); size must be at least 1.  Returns buf.
 */
const char *addr_format(const struct sockaddr *sa, socklen_t len, char *buf,
	    size_t size);

/*
 * The host and the port of an address apart, for programs to read
 * (--exec's environment): "127.0.0.1" and "8009", "::1" without brackets
 * (IPv4-mapped IPv6 as plain IPv4); a Unix path or "@abstract" and an
 * empty port; both empty for an unnamed or unknown address.
 */
void	addr_format_parts(const struct sockaddr *sa, socklen_t len,
	    char *host, size_t hsize, char *port, size_t psize);

#endif
