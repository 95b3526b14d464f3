/*
 * unit-acl.c: --allow and --deny, case by case, as TAP: which CIDRs parse
 * (and how they are normalised), which are refused with a usage status,
 * and who matches: IPv4, IPv6, IPv4-mapped peers against IPv4 rules, deny
 * over allow, allow-lists, prefix edges, and Unix peers left alone.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "acl.h"
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

/* A peer from an address literal (either family) and a port. */
static socklen_t
peer(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, s, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(5555);
		return sizeof *s4;
	}
	if (inet_pton(AF_INET6, s, &s6->sin6_addr) != 1) {
		fprintf(stderr, "unit-acl: bad test address %s\n", s);
		return 0;
	}
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(5555);
	return sizeof *s6;
}

static void
test_parse(void)
{
	static const struct { const char *s; const char *want; } good[] = {
		{ "127.0.0.1", "127.0.0.1/32" },
		{ "10.0.0.0/8", "10.0.0.0/8" },
		{ "10.1.2.3/8", "10.0.0.0/8" },		/* host bits go */
		{ "0.0.0.0/0", "0.0.0.0/0" },
		{ "192.168.1.129/25", "192.168.1.128/25" },
		{ "::1", "::1/128" },
		{ "[::1]", "::1/128" },
		{ "[2001:db8::]/32", "2001:db8::/32" },
		{ "2001:db8::/32", "2001:db8::/32" },
		{ "2001:db8:ffff::1/33", "2001:db8:8000::/33" },
		{ "::/0", "::/0" },
		{ "::ffff:10.0.0.0/104", "10.0.0.0/8" },	/* mapped */
		{ "::ffff:127.0.0.1", "127.0.0.1/32" },
		{ "10.0.0.0/008", "10.0.0.0/8" },
	};
	static const char *const bad[] = {
		"10.0.0.0/33", "::1/129", "abc", "", "/8", "10.0.0.0/",
		"10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8/8", "10.0.0.0/ 8",
		"10.0.0", "10.0.0.0.0", "256.0.0.1", "1.2.3.4 ", " 1.2.3.4",
		"localhost", "[10.0.0.1]", "::1/1000", "10.0.0.0/1e1",
		"2001:db8::g", "[::1", "::1]", "10.0.0.1:80",
	};
	struct acl_rule	r;
	struct status	st;
	char		buf[ACL_STRLEN];
	size_t		i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		int rc = acl_parse("--allow", good[i].s, 1, &r, &st);

		ok(rc == 0 && r.allow == 1 && strcmp(acl_rule_str(&r, buf,
		    sizeof buf), good[i].want) == 0, "cidr", good[i].s);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = acl_parse("--deny", bad[i], 0, &r, &st);

		ok(rc < 0 && st.code == SC_EX_USAGE && st.usage &&
		    strncmp(st.msg, "--deny '", 8) == 0, "cidr refused",
		    bad[i]);
	}
	acl_parse("--allow", "10.0.0.0/33", 1, &r, &st);
	ok(strstr(st.msg, "0-32") != NULL, "names the IPv4 range", st.msg);
	acl_parse("--allow", "::/129", 1, &r, &st);
	ok(strstr(st.msg, "0-128") != NULL, "names the IPv6 range", st.msg);
}

/* rules: "+CIDR" allow, "-CIDR" deny; then each peer and whether it may. */
struct match_case {
	const char	*rules[4];
	const char	*peer;
	int		 allowed;
};

