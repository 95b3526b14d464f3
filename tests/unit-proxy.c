/*
 * unit-proxy.c: the proxy protocols of proxy.h, as TAP: --proxy URLs and
 * credentials, the bytes each side sends, how each reads the other's
 * messages (exact needs, refusals and the statuses they map to), and a
 * whole conversation between the client and the server in memory, for
 * every scheme, with and without credentials.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proxy.h"
#include "status.h"

static int	ntest, nfail;

static void
ok(int cond, const char *what, const char *input)
{
	ntest++;
	if (!cond)
		nfail++;
	printf("%sok %d - %s '%s'\n", cond ? "" : "not ", ntest, what, input);
}

static void
test_urls(void)
{
	static const struct {
		const char		*s;
		enum proxy_scheme	 scheme;
		const char		*name, *user, *pass;
	} good[] = {
		{ "socks5h://127.0.0.1:1080", PROXY_SOCKS5H, "127.0.0.1:1080",
		  "", "" },
		{ "SOCKS5://proxy.example:1080/", PROXY_SOCKS5,
		  "proxy.example:1080", "", "" },
		{ "socks4://[::1]:1080", PROXY_SOCKS4, "[::1]:1080", "", "" },
		{ "socks4a://u@h:9", PROXY_SOCKS4A, "h:9", "u", "" },
		{ "http://alice:s%40cr%3At@[2001:db8::1]:3128", PROXY_HTTP,
		  "[2001:db8::1]:3128", "alice", "s@cr:t" },
		{ "http://a%20b:p:q@h:65535", PROXY_HTTP, "h:65535", "a b",
		  "p:q" },
		{ "socks5://u:p@w@h:1", PROXY_SOCKS5, "h:1", "u", "p@w" },
	};
	static const char *const bad[] = {
		"127.0.0.1:1080", "socks6://h:1", "https://h:443", "socks5h://h",
		"socks5h://h:", "socks5h://h:0", "socks5h://h:65536",
		"socks5h://h:80x", "socks5h://::1:1080", "socks5h://[::1]",
		"socks5h://[::1:1080", "socks5h://[::1]x:1", "socks5h://:1080",
		"http://h:80/path", "socks5h://@h:1", "socks5h://:p@h:1",
		"socks5h://u%zz@h:1", "socks5h://u%0@h:1", "socks5h://u%00@h:1",
		"socks5h://h h:1", "", "socks5h://", "socks5h://h:123456",
	};
	struct proxy_url	u;
	struct status		st;
	char			longu[300];
	size_t			i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		proxy_url_init(&u);
		ok(proxy_url_parse("--proxy", good[i].s, &u, &st) == 0 &&
		    u.scheme == good[i].scheme &&
		    strcmp(u.name, good[i].name) == 0 &&
		    strcmp(u.cred.user, good[i].user) == 0 &&
		    strcmp(u.cred.pass, good[i].pass) == 0 &&
		    u.cred.set == (good[i].user[0] != '\0'), "url",
		    good[i].s);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		proxy_url_init(&u);
		ok(proxy_url_parse("--proxy", bad[i], &u, &st) < 0 &&
		    st.code == SC_EX_USAGE && strncmp(st.msg, "--proxy '", 9) ==
		    0 && u.scheme == PROXY_NONE, "url refused", bad[i]);
	}
	proxy_url_parse("--proxy", "gopher://h:70", &u, &st);
	ok(strstr(st.msg, "unknown scheme 'gopher'") != NULL, "names the "
	    "scheme", st.msg);
	proxy_url_parse("--proxy", "socks5h://h", &u, &st);
	ok(strstr(st.msg, "no proxy port") != NULL, "says the port is missing",
	    st.msg);
	memset(longu, 'u', sizeof longu);
	memcpy(longu, "socks5h://", 10);
	snprintf(longu + 10 + 256, sizeof longu - 10 - 256, "@h:1");
	ok(proxy_url_parse("--proxy", longu, &u, &st) < 0, "url refused",
	    "(a 256-byte user)");
	snprintf(longu + 10 + 255, sizeof longu - 10 - 255, "@h:1");
	ok(proxy_url_parse("--proxy", longu, &u, &st) == 0 &&
	    strlen(u.cred.user) == 255, "url", "(a 255-byte user)");
}

static void
test_creds(void)
{
	struct proxy_cred	c;
	struct status		st;
	char			path[] = "/tmp/unit-proxy.XXXXXX";
	int			fd;

	ok(proxy_cred_parse("--auth", "u:p", 3, 1, &c, &st) == 0 &&
	    strcmp(c.user, "u") == 0 && strcmp(c.pass, "p") == 0, "cred",
	    "u:p");
	ok(proxy_cred_parse("--auth", "u:p:q", 5, 1, &c, &st) == 0 &&
	    strcmp(c.pass, "p:q") == 0, "cred", "u:p:q");
	ok(proxy_cred_parse("--auth", "up", 2, 1, &c, &st) < 0 &&
	    st.code == SC_EX_USAGE && strstr(st.msg, "colon") != NULL,
	    "cred refused", "up");
	ok(proxy_cred_parse("--auth", ":p", 2, 1, &c, &st) < 0, "cred refused",
	    ":p");
	ok(proxy_cred_parse("--auth", "u:", 2, 1, &c, &st) < 0, "cred refused",
	    "u: (a password is needed)");
	ok(proxy_cred_parse("--x", "u:", 2, 0, &c, &st) == 0, "cred", "u: "
	    "(no password needed)");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, "alice:se cret\r\nignored\n", 23) != 23)
		perror("unit-proxy: mkstemp");
	close(fd);
	ok(proxy_cred_file("--auth-file", path, 1, &c, &st) == 0 &&
	    strcmp(c.user, "alice") == 0 && strcmp(c.pass, "se cret") == 0,
	    "cred file, first line, CR LF", path);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0 || write(fd, "nocolon", 7) != 7)
		perror("unit-proxy: write");
	close(fd);
	ok(proxy_cred_file("--auth-file", path, 1, &c, &st) < 0 &&
	    st.code == SC_EX_USAGE && strstr(st.msg, path) != NULL,
	    "cred file refused", "nocolon");
	unlink(path);
	ok(proxy_cred_file("--auth-file", path, 1, &c, &st) < 0 &&
	    st.code == SC_EX_USAGE && strstr(st.msg, "No such file") != NULL,
	    "cred file refused", "(missing)");
}

static void
test_base64(void)
{
	static const struct { const char *in, *out; } v[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" },
		{ "foo", "Zm9v" }, { "foob", "Zm9vYg==" },
		{ "Aladdin:open sesame", "QWxhZGRpbjpvcGVuIHNlc2FtZQ==" },
	};
	static const char *const bad[] = {
		"Zg=", "Zg=a", "Z===", "Zm9v!A==", "=Zg=", "Zm 9"
	};
	char	out[64];
	uint8_t	raw[64];
	size_t	i, n;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		proxy_base64_encode((const uint8_t *)v[i].in, strlen(v[i].in),
		    out, sizeof out);
		n = proxy_base64_decode(v[i].out, strlen(v[i].out), raw,
		    sizeof raw);
		ok(strcmp(out, v[i].out) == 0 && n == strlen(v[i].in) &&
		    memcmp(raw, v[i].in, n) == 0, "base64", v[i].in);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ok(proxy_base64_decode(bad[i], strlen(bad[i]), raw,
		    sizeof raw) == (size_t)-1, "base64 refused", bad[i]);
}

static struct sockaddr_storage	sa_store;

static const struct sockaddr *
sa_of(const char *ip)
{
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&sa_store;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&sa_store;

	memset(&sa_store, 0, sizeof sa_store);
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1)
		s4->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1)
		s6->sin6_family = AF_INET6;
	return (struct sockaddr *)&sa_store;
}

static int
same(const uint8_t *a, size_t na, const char *b, size_t nb)
{
	return na == nb && memcmp(a, b, nb) == 0;
}

static void
test_client_messages(void)
{
	struct proxy_client	c;
	struct proxy_cred	cred;
	struct status		st;

	memset(&cred, 0, sizeof cred);
	cred.set = 1;
	snprintf(cred.user, sizeof cred.user, "Aladdin");
	snprintf(cred.pass, sizeof cred.pass, "open sesame");

	ok(proxy_client_init(&c, PROXY_SOCKS5H, NULL, "example.org", 22,
	    NULL, &st) == 0 && same(c.out, c.outlen, "\5\1\0", 3),
	    "socks5 greeting", "no credentials");
	ok(proxy_client_init(&c, PROXY_SOCKS5H, &cred, "example.org", 22,
	    NULL, &st) == 0 && same(c.out, c.outlen, "\5\2\0\2", 4),
	    "socks5 greeting", "with credentials");
	ok(proxy_client_init(&c, PROXY_SOCKS4, NULL, "example.org", 80,
	    sa_of("192.0.2.1"), &st) == 0 && same(c.out, c.outlen,
	    "\4\1\0\120\300\0\2\1\0", 9), "socks4 request", "192.0.2.1:80");
	ok(proxy_client_init(&c, PROXY_SOCKS4, &cred, "10.0.0.1", 80, NULL,
	    &st) == 0 && same(c.out, c.outlen, "\4\1\0\120\12\0\0\1Aladdin",
	    16), "socks4 request, user id", "10.0.0.1:80");
	ok(proxy_client_init(&c, PROXY_SOCKS4A, NULL, "example.org", 80,
	    NULL, &st) == 0 && same(c.out, c.outlen,
	    "\4\1\0\120\0\0\0\1\0example.org", 21), "socks4a request",
	    "example.org:80");
	ok(proxy_client_init(&c, PROXY_SOCKS4, NULL, "::1", 80, NULL, &st) <
	    0 && st.code == SC_EX_USAGE, "socks4 refuses", "::1");
	ok(proxy_client_init(&c, PROXY_HTTP, &cred, "::1", 22, NULL, &st) ==
	    0 && same(c.out, c.outlen, "CONNECT [::1]:22 HTTP/1.1\r\n"
	    "Host: [::1]:22\r\nProxy-Authorization: Basic "
	    "QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n", 102), "http request",
	    "[::1]:22, Basic");
	ok(proxy_client_init(&c, PROXY_HTTP, NULL, "example.org", 443, NULL,
	    &st) == 0 && same(c.out, c.outlen, "CONNECT example.org:443 "
	    "HTTP/1.1\r\nHost: example.org:443\r\n\r\n", 59), "http request",
	    "example.org:443");
}

/* Feed a reply to a client in a given step; returns rc, sets *n. */
static enum proxy_rc
client_reply(enum proxy_scheme s, int steps, const char *reply, size_t len,
    size_t *n, struct status *st)
{
	struct proxy_client	c;
	struct proxy_cred	cred;
	size_t			k;

	memset(&cred, 0, sizeof cred);
	cred.set = 1;
	snprintf(cred.user, sizeof cred.user, "u");
	snprintf(cred.pass, sizeof cred.pass, "p");
	proxy_client_init(&c, s, s == PROXY_SOCKS5H ? &cred : NULL,
	    "example.org", 22, NULL, st);
	/* steps: SOCKS5 replies to skip first (method 0, then ...) */
	if (steps > 0)
		proxy_client_input(&c, (const uint8_t *)"\5\0", 2, &k, st);
	return proxy_client_input(&c, (const uint8_t *)reply, len, n, st);
}

