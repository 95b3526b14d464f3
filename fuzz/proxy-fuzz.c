/*
 * proxy-fuzz.c: libFuzzer target for what a proxy's peer can send, and
 * what a user can type about proxies: the server's reading of requests,
 * the client's reading of replies (proxy.h), --proxy URLs and credentials,
 * and --allow/--deny CIDRs (acl.h).
 *
 * Input: a selector byte, then the bytes.  The low two bits choose:
 *	0  server: the bytes arrive in chunks (their sizes from the
 *	   selector's high bits) and are read as tunnel.c does, greedily,
 *	   message after message; a request that gets through is answered
 *	   with each kind of outcome.  Bit 2: --auth u:p.
 *	1  client: a handshake for a scheme (bits 2-4) with or without
 *	   credentials (bit 5), the bytes being the proxy's replies.
 *	2  --proxy URL (and USER:PASS), as a string cut at its first NUL.
 *	3  a CIDR, matched against an address made of the last 16 bytes.
 * Checked: nothing is read past what was given (ASan, each input its own
 * heap block of exactly its size); a complete message never claims more
 * bytes than arrived, nor fewer than an exact need asked for; a MORE
 * changes no state; what is sent fits its buffer; names are terminated
 * and printable; statuses are SPEC's and their messages one line.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "proxy.h"
#include "status.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fail(const char *why)
{
	fprintf(stderr, "proxy-fuzz: %s\n", why);
	abort();
}

static void
check_msg(const struct status *st)
{
	size_t	i, n = strnlen(st->msg, sizeof st->msg);

	if (n >= sizeof st->msg)
		fail("message not terminated");
	for (i = 0; i < n; i++)
		if ((unsigned char)st->msg[i] < ' ')
			fail("message of more than one line");
}

static void
check_name(const char *s, size_t size)
{
	size_t	i, n = strnlen(s, size);

	if (n >= size)
		fail("name not terminated");
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			fail("name not printable");
}

/* ------------------------------------------------------------- server */

static void
server_answer(struct proxy_server *s, unsigned how)
{
	static const int codes[] = { 0, 68, 69, 71, 75, 77, 70 };
	static const int errs[] = { 0, 111, 101, 113, 110 };
	struct sockaddr_in6	s6;
	struct sockaddr_in	s4;
	int			code = codes[how % 7];

	memset(&s4, 0, sizeof s4);
	memset(&s6, 0, sizeof s6);
	s4.sin_family = AF_INET;
	s6.sin6_family = AF_INET6;
	proxy_server_result(s, code, errs[how % 5], how & 8 ?
	    (struct sockaddr *)&s6 : (struct sockaddr *)&s4,
	    how & 8 ? sizeof s6 : sizeof s4);
	if (s->outlen == 0 || s->outlen > sizeof s->out)
		fail("no answer, or one past its buffer");
}

static void
fuzz_server(uint8_t sel, const uint8_t *data, size_t size)
{
	static struct proxy_cred	auth = { 1, 1, "u", "p" };
	struct proxy_server		s, before;
	struct status			st;
	enum proxy_rc			rc;
	uint8_t				*buf;
	size_t				have = 0, off = 0, fed = 0, n, chunk;
	size_t				must = 0;

	buf = malloc(PROXY_HTTP_MAX);
	if (buf == NULL)
		return;
	proxy_server_init(&s, sel & 4 ? &auth : NULL);
	chunk = (size_t)(sel >> 3) * 37 + 1;
	for (;;) {
		before = s;
		rc = proxy_server_input(&s, buf + off, have - off, &n, &st);
		if (rc == PROXY_MORE) {
			if (before.step != s.step || before.proto != s.proto ||
			    before.outlen != s.outlen)
				fail("a MORE changed the state");
			if (n > PROXY_HTTP_MAX)
				fail("an impossible need");
			must = n > 0 ? have - off + n : 0;
			/* Read greedily, as tunnel.c does. */
			if (off > 0) {
				memmove(buf, buf + off, have - off);
				have -= off;
				off = 0;
			}
			if (have == PROXY_HTTP_MAX)
				fail("a MORE with a full buffer");
			if (fed == size)
				break;
			n = size - fed < chunk ? size - fed : chunk;
			if (n > PROXY_HTTP_MAX - have)
				n = PROXY_HTTP_MAX - have;
			memcpy(buf + have, data + fed, n);
			have += n;
			fed += n;
			continue;
		}
		if (n > have - off)
			fail("a message longer than what arrived");
		if (rc != PROXY_FAIL && (n == 0 || n < must))
			fail("a message shorter than its exact need");
		must = 0;
		if (s.outlen > sizeof s.out)
			fail("an answer past its buffer");
		if (rc == PROXY_FAIL) {
			check_msg(&st);
			if (st.code != 1 && st.code != 70 && st.code != 75 &&
			    st.code != 76 && st.code != 77)
				fail("a refusal with an odd status");
			break;
		}
		off += n;
		if (rc == PROXY_DIAL) {
			check_name(s.host, sizeof s.host);
			if (s.host[0] == '\0' || s.port == 0)
				fail("a destination without a host or port");
			if (s.proto == PROXY_NONE)
				fail("a request of no protocol");
			server_answer(&s, sel);
			break;
		}
		if (rc != PROXY_SEND || s.outlen == 0)
			fail("a SEND with nothing to send");
	}
	free(buf);
}

