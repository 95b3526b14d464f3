/*
 * addr-fuzz.c: libFuzzer target for addr.h.
 *
 * Input: a selector byte, two parameter bytes, then the rest: a host, a
 * Unix path, or the raw bytes of a socket address.
 *
 *   0  addr_host() into an output buffer of a fuzzed size (or none)
 *   1  addr_unix_check()
 *   2  addr_unix(), then addr_format() of what it built: the path again
 *   3  addr_format() of arbitrary bytes of each family, with arbitrary
 *      lengths and output sizes: every buffer is exactly as large as
 *      claimed, so a read or write past one is caught
 *   4  addr_resolve() with ADDR_NUMERIC only: names are refused before
 *      the name service, literals get AI_NUMERICHOST; no DNS, no socket
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <netdb.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "status.h"

#define WHAT	"--opt"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fail(const char *why, const char *s)
{
	fprintf(stderr, "addr-fuzz: %s: '%s'\n", why, s);
	abort();
}

static void
check_refusal(const struct status *st, const char *s)
{
	if (st->code != 64 || st->usage != 1 || st->msg[0] == '\0')
		fail("refused without a usage status", s);
	if (strncmp(st->msg, WHAT, sizeof WHAT - 1) != 0)
		fail("refusal does not name the option", s);
}

static void
fuzz_host(const char *s, unsigned p0, unsigned p1)
{
	struct status	 st;
	size_t		 size = (p0 | p1 << 8) % 300, i, len;
	char		*out = NULL;
	int		 rc;

	status_clear(&st);
	if (p1 & 0x80)
		size = 0;	/* no output: the check alone */
	else if ((out = malloc(size + 1)) == NULL)
		return;
	if (out != NULL)
		size++;
	rc = addr_host(WHAT, s, out, size, &st);
	if (rc < 0) {
		check_refusal(&st, s);
		free(out);
		return;
	}
	if (rc != 0)
		fail("addr_host returned neither 0 nor -1", s);
	if (out != NULL) {
		len = strlen(out);
		if (len == 0 || len > ADDR_HOST_MAX || len >= size)
			fail("accepted host has a bad length", s);
		for (i = 0; i < len; i++) {
			unsigned char c = (unsigned char)out[i];

			if (c <= ' ' || c == 0x7f || c == '[' || c == ']' ||
			    c == '/')
				fail("accepted host has a bad character", s);
		}
		/* brackets gone, the rest unchanged */
		if (s[0] == '[' ? strncmp(out, s + 1, len) != 0 ||
		    strcmp(s + 1 + len, "]") != 0 : strcmp(out, s) != 0)
			fail("accepted host is not the input", s);
	}
	free(out);
}

static void
fuzz_unix(const char *s, int build)
{
	struct sockaddr_un	*sun;
	struct status		 st;
	socklen_t		 len = 0;
	char			 back[ADDR_STRLEN];
	size_t			 n = strlen(s);
	int			 rc;

	status_clear(&st);
	if (!build) {
		rc = addr_unix_check(WHAT, s, &st);
		if ((rc == 0) != (n > 0 && strcmp(s, "@") != 0 &&
		    n < sizeof sun->sun_path))
			fail("unix path accepted/refused wrongly", s);
		if (rc < 0)
			check_refusal(&st, s);
		return;
	}
	if ((sun = malloc(sizeof *sun)) == NULL)
		return;
	rc = addr_unix(s, sun, &len, &st);
	if (rc < 0) {
		if (st.code != 64 || st.usage != 1)
			fail("addr_unix refused without a usage status", s);
		free(sun);
		return;
	}
	if (sun->sun_family != AF_UNIX || len > sizeof *sun ||
	    len != offsetof(struct sockaddr_un, sun_path) + n +
	    (s[0] != '@'))
		fail("addr_unix built a bad address", s);
	addr_format((struct sockaddr *)sun, len, back, sizeof back);
	if (strcmp(back, s) != 0)
		fail("addr_format does not give the path back", s);
	free(sun);
}

/* The most addr_format() may read of an address of this family. */
static size_t
family_size(const uint8_t *sa, size_t len)
{
	sa_family_t	f;

	if (len < sizeof f)
		return len;
	memcpy(&f, sa + offsetof(struct sockaddr, sa_family), sizeof f);
	switch (f) {
	case AF_INET:
		return sizeof(struct sockaddr_in);
	case AF_INET6:
		return sizeof(struct sockaddr_in6);
	case AF_UNIX:
		return sizeof(struct sockaddr_un);
	default:
		return sizeof f;
	}
}