static void
test_client_replies(void)
{
	static const struct {
		const char	*why;
		int		 scheme, steps;
		const char	*reply;
		size_t		 len;
		int		 rc, code;
		size_t		 n;
		const char	*msg;
	} v[] = {
		{ "method none", PROXY_SOCKS5H, 0, "\5\0", 2, PROXY_SEND, 0, 2,
		  NULL },
		{ "method userpass", PROXY_SOCKS5H, 0, "\5\2", 2, PROXY_SEND, 0,
		  2, NULL },
		{ "method: half", PROXY_SOCKS5H, 0, "\5", 1, PROXY_MORE, 0, 1,
		  NULL },
		{ "method ff", PROXY_SOCKS5H, 0, "\5\377", 2, PROXY_FAIL, 77, 2,
		  "no acceptable" },
		{ "method 3", PROXY_SOCKS5H, 0, "\5\3", 2, PROXY_FAIL, 76, 2,
		  "not offered" },
		{ "version 4", PROXY_SOCKS5H, 0, "\4\0", 2, PROXY_FAIL, 76, 2,
		  "not a SOCKS5 reply" },
		{ "reply ok v4", PROXY_SOCKS5H, 1, "\5\0\0\1\1\2\3\4\0\120xyz",
		  13, PROXY_OPEN, 0, 10, NULL },
		{ "reply ok v6", PROXY_SOCKS5H, 1, "\5\0\0\4", 4, PROXY_MORE, 0,
		  1, NULL },
		{ "reply ok v6, 5 bytes", PROXY_SOCKS5H, 1, "\5\0\0\4\0", 5,
		  PROXY_MORE, 0, 17, NULL },
		{ "reply ok name", PROXY_SOCKS5H, 1, "\5\0\0\3\3abc\0\1", 10,
		  PROXY_OPEN, 0, 10, NULL },
		{ "reply atyp 9", PROXY_SOCKS5H, 1, "\5\0\0\11\0", 5,
		  PROXY_FAIL, 76, 4, "address type 9" },
		{ "reply 1", PROXY_SOCKS5H, 1, "\5\1", 2, PROXY_FAIL, 76, 2,
		  "SOCKS5 reply 1 (general SOCKS server failure)" },
		{ "reply 2", PROXY_SOCKS5H, 1, "\5\2", 2, PROXY_FAIL, 77, 2,
		  "SOCKS5 reply 2 (connection not allowed by ruleset)" },
		{ "reply 3", PROXY_SOCKS5H, 1, "\5\3", 2, PROXY_FAIL, 69, 2,
		  "SOCKS5 reply 3 (network unreachable)" },
		{ "reply 4", PROXY_SOCKS5H, 1, "\5\4", 2, PROXY_FAIL, 69, 2,
		  "SOCKS5 reply 4 (host unreachable)" },
		{ "reply 5", PROXY_SOCKS5H, 1, "\5\5", 2, PROXY_FAIL, 69, 2,
		  "SOCKS5 reply 5 (connection refused)" },
		{ "reply 6", PROXY_SOCKS5H, 1, "\5\6", 2, PROXY_FAIL, 75, 2,
		  "SOCKS5 reply 6 (TTL expired)" },
		{ "reply 7", PROXY_SOCKS5H, 1, "\5\7", 2, PROXY_FAIL, 76, 2,
		  "SOCKS5 reply 7 (command not supported)" },
		{ "reply 8", PROXY_SOCKS5H, 1, "\5\10", 2, PROXY_FAIL, 76, 2,
		  "SOCKS5 reply 8 (address type not supported)" },
		{ "reply 200", PROXY_SOCKS5H, 1, "\5\310", 2, PROXY_FAIL, 76, 2,
		  "SOCKS5 reply 200 (not in the protocol)" },
		{ "socks4 granted", PROXY_SOCKS4A, 0, "\0\132\0\0\0\0\0\0!", 9,
		  PROXY_OPEN, 0, 8, NULL },
		{ "socks4 granted, vn 4", PROXY_SOCKS4A, 0, "\4\132\0\0\0\0\0\0",
		  8, PROXY_OPEN, 0, 8, NULL },
		{ "socks4 short", PROXY_SOCKS4A, 0, "\0\132\0", 3, PROXY_MORE, 0,
		  5, NULL },
		{ "socks4 91", PROXY_SOCKS4A, 0, "\0\133\0\0\0\0\0\0", 8,
		  PROXY_FAIL, 76, 8, "SOCKS4 reply 91" },
		{ "socks4 93", PROXY_SOCKS4A, 0, "\0\135\0\0\0\0\0\0", 8,
		  PROXY_FAIL, 77, 8, "SOCKS4 reply 93" },
		{ "socks4 vn 5", PROXY_SOCKS4A, 0, "\5\132\0\0\0\0\0\0", 8,
		  PROXY_FAIL, 76, 8, "not a SOCKS4 reply" },
		{ "http 200", PROXY_HTTP, 0, "HTTP/1.1 200 Connection "
		  "established\r\n\r\n\x16\x03\x01", 42, PROXY_OPEN, 0, 39,
		  NULL },
		{ "http 200, LF only", PROXY_HTTP, 0, "HTTP/1.0 200 OK\nVia: "
		  "x\n\nDATA", 28, PROXY_OPEN, 0, 24, NULL },
		{ "http 200, half", PROXY_HTTP, 0, "HTTP/1.1 200 OK\r\n", 17,
		  PROXY_MORE, 0, 0, NULL },
		{ "http 407", PROXY_HTTP, 0, "HTTP/1.1 407 Proxy Authentication "
		  "Required\r\n\r\n", 46, PROXY_FAIL, 77, 46,
		  "HTTP/1.1 407 Proxy Authentication Required" },
		{ "http 403", PROXY_HTTP, 0, "HTTP/1.1 403 Forbidden\r\n\r\n", 26,
		  PROXY_FAIL, 77, 26, "HTTP/1.1 403 Forbidden" },
		{ "http 504", PROXY_HTTP, 0, "HTTP/1.1 504 Gateway Timeout\r\n"
		  "\r\n", 32, PROXY_FAIL, 75, 32, "HTTP/1.1 504 Gateway Timeout" },
		{ "http 502", PROXY_HTTP, 0, "HTTP/1.1 502 Bad Gateway\r\n\r\n",
		  28, PROXY_FAIL, 76, 28, "HTTP/1.1 502 Bad Gateway" },
		{ "http garbage", PROXY_HTTP, 0, "SSH-2.0-OpenSSH\r\n", 17,
		  PROXY_FAIL, 76, 17, "not an HTTP reply" },
		{ "http binary", PROXY_HTTP, 0, "HTTP\0", 5, PROXY_FAIL, 76, 5,
		  "not an HTTP reply" },
		{ "http bad status", PROXY_HTTP, 0, "HTTP/1.1 2000 OK\r\n\r\n", 20,
		  PROXY_FAIL, 76, 20, "not an HTTP status line" },
		{ "http/2", PROXY_HTTP, 0, "HTTP/2 200\r\n\r\n", 14, PROXY_FAIL,
		  76, 14, "not an HTTP status line" },
	};
	struct status	st;
	size_t		i, n;
	enum proxy_rc	rc;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		status_clear(&st);
		rc = client_reply(v[i].scheme, v[i].steps, v[i].reply,
		    v[i].len, &n, &st);
		ok(rc == (enum proxy_rc)v[i].rc && n == v[i].n &&
		    (rc != PROXY_FAIL || (st.code == v[i].code &&
		    strstr(st.msg, v[i].msg) != NULL)), v[i].why,
		    rc == PROXY_FAIL ? st.msg : "");
	}
}

