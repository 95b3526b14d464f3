/*
 * cmd-udp-recv.c: sockcat udp-recv (receives datagrams to stdout).
 *
 * Datagrams are received in batches (recvmmsg) into slots larger than any
 * UDP datagram, so nothing is ever cut, and each batch goes to stdout in
 * one writev.  -w is a receive timeout that restarts with each datagram:
 * it fires when DUR passes without one, from the start or since the last
 * batch was written (SO_RCVTIMEO on a blocking recvmmsg: one system call
 * per batch, no poll).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acl.h"
#include "addr.h"
#include "cmd.h"
#include "log.h"
#include "observe.h"
#include "opt.h"
#include "parse.h"
#include "sig.h"
#include "sock.h"
#include "status.h"

#define RECV_BATCH	64			/* datagrams per recvmmsg */
#define RECV_SLOT_IP	65536			/* > any UDP payload (65527) */
#define RECV_SLOT_UNIX	(256 * 1024)		/* > a default Unix datagram */
#define RECV_RCVBUF	(4 * 1024 * 1024)	/* SO_RCVBUF unless --rcvbuf */
#define RECV_JOIN_MAX	8
#define RECV_COUNT_MAX	(1LL << 62)

enum {
	OPT_FROM = OPT_CMD,
	OPT_JOIN
};

static const struct opt_row udp_recv_rows[] = {
	OPT_ROW_IPV4,
	OPT_ROW_IPV6,
	OPT_ROW_PORT,
	OPT_ROW_BIND,
	OPT_ROW_NUMERIC,
	OPT_ROW_UNIX,
	OPT_ROW_TIMEOUT("receive timeout: give up when no datagram arrives "
	    "within DUR"),
	{ 'c', 'c', "count", OPT_ARG_REQUIRED, "N",
	  "exit after N datagrams" },
	{ OPT_FROM, 0, "from", OPT_ARG_NONE, NULL,
	  "prefix each datagram with 'ADDR:PORT ', end it with a newline" },
	{ OPT_JOIN, 0, "join", OPT_ARG_REQUIRED, "GROUP[@IFACE]",
	  "join an IPv4 or IPv6 multicast group" },
	OPT_ROW_REUSEADDR_DGRAM,
	OPT_ROW_NO_REUSEADDR,
	OPT_ROW_REUSEPORT,
	OPT_ROW_RCVBUF,
	OBSERVE_ROW_HEXDUMP,
	OBSERVE_ROW_STATS_TEXT("at the end: datagrams and bytes received, "
	    "duration, rate"),
	OBSERVE_ROW_SHA256,
	OPT_ROW_ALLOW,
	OPT_ROW_DENY,
	OPT_ROW_VERBOSE,
	OPT_ROW_QUIET,
	OPT_ROW_LOG_FORMAT,
	OPT_ROW_END
};

/* One --join GROUP[@IFACE]. */
struct udp_recv_join {
	struct sockaddr_storage	 group;
	unsigned int		 ifindex;	/* 0: by route */
	const char		*arg;
};

struct udp_recv {
	struct sock_opts	 o;
	struct acl		 acl;		/* --allow, --deny */
	int			 short_wait;	/* SO_RCVTIMEO is less than -w */
	int64_t			 count;		/* -c; 0: no limit */
	int			 from;		/* --from */
	struct udp_recv_join	 join[RECV_JOIN_MAX];
	int			 njoin;
	int64_t			 seen;		/* datagrams written */
	uint64_t		 bytes;		/* their bytes */
	int64_t			 first_ms;	/* the first datagram */
	int64_t			 last_ms;	/* the last one */
	struct observe_opts	 obs;		/* -x, --stats, --sha256 */
	struct observe		 ob;
	char			 local[ADDR_STRLEN];
	size_t			 slot;		/* bytes per receive slot */
	char			*bufs;		/* RECV_BATCH slots */
	struct mmsghdr		 msgs[RECV_BATCH];
	struct iovec		 iov[RECV_BATCH];
	struct sockaddr_storage	 peers[RECV_BATCH];
	char			 prefix[RECV_BATCH][ADDR_STRLEN + 2];
	struct iovec		 out[RECV_BATCH * 3];
};

