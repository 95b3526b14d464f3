/*
 * parse-fuzz.c: libFuzzer target for the strict parsers of parse.h.
 *
 * Input: one selector byte (which parser), eight bytes of parameters
 * (the max of sizes and counts, the min of counts, the protocol of ports;
 * a port selector with its top bit set picks the PORTS list parser),
 * then the string to parse (cut at its first NUL).  Each parser's answer is
 * checked against a plain reference of what SPEC accepts, and an accepted
 * value must print and re-parse to itself.  A refusal must be a usage
 * error (64) whose message names the option.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "status.h"

#define WHAT	"--opt"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fail(const char *why, const char *s)
{
	fprintf(stderr, "parse-fuzz: %s: '%s'\n", why, s);
	abort();
}

/* A refusal must be a usage error that names the option. */
static void
check_refusal(const struct status *st, const char *s)
{
	if (st->code != 64 || st->usage != 1)
		fail("refused without a usage status", s);
	if (strncmp(st->msg, WHAT " '", sizeof WHAT + 1) != 0)
		fail("refusal does not name the option", s);
	if (strlen(st->msg) >= sizeof st->msg)
		fail("message not terminated", s);
}

static int
all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* The value of a digit string, saturating at UINT64_MAX. */
static uint64_t
ref_number(const char *s, size_t n)
{
	uint64_t	v = 0;
	size_t		i;

	for (i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return UINT64_MAX;
		v = v * 10 + d;
	}
	return v;
}

static void
fuzz_port(const char *s, unsigned sel)
{
	const char	*proto = sel & 1 ? "udp" : "tcp";
	struct status	 st;
	char		 again[8];
	uint16_t	 p = 0, q = 0;
	int		 rc;

	status_clear(&st);
	rc = parse_port(WHAT, s, proto, &p, &st);
	if (rc != 0 && rc != -1)
		fail("parse_port returned neither 0 nor -1", s);
	if (s[0] >= '0' && s[0] <= '9') {
		/* A number: exactly the digit strings up to 65535. */
		int want = all_digits(s) && ref_number(s, strlen(s)) <= 65535;

		if (want != (rc == 0))
			fail("port accepted/refused wrongly", s);
		if (rc == 0 && p != ref_number(s, strlen(s)))
			fail("port has the wrong value", s);
	}
	if (rc < 0) {
		check_refusal(&st, s);
		return;
	}
	snprintf(again, sizeof again, "%u", (unsigned)p);
	if (parse_port(WHAT, again, proto, &q, &st) != 0 || q != p)
		fail("port does not re-parse to itself", s);
}

/*
 * The reference for DUR: digits [. digits] [unit], at least one digit,
 * value rounded up to whole milliseconds, at most PARSE_DUR_MAX_MS.
 * Returns the milliseconds or -1.  Exact for any number of digits: the
 * fraction times the unit is worked out digit by digit.
 */
static int64_t
ref_duration(const char *s)
{
	static const struct { const char *u; uint64_t ms; } units[] = {
		{ "", 1000 }, { "s", 1000 }, { "ms", 1 }, { "m", 60000 },
		{ "h", 3600000 },
	};
	const char	*w = s, *f = NULL, *p = s;
	size_t		 nw, nf = 0, i;
	uint64_t	 mult = 0, whole, carry = 0, total;
	int		 inexact = 0;

	while (*p >= '0' && *p <= '9')
		p++;
	nw = (size_t)(p - w);
	if (*p == '.') {
		f = ++p;
		while (*p >= '0' && *p <= '9')
			p++;
		nf = (size_t)(p - f);
	}
	if (nw + nf == 0)
		return -1;
	for (i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(p, units[i].u) == 0)
			mult = units[i].ms;
	if (mult == 0)
		return -1;
	whole = ref_number(w, nw);
	if (whole > (uint64_t)PARSE_DUR_MAX_MS)
		return -1;
	/* fraction * mult, from the last digit up: carry is the whole part */
	for (i = nf; i-- > 0;) {
		uint64_t t = (uint64_t)(f[i] - '0') * mult + carry;

		if (t % 10 != 0)
			inexact = 1;
		carry = t / 10;
	}
	total = whole * mult + carry + (uint64_t)inexact;
	if (total > (uint64_t)PARSE_DUR_MAX_MS)
		return -1;
	return (int64_t)total;
}

static void
fuzz_duration(const char *s)
{
	struct status	st;
	char		again[32];
	int64_t		ms = -7, ms2 = -7, want;
	int		rc;

	status_clear(&st);
	rc = parse_duration(WHAT, s, &ms, &st);
	want = ref_duration(s);
	if ((want >= 0) != (rc == 0))
		fail(rc == 0 ? "duration accepted but should not be" :
		    "duration refused but should not be", s);
	if (rc < 0) {
		check_refusal(&st, s);
		return;
	}
	if (ms < 0 || ms > PARSE_DUR_MAX_MS)
		fail("duration out of range", s);
	if (ms != want) {
		fprintf(stderr, "got %" PRId64 " ms, want %" PRId64 "\n", ms,
		    want);
		fail("duration has the wrong value", s);
	}
	snprintf(again, sizeof again, "%" PRId64 "ms", ms);
	if (parse_duration(WHAT, again, &ms2, &st) != 0 || ms2 != ms)
		fail("duration does not re-parse to itself", s);
}