/* Feed msgs to a server in turn; returns the last rc. */
static enum proxy_rc
server_feed(struct proxy_server *s, const struct proxy_cred *auth,
    const char *const *msgs, const size_t *lens, int k, size_t *n,
    struct status *st)
{
	enum proxy_rc	rc = PROXY_FAIL;
	int		i;

	proxy_server_init(s, auth);
	for (i = 0; i < k; i++)
		rc = proxy_server_input(s, (const uint8_t *)msgs[i], lens[i], n,
		    st);
	return rc;
}

static void
test_server(void)
{
	struct proxy_server	s;
	struct proxy_cred	auth;
	struct status		st;
	char			big[PROXY_HTTP_MAX + 16], u255[600];
	const char		*m[3];
	size_t			l[3], n;
	enum proxy_rc		rc;

	memset(&auth, 0, sizeof auth);
	auth.set = 1;
	snprintf(auth.user, sizeof auth.user, "u");
	snprintf(auth.pass, sizeof auth.pass, "p");

	m[0] = "\5\1\0";
	l[0] = 3;
	rc = server_feed(&s, NULL, m, l, 1, &n, &st);
	ok(rc == PROXY_SEND && n == 3 && same(s.out, s.outlen, "\5\0", 2),
	    "socks5 greeting", "none");
	m[0] = "\5\2\0\2";
	l[0] = 4;
	rc = server_feed(&s, &auth, m, l, 1, &n, &st);
	ok(rc == PROXY_SEND && same(s.out, s.outlen, "\5\2", 2),
	    "socks5 greeting with --auth", "userpass");
	m[0] = "\5\1\0";
	l[0] = 3;
	rc = server_feed(&s, &auth, m, l, 1, &n, &st);
	ok(rc == PROXY_FAIL && same(s.out, s.outlen, "\5\377", 2) &&
	    st.code == SC_EX_NOPERM, "socks5 greeting with --auth", "none");
	m[0] = "\5\3\0";
	l[0] = 3;
	rc = server_feed(&s, NULL, m, l, 1, &n, &st);
	ok(rc == PROXY_MORE && n == 2, "socks5 greeting: exact need", "2");
	m[0] = "\5\2\0\2\5\1\0\1\177\0\0\1\0\26";
	l[0] = 14;
	rc = server_feed(&s, NULL, m, l, 1, &n, &st);
	ok(rc == PROXY_SEND && n == 4, "socks5 greeting: only its bytes",
	    "pipelined");
	rc = proxy_server_input(&s, (const uint8_t *)m[0] + 4, 10, &n, &st);
	ok(rc == PROXY_DIAL && n == 10 && strcmp(s.host, "127.0.0.1") == 0 &&
	    s.port == 22, "socks5 request", "127.0.0.1:22");

	m[0] = "\5\1\2";
	m[1] = "\1\1u\1p";
	l[0] = 3;
	l[1] = 5;
	rc = server_feed(&s, &auth, m, l, 2, &n, &st);
	ok(rc == PROXY_SEND && same(s.out, s.outlen, "\1\0", 2) &&
	    strcmp(s.user, "u") == 0, "socks5 auth", "u:p");
	m[1] = "\1\1u\1x";
	rc = server_feed(&s, &auth, m, l, 2, &n, &st);
	ok(rc == PROXY_FAIL && same(s.out, s.outlen, "\1\1", 2) &&
	    st.code == SC_EX_NOPERM, "socks5 auth refused", "u:x");
	/* A 255-byte user name: taken whole, then refused cleanly. */
	u255[0] = 1;
	u255[1] = (char)255;
	memset(u255 + 2, 'A', 255);
	u255[257] = 1;
	u255[258] = 'p';
	m[1] = u255;
	l[1] = 259;
	rc = server_feed(&s, &auth, m, l, 2, &n, &st);
	ok(rc == PROXY_FAIL && n == 259 && strlen(s.user) == 255,
	    "socks5 auth refused", "a 255-byte user name");
	rc = server_feed(&s, NULL, m, l, 2, &n, &st);
	ok(rc == PROXY_SEND && n == 259, "socks5 auth without --auth",
	    "a 255-byte user name");
	l[1] = 100;
	rc = server_feed(&s, &auth, m, l, 2, &n, &st);
	ok(rc == PROXY_MORE && n == 158, "socks5 auth: exact need", "158");

	m[0] = "\5\1\0";
	l[0] = 3;
	m[1] = "\5\2\0\1\177\0\0\1\0\26";
	l[1] = 10;
	rc = server_feed(&s, NULL, m, l, 2, &n, &st);
	ok(rc == PROXY_FAIL && same(s.out, s.outlen,
	    "\5\7\0\1\0\0\0\0\0\0", 10) && strstr(st.msg, "BIND") != NULL,
	    "socks5 BIND", "reply 7");
	m[1] = "\5\3\0\1\0\0\0\0\0\0";
	rc = server_feed(&s, NULL, m, l, 2, &n, &st);
	ok(rc == PROXY_FAIL && s.out[1] == 7 && strstr(st.msg,
	    "UDP ASSOCIATE") != NULL, "socks5 UDP ASSOCIATE", "reply 7");
	m[1] = "\5\1\0\7\0";
	l[1] = 5;
	rc = server_feed(&s, NULL, m, l, 2, &n, &st);
	ok(rc == PROXY_FAIL && s.out[1] == 8, "socks5 atyp 7", "reply 8");
	m[1] = "\5\1\0\3\13example.org\1\273";
	l[1] = 18;
	rc = server_feed(&s, NULL, m, l, 2, &n, &st);
	ok(rc == PROXY_DIAL && strcmp(s.host, "example.org") == 0 &&
	    s.port == 443, "socks5 request", "example.org:443");
	m[1] = "\5\1\0\3\3a b\1\273";
	l[1] = 10;
	rc = server_feed(&s, NULL, m, l, 2, &n, &st);
	ok(rc == PROXY_FAIL && s.out[1] == 1, "socks5 request refused",
	    "a name with a space");
	m[1] = "\5\1\0\4\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1\0\120";
	l[1] = 22;
	rc = server_feed(&s, NULL, m, l, 2, &n, &st);
	ok(rc == PROXY_DIAL && strcmp(s.host, "::1") == 0 && s.port == 80,
	    "socks5 request", "[::1]:80");
	proxy_server_result(&s, SC_EX_OK, 0, sa_of("127.0.0.1"),
	    sizeof(struct sockaddr_in));
	ok(same(s.out, s.outlen, "\5\0\0\1\177\0\0\1\0\0", 10),
	    "socks5 reply", "bound 127.0.0.1");
	proxy_server_result(&s, SC_EX_UNAVAILABLE, 111, NULL, 0);
	ok(s.out[1] == 5, "socks5 reply", "refused: 5");
	proxy_server_result(&s, SC_EX_TEMPFAIL, 0, NULL, 0);
	ok(s.out[1] == 6, "socks5 reply", "timeout: 6");
	proxy_server_result(&s, SC_EX_NOHOST, 0, NULL, 0);
	ok(s.out[1] == 4, "socks5 reply", "no such host: 4");
	proxy_server_result(&s, SC_EX_USAGE, 0, NULL, 0);
	ok(s.out[1] == 4, "socks5 reply", "a name with -n: 4");

	m[0] = "\4\1\0\26\177\0\0\1bob\0";
	l[0] = 12;
	rc = server_feed(&s, NULL, m, l, 1, &n, &st);
	ok(rc == PROXY_DIAL && n == 12 && s.proto == PROXY_SOCKS4 &&
	    strcmp(s.host, "127.0.0.1") == 0 && strcmp(s.user, "bob") == 0,
	    "socks4 request", "127.0.0.1:22");
	proxy_server_result(&s, SC_EX_OK, 0, NULL, 0);
	ok(s.outlen == 8 && s.out[1] == 90, "socks4 reply", "granted");
	m[0] = "\4\1\0\26\0\0\0\1\0localhost\0tail";
	l[0] = 23;
	rc = server_feed(&s, NULL, m, l, 1, &n, &st);
	ok(rc == PROXY_DIAL && n == 19 && s.proto == PROXY_SOCKS4A &&
	    strcmp(s.host, "localhost") == 0, "socks4a request",
	    "localhost:22");
	l[0] = 14;
	rc = server_feed(&s, NULL, m, l, 1, &n, &st);
	ok(rc == PROXY_MORE && n == 0, "socks4a: a terminator is needed", "");
	m[0] = "\4\2\0\26\177\0\0\1\0";
	l[0] = 9;
	rc = server_feed(&s, NULL, m, l, 1, &n, &st);
	ok(rc == PROXY_FAIL && s.outlen == 8 && s.out[1] == 91,
	    "socks4 BIND", "reply 91");
	m[0] = "\4\1\0\26\177\0\0\1\0";
	rc = server_feed(&s, &auth, m, l, 1, &n, &st);
	ok(rc == PROXY_FAIL && st.code == SC_EX_NOPERM && s.out[1] == 91,
	    "socks4 with --auth", "reply 91");
	memset(big, 'x', 300);
	memcpy(big, "\4\1\0\26\177\0\0\1", 8);
	m[0] = big;
	l[0] = 300;
	rc = server_feed(&s, NULL, m, l, 1, &n, &st);
	ok(rc == PROXY_FAIL && strstr(st.msg, "longer") != NULL,
	    "socks4 user id", "300 bytes, no NUL");

	m[0] = "CONNECT example.org:443 HTTP/1.1\r\nHost: x\r\n\r\n\26\3";
	l[0] = 47;
	rc = server_feed(&s, NULL, m, l, 1, &n, &st);
	ok(rc == PROXY_DIAL && n == 45 && strcmp(s.host, "example.org") ==
	    0 && s.port == 443, "http CONNECT", "example.org:443");
	proxy_server_result(&s, SC_EX_OK, 0, NULL, 0);
	ok(same(s.out, s.outlen, "HTTP/1.1 200 Connection established\r\n"
	    "\r\n", 39), "http reply", "200");
	proxy_server_result(&s, SC_EX_TEMPFAIL, 0, NULL, 0);
	ok(s.outlen > 12 && memcmp(s.out, "HTTP/1.1 504 ", 13) == 0,
	    "http reply", "504");
	m[0] = "CONNECT [::1]:22 HTTP/1.0\n\n";
	l[0] = 27;
	rc = server_feed(&s, NULL, m, l, 1, &n, &st);
	ok(rc == PROXY_DIAL && strcmp(s.host, "::1") == 0 && s.port == 22,
	    "http CONNECT", "[::1]:22, LF only");
	m[0] = "CONNECT x:1 HTTP/1.1\r\nProxy-Authorization: Basic dTpw\r\n\r\n";
	l[0] = strlen(m[0]);
	rc = server_feed(&s, &auth, m, l, 1, &n, &st);
	ok(rc == PROXY_DIAL, "http CONNECT with --auth", "u:p");
	m[0] = "CONNECT x:1 HTTP/1.1\r\nproxy-authorization: basic dTp4\r\n\r\n";
	l[0] = strlen(m[0]);
	rc = server_feed(&s, &auth, m, l, 1, &n, &st);
	ok(rc == PROXY_FAIL && st.code == SC_EX_NOPERM && s.outlen > 12 &&
	    memcmp(s.out, "HTTP/1.1 407 ", 13) == 0 && strstr((char *)s.out,
	    "Proxy-Authenticate: Basic") != NULL, "http CONNECT", "407");
	m[0] = "GET http://x/ HTTP/1.1\r\n\r\n";
	l[0] = strlen(m[0]);
	rc = server_feed(&s, NULL, m, l, 1, &n, &st);
	ok(rc == PROXY_FAIL && memcmp(s.out, "HTTP/1.1 501 ", 13) == 0,
	    "http GET", "501");
	m[0] = "CONNECT x HTTP/1.1\r\n\r\n";
	l[0] = strlen(m[0]);
	rc = server_feed(&s, NULL, m, l, 1, &n, &st);
	ok(rc == PROXY_FAIL && memcmp(s.out, "HTTP/1.1 400 ", 13) == 0,
	    "http CONNECT without a port", "400");
	m[0] = "Connect x:1 HTTP/1.1\r\n\r\n";
	l[0] = strlen(m[0]);
	rc = server_feed(&s, NULL, m, l, 1, &n, &st);
	ok(rc == PROXY_FAIL && memcmp(s.out, "HTTP/1.1 400 ", 13) == 0,
	    "http lower-case method", "400");
	memset(big, 'a', sizeof big);
	memcpy(big, "CONNECT x:1 HTTP/1.1\r\nX: ", 25);
	m[0] = big;
	l[0] = PROXY_HTTP_MAX;
	rc = server_feed(&s, NULL, m, l, 1, &n, &st);
	ok(rc == PROXY_FAIL && memcmp(s.out, "HTTP/1.1 431 ", 13) == 0,
	    "http headers too long", "431");
	l[0] = 100;
	rc = server_feed(&s, NULL, m, l, 1, &n, &st);
	ok(rc == PROXY_MORE && n == 0, "http: a terminator is needed", "");
	m[0] = "\26\3\1\2\0";
	l[0] = 5;
	rc = server_feed(&s, NULL, m, l, 1, &n, &st);
	ok(rc == PROXY_FAIL && s.outlen == 0 && strstr(st.msg, "0x16") !=
	    NULL, "not a proxy request", "TLS");
	rc = server_feed(&s, NULL, m, l, 0, &n, &st);
	rc = proxy_server_input(&s, (const uint8_t *)"", 0, &n, &st);
	ok(rc == PROXY_MORE && n == 1, "nothing yet", "");
}

