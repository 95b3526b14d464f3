/* unit-parse.c: the strict parsers, case by case, as TAP. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "parse.h"
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
test_ports(void)
{
	static const struct { const char *s; int want; } cases[] = {
		{ "0", 0 }, { "1", 1 }, { "8009", 8009 }, { "65535", 65535 },
		{ "http", 80 }, { "ssh", 22 },
		{ "65536", -1 }, { "-1", -1 }, { "", -1 }, { "abc!", -1 },
		{ "80x", -1 }, { " 80", -1 }, { "+80", -1 },
		{ "99999999999999999999", -1 }, { "no-such-service-xyz", -1 },
	};
	struct status	st;
	uint16_t	p;
	size_t		i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = parse_port("--port", cases[i].s, "tcp", &p, &st);

		if (cases[i].want < 0)
			ok(rc < 0 && st.code == SC_EX_USAGE &&
			    strstr(st.msg, "--port") != NULL,
			    "port refused", cases[i].s);
		else
			ok(rc == 0 && p == cases[i].want, "port", cases[i].s);
	}
}

static void
test_durations(void)
{
	static const struct { const char *s; long long want; } cases[] = {
		{ "0", 0 }, { "1", 1000 }, { "1.5", 1500 }, { "2s", 2000 },
		{ "500ms", 500 }, { "3m", 180000 }, { "1h", 3600000 },
		{ ".5", 500 }, { "0.0001", 1 }, { "1.0005s", 1001 },
		{ "-1", -1 }, { "abc", -1 }, { "1e999", -1 }, { "", -1 },
		{ "1x", -1 }, { "inf", -1 }, { "nan", -1 }, { ".", -1 },
		{ "1 s", -1 }, { "1.5.5", -1 }, { "99999999999", -1 },
		{ "2401h", -1 }, { "s", -1 }, { "0x10", -1 },
	};
	struct status	st;
	int64_t		ms;
	size_t		i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = parse_duration("--timeout", cases[i].s, &ms, &st);

		if (cases[i].want < 0)
			ok(rc < 0 && st.code == SC_EX_USAGE &&
			    strstr(st.msg, "--timeout") != NULL,
			    "duration refused", cases[i].s);
		else
			ok(rc == 0 && ms == cases[i].want, "duration",
			    cases[i].s);
	}
}

static void
test_sizes(void)
{
	static const struct { const char *s; long long want; } cases[] = {
		{ "1", 1 }, { "4k", 4096 }, { "4K", 4096 },
		{ "2M", 2097152 }, { "1G", 1073741824 },
		{ "2G", -1 }, { "-1", -1 }, { "", -1 }, { "4kb", -1 },
		{ "k", -1 }, { "1.5M", -1 }, { "99999999999999999999", -1 },
	};
	struct status	st;
	int64_t		v;
	size_t		i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = parse_size("--rcvbuf", cases[i].s, 1LL << 30, &v, &st);

		if (cases[i].want < 0)
			ok(rc < 0 && st.code == SC_EX_USAGE, "size refused",
			    cases[i].s);
		else
			ok(rc == 0 && v == cases[i].want, "size", cases[i].s);
	}
}

static void
test_counts(void)
{
	static const struct { const char *s; long long want; } cases[] = {
		{ "1", 1 }, { "100", 100 }, { "2147483647", 2147483647 },
		{ "0", -1 }, { "-5", -1 }, { "", -1 }, { "1.0", -1 },
		{ "2147483648", -1 }, { "ten", -1 },
	};
	struct status	st;
	int64_t		v;
	size_t		i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = parse_count("--count", cases[i].s, 1, 2147483647, &v,
		    &st);

		if (cases[i].want < 0)
			ok(rc < 0 && st.code == SC_EX_USAGE, "count refused",
			    cases[i].s);
		else
			ok(rc == 0 && v == cases[i].want, "count", cases[i].s);
	}
}

static void
test_hosts(void)
{
	static const struct { const char *s; const char *want; } cases[] = {
		{ "127.0.0.1", "127.0.0.1" }, { "[::1]", "::1" },
		{ "::1", "::1" }, { "localhost", "localhost" },
		{ "", NULL }, { "[::1", NULL }, { "a b", NULL },
		{ "[]", NULL }, { "x/y", NULL },
	};
	struct status	st;
	char		out[ADDR_HOST_MAX + 1], big[400];
	size_t		i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = addr_host("HOST", cases[i].s, out, sizeof out, &st);

		if (cases[i].want == NULL)
			ok(rc < 0 && st.code == SC_EX_USAGE, "host refused",
			    cases[i].s);
		else
			ok(rc == 0 && strcmp(out, cases[i].want) == 0, "host",
			    cases[i].s);
	}
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ok(addr_host("HOST", big, out, sizeof out, &st) < 0 &&
	    st.code == SC_EX_USAGE, "host refused", "(399 x 'a')");
}

static void
test_unix_paths(void)
{
	struct status	st;
	char		big[200];

	ok(addr_unix_check("--unix", "/tmp/x.sock", &st) == 0, "unix path",
	    "/tmp/x.sock");
	ok(addr_unix_check("--unix", "@abstract", &st) == 0, "unix path",
	    "@abstract");
	ok(addr_unix_check("--unix", "", &st) < 0, "unix path refused", "");
	ok(addr_unix_check("--unix", "@", &st) < 0, "unix path refused", "@");
	memset(big, 'p', 108);
	big[108] = '\0';
	ok(addr_unix_check("--unix", big, &st) < 0 && st.code == SC_EX_USAGE,
	    "unix path refused", "(108 bytes)");
	big[107] = '\0';
	ok(addr_unix_check("--unix", big, &st) == 0, "unix path",
	    "(107 bytes)");
}

static int
ports_count(const unsigned char *set)
{
	int	n = 0, i;

	for (i = 0; i < 65536; i++)
		n += (set[i >> 3] >> (i & 7)) & 1;
	return n;
}

static void
test_port_lists(void)
{
	static const struct {
		const char	*s;
		int		 count;		/* -1: refused */
		int		 first, last;
	} cases[] = {
		{ "22", 1, 22, 22 }, { "22,80", 2, 22, 80 },
		{ "8000-8002", 3, 8000, 8002 }, { "ssh", 1, 22, 22 },
		{ "ssh-http", 59, 22, 80 }, { "http-alt", 1, 8080, 8080 },
		{ "1-65535", 65535, 1, 65535 }, { "1,1,1-1", 1, 1, 1 },
		{ "5-5", 1, 5, 5 }, { "80,22,8000-8100", 103, 22, 8100 },
		{ "", -1, 0, 0 }, { ",", -1, 0, 0 }, { "22,", -1, 0, 0 },
		{ ",22", -1, 0, 0 }, { "22,,80", -1, 0, 0 }, { "0", -1, 0, 0 },
		{ "0-10", -1, 0, 0 }, { "10-5", -1, 0, 0 },
		{ "70000", -1, 0, 0 }, { "1-70000", -1, 0, 0 },
		{ "a-b", -1, 0, 0 }, { "-5", -1, 0, 0 }, { "5-", -1, 0, 0 },
		{ "1-2-3", -1, 0, 0 }, { "22 ", -1, 0, 0 },
		{ "abc!", -1, 0, 0 }, { "no-such-service-xyz", -1, 0, 0 },
	};
	static unsigned char	set[PARSE_PORTS_BYTES];
	struct status		st;
	size_t			i;
	int			rc, lo, hi, p;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(set, 0, sizeof set);
		rc = parse_ports("PORTS", cases[i].s, "tcp", set, &st);
		if (cases[i].count < 0) {
			ok(rc < 0 && st.code == SC_EX_USAGE &&
			    strncmp(st.msg, "PORTS '", 7) == 0,
			    "port list refused", cases[i].s);
			continue;
		}
		for (lo = -1, hi = -1, p = 0; p < 65536; p++)
			if ((set[p >> 3] >> (p & 7)) & 1) {
				if (lo < 0)
					lo = p;
				hi = p;
			}
		ok(rc == 0 && ports_count(set) == cases[i].count &&
		    lo == cases[i].first && hi == cases[i].last, "port list",
		    cases[i].s);
	}
	/* The message names the bad item, not the whole list. */
	rc = parse_ports("PORTS", "22,10-5", "tcp", set, &st);
	ok(rc < 0 && strcmp(st.msg, "PORTS '10-5': range ends before it "
	    "starts") == 0, "port list message names the item", "22,10-5");
}

int
main(void)
{
	test_ports();
	test_durations();
	test_sizes();
	test_counts();
	test_port_lists();
	test_hosts();
	test_unix_paths();
	printf("1..%d\n", ntest);
	return nfail != 0;
}
