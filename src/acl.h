/*
 * acl.h: who may connect, --allow CIDR and --deny CIDR.
 *
 * A rule is an IPv4 or IPv6 network: "127.0.0.1", "10.0.0.0/8", "::1",
 * "2001:db8::/32" (an address alone is a /32 or /128; host bits past the
 * prefix are ignored; an IPv6 address may be in brackets).  A peer is
 * refused when a --deny rule matches it (deny wins, whatever the order),
 * or when there is any --allow rule and none matches it.  An IPv4-mapped
 * IPv6 peer (::ffff:10.1.2.3, what a dual-stack listener sees) is matched
 * as the IPv4 address it stands for, and a rule written inside
 * ::ffff:0:0/96 as the IPv4 rule it stands for.  Peers of other families
 * (Unix sockets) are never filtered.
 *
 * The rules live in the command's struct acl (no allocation); the
 * listeners' options point to it (struct sock_opts' acl), so opt_net()
 * fills it and every accept path (sock_accept, the acceptor, the datagram
 * receivers) asks acl_check().  Nothing here prints: a refusal is told to
 * the command's callback, which decides what to say.
 */
#ifndef SC_ACL_H
#define SC_ACL_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define ACL_MAX		128	/* rules per command */
#define ACL_STRLEN	64	/* room for acl_rule_str(): "[v6]/128" */

/* One --allow or --deny rule, normalised. */
struct acl_rule {
	int		family;		/* AF_INET or AF_INET6 */
	int		allow;		/* 1: --allow, 0: --deny */
	unsigned	prefix;		/* leading bits that must match */
	uint8_t		addr[16];	/* the network; 4 bytes for IPv4 */
};

/*
 * Told of each refused peer: why is "--deny 10.0.0.0/8" or "not in
 * --allow".
 */
typedef void (*acl_refused_cb)(void *arg, const struct sockaddr *peer,
	    socklen_t len, const char *why);

struct acl {
	struct acl_rule	 rules[ACL_MAX];
	size_t		 n;
	size_t		 nallow;	/* how many of them are --allow */
	acl_refused_cb	 refused;	/* or NULL */
	void		*arg;
};

/* No rules: everyone may connect.  refused is cb (may be NULL). */
void	acl_init(struct acl *a, acl_refused_cb cb, void *arg);

/*
 * Parse one CIDR as typed after what ("--allow") into r (allow as
 * given).  Returns 0, or -1 with a usage status (64) that names it:
 * "--allow '10.0.0.0/33': prefix length out of range (0-32)".
 */
int	acl_parse(const char *what, const char *s, int allow,
	    struct acl_rule *r, struct status *st);

/* Parse s and add it to a; -1 with a usage status (also past ACL_MAX). */
int	acl_add(struct acl *a, int allow, const char *s, struct status *st);

/* 1 when a holds no rule (NULL included). */
int	acl_empty(const struct acl *a);

/*
 * May the peer sa connect?  Returns 1 yes, 0 no; *deny (may be NULL)
 * gets the --deny rule that matched, or NULL when the peer was refused
 * because no --allow matched.  Pure: no callback.
 */
int	acl_match(const struct acl *a, const struct sockaddr *sa,
	    socklen_t len, const struct acl_rule **deny);

/*
 * acl_match(), and on a refusal the callback is told.  a may be NULL
 * (everyone may connect).  Returns 1 when sa may connect, 0 when not.
 */
int	acl_check(const struct acl *a, const struct sockaddr *sa,
	    socklen_t len);

/* "10.0.0.0/8", "2001:db8::/32" (ACL_STRLEN is enough).  Returns buf. */
const char *acl_rule_str(const struct acl_rule *r, char *buf, size_t size);

#endif