/* ------------------------------------------------------------- client */

/* The state a MORE must leave alone. */
static int
client_same(const struct proxy_client *a, const struct proxy_client *b)
{
	return a->step == b->step && a->outlen == b->outlen &&
	    a->family == b->family && memcmp(a->out, b->out, a->outlen) == 0;
}

/*
 * The replies read as tunnel.c reads them: exactly the bytes asked for,
 * or, when the message ends at a terminator, a peek at all that arrived
 * and then just the message.  Returns the answer that ended it.
 */
static void
fuzz_client(uint8_t sel, const uint8_t *data, size_t size)
{
	static const enum proxy_scheme schemes[] = {
		PROXY_SOCKS4, PROXY_SOCKS4A, PROXY_SOCKS5, PROXY_SOCKS5H,
		PROXY_HTTP
	};
	static struct proxy_cred	cred = { 1, 1, "alice", "secret" };
	struct sockaddr_in		sa;
	struct proxy_client		c, before;
	struct status			st;
	enum proxy_rc			rc;
	enum proxy_scheme		s = schemes[(sel >> 2) % 5];
	size_t				off = 0, have = 0, n, avail;
	int				peeked;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(0xc0000207);
	if (proxy_client_init(&c, s, sel & 0x20 ? &cred : NULL,
	    sel & 0x40 ? "192.0.2.1" : "example.org", 443,
	    (struct sockaddr *)&sa, &st) < 0)
		fail("a good handshake refused");
	for (;;) {
		if (c.outlen == 0 || c.outlen > sizeof c.out)
			fail("a message of no size, or past its buffer");
		before = c;
		peeked = 0;
		rc = proxy_client_input(&c, data + off, have, &n, &st);
		avail = size - off - have;
		if (rc == PROXY_MORE) {
			if (!client_same(&before, &c))
				fail("a MORE changed the state");
			if (avail == 0)
				break;
			if (n > 0) {
				have += n < avail ? n : avail;
				continue;
			}
			rc = proxy_client_input(&c, data + off, have + avail,
			    &n, &st);
			if (rc == PROXY_MORE) {
				have += avail;
				continue;
			}
			if (rc != PROXY_FAIL && (n <= have || n > have + avail))
				fail("a message not ended within the peek");
			if (rc != PROXY_FAIL)
				have = n;
			peeked = 1;
		}
		if (rc != PROXY_FAIL && n != have)
			fail("a message not of the length asked for");
		if (n > have + (peeked ? avail : 0))
			fail("a reply longer than what arrived");
		if (rc == PROXY_FAIL) {
			check_msg(&st);
			if (st.code != 69 && st.code != 75 && st.code != 76 &&
			    st.code != 77)
				fail("a refusal with an odd status");
			break;
		}
		if (rc == PROXY_OPEN)
			break;
		if (rc != PROXY_SEND)
			fail("an answer of no kind");
		off += n;
		have = 0;
	}
}

/* ---------------------------------------------------------- user input */