static void
test_match(void)
{
	static const struct match_case cases[] = {
		{ { NULL }, "10.1.2.3", 1 },
		{ { NULL }, "::1", 1 },
		{ { "-10.0.0.0/8" }, "10.1.2.3", 0 },
		{ { "-10.0.0.0/8" }, "11.1.2.3", 1 },
		{ { "-10.0.0.0/8" }, "::ffff:10.1.2.3", 0 },	/* mapped */
		{ { "-10.0.0.0/8" }, "::1", 1 },
		{ { "+127.0.0.1" }, "127.0.0.1", 1 },
		{ { "+127.0.0.1" }, "127.0.0.2", 0 },	/* allow-list */
		{ { "+127.0.0.1" }, "::ffff:127.0.0.1", 1 },
		{ { "+127.0.0.1" }, "::1", 0 },
		{ { "+::1" }, "::1", 1 },
		{ { "+::1" }, "127.0.0.1", 0 },
		{ { "+127.0.0.0/8", "-127.0.0.2" }, "127.0.0.2", 0 },
		{ { "-127.0.0.2", "+127.0.0.0/8" }, "127.0.0.2", 0 },
		{ { "-127.0.0.2", "+127.0.0.0/8" }, "127.0.0.3", 1 },
		{ { "+2001:db8::/32" }, "2001:db8:1::5", 1 },
		{ { "+2001:db8::/32" }, "2001:db9::5", 0 },
		{ { "-2001:db8::/33" }, "2001:db8:7fff::1", 0 },
		{ { "-2001:db8::/33" }, "2001:db8:8000::1", 1 },
		{ { "+0.0.0.0/0" }, "203.0.113.9", 1 },
		{ { "+0.0.0.0/0" }, "2001:db8::1", 0 },
		{ { "+::/0" }, "2001:db8::1", 1 },
		{ { "+::/0" }, "::ffff:192.0.2.1", 0 },	/* that is IPv4 */
		{ { "-::ffff:10.0.0.0/104" }, "10.9.9.9", 0 },
		{ { "-::ffff:10.0.0.0/104" }, "::ffff:10.9.9.9", 0 },
		{ { "+192.168.1.128/25" }, "192.168.1.127", 0 },
		{ { "+192.168.1.128/25" }, "192.168.1.128", 1 },
		{ { "+192.168.1.128/25" }, "192.168.1.255", 1 },
		{ { "+10.0.0.0/31" }, "10.0.0.1", 1 },
		{ { "+10.0.0.0/31" }, "10.0.0.2", 0 },
		{ { "+::/127" }, "::1", 1 },
		{ { "+::/127" }, "::2", 0 },
		{ { "+10.0.0.0/8", "+192.0.2.0/24" }, "192.0.2.7", 1 },
		{ { "+10.0.0.0/8", "+192.0.2.0/24" }, "198.51.100.7", 0 },
	};
	struct sockaddr_storage	 ss;
	const struct acl_rule	*deny;
	struct status		 st;
	struct acl		 a;
	char			 what[128];
	size_t			 i, k;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct match_case *c = &cases[i];
		socklen_t len = peer(c->peer, &ss);
		int rc, fail = 0;

		acl_init(&a, NULL, NULL);
		what[0] = '\0';
		for (k = 0; k < 4 && c->rules[k] != NULL; k++) {
			fail |= acl_add(&a, c->rules[k][0] == '+',
			    c->rules[k] + 1, &st) < 0;
			snprintf(what + strlen(what), sizeof what -
			    strlen(what), "%s ", c->rules[k]);
		}
		snprintf(what + strlen(what), sizeof what - strlen(what),
		    "peer %s", c->peer);
		rc = acl_match(&a, (struct sockaddr *)&ss, len, &deny);
		ok(!fail && len > 0 && rc == c->allowed, c->allowed ?
		    "allowed" : "refused", what);
	}
}

static int	told;
static char	told_why[ACL_STRLEN + 32];

static void
refused_cb(void *arg, const struct sockaddr *sa, socklen_t len,
    const char *why)
{
	(void)sa;
	(void)len;
	told += arg == (void *)&told;
	snprintf(told_why, sizeof told_why, "%s", why);
}

static void
test_check(void)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_un	 sun;
	const struct acl_rule	*deny;
	struct status		 st;
	struct acl		 a;
	socklen_t		 len;
	char			 rule[40];
	int			 i, rc;

	ok(acl_check(NULL, (struct sockaddr *)&ss, peer("10.0.0.1", &ss)) ==
	    1 && acl_empty(NULL), "no acl: everyone", "NULL");
	acl_init(&a, refused_cb, &told);
	acl_add(&a, 0, "10.0.0.0/8", &st);
	acl_add(&a, 1, "10.0.0.5", &st);
	len = peer("10.0.0.5", &ss);
	rc = acl_match(&a, (struct sockaddr *)&ss, len, &deny);
	ok(rc == 0 && deny == &a.rules[0], "deny wins over a later allow",
	    "10.0.0.5");
	told = 0;
	ok(acl_check(&a, (struct sockaddr *)&ss, len) == 0 && told == 1 &&
	    strcmp(told_why, "--deny 10.0.0.0/8") == 0, "told why",
	    told_why);
	len = peer("192.0.2.1", &ss);
	told = 0;
	ok(acl_check(&a, (struct sockaddr *)&ss, len) == 0 && told == 1 &&
	    strcmp(told_why, "not in --allow") == 0, "told why", told_why);
	/* Unix peers, named or not, are never filtered. */
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	ok(acl_check(&a, (struct sockaddr *)&sun, sizeof(sa_family_t)) == 1,
	    "unix peer not filtered", "(unnamed)");
	snprintf(sun.sun_path, sizeof sun.sun_path, "/tmp/x.sock");
	ok(acl_check(&a, (struct sockaddr *)&sun, sizeof sun) == 1,
	    "unix peer not filtered", sun.sun_path);
	/* A truncated address is no IPv4 peer. */
	len = peer("10.0.0.9", &ss);
	ok(acl_check(&a, (struct sockaddr *)&ss, 4) == 1, "short sockaddr "
	    "not read past its length", "4 bytes");
	/* The limit. */
	acl_init(&a, NULL, NULL);
	for (i = 0, rc = 0; i < ACL_MAX && rc == 0; i++) {
		snprintf(rule, sizeof rule, "10.0.%d.0/24", i);
		rc = acl_add(&a, 1, rule, &st);
	}
	ok(rc == 0 && a.n == ACL_MAX, "rules up to the limit", "128");
	ok(acl_add(&a, 1, "10.1.0.0/16", &st) < 0 && st.code == SC_EX_USAGE,
	    "one rule too many refused", "129");
	len = peer("10.0.127.1", &ss);
	ok(acl_match(&a, (struct sockaddr *)&ss, len, NULL) == 1,
	    "the last rule still matches", "10.0.127.1");
}

int
main(void)
{
	test_parse();
	test_match();
	test_check();
	printf("1..%d\n", ntest);
	return nfail != 0;
}
