/*
 * proxy.c: the proxy protocols as pure functions (see proxy.h): --proxy
 * URLs and credentials, the client's messages and its reading of the
 * replies, the server's reading of the requests and its replies.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "addr.h"
#include "opt.h"
#include "proxy.h"

/* The steps of both sides. */
enum {
	STEP_FIRST,		/* server: the first message, any protocol */
	STEP_S5_METHOD,		/* client: the method the proxy chose */
	STEP_S5_AUTH,		/* both: username/password */
	STEP_S5_REQUEST,	/* server: the CONNECT request */
	STEP_S5_REPLY,		/* client: the reply to it */
	STEP_S4_REPLY,		/* client */
	STEP_HTTP_REPLY,	/* client */
	STEP_DIAL,		/* server: the request is complete */
	STEP_OPEN		/* client: the tunnel is open */
};

#define SOCKS5_NO_AUTH		0x00
#define SOCKS5_USERPASS		0x02
#define SOCKS5_NO_METHOD	0xff
#define SOCKS5_CONNECT		1
#define SOCKS5_BIND		2
#define SOCKS5_UDP		3
#define SOCKS5_ATYP_V4		1
#define SOCKS5_ATYP_NAME	3
#define SOCKS5_ATYP_V6		4
#define SOCKS4_GRANTED		90
#define SOCKS4_REJECTED		91

static const struct {
	const char		*name;
	enum proxy_scheme	 scheme;
} proxy_schemes[] = {
	{ "socks4",	PROXY_SOCKS4 },
	{ "socks4a",	PROXY_SOCKS4A },
	{ "socks5",	PROXY_SOCKS5 },
	{ "socks5h",	PROXY_SOCKS5H },
	{ "http",	PROXY_HTTP },
};

/* ------------------------------------------------------------- helpers */

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * Equal byte strings (la bytes of a, lb of b), in time that does not
 * depend on where they differ.
 */
static int
proxy_same(const void *a, size_t la, const char *b, size_t lb)
{
	const unsigned char	*pa = a, *pb = (const unsigned char *)b;
	size_t			 i, n = la > lb ? la : lb;
	unsigned		 d = la != lb;

	for (i = 0; i < n; i++)
		d |= (unsigned)((i < la ? pa[i] : 0) ^ (i < lb ? pb[i] : 0));
	return d == 0;
}