/* --join GROUP[@IFACE]: a multicast literal, an existing interface. */
static int
udp_recv_parse_join(struct udp_recv *u, const char *arg, struct status *st)
{
	struct udp_recv_join	*j;
	char			 host[INET6_ADDRSTRLEN + 2];
	const char		*at = strrchr(arg, '@');
	size_t			 len = at != NULL ? (size_t)(at - arg) :
				    strlen(arg);

	if (u->njoin == RECV_JOIN_MAX)
		return status_usage(st, "--join: at most %d groups",
		    RECV_JOIN_MAX);
	j = &u->join[u->njoin];
	memset(j, 0, sizeof *j);
	j->arg = arg;
	if (len >= 2 && arg[0] == '[' && arg[len - 1] == ']') {
		arg++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof host)
		return status_usage(st, "--join '%.64s': not a multicast group",
		    j->arg);
	memcpy(host, arg, len);
	host[len] = '\0';
	if (inet_pton(AF_INET, host,
	    &((struct sockaddr_in *)&j->group)->sin_addr) == 1) {
		j->group.ss_family = AF_INET;
		if (!IN_MULTICAST(ntohl(((struct sockaddr_in *)
		    &j->group)->sin_addr.s_addr)))
			return status_usage(st, "--join '%s': not a multicast "
			    "group (224.0.0.0/4)", host);
	} else if (inet_pton(AF_INET6, host,
	    &((struct sockaddr_in6 *)&j->group)->sin6_addr) == 1) {
		j->group.ss_family = AF_INET6;
		if (!IN6_IS_ADDR_MULTICAST(&((struct sockaddr_in6 *)
		    &j->group)->sin6_addr))
			return status_usage(st, "--join '%s': not a multicast "
			    "group (ff00::/8)", host);
	} else
		return status_usage(st, "--join '%.64s': not a multicast group",
		    j->arg);
	if (at != NULL) {
		j->ifindex = if_nametoindex(at + 1);
		if (j->ifindex == 0)
			return status_usage(st, "--join '%.64s': no interface "
			    "'%.32s'", j->arg, at + 1);
	}
	u->njoin++;
	return 0;
}

static int
udp_recv_opt(void *ctx, int id, const char *arg, struct status *st)
{
	struct udp_recv	*u = ctx;
	int		 rc;

	switch (id) {
	case 'c':
		return parse_count("--count", arg, 1, RECV_COUNT_MAX, &u->count,
		    st);
	case OPT_FROM:
		u->from = 1;
		return 0;
	case OPT_JOIN:
		return udp_recv_parse_join(u, arg, st);
	default:
		if ((rc = observe_opt(&u->obs, id, arg, st)) != 0)
			return rc < 0 ? -1 : 0;
		return status_set(st, SC_EX_SOFTWARE, "option %d not handled",
		    id);
	}
}

/* What cannot be judged one option at a time. */
static int
udp_recv_check(const struct udp_recv *u, struct status *st)
{
	int	i;

	if (u->njoin > 0 && u->o.unix_path != NULL)
		return status_usage(st, "--join does not go with -U");
	for (i = 0; i < u->njoin; i++) {
		if (u->join[i].group.ss_family == AF_INET &&
		    u->o.family == AF_INET6)
			return status_usage(st, "--join '%.64s': an IPv4 group "
			    "does not go with -6", u->join[i].arg);
		if (u->join[i].group.ss_family == AF_INET6 &&
		    u->o.family == AF_INET)
			return status_usage(st, "--join '%.64s': an IPv6 group "
			    "does not go with -4", u->join[i].arg);
	}
	return 0;
}

static int
udp_recv_setup(struct udp_recv *u, struct sock_listener *l,
    struct status *st)
{
	int	i;

	/* A deep queue, so that a burst waits for us instead of dropping. */
	if (u->o.rcvbuf == 0)
		u->o.rcvbuf = RECV_RCVBUF;
	if (sock_listen(&u->o, l, st) < 0)
		return -1;
	for (i = 0; i < u->njoin; i++) {
		if (sock_join_group(l->fd, l->family,
		    (struct sockaddr *)&u->join[i].group, u->join[i].ifindex,
		    st) < 0)
			return -1;
		log_info(LOG_VERBOSE, "joined %s", u->join[i].arg);
	}
	if (u->o.timeout_ms >= 0 &&
	    sock_set_rcvtimeo(l->fd, u->o.timeout_ms, st) < 0)
		return -1;
	log_listening(sock_local_str(l->fd, u->local, sizeof u->local));
	u->slot = l->family == AF_UNIX ? RECV_SLOT_UNIX : RECV_SLOT_IP;
	u->bufs = malloc(u->slot * RECV_BATCH);
	if (u->bufs == NULL)
		return status_errno(st, errno, SC_EX_OSERR, "malloc");
	for (i = 0; i < RECV_BATCH; i++) {
		u->iov[i].iov_base = u->bufs + u->slot * (size_t)i;
		u->iov[i].iov_len = u->slot;
	}
	return 0;
}