/* Client and server talk through memory until both are done. */
static int
converse(enum proxy_scheme scheme, const struct proxy_cred *cred,
    const struct proxy_cred *auth, const char *host, int *ccode)
{
	struct proxy_client	c;
	struct proxy_server	s;
	struct status		cst, sst;
	enum proxy_rc		crc, src;
	size_t			n;
	int			turns;

	*ccode = -1;
	if (proxy_client_init(&c, scheme, cred, host, 80,
	    proxy_resolves_locally(scheme) ? sa_of("192.0.2.7") : NULL,
	    &cst) < 0)
		return -1;
	proxy_server_init(&s, auth);
	for (turns = 0; turns < 8; turns++) {
		src = proxy_server_input(&s, c.out, c.outlen, &n, &sst);
		if (src == PROXY_MORE || n != c.outlen)
			return -1;
		if (src == PROXY_DIAL)
			proxy_server_result(&s, SC_EX_OK, 0, NULL, 0);
		if (src == PROXY_FAIL && s.outlen == 0)
			return -1;
		crc = proxy_client_input(&c, s.out, s.outlen, &n, &cst);
		if (crc == PROXY_MORE || n != s.outlen)
			return -1;
		if (crc == PROXY_OPEN)
			return src == PROXY_DIAL ? 0 : -1;
		if (crc == PROXY_FAIL) {
			*ccode = cst.code;
			return src == PROXY_FAIL ? 1 : -1;
		}
	}
	return -1;
}