static void
fuzz_format(const uint8_t *data, size_t size, unsigned p0, unsigned p1)
{
	static const int families[] = { AF_INET, AF_INET6, AF_UNIX };
	uint8_t		 tmp[sizeof(struct sockaddr_storage)];
	size_t		 len = size, claimed, have, outsize;
	uint8_t		*sa;
	char		*out;

	/* The bytes: at most a sockaddr_storage, as the kernel fills; the
	   family from p0 (or the bytes themselves). */
	if (len > sizeof tmp)
		len = sizeof tmp;
	memset(tmp, 0, sizeof tmp);
	memcpy(tmp, data, len);
	if (p0 % 4 < 3 && len >= sizeof(sa_family_t)) {
		sa_family_t f = (sa_family_t)families[p0 % 4];

		memcpy(tmp + offsetof(struct sockaddr, sa_family), &f,
		    sizeof f);
	}
	/*
	 * The length: the bytes given, or (p1 & 0x40) a claimed one up to
	 * 255, as getsockname() reports a length longer than the buffer it
	 * filled.  The buffer holds only what addr_format() may read.
	 */
	claimed = p1 & 0x40 ? (p0 >> 2 | p1 << 6) & 0xff : len;
	have = family_size(tmp, claimed);
	if (have > claimed)
		have = claimed;
	outsize = p0 & 0x80 ? ADDR_STRLEN : 1 + p1 % ADDR_STRLEN;
	sa = malloc(have > 0 ? have : 1);
	out = malloc(outsize);
	if (sa == NULL || out == NULL) {
		free(sa);
		free(out);
		return;
	}
	memcpy(sa, tmp, have);
	if (addr_format((struct sockaddr *)sa, (socklen_t)claimed, out,
	    outsize) != out)
		fail("addr_format did not return buf", "");
	if (strnlen(out, outsize) >= outsize)
		fail("addr_format left buf unterminated", "");
	free(sa);
	free(out);
}

static void
fuzz_resolve(const char *s, unsigned p0, unsigned p1)
{
	static const int families[] = { AF_UNSPEC, AF_INET, AF_INET6 };
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
	struct addrinfo	*res = NULL, *ai;
	struct status	 st;
	char		 buf[ADDR_STRLEN];
	int		 family = families[p0 % 3], flags = ADDR_NUMERIC;
	int		 rc;

	/*
	 * A %zone makes getaddrinfo() ask the kernel for the interface
	 * index, over a socket: only let such a literal through with the
	 * other family, which addr_resolve() refuses before that point.
	 */
	if (strchr(s, '%') != NULL)
		family = AF_INET;
	status_clear(&st);
	/* The wildcard of one family only: with both, glibc sorts the
	   answers, which opens sockets. */
	if ((p1 & 1) && family != AF_UNSPEC) {
		flags |= ADDR_PASSIVE;
		rc = addr_resolve(NULL, (uint16_t)(p0 | p1 << 8), family,
		    types[(p1 >> 1) % 3], flags, &res, &st);
	} else
		rc = addr_resolve(s, (uint16_t)(p0 | p1 << 8), family,
		    types[(p1 >> 1) % 3], flags, &res, &st);
	if (rc < 0) {
		if (st.code == 0 || st.msg[0] == '\0')
			fail("addr_resolve refused without a status", s);
		return;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (family != AF_UNSPEC && ai->ai_family != family)
			fail("addr_resolve gave the wrong family", s);
		addr_format(ai->ai_addr, ai->ai_addrlen, buf, sizeof buf);
		if (buf[0] == '(')
			fail("addr_format of a resolved address", buf);
	}
	freeaddrinfo(res);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned	 sel, p0, p1;
	char		*s;

	if (size < 3)
		return 0;
	sel = data[0];
	p0 = data[1];
	p1 = data[2];
	data += 3;
	size -= 3;
	if (sel % 5 == 3) {
		fuzz_format(data, size, p0, p1);
		return 0;
	}
	if ((s = strndup((const char *)data, size)) == NULL)
		return 0;
	switch (sel % 5) {
	case 0:
		fuzz_host(s, p0, p1);
		break;
	case 1:
		fuzz_unix(s, 0);
		break;
	case 2:
		fuzz_unix(s, 1);
		break;
	default:
		fuzz_resolve(s, p0, p1);
		break;
	}
	free(s);
	return 0;
}