/* writev all of iov[0..n), waiting when stdout is non-blocking. */
static int
udp_recv_writev(struct iovec *iov, int n)
{
	ssize_t		w;

	while (n > 0) {
		w = writev(STDOUT_FILENO, iov, n);
		if (w < 0 && errno == EAGAIN) {
			if (sig_poll_fd(STDOUT_FILENO, POLLOUT) < 0)
				return -1;
			continue;
		}
		if (w < 0 && errno == EINTR && !sig_pending())
			continue;
		if (w < 0)
			return -1;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* Write datagrams 0..n of the batch to stdout in one writev. */
static int
udp_recv_output(struct udp_recv *u, int n, struct status *st)
{
	struct iovec	*out = u->out;
	char		 peer[ADDR_STRLEN];
	int		 i, k = 0;

	for (i = 0; i < n; i++) {
		struct msghdr	*mh = &u->msgs[i].msg_hdr;
		size_t		 len = u->msgs[i].msg_len;

		if (u->from || log_level() >= LOG_VERBOSE)
			addr_format((struct sockaddr *)&u->peers[i],
			    mh->msg_namelen, peer, sizeof peer);
		log_info(LOG_VERBOSE, "datagram from %s: %zu bytes", peer,
		    len);
		observe_data(&u->ob, 1, u->iov[i].iov_base, len);
		u->bytes += len;
		if (u->from) {
			out[k].iov_base = u->prefix[i];
			out[k++].iov_len = (size_t)snprintf(u->prefix[i],
			    sizeof u->prefix[i], "%s ", peer);
		}
		if (len > 0) {
			out[k].iov_base = u->iov[i].iov_base;
			out[k++].iov_len = len;
		}
		/* A line ends with one newline: add it only when missing. */
		if (u->from && (len == 0 ||
		    ((const char *)u->iov[i].iov_base)[len - 1] != '\n')) {
			out[k].iov_base = (void *)(uintptr_t)"\n";
			out[k++].iov_len = 1;
		}
	}
	if (n > 0) {
		u->last_ms = sock_now_ms();
		if (u->seen == 0)
			u->first_ms = u->last_ms;
	}
	if (k > 0 && udp_recv_writev(out, k) < 0) {
		if (errno == EINTR)
			return -1;
		return status_errno(st, errno, SC_EX_FAIL, "stdout");
	}
	u->seen += n;
	return 0;
}

/*
 * A datagram larger than its slot: report it, after writing the ones
 * before it.  Never a silent cut.
 */
static int
udp_recv_too_big(struct udp_recv *u, int i, struct status *st)
{
	char	peer[ADDR_STRLEN];

	if (udp_recv_output(u, i, st) < 0)
		return -1;
	addr_format((struct sockaddr *)&u->peers[i],
	    u->msgs[i].msg_hdr.msg_namelen, peer, sizeof peer);
	return status_set(st, SC_EX_FAIL, "datagram from %s: %u bytes: "
	    "larger than the receive buffer (%zu bytes)", peer,
	    u->msgs[i].msg_len, u->slot);
}

/*
 * Drop the datagrams of the batch that --allow/--deny refuses, keeping
 * the order of the rest in slots 0..  Returns how many are left.
 */
static int
udp_recv_filter(struct udp_recv *u, int n)
{
	int	i, k = 0;

	if (acl_empty(&u->acl))
		return n;
	for (i = 0; i < n; i++) {
		if (!acl_check(&u->acl, (struct sockaddr *)&u->peers[i],
		    u->msgs[i].msg_hdr.msg_namelen))
			continue;
		if (k != i) {
			/* The slot's buffer goes along with its datagram. */
			struct iovec	iov = u->iov[k];

			u->iov[k] = u->iov[i];
			u->iov[i] = iov;
			u->peers[k] = u->peers[i];
			u->msgs[k] = u->msgs[i];
			u->msgs[k].msg_hdr.msg_name = &u->peers[k];
			u->msgs[k].msg_hdr.msg_iov = &u->iov[k];
		}
		k++;
	}
	return k;
}

/*
 * -w restarts with each datagram that is let in: after a batch of
 * refused ones, only what was left of it.  Returns 0, or -1 with st (75
 * when nothing is left).
 */
static int
udp_recv_rearm(struct udp_recv *u, int fd, int64_t last, int any,
    struct status *st)
{
	int64_t	w = u->o.timeout_ms, left;

	if (w < 0 || (any && !u->short_wait))
		return 0;
	left = any ? w : last + w - sock_now_ms();
	if (left <= 0)
		return status_set(st, SC_EX_TEMPFAIL, "receive timeout: no "
		    "datagram within %lld.%03llds", (long long)(w / 1000),
		    (long long)(w % 1000));
	u->short_wait = !any;
	return sock_set_rcvtimeo(fd, left, st);
}

/*
 * Receive until -c is reached, -w fires, stdout fails or a signal comes.
 * Returns 0, or -1 with st (or with st clear when a signal stopped us).
 */
static int
udp_recv_loop(struct udp_recv *u, int fd, struct status *st)
{
	int64_t		 w = u->o.timeout_ms, last = sock_now_ms();
	unsigned int	 vlen;
	int		 i, n, got;

	while (u->count == 0 || u->seen < u->count) {
		if (sig_pending())
			return -1;
		vlen = RECV_BATCH;
		if (u->count > 0 && u->count - u->seen < RECV_BATCH)
			vlen = (unsigned int)(u->count - u->seen);
		for (i = 0; i < (int)vlen; i++) {
			struct msghdr *mh = &u->msgs[i].msg_hdr;

			mh->msg_name = &u->peers[i];
			mh->msg_namelen = sizeof u->peers[i];
			mh->msg_iov = &u->iov[i];
			mh->msg_iovlen = 1;
			mh->msg_control = NULL;
			mh->msg_controllen = 0;
			mh->msg_flags = 0;
		}
		/*
		 * Block for the first datagram, then take what is queued.
		 * MSG_TRUNC: msg_len is the real size, even when cut.
		 */
		n = recvmmsg(fd, u->msgs, vlen, MSG_WAITFORONE | MSG_TRUNC,
		    NULL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return status_set(st, SC_EX_TEMPFAIL, "receive "
			    "timeout: no datagram within %lld.%03llds",
			    (long long)(w / 1000), (long long)(w % 1000));
		if (n < 0)
			return status_errno(st, errno, SC_EX_FAIL, "recv");
		/* A refused datagram is dropped, and not counted by -c. */
		got = n;
		n = udp_recv_filter(u, n);
		if (n > 0)
			last = sock_now_ms();
		if ((n < got || u->short_wait) &&
		    udp_recv_rearm(u, fd, last, n > 0, st) < 0)
			return -1;
		for (i = 0; i < n; i++)
			if (u->msgs[i].msg_len > u->slot ||
			    (u->msgs[i].msg_hdr.msg_flags & MSG_TRUNC))
				return udp_recv_too_big(u, i, st);
		if (udp_recv_output(u, n, st) < 0)
			return -1;
	}
	return 0;
}

/* --stats and --sha256, whatever ended the run. */
static void
udp_recv_report(struct udp_recv *u)
{
	struct observe_counts	c;

	memset(&c, 0, sizeof c);
	c.dgram = 1;
	c.dgrams[1] = (uint64_t)u->seen;
	c.bytes[1] = u->bytes;
	c.duration_ms = u->last_ms - u->first_ms;
	observe_end(&u->ob);
	observe_report(&u->ob, u->local, &c);
}

static int
udp_recv_main(const struct sc_cmd *cmd, int argc, char **argv)
{
	struct udp_recv		*u;
	struct sock_listener	 l = { .fd = -1 };
	struct status		 st;
	int			 first;

	status_clear(&st);
	/* Too big for the stack: the batch tables. */
	u = calloc(1, sizeof *u);
	if (u == NULL) {
		status_errno(&st, errno, SC_EX_OSERR, "calloc");
		return log_status(&st);
	}
	sock_opts_init(&u->o, SOCK_DGRAM, "udp");
	acl_init(&u->acl, log_refused, NULL);
	u->o.acl = &u->acl;
	first = opt_parse(cmd, argc, argv, &u->o, udp_recv_opt, u, &st);
	if (first == OPT_HELP) {
		free(u);
		return SC_EX_OK;
	}
	if (first >= 0 && opt_listener_operands(&u->o, argc, argv, first,
	    &st) == 0 && udp_recv_check(u, &st) == 0 &&
	    observe_open(&u->obs, &st) == 0 &&
	    observe_begin(&u->ob, &u->obs, OBSERVE_STREAM, NULL, &st) == 0 &&
	    udp_recv_setup(u, &l, &st) == 0) {
		udp_recv_loop(u, l.fd, &st);
		udp_recv_report(u);
	}
	observe_free(&u->ob);
	/* Also on SIGINT/SIGTERM: remove our socket file, then die by it. */
	sock_listener_close(&l);
	free(u->bufs);
	free(u);
	if (sig_pending() && st.code == SC_EX_OK)
		sig_reraise();
	return log_status(&st);
}

const struct sc_cmd cmd_udp_recv = {
	"udp-recv", "receives datagrams to stdout",
	"[OPTIONS] [-p PORT | PORT | -U PATH]", udp_recv_rows, udp_recv_main
};
