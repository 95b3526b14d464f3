/* addr.c: hosts, ports and Unix paths: checks, resolution, formatting. */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

#define SUN_PATH_SIZE	sizeof(((struct sockaddr_un *)0)->sun_path)

int
addr_host(const char *what, const char *host, char *out, size_t size,
    struct status *st)
{
	size_t	len = strlen(host), i;

	if (len == 0)
		return status_usage(st, "%s '': empty host", what);
	if (host[0] == '[') {
		if (len < 3 || host[len - 1] != ']')
			return status_usage(st, "%s '%.64s': unbalanced "
			    "brackets", what, host);
		host++;
		len -= 2;
	}
	if (len > ADDR_HOST_MAX)
		return status_usage(st, "%s '%.32s...': host name too long "
		    "(at most %d characters)", what, host, ADDR_HOST_MAX);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)host[i];

		if (c <= ' ' || c == 0x7f || c == '[' || c == ']' ||
		    c == '/')
			return status_usage(st, "%s '%.64s': not a host name "
			    "or address", what, host);
	}
	if (out != NULL) {
		if (len >= size)
			return status_usage(st, "%s: host name too long", what);
		memcpy(out, host, len);
		out[len] = '\0';
	}
	return 0;
}

/* AF_INET or AF_INET6 for a numeric literal (a %zone allowed), else 0. */
static int
addr_literal_family(const char *host)
{
	unsigned char	buf[sizeof(struct in6_addr)];
	char		tmp[ADDR_HOST_MAX + 1];
	size_t		len;

	if (inet_pton(AF_INET, host, buf) == 1)
		return AF_INET;
	len = strcspn(host, "%");
	if (len >= sizeof tmp)
		return 0;
	memcpy(tmp, host, len);
	tmp[len] = '\0';
	if (inet_pton(AF_INET6, tmp, buf) == 1)
		return AF_INET6;
	return 0;
}

static int
addr_gai_code(int err)
{
	switch (err) {
	case EAI_MEMORY:
		return SC_EX_OSERR;
	default:
		return SC_EX_NOHOST;
	}
}

int
addr_query_init(struct addr_query *q, const char *host, uint16_t port,
    int family, int socktype, int flags, struct status *st)
{
	memset(q, 0, sizeof *q);
	q->hints.ai_family = family;
	q->hints.ai_socktype = socktype == SOCK_SEQPACKET ? SOCK_STREAM :
	    socktype;
	q->hints.ai_flags = AI_NUMERICSERV;
	if (flags & ADDR_PASSIVE)
		q->hints.ai_flags |= AI_PASSIVE;
	snprintf(q->serv, sizeof q->serv, "%u", (unsigned)port);
	if (host == NULL)
		return 0;
	if (addr_host("HOST", host, q->host, sizeof q->host, st) < 0)
		return -1;
	q->has_host = 1;
	q->literal = addr_literal_family(q->host);
	if (q->literal != 0 && family != AF_UNSPEC && q->literal != family)
		return status_usage(st, "'%s' is an %s address but %s was "
		    "given", q->host, q->literal == AF_INET ? "IPv4" : "IPv6",
		    family == AF_INET ? "-4" : "-6");
	if (q->literal == 0 && (flags & ADDR_NUMERIC))
		return status_usage(st, "'%s': not a numeric address (-n "
		    "forbids names)", q->host);
	/* Literals never reach the name service. */
	if (q->literal != 0)
		q->hints.ai_flags |= AI_NUMERICHOST;
	return 0;
}

int
addr_query_numeric(const struct addr_query *q)
{
	return !q->has_host || q->literal != 0;
}

int
addr_query_run(const struct addr_query *q, struct addrinfo **res,
    struct status *st)
{
	const char	*host = q->has_host ? q->host : NULL;
	char		 ebuf[128];
	int		 err, saved;

	*res = NULL;
	err = getaddrinfo(host, q->serv, &q->hints, res);
	if (err == 0)
		return 0;
	saved = errno;
	*res = NULL;
	/* strerror_r, not strerror: this may run on the resolver's thread. */
	if (err == EAI_SYSTEM)
		return status_set(st, status_errno_code(saved, SC_EX_NOHOST),
		    "%s: %s", host != NULL ? host : "*",
		    strerror_r(saved, ebuf, sizeof ebuf));
	return status_set(st, addr_gai_code(err), "%s: %s",
	    host != NULL ? host : "*", gai_strerror(err));
}