static void
test_conversations(void)
{
	static const enum proxy_scheme schemes[] = {
		PROXY_SOCKS4, PROXY_SOCKS4A, PROXY_SOCKS5, PROXY_SOCKS5H,
		PROXY_HTTP
	};
	struct proxy_cred	good, bad;
	char			what[64];
	size_t			i;
	int			code, rc;

	memset(&good, 0, sizeof good);
	good.set = good.has_pass = 1;
	snprintf(good.user, sizeof good.user, "alice");
	snprintf(good.pass, sizeof good.pass, "se:cret");
	bad = good;
	snprintf(bad.pass, sizeof bad.pass, "wrong");
	for (i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
		const char *name = proxy_scheme_name(schemes[i]);

		snprintf(what, sizeof what, "%s%s", name, schemes[i] ==
		    PROXY_SOCKS5H ? "h" : "");
		ok(converse(schemes[i], NULL, NULL, "example.org", &code) == 0,
		    "conversation, no auth", what);
		ok(converse(schemes[i], NULL, NULL, "192.0.2.9", &code) == 0,
		    "conversation to an address", what);
		if (schemes[i] == PROXY_SOCKS4 || schemes[i] == PROXY_SOCKS4A) {
			rc = converse(schemes[i], NULL, &good, "example.org",
			    &code);
			ok(rc == 1 && code == SC_EX_PROTOCOL, "conversation, "
			    "--auth refuses", what);
			continue;
		}
		ok(converse(schemes[i], &good, &good, "example.org", &code) ==
		    0, "conversation, good credentials", what);
		rc = converse(schemes[i], &bad, &good, "example.org", &code);
		ok(rc == 1 && code == SC_EX_NOPERM, "conversation, bad "
		    "credentials: 77", what);
		rc = converse(schemes[i], NULL, &good, "example.org", &code);
		ok(rc == 1 && code == SC_EX_NOPERM, "conversation, no "
		    "credentials: 77", what);
	}
}

int
main(void)
{
	test_urls();
	test_creds();
	test_base64();
	test_client_messages();
	test_client_replies();
	test_server();
	test_conversations();
	printf("1..%d\n", ntest);
	return nfail != 0;
}