static void
fuzz_url(const uint8_t *data, size_t size)
{
	struct proxy_url	u;
	struct proxy_cred	c;
	struct status		st;
	char			*s = malloc(size + 1);

	if (s == NULL)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	proxy_url_init(&u);
	if (proxy_url_parse("--proxy", s, &u, &st) == 0) {
		if (u.scheme == PROXY_NONE || u.port == 0 || u.host[0] == '\0')
			fail("a URL taken without a scheme, host or port");
		if (strnlen(u.name, sizeof u.name) >= sizeof u.name ||
		    strnlen(u.cred.user, sizeof u.cred.user) >=
		    sizeof u.cred.user || strnlen(u.cred.pass,
		    sizeof u.cred.pass) >= sizeof u.cred.pass)
			fail("a URL's parts not terminated");
	} else {
		check_msg(&st);
		if (st.code != 64 || u.scheme != PROXY_NONE)
			fail("a URL refused without a usage status");
	}
	if (proxy_cred_parse("--auth", s, strlen(s), 1, &c, &st) == 0) {
		if (c.user[0] == '\0' || c.pass[0] == '\0')
			fail("credentials taken with an empty part");
	} else
		check_msg(&st);
	free(s);
}

static void
fuzz_cidr(const uint8_t *data, size_t size)
{
	struct sockaddr_in6	s6;
	struct sockaddr_in	s4;
	struct acl_rule		r, again;
	struct status		st;
	struct acl		a;
	char			*s, text[ACL_STRLEN];
	size_t			k = size > 16 ? size - 16 : size;
	unsigned		i;

	s = malloc(k + 1);
	if (s == NULL)
		return;
	memcpy(s, data, k);
	s[k] = '\0';
	acl_init(&a, NULL, NULL);
	if (acl_add(&a, data[0] & 1, s, &st) == 0) {
		r = a.rules[0];
		if (r.family != AF_INET && r.family != AF_INET6)
			fail("a rule of no family");
		if (r.prefix > (r.family == AF_INET ? 32u : 128u))
			fail("a prefix past the address");
		for (i = r.prefix; i < (r.family == AF_INET ? 32u : 128u); i++)
			if (r.addr[i / 8] & (0x80 >> (i % 8)))
				fail("host bits left in a rule");
		acl_rule_str(&r, text, sizeof text);
		if (acl_parse("--allow", text, r.allow, &again, &st) < 0 ||
		    memcmp(&again, &r, sizeof r) != 0)
			fail("a rule that does not read back as itself");
	} else {
		check_msg(&st);
		if (st.code != 64)
			fail("a CIDR refused without a usage status");
	}
	free(s);
	if (size < 16)
		return;
	memset(&s4, 0, sizeof s4);
	memset(&s6, 0, sizeof s6);
	s4.sin_family = AF_INET;
	memcpy(&s4.sin_addr, data + size - 4, 4);
	s6.sin6_family = AF_INET6;
	memcpy(&s6.sin6_addr, data + size - 16, 16);
	(void)acl_match(&a, (struct sockaddr *)&s4, sizeof s4, NULL);
	(void)acl_match(&a, (struct sockaddr *)&s6, sizeof s6, NULL);
	/* A mapped address decides as the IPv4 address it stands for. */
	memset(&s6.sin6_addr, 0, 10);
	memset((uint8_t *)&s6.sin6_addr + 10, 0xff, 2);
	memcpy((uint8_t *)&s6.sin6_addr + 12, &s4.sin_addr, 4);
	if (acl_match(&a, (struct sockaddr *)&s4, sizeof s4, NULL) !=
	    acl_match(&a, (struct sockaddr *)&s6, sizeof s6, NULL))
		fail("an IPv4-mapped peer judged unlike its IPv4 address");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t	*copy;

	if (size < 1)
		return 0;
	/* The bytes past the selector, in a block of exactly their size. */
	copy = malloc(size - 1 > 0 ? size - 1 : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data + 1, size - 1);
	switch (data[0] & 3) {
	case 0:
		fuzz_server(data[0], copy, size - 1);
		break;
	case 1:
		fuzz_client(data[0], copy, size - 1);
		break;
	case 2:
		fuzz_url(copy, size - 1);
		break;
	default:
		if (size > 1)
			fuzz_cidr(copy, size - 1);
		break;
	}
	free(copy);
	return 0;
}
