/* acl.c: --allow and --deny: CIDR rules and matching (see acl.h). */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "acl.h"

/* The prefix of an IPv4-mapped IPv6 address, ::ffff:0:0/96. */
static const uint8_t acl_mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

void
acl_init(struct acl *a, acl_refused_cb cb, void *arg)
{
	memset(a, 0, sizeof *a);
	a->refused = cb;
	a->arg = arg;
}

int
acl_empty(const struct acl *a)
{
	return a == NULL || a->n == 0;
}

/* Clear the bits of addr past prefix. */
static void
acl_mask(uint8_t *addr, size_t bytes, unsigned prefix)
{
	size_t	i;

	for (i = 0; i < bytes; i++) {
		unsigned bit = (unsigned)i * 8;

		if (bit >= prefix)
			addr[i] = 0;
		else if (prefix - bit < 8)
			addr[i] &= (uint8_t)(0xff << (8 - (prefix - bit)));
	}
}

/* "/N": digits only, at most three, at most max. */
static int
acl_parse_prefix(const char *what, const char *s, const char *p,
    unsigned max, unsigned *out, struct status *st)
{
	unsigned	v = 0;
	size_t		i, n = strlen(p);

	if (n == 0 || n > 3 || strspn(p, "0123456789") != n)
		return status_usage(st, "%s '%.64s': not a prefix length after "
		    "'/'", what, s);
	for (i = 0; i < n; i++)
		v = v * 10 + (unsigned)(p[i] - '0');
	if (v > max)
		return status_usage(st, "%s '%.64s': prefix length out of range "
		    "(0-%u)", what, s, max);
	*out = v;
	return 0;
}

int
acl_parse(const char *what, const char *s, int allow, struct acl_rule *r,
    struct status *st)
{
	char		 host[INET6_ADDRSTRLEN + 1];
	const char	*slash = strchr(s, '/'), *start = s;
	size_t		 len = slash != NULL ? (size_t)(slash - s) : strlen(s);
	int		 bracket = 0;

	memset(r, 0, sizeof *r);
	r->allow = allow;
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		start++;
		len -= 2;
		bracket = 1;
	}
	if (len == 0 || len >= sizeof host)
		return status_usage(st, "%s '%.64s': not an address or CIDR",
		    what, s);
	memcpy(host, start, len);
	host[len] = '\0';
	if (!bracket && inet_pton(AF_INET, host, r->addr) == 1) {
		r->family = AF_INET;
		r->prefix = 32;
	} else if (inet_pton(AF_INET6, host, r->addr) == 1) {
		r->family = AF_INET6;
		r->prefix = 128;
	} else
		return status_usage(st, "%s '%.64s': not an address or CIDR "
		    "(10.0.0.0/8, 2001:db8::/32)", what, s);
	if (slash != NULL && acl_parse_prefix(what, s, slash + 1, r->prefix,
	    &r->prefix, st) < 0)
		return -1;
	/* ::ffff:10.0.0.0/104 is the IPv4 rule 10.0.0.0/8. */
	if (r->family == AF_INET6 && r->prefix >= 96 &&
	    memcmp(r->addr, acl_mapped, sizeof acl_mapped) == 0) {
		memmove(r->addr, r->addr + 12, 4);
		memset(r->addr + 4, 0, 12);
		r->family = AF_INET;
		r->prefix -= 96;
	}
	acl_mask(r->addr, r->family == AF_INET ? 4 : 16, r->prefix);
	return 0;
}

int
acl_add(struct acl *a, int allow, const char *s, struct status *st)
{
	const char	*what = allow ? "--allow" : "--deny";

	if (a->n == ACL_MAX)
		return status_usage(st, "%s '%.64s': at most %d --allow and "
		    "--deny rules", what, s, ACL_MAX);
	if (acl_parse(what, s, allow, &a->rules[a->n], st) < 0)
		return -1;
	a->n++;
	if (allow)
		a->nallow++;
	return 0;
}

/*
 * The peer as a family and the bytes its rules compare: an IPv4-mapped
 * IPv6 address becomes IPv4.  Returns 0 for a family that is not
 * filtered.
 */
static int
acl_peer(const struct sockaddr *sa, socklen_t len, uint8_t *addr)
{
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		memcpy(addr, &((const struct sockaddr_in *)(const void *)sa)->
		    sin_addr, 4);
		return AF_INET;
	}
	if (sa->sa_family == AF_INET6 &&
	    len >= sizeof(struct sockaddr_in6)) {
		const uint8_t *b = ((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr.s6_addr;

		if (memcmp(b, acl_mapped, sizeof acl_mapped) == 0) {
			memcpy(addr, b + 12, 4);
			return AF_INET;
		}
		memcpy(addr, b, 16);
		return AF_INET6;
	}
	return 0;
}

static int
acl_rule_matches(const struct acl_rule *r, int family, const uint8_t *addr)
{
	size_t		full = r->prefix / 8;
	unsigned	rest = r->prefix % 8;
	uint8_t		mask;

	if (r->family != family)
		return 0;
	if (memcmp(r->addr, addr, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - rest));
	return (addr[full] & mask) == r->addr[full];
}

int
acl_match(const struct acl *a, const struct sockaddr *sa, socklen_t len,
    const struct acl_rule **deny)
{
	uint8_t	addr[16];
	int	family, allowed = 0;
	size_t	i;

	if (deny != NULL)
		*deny = NULL;
	if (acl_empty(a))
		return 1;
	family = acl_peer(sa, len, addr);
	if (family == 0)
		return 1;
	for (i = 0; i < a->n; i++) {
		if (!acl_rule_matches(&a->rules[i], family, addr))
			continue;
		if (!a->rules[i].allow) {
			if (deny != NULL)
				*deny = &a->rules[i];
			return 0;
		}
		allowed = 1;
	}
	return allowed || a->nallow == 0;
}

int
acl_check(const struct acl *a, const struct sockaddr *sa, socklen_t len)
{
	const struct acl_rule	*deny;
	char			 why[ACL_STRLEN + 16], rule[ACL_STRLEN];

	if (acl_match(a, sa, len, &deny))
		return 1;
	if (a->refused != NULL) {
		if (deny != NULL)
			snprintf(why, sizeof why, "--deny %s",
			    acl_rule_str(deny, rule, sizeof rule));
		else
			snprintf(why, sizeof why, "not in --allow");
		a->refused(a->arg, sa, len, why);
	}
	return 0;
}

const char *
acl_rule_str(const struct acl_rule *r, char *buf, size_t size)
{
	char	host[INET6_ADDRSTRLEN];

	if (inet_ntop(r->family, r->addr, host, sizeof host) == NULL)
		snprintf(host, sizeof host, "?");
	snprintf(buf, size, "%s/%u", host, r->prefix);
	return buf;
}