int
addr_resolve(const char *host, uint16_t port, int family, int socktype,
    int flags, struct addrinfo **res, struct status *st)
{
	struct addr_query	q;

	if (addr_query_init(&q, host, port, family, socktype, flags, st) < 0)
		return -1;
	return addr_query_run(&q, res, st);
}

int
addr_unix_check(const char *what, const char *path, struct status *st)
{
	size_t	len = strlen(path);

	if (len == 0)
		return status_usage(st, "%s '': empty path", what);
	if (path[0] == '@' && len == 1)
		return status_usage(st, "%s '@': empty abstract name", what);
	/* A path needs its NUL; an abstract name uses the leading NUL. */
	if (len >= SUN_PATH_SIZE)
		return status_usage(st, "%s '%.32s...': path too long (at most "
		    "%zu bytes)", what, path, SUN_PATH_SIZE - 1);
	return 0;
}

int
addr_unix(const char *path, struct sockaddr_un *sun, socklen_t *len,
    struct status *st)
{
	size_t	n;

	if (addr_unix_check("--unix", path, st) < 0)
		return -1;
	n = strlen(path);
	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, n);
	if (path[0] == '@') {
		/* Linux abstract namespace: a leading NUL, no terminator. */
		sun->sun_path[0] = '\0';
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    n + 1);
	return 0;
}

static const char *
addr_format_unix(const struct sockaddr_un *sun, socklen_t len, char *buf,
    size_t size)
{
	size_t	off = offsetof(struct sockaddr_un, sun_path), n;

	if (len <= off) {
		snprintf(buf, size, "(unnamed)");
		return buf;
	}
	n = len - off;
	/*
	 * getsockname() and accept() report the full length even when it
	 * is more than the buffer held: never read past sun_path.
	 */
	if (n > SUN_PATH_SIZE)
		n = SUN_PATH_SIZE;
	if (sun->sun_path[0] == '\0') {
		snprintf(buf, size, "@%.*s", (int)(n - 1), sun->sun_path + 1);
		return buf;
	}
	snprintf(buf, size, "%.*s", (int)strnlen(sun->sun_path, n),
	    sun->sun_path);
	return buf;
}

/*
 * The host of an IP address without its port or brackets (an IPv4-mapped
 * IPv6 address as plain IPv4) into host, its port into *port.  Returns 0,
 * or -1 when sa is not an IPv4 or IPv6 address of len bytes.
 */
static int
addr_ip_host(const struct sockaddr *sa, socklen_t len, char *host,
    size_t size, unsigned *port, int *v6)
{
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, (socklen_t)size);
		*port = ntohs(in->sin_port);
		*v6 = 0;
		return 0;
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 =
		    (const struct sockaddr_in6 *)sa;

		*v6 = !IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr);
		if (*v6)
			inet_ntop(AF_INET6, &in6->sin6_addr, host,
			    (socklen_t)size);
		else
			inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], host,
			    (socklen_t)size);
		*port = ntohs(in6->sin6_port);
		return 0;
	}
	return -1;
}

const char *
addr_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	char		host[INET6_ADDRSTRLEN];
	unsigned	port;
	int		v6;

	/*
	 * recvfrom() from an unbound Unix datagram socket gives length 0
	 * and leaves the address untouched: there is no family to read.
	 */
	if (len < sizeof sa->sa_family) {
		snprintf(buf, size, "(unnamed)");
		return buf;
	}
	switch (sa->sa_family) {
	case AF_INET:
	case AF_INET6:
		if (addr_ip_host(sa, len, host, sizeof host, &port, &v6) < 0)
			break;
		snprintf(buf, size, v6 ? "[%s]:%u" : "%s:%u", host, port);
		return buf;
	case AF_UNIX:
		return addr_format_unix((const struct sockaddr_un *)sa, len,
		    buf, size);
	default:
		snprintf(buf, size, "(family %d)", sa->sa_family);
		return buf;
	}
	/* An IPv4 or IPv6 address shorter than its struct. */
	snprintf(buf, size, "(short address of family %d)", sa->sa_family);
	return buf;
}

void
addr_format_parts(const struct sockaddr *sa, socklen_t len, char *host,
    size_t hsize, char *port, size_t psize)
{
	unsigned	p;
	int		v6;

	host[0] = port[0] = '\0';
	if (len < sizeof sa->sa_family)
		return;
	if (addr_ip_host(sa, len, host, hsize, &p, &v6) == 0) {
		snprintf(port, psize, "%u", p);
		return;
	}
	if (sa->sa_family == AF_UNIX &&
	    len > offsetof(struct sockaddr_un, sun_path))
		addr_format_unix((const struct sockaddr_un *)sa, len, host,
		    hsize);
}
