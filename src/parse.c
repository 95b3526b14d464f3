/* parse.c: strict parsers for ports, durations, sizes and counts. */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <netdb.h>
#include <stdint.h>
#include <string.h>

#include "parse.h"

/* Longest value echoed back in a message; longer ones are cut with "...". */
#define PARSE_ECHO_MAX	64

static int
parse_refuse(struct status *st, const char *what, const char *s,
    const char *why)
{
	if (strlen(s) > PARSE_ECHO_MAX)
		return status_usage(st, "%s '%.*s...': %s", what,
		    PARSE_ECHO_MAX, s, why);
	return status_usage(st, "%s '%s': %s", what, s, why);
}

/*
 * Digits only, no sign, no space; the value must fit in max.  Returns the
 * number of digits consumed (0 when s does not start with a digit), or -1
 * on overflow.  (d > max first: for a max below 9, (max - d) / 10 would
 * round a negative quotient up to 0 and let a too-large digit through.)
 */
static int
parse_digits(const char *s, int64_t max, int64_t *out)
{
	int64_t	v = 0;
	int	n = 0;

	while (s[n] >= '0' && s[n] <= '9') {
		int d = s[n] - '0';

		if (d > max || v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
		n++;
	}
	*out = v;
	return n;
}

int
parse_port(const char *what, const char *s, const char *proto, uint16_t *out,
    struct status *st)
{
	struct servent	*se;
	int64_t		 v;
	int		 n;
	size_t		 i;

	if (*s == '\0')
		return parse_refuse(st, what, s, "empty port");
	if (s[0] >= '0' && s[0] <= '9') {
		n = parse_digits(s, 65535, &v);
		if (n < 0)
			return parse_refuse(st, what, s,
			    "port out of range (0-65535)");
		if (s[n] != '\0')
			return parse_refuse(st, what, s, "not a port number");
		*out = (uint16_t)v;
		return 0;
	}
	/* A service name: letters, digits, '-', '_', '.', '+' only. */
	if (strlen(s) > 32)
		return parse_refuse(st, what, s, "not a port or service name");
	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && c != '-' && c != '_' && c != '.' &&
		    c != '+')
			return parse_refuse(st, what, s,
			    "not a port or service name");
	}
	se = getservbyname(s, proto);
	if (se == NULL)
		return parse_refuse(st, what, s, "unknown service name");
	*out = ntohs((uint16_t)se->s_port);
	return 0;
}

static const struct {
	const char	*unit;
	int64_t		 ms;
} dur_units[] = {
	{ "",	1000 },
	{ "s",	1000 },
	{ "ms",	1 },
	{ "m",	60 * 1000 },
	{ "h",	3600 * 1000 },
};

/*
 * The fraction digits f[0..n) of a unit worth mult milliseconds, in whole
 * milliseconds rounded up.  Exact for any number of digits: the product is
 * worked out from the last digit up, so the carry out of the first digit
 * is its whole part and any non-zero digit left behind means "round up".
 */
static int64_t
parse_frac_ms(const char *f, size_t n, int64_t mult)
{
	int64_t	carry = 0, t;
	int	inexact = 0;

	while (n-- > 0) {
		t = (f[n] - '0') * mult + carry;
		if (t % 10 != 0)
			inexact = 1;
		carry = t / 10;
	}
	return carry + inexact;
}

int
parse_duration(const char *what, const char *s, int64_t *ms,
    struct status *st)
{
	int64_t		 whole, mult = -1, total;
	const char	*p = s, *frac = NULL;
	size_t		 nfrac = 0, i;
	int		 n;

	if (*s == '\0')
		return parse_refuse(st, what, s, "empty duration");
	n = parse_digits(p, 10000000000LL, &whole);
	if (n < 0)
		return parse_refuse(st, what, s, "duration out of range");
	p += n;
	if (*p == '.') {
		frac = ++p;
		nfrac = strspn(p, "0123456789");
		p += nfrac;
	}
	if (n == 0 && nfrac == 0)
		return parse_refuse(st, what, s, "not a duration");
	for (i = 0; i < sizeof dur_units / sizeof dur_units[0]; i++)
		if (strcmp(p, dur_units[i].unit) == 0)
			mult = dur_units[i].ms;
	if (mult < 0)
		return parse_refuse(st, what, s, "not a duration");
	/* Rounded up, so that a non-zero duration never becomes 0. */
	total = whole * mult + parse_frac_ms(frac, nfrac, mult);
	if (total > PARSE_DUR_MAX_MS)
		return parse_refuse(st, what, s,
		    "duration out of range (at most 100 days)");
	*ms = total;
	return 0;
}