static const char proxy_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
proxy_base64_encode(const uint8_t *in, size_t n, char *out, size_t size)
{
	size_t		i, o = 0;
	uint32_t	v;

	if (size < 4 * ((n + 2) / 3) + 1) {
		if (size > 0)
			out[0] = '\0';
		return 0;
	}
	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = proxy_b64[v >> 18 & 63];
		out[o++] = proxy_b64[v >> 12 & 63];
		out[o++] = proxy_b64[v >> 6 & 63];
		out[o++] = proxy_b64[v & 63];
	}
	if (i < n) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		out[o++] = proxy_b64[v >> 18 & 63];
		out[o++] = proxy_b64[v >> 12 & 63];
		out[o++] = i + 1 < n ? proxy_b64[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static int
proxy_b64_value(char c)
{
	const char	*p;

	if (c == '\0')
		return -1;
	p = strchr(proxy_b64, c);
	return p != NULL ? (int)(p - proxy_b64) : -1;
}

size_t
proxy_base64_decode(const char *s, size_t n, uint8_t *out, size_t size)
{
	size_t		i, o = 0;
	int		v[4], k, pad;

	if (n % 4 != 0)
		return (size_t)-1;
	for (i = 0; i < n; i += 4) {
		pad = 0;
		for (k = 0; k < 4; k++) {
			/* '=' only at the end: one or two of them. */
			if (s[i + k] == '=' && i + 4 == n && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad > 0 || (v[k] = proxy_b64_value(s[i + k])) < 0)
				return (size_t)-1;
		}
		if (o + 3 - (size_t)pad > size)
			return (size_t)-1;
		out[o++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			out[o++] = (uint8_t)(v[1] << 4 | v[2] >> 2);
		if (pad < 1)
			out[o++] = (uint8_t)(v[2] << 6 | v[3]);
	}
	return o;
}

/* ----------------------------------------------------------- --proxy */

void
proxy_url_init(struct proxy_url *u)
{
	memset(u, 0, sizeof *u);
	u->scheme = PROXY_NONE;
}

const char *
proxy_scheme_name(enum proxy_scheme s)
{
	switch (s) {
	case PROXY_SOCKS4:
		return "SOCKS4";
	case PROXY_SOCKS4A:
		return "SOCKS4a";
	case PROXY_SOCKS5:
	case PROXY_SOCKS5H:
		return "SOCKS5";
	case PROXY_HTTP:
		return "HTTP";
	default:
		return "no proxy";
	}
}

int
proxy_resolves_locally(enum proxy_scheme s)
{
	return s == PROXY_SOCKS4 || s == PROXY_SOCKS5;
}

static int
proxy_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decode n bytes of s into out (PROXY_CRED_MAX + 1 bytes): no
 * NUL, at most PROXY_CRED_MAX bytes.
 */
static int
proxy_unescape(const char *what, const char *url, const char *field,
    const char *s, size_t n, char *out, struct status *st)
{
	size_t	i, o = 0;
	int	hi, lo;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '%') {
			if (i + 2 >= n)
				hi = lo = -1;
			else {
				hi = proxy_hex(s[i + 1]);
				lo = hi < 0 ? -1 : proxy_hex(s[i + 2]);
			}
			if (hi < 0 || lo < 0)
				return status_usage(st, "%s '%.64s': a '%%' in "
				    "the %s is not followed by two hex digits",
				    what, url, field);
			c = (char)(hi << 4 | lo);
			if (c == '\0')
				return status_usage(st, "%s '%.64s': the %s "
				    "holds a NUL (%%00)", what, url, field);
			i += 2;
		}
		if (o == PROXY_CRED_MAX)
			return status_usage(st, "%s '%.64s': the %s is longer "
			    "than %d bytes", what, url, field, PROXY_CRED_MAX);
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

/* USER[:PASS] of a URL, percent-decoded. */
static int
proxy_url_cred(const char *what, const char *s, const char *info,
    size_t n, struct proxy_cred *c, struct status *st)
{
	const char	*colon = memchr(info, ':', n);
	size_t		 ulen = colon != NULL ? (size_t)(colon - info) : n;

	if (proxy_unescape(what, s, "user name", info, ulen, c->user, st) < 0)
		return -1;
	if (c->user[0] == '\0')
		return status_usage(st, "%s '%.64s': an empty user name before "
		    "'@'", what, s);
	if (colon != NULL && proxy_unescape(what, s, "password", colon + 1,
	    n - ulen - 1, c->pass, st) < 0)
		return -1;
	c->has_pass = c->pass[0] != '\0';
	c->set = 1;
	return 0;
}

/* HOST:PORT, [V6]:PORT, maybe ending with one '/'. */
static int
proxy_url_hostport(const char *what, const char *s, const char *hp,
    struct proxy_url *u, struct status *st)
{
	char		 host[ADDR_HOST_MAX + 3];
	const char	*end = hp + strlen(hp), *colon, *p;
	size_t		 hlen;
	unsigned long	 port = 0;

	if (end > hp && end[-1] == '/')
		end--;
	if (memchr(hp, '/', (size_t)(end - hp)) != NULL)
		return status_usage(st, "%s '%.64s': a proxy URL has no path",
		    what, s);
	if (hp[0] == '[') {
		p = memchr(hp, ']', (size_t)(end - hp));
		if (p == NULL)
			return status_usage(st, "%s '%.64s': no ']' after '['",
			    what, s);
		colon = p + 1 < end && p[1] == ':' ? p + 1 : NULL;
		if (colon == NULL && p + 1 < end)
			return status_usage(st, "%s '%.64s': ':PORT' must "
			    "follow ']'", what, s);
	} else {
		colon = NULL;
		for (p = hp; p < end; p++)
			if (*p == ':')
				colon = p;
		if (colon != NULL && memchr(hp, ':', (size_t)(colon - hp)))
			return status_usage(st, "%s '%.64s': an IPv6 address "
			    "goes in brackets: [::1]:1080", what, s);
	}
	if (colon == NULL || colon + 1 == end)
		return status_usage(st, "%s '%.64s': no proxy port: "
		    "SCHEME://HOST:PORT", what, s);
	for (p = colon + 1; p < end; p++) {
		if (*p < '0' || *p > '9' || p - colon > 5)
			return status_usage(st, "%s '%.64s': the proxy port is "
			    "not a number from 1 to 65535", what, s);
		port = port * 10 + (unsigned long)(*p - '0');
	}
	if (port < 1 || port > 65535)
		return status_usage(st, "%s '%.64s': the proxy port is not a "
		    "number from 1 to 65535", what, s);
	hlen = (size_t)(colon - hp);
	if (hlen == 0 || hlen >= sizeof host)
		return status_usage(st, "%s '%.64s': %s proxy host", what, s,
		    hlen == 0 ? "no" : "an overlong");
	memcpy(host, hp, hlen);
	host[hlen] = '\0';
	if (addr_host(what, host, u->host, sizeof u->host, st) < 0)
		return -1;
	u->port = (uint16_t)port;
	snprintf(u->name, sizeof u->name, strchr(u->host, ':') != NULL ?
	    "[%s]:%u" : "%s:%u", u->host, (unsigned)u->port);
	return 0;
}

int
proxy_url_parse(const char *what, const char *s, struct proxy_url *u,
    struct status *st)
{
	const char	*sep = strstr(s, "://"), *rest, *at;
	size_t		 i, slen;

	u->scheme = PROXY_NONE;
	memset(&u->cred, 0, sizeof u->cred);
	u->cred_in_url = 0;
	if (sep == NULL)
		return status_usage(st, "%s '%.64s': not a proxy URL: "
		    "SCHEME://[USER:PASS@]HOST:PORT", what, s);
	slen = (size_t)(sep - s);
	for (i = 0; i < sizeof proxy_schemes / sizeof proxy_schemes[0]; i++)
		if (strlen(proxy_schemes[i].name) == slen &&
		    strncasecmp(proxy_schemes[i].name, s, slen) == 0)
			u->scheme = proxy_schemes[i].scheme;
	if (u->scheme == PROXY_NONE)
		return status_usage(st, "%s '%.64s': unknown scheme '%.*s' "
		    "(socks4, socks4a, socks5, socks5h or http)", what, s,
		    (int)(slen > 16 ? 16 : slen), s);
	rest = sep + 3;
	at = strrchr(rest, '@');
	if (at != NULL) {
		if (proxy_url_cred(what, s, rest, (size_t)(at - rest),
		    &u->cred, st) < 0)
			goto fail;
		u->cred_in_url = 1;
		rest = at + 1;
	}
	if (proxy_url_hostport(what, s, rest, u, st) < 0)
		goto fail;
	return 0;
fail:
	u->scheme = PROXY_NONE;
	memset(&u->cred, 0, sizeof u->cred);
	return -1;
}

int
proxy_cred_parse(const char *what, const char *s, size_t n, int need_pass,
    struct proxy_cred *c, struct status *st)
{
	const char	*colon = memchr(s, ':', n);
	size_t		 ulen, plen;

	memset(c, 0, sizeof *c);
	if (memchr(s, '\0', n) != NULL)
		return status_usage(st, "%s: USER:PASS holds a NUL", what);
	if (colon == NULL)
		return status_usage(st, "%s: expected USER:PASS (no colon)",
		    what);
	ulen = (size_t)(colon - s);
	plen = n - ulen - 1;
	if (ulen == 0)
		return status_usage(st, "%s: USER:PASS with an empty user name",
		    what);
	if (need_pass && plen == 0)
		return status_usage(st, "%s: USER:PASS with an empty password",
		    what);
	if (ulen > PROXY_CRED_MAX || plen > PROXY_CRED_MAX)
		return status_usage(st, "%s: the user name and the password "
		    "are at most %d bytes each", what, PROXY_CRED_MAX);
	memcpy(c->user, s, ulen);
	memcpy(c->pass, colon + 1, plen);
	c->has_pass = plen > 0;
	c->set = 1;
	return 0;
}

int
proxy_cred_file(const char *what, const char *path, int need_pass,
    struct proxy_cred *c, struct status *st)
{
	char	buf[2 * PROXY_CRED_MAX + 8], name[96], *nl;
	ssize_t	r;
	size_t	len = 0, line;
	int	fd, err;

	snprintf(name, sizeof name, "%s '%.64s'", what, path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		err = errno;
		return status_usage(st, "%s: %s", name, strerror(err));
	}
	while (len < sizeof buf) {
		r = read(fd, buf + len, sizeof buf - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = errno;
			close(fd);
			return status_usage(st, "%s: %s", name, strerror(err));
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (memchr(buf, '\n', len) != NULL)
			break;
	}
	close(fd);
	nl = memchr(buf, '\n', len);
	if (nl == NULL && len == sizeof buf)
		return status_usage(st, "%s: its first line is longer than "
		    "USER:PASS can be", name);
	line = nl != NULL ? (size_t)(nl - buf) : len;
	if (line > 0 && buf[line - 1] == '\r')
		line--;
	if (line == 0)
		return status_usage(st, "%s: no USER:PASS on its first line",
		    name);
	return proxy_cred_parse(name, buf, line, need_pass, c, st);
}

int
proxy_opt(struct proxy_url *u, int id, const char *arg, struct status *st)
{
	switch (id) {
	case OPT_PROXY:
		if (u->scheme != PROXY_NONE)
			return status_usage(st, "give --proxy once");
		return proxy_url_parse("--proxy", arg, u, st) < 0 ? -1 : 1;
	case OPT_PROXY_AUTH_FILE:
		if (arg[0] == '\0')
			return status_usage(st, "--proxy-auth-file '': an empty "
			    "path");
		u->auth_file = arg;
		return 1;
	default:
		return 0;
	}
}

int
proxy_opts_check(struct proxy_url *u, const struct sock_opts *o,
    const char *host, struct status *st)
{
	char	h[ADDR_HOST_MAX + 1];
	uint8_t	a6[16];
	int	socks4 = u->scheme == PROXY_SOCKS4 ||
		    u->scheme == PROXY_SOCKS4A;

	if (u->scheme == PROXY_NONE)
		return u->auth_file != NULL ? status_usage(st,
		    "--proxy-auth-file needs --proxy") : 0;
	if (o != NULL && o->unix_path != NULL)
		return status_usage(st, "--proxy does not go with -U");
	if (u->auth_file != NULL) {
		if (u->cred_in_url)
			return status_usage(st, "--proxy-auth-file and "
			    "USER:PASS@ in --proxy exclude each other");
		if (proxy_cred_file("--proxy-auth-file", u->auth_file, 0,
		    &u->cred, st) < 0)
			return -1;
	}
	if (socks4 && u->cred.has_pass)
		return status_usage(st, "--proxy: %s carries a user name but "
		    "no password", u->scheme == PROXY_SOCKS4 ? "socks4" :
		    "socks4a");
	if (u->scheme == PROXY_SOCKS4 && o != NULL && o->family == AF_INET6)
		return status_usage(st, "-6 does not go with socks4, which "
		    "reaches IPv4 addresses only (socks4a or socks5 can)");
	if (u->scheme == PROXY_SOCKS4 && host != NULL &&
	    addr_host("HOST", host, h, sizeof h, st) == 0 &&
	    inet_pton(AF_INET6, h, a6) == 1)
		return status_usage(st, "HOST '%s': socks4 reaches IPv4 "
		    "addresses only (socks4a or socks5 can)", host);
	return 0;
}

/* ------------------------------------------------------------- client */

/* The destination as "HOST:PORT" or "[V6]:PORT", for HTTP. */
static void
proxy_authority(const char *host, uint16_t port, char *buf, size_t size)
{
	snprintf(buf, size, strchr(host, ':') != NULL ? "[%s]:%u" : "%s:%u",
	    host, (unsigned)port);
}

static int
proxy_client_socks4(struct proxy_client *c, struct status *st)
{
	const char	*user = c->cred != NULL ? c->cred->user : "";
	size_t		 ulen = strlen(user), hlen = strlen(c->host), o = 0;
	int		 name = c->family != AF_INET;

	if (name && c->scheme == PROXY_SOCKS4)
		return status_usage(st, "HOST '%s': socks4 needs an IPv4 "
		    "address", c->host);
	if (name && hlen > PROXY_NAME_MAX)
		return status_usage(st, "HOST '%.64s': longer than socks4a "
		    "carries", c->host);
	c->out[o++] = 4;
	c->out[o++] = 1;			/* CONNECT */
	put16(c->out + o, c->port);
	o += 2;
	if (name) {
		/* SOCKS4a: 0.0.0.x, x not 0, then the name after the user. */
		memcpy(c->out + o, "\0\0\0\1", 4);
	} else
		memcpy(c->out + o, c->addr, 4);
	o += 4;
	memcpy(c->out + o, user, ulen + 1);
	o += ulen + 1;
	if (name) {
		memcpy(c->out + o, c->host, hlen + 1);
		o += hlen + 1;
	}
	c->outlen = o;
	c->step = STEP_S4_REPLY;
	return 0;
}

static void
proxy_client_greeting(struct proxy_client *c)
{
	c->out[0] = 5;
	if (c->cred != NULL) {
		c->out[1] = 2;
		c->out[2] = SOCKS5_NO_AUTH;
		c->out[3] = SOCKS5_USERPASS;
		c->outlen = 4;
	} else {
		c->out[1] = 1;
		c->out[2] = SOCKS5_NO_AUTH;
		c->outlen = 3;
	}
	c->step = STEP_S5_METHOD;
}

/* The SOCKS5 CONNECT request: an address, or the name (socks5h). */
static void
proxy_client_s5_request(struct proxy_client *c)
{
	size_t	o = 0, hlen = strlen(c->host);

	c->out[o++] = 5;
	c->out[o++] = SOCKS5_CONNECT;
	c->out[o++] = 0;
	if (c->family == AF_INET) {
		c->out[o++] = SOCKS5_ATYP_V4;
		memcpy(c->out + o, c->addr, 4);
		o += 4;
	} else if (c->family == AF_INET6) {
		c->out[o++] = SOCKS5_ATYP_V6;
		memcpy(c->out + o, c->addr, 16);
		o += 16;
	} else {
		c->out[o++] = SOCKS5_ATYP_NAME;
		c->out[o++] = (uint8_t)hlen;
		memcpy(c->out + o, c->host, hlen);
		o += hlen;
	}
	put16(c->out + o, c->port);
	c->outlen = o + 2;
	c->step = STEP_S5_REPLY;
}

static void
proxy_client_s5_auth(struct proxy_client *c)
{
	size_t	ulen = strlen(c->cred->user), plen = strlen(c->cred->pass);
	size_t	o = 0;

	c->out[o++] = 1;
	c->out[o++] = (uint8_t)ulen;
	memcpy(c->out + o, c->cred->user, ulen);
	o += ulen;
	c->out[o++] = (uint8_t)plen;
	memcpy(c->out + o, c->cred->pass, plen);
	c->outlen = o + plen;
	c->step = STEP_S5_AUTH;
}

static int
proxy_client_http(struct proxy_client *c, struct status *st)
{
	char	hp[ADDR_HOST_MAX + 16], raw[2 * PROXY_CRED_MAX + 2];
	char	b64[4 * ((sizeof raw + 2) / 3) + 1];
	int	n;

	proxy_authority(c->host, c->port, hp, sizeof hp);
	b64[0] = '\0';
	if (c->cred != NULL) {
		n = snprintf(raw, sizeof raw, "%s:%s", c->cred->user,
		    c->cred->pass);
		if (n < 0 || (size_t)n >= sizeof raw)
			return status_usage(st, "--proxy: credentials too long");
		proxy_base64_encode((const uint8_t *)raw, (size_t)n, b64,
		    sizeof b64);
	}
	n = snprintf((char *)c->out, sizeof c->out, "CONNECT %s HTTP/1.1\r\n"
	    "Host: %s\r\n%s%s%s\r\n", hp, hp,
	    c->cred != NULL ? "Proxy-Authorization: Basic " : "", b64,
	    c->cred != NULL ? "\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof c->out)
		return status_usage(st, "--proxy: the CONNECT request is too "
		    "long");
	c->outlen = (size_t)n;
	c->step = STEP_HTTP_REPLY;
	return 0;
}

int
proxy_client_init(struct proxy_client *c, enum proxy_scheme s,
    const struct proxy_cred *cred, const char *host, uint16_t port,
    const struct sockaddr *sa, struct status *st)
{
	memset(c, 0, sizeof *c);
	c->scheme = s;
	c->cred = cred != NULL && cred->set ? cred : NULL;
	c->port = port;
	if (addr_host("HOST", host, c->host, sizeof c->host, st) < 0)
		return -1;
	if (inet_pton(AF_INET, c->host, c->addr) == 1)
		c->family = AF_INET;
	else if (inet_pton(AF_INET6, c->host, c->addr) == 1)
		c->family = AF_INET6;
	else if (sa != NULL && sa->sa_family == AF_INET) {
		memcpy(c->addr, &((const struct sockaddr_in *)(const void *)
		    sa)->sin_addr, 4);
		c->family = AF_INET;
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		memcpy(c->addr, &((const struct sockaddr_in6 *)(const void *)
		    sa)->sin6_addr, 16);
		c->family = AF_INET6;
	}
	/* An IPv4-mapped address goes out as the IPv4 address it is. */
	if (c->family == AF_INET6 && IN6_IS_ADDR_V4MAPPED((struct in6_addr *)
	    (void *)c->addr)) {
		memmove(c->addr, c->addr + 12, 4);
		c->family = AF_INET;
	}
	if (proxy_resolves_locally(s) && c->family == 0)
		return status_set(st, SC_EX_SOFTWARE, "HOST '%s': no address "
		    "to send", c->host);
	switch (s) {
	case PROXY_SOCKS4:
	case PROXY_SOCKS4A:
		if (c->family == AF_INET6 && s == PROXY_SOCKS4A)
			c->family = 0;	/* the proxy may know what to do */
		return proxy_client_socks4(c, st);
	case PROXY_SOCKS5:
	case PROXY_SOCKS5H:
		if (strlen(c->host) > PROXY_NAME_MAX)
			return status_usage(st, "HOST '%.64s': longer than "
			    "SOCKS5 carries", c->host);
		proxy_client_greeting(c);
		return 0;
	case PROXY_HTTP:
		return proxy_client_http(c, st);
	default:
		return status_set(st, SC_EX_SOFTWARE, "no proxy scheme");
	}
}

static const char *
proxy_socks5_reason(unsigned rep)
{
	static const char *const text[] = {
		"succeeded", "general SOCKS server failure",
		"connection not allowed by ruleset", "network unreachable",
		"host unreachable", "connection refused", "TTL expired",
		"command not supported", "address type not supported"
	};

	return rep < sizeof text / sizeof text[0] ? text[rep] :
	    "not in the protocol";
}

/* A SOCKS5 reply code as an exit status (SPEC's "Proxies"). */
static int
proxy_socks5_code(unsigned rep)
{
	switch (rep) {
	case 2:
		return SC_EX_NOPERM;
	case 3:
	case 4:
	case 5:
		return SC_EX_UNAVAILABLE;
	case 6:
		return SC_EX_TEMPFAIL;
	default:
		return SC_EX_PROTOCOL;
	}
}

/* A failure: code and the message in st; returns PROXY_FAIL. */
static enum proxy_rc
proxy_fail(struct status *st, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum proxy_rc
proxy_fail(struct status *st, int code, const char *fmt, ...)
{
	va_list	ap;

	st->code = code;
	st->usage = 0;
	va_start(ap, fmt);
	vsnprintf(st->msg, sizeof st->msg, fmt, ap);
	va_end(ap);
	status_one_line(st->msg);
	return PROXY_FAIL;
}

/* Exactly want bytes in all: PROXY_MORE until they have arrived. */
static int
proxy_need(size_t len, size_t want, size_t *n)
{
	if (len >= want)
		return 0;
	*n = want - len;
	return 1;
}

static enum proxy_rc
proxy_client_method(struct proxy_client *c, const uint8_t *buf, size_t len,
    size_t *n, struct status *st)
{
	if (proxy_need(len, 2, n))
		return PROXY_MORE;
	*n = 2;
	if (buf[0] != 5)
		return proxy_fail(st, SC_EX_PROTOCOL, "not a SOCKS5 reply "
		    "(version %u)", buf[0]);
	if (buf[1] == SOCKS5_NO_AUTH) {
		proxy_client_s5_request(c);
		return PROXY_SEND;
	}
	if (buf[1] == SOCKS5_USERPASS && c->cred != NULL) {
		proxy_client_s5_auth(c);
		return PROXY_SEND;
	}
	if (buf[1] == SOCKS5_NO_METHOD)
		return proxy_fail(st, SC_EX_NOPERM, "SOCKS5: no acceptable "
		    "authentication method%s", c->cred == NULL ? " (the proxy "
		    "wants a user name and password: USER:PASS@ in --proxy)" :
		    "");
	return proxy_fail(st, SC_EX_PROTOCOL, "SOCKS5: the proxy chose "
	    "authentication method %u, which was not offered", buf[1]);
}

static enum proxy_rc
proxy_client_auth(struct proxy_client *c, const uint8_t *buf, size_t len,
    size_t *n, struct status *st)
{
	if (proxy_need(len, 2, n))
		return PROXY_MORE;
	*n = 2;
	/* The version should be 1; some servers say 5: only the status. */
	if (buf[1] != 0)
		return proxy_fail(st, SC_EX_NOPERM, "SOCKS5: user name and "
		    "password rejected (status %u)", buf[1]);
	proxy_client_s5_request(c);
	return PROXY_SEND;
}

static enum proxy_rc
proxy_client_reply5(struct proxy_client *c, const uint8_t *buf, size_t len,
    size_t *n, struct status *st)
{
	size_t	want;

	if (proxy_need(len, 2, n))
		return PROXY_MORE;
	if (buf[0] != 5) {
		*n = 2;
		return proxy_fail(st, SC_EX_PROTOCOL, "not a SOCKS5 reply "
		    "(version %u)", buf[0]);
	}
	if (buf[1] != 0) {
		/* A refusal: the rest of it does not matter. */
		*n = 2;
		return proxy_fail(st, proxy_socks5_code(buf[1]), "SOCKS5 reply "
		    "%u (%s)", buf[1], proxy_socks5_reason(buf[1]));
	}
	if (proxy_need(len, 5, n))
		return PROXY_MORE;
	switch (buf[3]) {
	case SOCKS5_ATYP_V4:
		want = 4 + 4 + 2;
		break;
	case SOCKS5_ATYP_V6:
		want = 4 + 16 + 2;
		break;
	case SOCKS5_ATYP_NAME:
		want = 4 + 1 + (size_t)buf[4] + 2;
		break;
	default:
		*n = 4;
		return proxy_fail(st, SC_EX_PROTOCOL, "SOCKS5 reply with "
		    "address type %u, not in the protocol", buf[3]);
	}
	if (proxy_need(len, want, n))
		return PROXY_MORE;
	*n = want;
	c->step = STEP_OPEN;
	return PROXY_OPEN;
}

static enum proxy_rc
proxy_client_reply4(struct proxy_client *c, const uint8_t *buf, size_t len,
    size_t *n, struct status *st)
{
	if (proxy_need(len, 8, n))
		return PROXY_MORE;
	*n = 8;
	/* The version is 0; a few servers answer 4. */
	if (buf[0] != 0 && buf[0] != 4)
		return proxy_fail(st, SC_EX_PROTOCOL, "not a SOCKS4 reply "
		    "(version %u)", buf[0]);
	switch (buf[1]) {
	case SOCKS4_GRANTED:
		c->step = STEP_OPEN;
		return PROXY_OPEN;
	case SOCKS4_REJECTED:
		return proxy_fail(st, SC_EX_PROTOCOL, "SOCKS4 reply 91 "
		    "(request rejected or failed)");
	case 92:
		return proxy_fail(st, SC_EX_NOPERM, "SOCKS4 reply 92 (rejected: "
		    "the proxy cannot reach our identd)");
	case 93:
		return proxy_fail(st, SC_EX_NOPERM, "SOCKS4 reply 93 (rejected: "
		    "user id mismatch)");
	default:
		return proxy_fail(st, SC_EX_PROTOCOL, "SOCKS4 reply %u (not in "
		    "the protocol)", buf[1]);
	}
}

/*
 * The end of an HTTP header block in buf: the length up to and with its
 * empty line (LF LF or LF CR LF), or 0 when it has not arrived; from is
 * where to begin looking.
 */
static size_t
proxy_http_end(const uint8_t *buf, size_t len, size_t from)
{
	size_t	i;

	for (i = from; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* Is b a byte that may appear in a header block? */
static int
proxy_http_byte(uint8_t b)
{
	return b == '\t' || b == '\r' || b == '\n' || (b >= ' ' && b != 0x7f);
}

/* The status line, up to its end, fit for a message. */
static void
proxy_http_line(const uint8_t *buf, size_t len, char *out, size_t size)
{
	size_t	n = 0;

	while (n < len && buf[n] != '\r' && buf[n] != '\n' && n + 1 < size) {
		out[n] = (char)buf[n];
		n++;
	}
	out[n] = '\0';
	status_one_line(out);
}

static enum proxy_rc
proxy_client_http_reply(struct proxy_client *c, const uint8_t *buf,
    size_t len, size_t *n, struct status *st)
{
	char	line[160];
	size_t	end, i, lim = len < PROXY_HTTP_MAX ? len : PROXY_HTTP_MAX;
	int	code;

	/* Only the header block is text: the tunnel's bytes may follow. */
	end = proxy_http_end(buf, lim, 0);
	for (i = 0; i < (end > 0 ? end : lim); i++)
		if (!proxy_http_byte(buf[i]) || (i < 5 &&
		    buf[i] != (uint8_t)"HTTP/"[i])) {
			*n = len;
			proxy_http_line(buf, len, line, 48);
			return proxy_fail(st, SC_EX_PROTOCOL, "not an HTTP "
			    "reply: '%s'", line);
		}
	if (end == 0) {
		*n = 0;
		if (len < PROXY_HTTP_MAX)
			return PROXY_MORE;
		*n = len;
		return proxy_fail(st, SC_EX_PROTOCOL, "HTTP reply headers "
		    "longer than %d bytes", PROXY_HTTP_MAX);
	}
	*n = end;
	proxy_http_line(buf, end, line, sizeof line);
	/* HTTP/1.x SSS[ reason] */
	if (strncmp(line, "HTTP/1.", 7) != 0 || line[7] < '0' ||
	    line[7] > '9' || line[8] != ' ' || line[9] < '1' ||
	    line[9] > '5' || line[10] < '0' || line[10] > '9' ||
	    line[11] < '0' || line[11] > '9' ||
	    (line[12] != '\0' && line[12] != ' '))
		return proxy_fail(st, SC_EX_PROTOCOL, "not an HTTP status "
		    "line: '%.64s'", line);
	code = (line[9] - '0') * 100 + (line[10] - '0') * 10 + line[11] - '0';
	if (code >= 200 && code < 300) {
		c->step = STEP_OPEN;
		return PROXY_OPEN;
	}
	if (code == 407 || code == 403 || code == 401)
		status_set(st, SC_EX_NOPERM, "%s%s", line, code == 407 &&
		    c->cred == NULL ? " (USER:PASS@ in --proxy?)" : "");
	else
		status_set(st, code == 504 ? SC_EX_TEMPFAIL : SC_EX_PROTOCOL,
		    "%s", line);
	return PROXY_FAIL;
}

enum proxy_rc
proxy_client_input(struct proxy_client *c, const uint8_t *buf, size_t len,
    size_t *n, struct status *st)
{
	*n = 0;
	switch (c->step) {
	case STEP_S5_METHOD:
		return proxy_client_method(c, buf, len, n, st);
	case STEP_S5_AUTH:
		return proxy_client_auth(c, buf, len, n, st);
	case STEP_S5_REPLY:
		return proxy_client_reply5(c, buf, len, n, st);
	case STEP_S4_REPLY:
		return proxy_client_reply4(c, buf, len, n, st);
	case STEP_HTTP_REPLY:
		return proxy_client_http_reply(c, buf, len, n, st);
	default:
		status_set(st, SC_EX_SOFTWARE, "proxy: no reply expected");
		return PROXY_FAIL;
	}
}

/* ------------------------------------------------------------- server */

void
proxy_server_init(struct proxy_server *s, const struct proxy_cred *auth)
{
	memset(s, 0, sizeof *s);
	s->auth = auth != NULL && auth->set ? auth : NULL;
	s->proto = PROXY_NONE;
	s->step = STEP_FIRST;
}

/* Answer with n bytes. */
static void
proxy_server_out(struct proxy_server *s, const void *p, size_t n)
{
	memcpy(s->out, p, n);
	s->outlen = n;
}

/* A SOCKS5 reply: rep and, for a success, the bound address. */
static void
proxy_server_reply5(struct proxy_server *s, unsigned rep,
    const struct sockaddr *sa, socklen_t len)
{
	size_t	o = 0;

	s->out[o++] = 5;
	s->out[o++] = (uint8_t)rep;
	s->out[o++] = 0;
	if (sa != NULL && sa->sa_family == AF_INET6 &&
	    len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		s->out[o++] = SOCKS5_ATYP_V6;
		memcpy(s->out + o, &s6->sin6_addr, 16);
		o += 16;
		memcpy(s->out + o, &s6->sin6_port, 2);
	} else if (sa != NULL && sa->sa_family == AF_INET &&
	    len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s4 = (const void *)sa;

		s->out[o++] = SOCKS5_ATYP_V4;
		memcpy(s->out + o, &s4->sin_addr, 4);
		o += 4;
		memcpy(s->out + o, &s4->sin_port, 2);
	} else {
		s->out[o++] = SOCKS5_ATYP_V4;
		memset(s->out + o, 0, 6);
		o += 4;
	}
	s->outlen = o + 2;
}

/* A SOCKS4 reply. */
static void
proxy_server_reply4(struct proxy_server *s, unsigned code,
    const struct sockaddr *sa, socklen_t len)
{
	memset(s->out, 0, 8);
	s->out[1] = (uint8_t)code;
	if (sa != NULL && sa->sa_family == AF_INET &&
	    len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s4 = (const void *)sa;

		memcpy(s->out + 2, &s4->sin_port, 2);
		memcpy(s->out + 4, &s4->sin_addr, 4);
	}
	s->outlen = 8;
}

static const char proxy_http_200[] =
    "HTTP/1.1 200 Connection established\r\n\r\n";

/* An HTTP answer that ends the connection. */
static void
proxy_server_http(struct proxy_server *s, const char *status,
    const char *extra)
{
	int	n;

	n = snprintf((char *)s->out, sizeof s->out, "HTTP/1.1 %s\r\n%s"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n", status, extra);
	s->outlen = n > 0 && (size_t)n < sizeof s->out ? (size_t)n : 0;
}

/* A host name as a client sent it: printable, no space, not empty. */
static int
proxy_name_ok(const uint8_t *p, size_t n)
{
	size_t	i;

	if (n == 0 || n > PROXY_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (p[i] <= ' ' || p[i] >= 0x7f)
			return 0;
	return 1;
}

static enum proxy_rc
proxy_server_greeting(struct proxy_server *s, const uint8_t *buf,
    size_t len, size_t *n, struct status *st)
{
	size_t	nm, i;
	int	has_none = 0, has_pass = 0, method;

	if (proxy_need(len, 2, n))
		return PROXY_MORE;
	nm = buf[1];
	if (proxy_need(len, 2 + nm, n))
		return PROXY_MORE;
	*n = 2 + nm;
	s->proto = PROXY_SOCKS5;
	for (i = 0; i < nm; i++) {
		has_none |= buf[2 + i] == SOCKS5_NO_AUTH;
		has_pass |= buf[2 + i] == SOCKS5_USERPASS;
	}
	/* Without --auth, a client that only offers a password gets in. */
	if (s->auth != NULL)
		method = has_pass ? SOCKS5_USERPASS : SOCKS5_NO_METHOD;
	else
		method = has_none ? SOCKS5_NO_AUTH : has_pass ?
		    SOCKS5_USERPASS : SOCKS5_NO_METHOD;
	s->out[0] = 5;
	s->out[1] = (uint8_t)method;
	s->outlen = 2;
	if (method == SOCKS5_NO_METHOD)
		return proxy_fail(st, SC_EX_NOPERM, "SOCKS5: no "
		    "acceptable authentication method offered (%s)",
		    s->auth != NULL ? "--auth needs username/password" :
		    nm == 0 ? "none at all" : "neither none nor "
		    "username/password");
	s->step = method == SOCKS5_USERPASS ? STEP_S5_AUTH : STEP_S5_REQUEST;
	return PROXY_SEND;
}

static enum proxy_rc
proxy_server_auth(struct proxy_server *s, const uint8_t *buf, size_t len,
    size_t *n, struct status *st)
{
	char	pass[PROXY_CRED_MAX + 1];
	size_t	ulen, plen;

	if (proxy_need(len, 2, n))
		return PROXY_MORE;
	s->out[0] = 1;
	s->out[1] = 1;
	s->outlen = 2;
	if (buf[0] != 1) {
		*n = 2;
		return proxy_fail(st, SC_EX_PROTOCOL, "SOCKS5: not a "
		    "username/password request (version %u)", buf[0]);
	}
	ulen = buf[1];
	if (proxy_need(len, 2 + ulen + 1, n))
		return PROXY_MORE;
	plen = buf[2 + ulen];
	if (proxy_need(len, 3 + ulen + plen, n))
		return PROXY_MORE;
	*n = 3 + ulen + plen;
	memcpy(s->user, buf + 2, ulen);
	s->user[ulen] = '\0';
	memcpy(pass, buf + 3 + ulen, plen);
	pass[plen] = '\0';
	if (ulen == 0 || memchr(s->user, '\0', ulen) != NULL ||
	    memchr(pass, '\0', plen) != NULL) {
		status_one_line(s->user);
		return proxy_fail(st, SC_EX_NOPERM, "SOCKS5: a user name "
		    "that is empty or holds a NUL");
	}
	if (s->auth != NULL && (!proxy_same(s->user, ulen, s->auth->user,
	    strlen(s->auth->user)) || !proxy_same(pass, plen, s->auth->pass,
	    strlen(s->auth->pass)))) {
		status_one_line(s->user);
		return proxy_fail(st, SC_EX_NOPERM, "SOCKS5: user name "
		    "or password rejected (user '%.64s')", s->user);
	}
	s->out[1] = 0;
	s->step = STEP_S5_REQUEST;
	return PROXY_SEND;
}

static enum proxy_rc
proxy_server_request5(struct proxy_server *s, const uint8_t *buf,
    size_t len, size_t *n, struct status *st)
{
	size_t	want;

	if (proxy_need(len, 5, n))
		return PROXY_MORE;
	if (buf[0] != 5) {
		*n = 5;
		s->outlen = 0;
		return proxy_fail(st, SC_EX_PROTOCOL, "not a SOCKS5 "
		    "request (version %u)", buf[0]);
	}
	switch (buf[3]) {
	case SOCKS5_ATYP_V4:
		want = 4 + 4 + 2;
		break;
	case SOCKS5_ATYP_V6:
		want = 4 + 16 + 2;
		break;
	case SOCKS5_ATYP_NAME:
		want = 4 + 1 + (size_t)buf[4] + 2;
		break;
	default:
		*n = 5;
		proxy_server_reply5(s, 8, NULL, 0);
		return proxy_fail(st, SC_EX_PROTOCOL, "SOCKS5: address "
		    "type %u is not supported", buf[3]);
	}
	if (proxy_need(len, want, n))
		return PROXY_MORE;
	*n = want;
	if (buf[1] != SOCKS5_CONNECT) {
		proxy_server_reply5(s, 7, NULL, 0);
		return proxy_fail(st, SC_EX_PROTOCOL, "SOCKS5 %s is not "
		    "supported (CONNECT only)", buf[1] == SOCKS5_BIND ? "BIND" :
		    buf[1] == SOCKS5_UDP ? "UDP ASSOCIATE" : "command");
	}
	if (buf[3] == SOCKS5_ATYP_V4)
		inet_ntop(AF_INET, buf + 4, s->host, sizeof s->host);
	else if (buf[3] == SOCKS5_ATYP_V6)
		inet_ntop(AF_INET6, buf + 4, s->host, sizeof s->host);
	else if (proxy_name_ok(buf + 5, buf[4])) {
		memcpy(s->host, buf + 5, buf[4]);
		s->host[buf[4]] = '\0';
	} else {
		proxy_server_reply5(s, 1, NULL, 0);
		return proxy_fail(st, SC_EX_PROTOCOL, "SOCKS5: a host "
		    "name that is empty or not printable");
	}
	s->port = get16(buf + want - 2);
	if (s->port == 0) {
		proxy_server_reply5(s, 1, NULL, 0);
		return proxy_fail(st, SC_EX_PROTOCOL, "SOCKS5: port 0 "
		    "(to %.64s)", s->host);
	}
	s->step = STEP_DIAL;
	s->outlen = 0;
	return PROXY_DIAL;
}

static enum proxy_rc
proxy_server_request4(struct proxy_server *s, const uint8_t *buf,
    size_t len, size_t *n, struct status *st)
{
	const uint8_t	*u, *h = NULL;
	size_t		 end, lim;
	int		 name;

	if (proxy_need(len, 8, n))
		return PROXY_MORE;
	/* 0.0.0.x, x not 0: SOCKS4a, a host name follows the user id. */
	name = buf[4] == 0 && buf[5] == 0 && buf[6] == 0 && buf[7] != 0;
	lim = len - 8 > PROXY_CRED_MAX ? PROXY_CRED_MAX + 1 : len - 8;
	u = memchr(buf + 8, '\0', lim);
	if (u == NULL && lim > PROXY_CRED_MAX) {
		*n = len;
		proxy_server_reply4(s, SOCKS4_REJECTED, NULL, 0);
		return proxy_fail(st, SC_EX_PROTOCOL, "SOCKS4: a user id "
		    "longer than %d bytes", PROXY_CRED_MAX);
	}
	if (u != NULL && name) {
		lim = len - (size_t)(u + 1 - buf);
		if (lim > PROXY_NAME_MAX)
			lim = PROXY_NAME_MAX + 1;
		h = memchr(u + 1, '\0', lim);
		if (h == NULL && lim > PROXY_NAME_MAX) {
			*n = len;
			proxy_server_reply4(s, SOCKS4_REJECTED, NULL, 0);
			return proxy_fail(st, SC_EX_PROTOCOL, "SOCKS4a: "
			    "a host name longer than %d bytes",
			    PROXY_NAME_MAX);
		}
	}
	if (u == NULL || (name && h == NULL)) {
		*n = 0;
		return PROXY_MORE;
	}
	end = (size_t)((name ? h : u) - buf) + 1;
	*n = end;
	s->proto = name ? PROXY_SOCKS4A : PROXY_SOCKS4;
	memcpy(s->user, buf + 8, (size_t)(u - (buf + 8)));
	s->user[u - (buf + 8)] = '\0';
	status_one_line(s->user);
	proxy_server_reply4(s, SOCKS4_REJECTED, NULL, 0);
	if (buf[1] != 1)
		return proxy_fail(st, SC_EX_PROTOCOL, "%s %s is not "
		    "supported (CONNECT only)", proxy_scheme_name(s->proto),
		    buf[1] == 2 ? "BIND" : "command");
	if (s->auth != NULL)
		return proxy_fail(st, SC_EX_NOPERM, "%s carries no "
		    "password: refused with --auth", proxy_scheme_name(
		    s->proto));
	if (name && !proxy_name_ok(u + 1, (size_t)(h - (u + 1))))
		return proxy_fail(st, SC_EX_PROTOCOL, "SOCKS4a: a host "
		    "name that is empty or not printable");
	if (name) {
		memcpy(s->host, u + 1, (size_t)(h - (u + 1)));
		s->host[h - (u + 1)] = '\0';
	} else
		inet_ntop(AF_INET, buf + 4, s->host, sizeof s->host);
	s->port = get16(buf + 2);
	if (s->port == 0)
		return proxy_fail(st, SC_EX_PROTOCOL, "%s: port 0 (to "
		    "%.64s)", proxy_scheme_name(s->proto), s->host);
	s->outlen = 0;
	s->step = STEP_DIAL;
	return PROXY_DIAL;
}

/* CONNECT's target: HOST:PORT or [V6]:PORT, a numeric port. */
static int
proxy_http_target(struct proxy_server *s, const char *t, size_t n)
{
	const char	*colon = NULL, *p, *end = t + n, *h = t;
	size_t		 hlen;
	unsigned long	 port = 0;
	char		 a[16];

	for (p = t; p < end; p++)
		if (*p == ':')
			colon = p;
	if (colon == NULL || colon + 1 == end || end - colon > 6)
		return -1;
	for (p = colon + 1; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		port = port * 10 + (unsigned long)(*p - '0');
	}
	if (port < 1 || port > 65535)
		return -1;
	hlen = (size_t)(colon - t);
	if (hlen >= 2 && t[0] == '[' && colon[-1] == ']') {
		h = t + 1;
		hlen -= 2;
		if (hlen >= sizeof s->host)
			return -1;
		memcpy(s->host, h, hlen);
		s->host[hlen] = '\0';
		if (inet_pton(AF_INET6, s->host, a) != 1)
			return -1;
	} else {
		if (memchr(t, ':', hlen) != NULL || memchr(t, '[', hlen) ||
		    !proxy_name_ok((const uint8_t *)t, hlen))
			return -1;
		memcpy(s->host, t, hlen);
		s->host[hlen] = '\0';
	}
	s->port = (uint16_t)port;
	return 0;
}

/* Is the Basic credential of a Proxy-Authorization value s->auth's? */
static int
proxy_http_auth_ok(const struct proxy_server *s, const char *v, size_t n)
{
	uint8_t		raw[2 * PROXY_CRED_MAX + 2];
	char		want[2 * PROXY_CRED_MAX + 2];
	size_t		len;
	int		wlen;

	while (n > 0 && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' ||
	    v[n - 1] == '\r'))
		n--;
	if (n < 6 || strncasecmp(v, "Basic ", 6) != 0)
		return 0;
	v += 6;
	n -= 6;
	while (n > 0 && *v == ' ')
		v++, n--;
	len = proxy_base64_decode(v, n, raw, sizeof raw);
	if (len == (size_t)-1)
		return 0;
	wlen = snprintf(want, sizeof want, "%s:%s", s->auth->user,
	    s->auth->pass);
	if (wlen < 0 || (size_t)wlen >= sizeof want)
		return 0;
	return proxy_same(raw, len, want, (size_t)wlen);
}

/*
 * The request line and headers of a complete block of end bytes:
 * CONNECT only, a target, HTTP/1.x, and the credentials when --auth.
 */
static enum proxy_rc
proxy_server_http_block(struct proxy_server *s, const char *b, size_t end,
    struct status *st)
{
	const char	*eol = memchr(b, '\n', end), *sp1, *sp2, *p, *line;
	size_t		 llen = (size_t)(eol - b), i;
	int		 authed = 0;

	if (llen > 0 && b[llen - 1] == '\r')
		llen--;
	sp1 = memchr(b, ' ', llen);
	sp2 = sp1 != NULL ? memchr(sp1 + 1, ' ', llen - (size_t)(sp1 + 1 -
	    b)) : NULL;
	if (sp1 == NULL || sp2 == NULL || b + llen - (sp2 + 1) != 8 ||
	    strncmp(sp2 + 1, "HTTP/1.", 7) != 0 || sp2[8] < '0' ||
	    sp2[8] > '9') {
		proxy_server_http(s, "400 Bad Request", "");
		return proxy_fail(st, SC_EX_PROTOCOL, "HTTP: not a "
		    "request line: METHOD TARGET HTTP/1.x");
	}
	for (i = 0; b + i < sp1; i++)
		if (b[i] < 'A' || b[i] > 'Z')
			break;
	if (b + i != sp1 || sp1 - b != 7 || strncmp(b, "CONNECT", 7) != 0) {
		proxy_server_http(s, "501 Not Implemented", "Allow: CONNECT\r\n");
		return proxy_fail(st, SC_EX_PROTOCOL, "HTTP %.*s is not "
		    "supported (CONNECT only)", (int)(sp1 - b > 16 ? 16 :
		    sp1 - b), b);
	}
	if (proxy_http_target(s, sp1 + 1, (size_t)(sp2 - (sp1 + 1))) < 0) {
		proxy_server_http(s, "400 Bad Request", "");
		return proxy_fail(st, SC_EX_PROTOCOL, "HTTP CONNECT: "
		    "not HOST:PORT: '%.*s'", (int)(sp2 - sp1 - 1 > 64 ? 64 :
		    sp2 - sp1 - 1), sp1 + 1);
	}
	/* The headers: only Proxy-Authorization matters. */
	for (line = eol + 1; line < b + end; line = eol + 1) {
		eol = memchr(line, '\n', (size_t)(b + end - line));
		if (eol == NULL || eol == line || (eol == line + 1 &&
		    *line == '\r'))
			break;
		p = memchr(line, ':', (size_t)(eol - line));
		if (p == NULL) {
			proxy_server_http(s, "400 Bad Request", "");
			return proxy_fail(st, SC_EX_PROTOCOL, "HTTP: a "
			    "header line without a colon");
		}
		if (s->auth != NULL && p - line == 19 &&
		    strncasecmp(line, "Proxy-Authorization", 19) == 0)
			authed |= proxy_http_auth_ok(s, p + 1,
			    (size_t)(eol - (p + 1)));
	}
	if (s->auth != NULL && !authed) {
		proxy_server_http(s, "407 Proxy Authentication Required",
		    "Proxy-Authenticate: Basic realm=\"sockcat\"\r\n");
		return proxy_fail(st, SC_EX_NOPERM, "HTTP: proxy "
		    "authentication missing or rejected (CONNECT %.64s)",
		    s->host);
	}
	s->outlen = 0;
	s->step = STEP_DIAL;
	return PROXY_DIAL;
}

static enum proxy_rc
proxy_server_http_request(struct proxy_server *s, const uint8_t *buf,
    size_t len, size_t *n, struct status *st)
{
	size_t	i, end, lim = len < PROXY_HTTP_MAX ? len : PROXY_HTTP_MAX;

	/* What cannot become a request fails now, not at the deadline. */
	for (i = 0; i < lim; i++) {
		if (!proxy_http_byte(buf[i])) {
			*n = len;
			proxy_server_http(s, "400 Bad Request", "");
			return proxy_fail(st, SC_EX_PROTOCOL, "HTTP: byte "
			    "0x%02x in the request", buf[i]);
		}
		if (buf[i] == ' ')
			break;
		if (buf[i] < 'A' || buf[i] > 'Z' || i >= 16) {
			*n = len;
			proxy_server_http(s, "400 Bad Request", "");
			return proxy_fail(st, SC_EX_PROTOCOL, "HTTP: not "
			    "a method at the start of the request");
		}
	}
	end = proxy_http_end(buf, lim, s->scan);
	for (i = s->scan; i < (end > 0 ? end : lim); i++)
		if (!proxy_http_byte(buf[i])) {
			*n = len;
			proxy_server_http(s, "400 Bad Request", "");
			return proxy_fail(st, SC_EX_PROTOCOL, "HTTP: byte "
			    "0x%02x in the request", buf[i]);
		}
	if (end == 0) {
		if (len >= PROXY_HTTP_MAX) {
			*n = len;
			proxy_server_http(s, "431 Request Header Fields Too "
			    "Large", "");
			return proxy_fail(st, SC_EX_PROTOCOL, "HTTP: "
			    "request headers longer than %d bytes",
			    PROXY_HTTP_MAX);
		}
		/* Only a hint: the bytes before it never change. */
		s->scan = len > 2 ? len - 2 : 0;
		*n = 0;
		return PROXY_MORE;
	}
	*n = end;
	s->proto = PROXY_HTTP;
	return proxy_server_http_block(s, (const char *)buf, end, st);
}

enum proxy_rc
proxy_server_input(struct proxy_server *s, const uint8_t *buf, size_t len,
    size_t *n, struct status *st)
{
	*n = 0;
	switch (s->step) {
	case STEP_FIRST:
		if (proxy_need(len, 1, n))
			return PROXY_MORE;
		if (buf[0] == 5)
			return proxy_server_greeting(s, buf, len, n, st);
		if (buf[0] == 4)
			return proxy_server_request4(s, buf, len, n, st);
		if (buf[0] >= 'A' && buf[0] <= 'Z')
			return proxy_server_http_request(s, buf, len, n, st);
		*n = len;
		s->outlen = 0;
		return proxy_fail(st, SC_EX_PROTOCOL, "not a SOCKS or "
		    "HTTP request (first byte 0x%02x)", buf[0]);
	case STEP_S5_AUTH:
		return proxy_server_auth(s, buf, len, n, st);
	case STEP_S5_REQUEST:
		return proxy_server_request5(s, buf, len, n, st);
	default:
		s->outlen = 0;
		return proxy_fail(st, SC_EX_SOFTWARE, "proxy: no request "
		    "expected");
	}
}

/* A dial's failure in SOCKS5's terms. */
static unsigned
proxy_socks5_rep(int code, int err)
{
	switch (code) {
	case SC_EX_UNAVAILABLE:
		return err == ENETUNREACH || err == ENETDOWN ? 3 :
		    err == EHOSTUNREACH || err == EHOSTDOWN ? 4 : 5;
	case SC_EX_NOHOST:
	case SC_EX_USAGE:	/* a name with -n, a family -4/-6 exclude */
		return 4;
	case SC_EX_TEMPFAIL:
		return 6;
	case SC_EX_NOPERM:
		return 2;
	default:
		return 1;
	}
}

void
proxy_server_result(struct proxy_server *s, int code, int err,
    const struct sockaddr *bound, socklen_t boundlen)
{
	s->step = STEP_OPEN;
	switch (s->proto) {
	case PROXY_SOCKS5:
		if (code == SC_EX_OK)
			proxy_server_reply5(s, 0, bound, boundlen);
		else
			proxy_server_reply5(s, proxy_socks5_rep(code, err), NULL,
			    0);
		break;
	case PROXY_SOCKS4:
	case PROXY_SOCKS4A:
		proxy_server_reply4(s, code == SC_EX_OK ? SOCKS4_GRANTED :
		    SOCKS4_REJECTED, code == SC_EX_OK ? bound : NULL, boundlen);
		break;
	case PROXY_HTTP:
		if (code == SC_EX_OK) {
			proxy_server_out(s, proxy_http_200,
			    sizeof proxy_http_200 - 1);
			break;
		}
		proxy_server_http(s, code == SC_EX_TEMPFAIL ?
		    "504 Gateway Timeout" : code == SC_EX_NOPERM ?
		    "403 Forbidden" : "502 Bad Gateway", "");
		break;
	default:
		s->outlen = 0;
		break;
	}
}
