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

int
main(void)
{
	test_ports();
	test_durations();
	test_sizes();
	test_counts();
	test_hosts();
	test_unix_paths();
	printf("1..%d\n", ntest);
	return nfail != 0;
}