int
parse_size(const char *what, const char *s, int64_t max, int64_t *out,
    struct status *st)
{
	int64_t	v, mult = 1;
	int	n;

	if (*s == '\0')
		return parse_refuse(st, what, s, "empty size");
	n = parse_digits(s, INT64_MAX, &v);
	if (n < 0)
		return parse_refuse(st, what, s, "size out of range");
	if (n == 0)
		return parse_refuse(st, what, s, "not a size");
	switch (s[n]) {
	case '\0':
		break;
	case 'k': case 'K':
		mult = 1024;
		break;
	case 'M':
		mult = 1024 * 1024;
		break;
	case 'G':
		mult = 1024 * 1024 * 1024;
		break;
	default:
		return parse_refuse(st, what, s, "not a size");
	}
	if (s[n] != '\0' && s[n + 1] != '\0')
		return parse_refuse(st, what, s, "not a size");
	if (v > max / mult)
		return parse_refuse(st, what, s, "size out of range");
	*out = v * mult;
	return 0;
}

int
parse_count(const char *what, const char *s, int64_t min, int64_t max,
    int64_t *out, struct status *st)
{
	int64_t	v;
	int	n;

	if (*s == '\0')
		return parse_refuse(st, what, s, "empty number");
	n = parse_digits(s, max, &v);
	if (n < 0)
		return parse_refuse(st, what, s, "number out of range");
	if (n == 0 || s[n] != '\0')
		return parse_refuse(st, what, s, "not a whole number");
	if (v < min)
		return parse_refuse(st, what, s, "number out of range");
	*out = v;
	return 0;
}

/* One end of a PORTS item: a port 0-65535 or a service name; quiet. */
static int
parse_ports_end(const char *s, const char *proto, uint16_t *out)
{
	struct status	quiet;

	return parse_port("PORT", s, proto, out, &quiet);
}

/*
 * One item of a PORTS list: a port, a service name (which may hold a
 * '-': "http-alt") or LOW-HIGH, each end a port or a service name.
 * Returns 0 with the range, or -1 with the reason in *why.
 */
static int
parse_ports_item(char *item, const char *proto, uint16_t *lo, uint16_t *hi,
    const char **why)
{
	char	*dash;
	int	 found = 0;

	*lo = *hi = 0;
	if (parse_ports_end(item, proto, lo) == 0) {
		*hi = *lo;
	} else {
		/* The first '-' that splits it into two ports. */
		for (dash = strchr(item + 1, '-'); dash != NULL && !found &&
		    dash[1] != '\0'; dash = strchr(dash + 1, '-')) {
			*dash = '\0';
			found = parse_ports_end(item, proto, lo) == 0 &&
			    parse_ports_end(dash + 1, proto, hi) == 0;
			*dash = '-';
		}
		if (!found) {
			*why = item[strspn(item, "0123456789")] == '\0' ?
			    "port out of range (1-65535)" :
			    "not a port, service name or LOW-HIGH range";
			return -1;
		}
		if (*hi < *lo) {
			*why = "range ends before it starts";
			return -1;
		}
	}
	if (*lo == 0) {
		*why = "port 0 cannot be probed (1-65535)";
		return -1;
	}
	return 0;
}

int
parse_ports(const char *what, const char *s, const char *proto,
    unsigned char *set, struct status *st)
{
	char		 item[2 * 33 + 2];	/* two service names and '-' */
	const char	*p = s, *end, *why = NULL;
	size_t		 len;
	uint16_t	 lo = 0, hi = 0;
	uint32_t	 port;

	if (*s == '\0')
		return parse_refuse(st, what, s, "empty port list");
	for (;;) {
		end = strchr(p, ',');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (len == 0)
			return parse_refuse(st, what, s,
			    "empty item in the port list");
		if (len >= sizeof item) {
			memcpy(item, p, sizeof item - 1);
			item[sizeof item - 1] = '\0';
			return parse_refuse(st, what, item,
			    "not a port, service name or LOW-HIGH range");
		}
		memcpy(item, p, len);
		item[len] = '\0';
		if (parse_ports_item(item, proto, &lo, &hi, &why) < 0)
			return parse_refuse(st, what, item, why);
		for (port = lo; port <= hi; port++)
			set[port >> 3] |= (unsigned char)(1U << (port & 7));
		if (end == NULL)
			return 0;
		p = end + 1;
	}
}