static void
fuzz_size(const char *s, int64_t max)
{
	struct status	st;
	char		again[32];
	size_t		n = strspn(s, "0123456789");
	uint64_t	mult = 1, v;
	int64_t		out = -7, out2 = -7;
	int		rc, want;

	status_clear(&st);
	rc = parse_size(WHAT, s, max, &out, &st);
	want = n > 0;
	if (s[n] == 'k' || s[n] == 'K')
		mult = 1024;
	else if (s[n] == 'M')
		mult = 1024 * 1024;
	else if (s[n] == 'G')
		mult = 1024 * 1024 * 1024;
	else if (s[n] != '\0')
		want = 0;
	if (s[n] != '\0' && s[n + 1] != '\0')
		want = 0;
	v = ref_number(s, n);
	if (v > (uint64_t)max / mult)
		want = 0;
	if (want != (rc == 0))
		fail("size accepted/refused wrongly", s);
	if (rc < 0) {
		check_refusal(&st, s);
		return;
	}
	if ((uint64_t)out != v * mult || out > max)
		fail("size has the wrong value", s);
	snprintf(again, sizeof again, "%" PRId64, out);
	if (parse_size(WHAT, again, max, &out2, &st) != 0 || out2 != out)
		fail("size does not re-parse to itself", s);
}

static void
fuzz_count(const char *s, int64_t min, int64_t max)
{
	struct status	st;
	char		again[32];
	int64_t		out = -7, out2 = -7;
	uint64_t	v;
	int		rc, want;

	status_clear(&st);
	rc = parse_count(WHAT, s, min, max, &out, &st);
	v = ref_number(s, strlen(s));
	want = all_digits(s) && v <= (uint64_t)max && (int64_t)v >= min;
	if (want != (rc == 0)) {
		fprintf(stderr, "min %" PRId64 " max %" PRId64 "\n", min, max);
		fail("count accepted/refused wrongly", s);
	}
	if (rc < 0) {
		check_refusal(&st, s);
		return;
	}
	if ((uint64_t)out != v || out < min || out > max)
		fail("count has the wrong value", s);
	snprintf(again, sizeof again, "%" PRId64, out);
	if (parse_count(WHAT, again, min, max, &out2, &st) != 0 || out2 != out)
		fail("count does not re-parse to itself", s);
}

/*
 * parse_ports: an accepted list sets at least one bit and never port 0,
 * has no empty item, and a plain number in it is in the set; a refusal is
 * a usage error that names the option.
 */
static void
fuzz_ports(const char *s, unsigned proto)
{
	static unsigned char	set[PARSE_PORTS_BYTES];
	struct status		st;
	const char		*p;
	size_t			i, n = 0;
	uint64_t		v;

	memset(set, 0, sizeof set);
	if (parse_ports(WHAT, s, proto & 1 ? "udp" : "tcp", set, &st) < 0) {
		check_refusal(&st, s);
		return;
	}
	if (set[0] & 1)
		fail("port list holds port 0", s);
	for (i = 0; i < sizeof set; i++)
		n += set[i] != 0;
	if (n == 0)
		fail("port list accepted but empty", s);
	if (s[0] == ',' || s[strlen(s) - 1] == ',' || strstr(s, ",,") != NULL)
		fail("port list with an empty item accepted", s);
	for (p = s; ; p++) {
		size_t len = strcspn(p, ",");
		char buf[8];

		if (len > 0 && len < sizeof buf) {
			memcpy(buf, p, len);
			buf[len] = '\0';
			if (all_digits(buf)) {
				v = ref_number(buf, len);
				if (v < 1 || v > 65535 ||
				    !(set[v >> 3] & (1U << (v & 7))))
					fail("port list lost a number", s);
			}
		}
		p += len;
		if (*p == '\0')
			break;
	}
}

/* A non-negative limit from 4 bytes: small values are likely. */
static int64_t
limit(const uint8_t *b)
{
	uint32_t	x = (uint32_t)b[0] | (uint32_t)b[1] << 8 |
			    (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;

	switch (x >> 30) {
	case 0:
		return x & 0xff;		/* 0-255 */
	case 1:
		return x & 0xffff;		/* 0-65535 */
	case 2:
		return INT64_MAX >> (x & 0x3f);	/* near a power of 2 */
	default:
		return (int64_t)(x & 0x3fffffff) * 1024;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*s;
	unsigned	 sel;
	int64_t		 a, b;

	if (size < 9)
		return 0;
	sel = data[0];
	a = limit(data + 1);
	b = limit(data + 5);
	/* A copy of exactly the string, so reading past its NUL is caught. */
	s = strndup((const char *)data + 9, size - 9);
	if (s == NULL)
		return 0;
	switch (sel % 4) {
	case 0:
		if (sel & 0x80)
			fuzz_ports(s, sel / 4);
		else
			fuzz_port(s, sel / 4);
		break;
	case 1:
		fuzz_duration(s);
		break;
	case 2:
		fuzz_size(s, a);
		break;
	default:
		/* min is usually 0 or 1, as the commands use it */
		fuzz_count(s, sel & 4 ? b : (sel >> 3) & 1, a);
		break;
	}
	free(s);
	return 0;
}
