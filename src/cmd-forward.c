/*
 * cmd-forward.c: sockcat forward (concurrent port forwarder).
 *
 * Every client is accepted at once (accept.c), its target dialed without
 * blocking (dial.c) and the two relayed by the relay engine (pair.c), all
 * on one event loop: no thread or process per connection.  With -u each
 * client address gets its own socket towards the target instead.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accept.h"
#include "acl.h"
#include "addr.h"
#include "cmd.h"
#include "dial.h"
#include "log.h"
#include "loop.h"
#include "observe.h"
#include "opt.h"
#include "pair.h"
#include "parse.h"
#include "proxy.h"
#include "sig.h"
#include "sock.h"
#include "status.h"
#include "tls.h"
#include "tlslayer.h"
#include "tunnel.h"

enum {
	OPT_TO_UNIX = OPT_CMD,
	OPT_TO_TLS
};

/* The target's connect timeout when -w is not given. */
#define FWD_CONNECT_MS		10000
/* -u: a client silent this long is forgotten, when -i is not given. */
#define FWD_UDP_IDLE_MS		60000
/* -u: the client table's buckets (a power of two). */
#define FWD_UDP_BUCKETS		4096

static const struct opt_row forward_rows[] = {
	OPT_ROW_IPV4,
	OPT_ROW_IPV6,
	OPT_ROW_PORT,
	OPT_ROW_BIND,
	OPT_ROW_UNIX,
	{ OPT_TO_UNIX, 0, "to-unix", OPT_ARG_REQUIRED, "PATH",
	  "forward to the Unix socket PATH instead of HOST PORT" },
	OPT_ROW_SOURCE,
	OPT_ROW_SOURCE_PORT,
	OPT_ROW_NUMERIC,
	{ 'u', 'u', "udp", OPT_ARG_NONE, NULL,
	  "forward datagrams (UDP, or Unix datagram sockets)" },
	OPT_ROW_TIMEOUT("connect timeout to the target (default 10s)"),
	{ 'i', 'i', "idle-timeout", OPT_ARG_REQUIRED, "DUR",
	  "close a pair idle for DUR (-u: forget a client, default 60s)" },
	{ 'm', 'm', "max-conns", OPT_ARG_REQUIRED, "N",
	  "at most N pairs at once; more wait in the backlog" },
	{ 'c', 'c', "count", OPT_ARG_REQUIRED, "N",
	  "exit after N connections have been served and closed" },
	OPT_ROW_REUSEADDR,
	OPT_ROW_NO_REUSEADDR,
	OPT_ROW_REUSEPORT,
	OPT_ROW_KEEPALIVE,
	OPT_ROW_NODELAY,
	OPT_ROW_RCVBUF,
	OPT_ROW_SNDBUF,
	{ OPT_TLS, 0, "tls", OPT_ARG_NONE, NULL,
	  "accept TLS from the clients (with --cert/--key or --self-signed)" },
	{ OPT_TO_TLS, 0, "to-tls", OPT_ARG_NONE, NULL,
	  "speak TLS to the target, verified like connect --tls" },
	OPT_ROW_CERT,
	OPT_ROW_KEY,
	OPT_ROW_SELF_SIGNED,
	OPT_ROW_CLIENT_CA,
	OPT_ROW_CAFILE,
	OPT_ROW_SNI,
	OPT_ROW_PIN,
	OPT_ROW_INSECURE,
	OPT_ROW_ALPN,
	OPT_ROW_TLS_MIN,
	OBSERVE_ROW_HEXDUMP_TEXT("dump what moves in hex and ASCII to stderr, "
	    "or to FILE, each line naming its pair"),
	OBSERVE_ROW_STATS_TEXT("at the end of each pair: bytes each way, "
	    "duration, rate"),
	OBSERVE_ROW_RATE_TEXT("at most RATE bytes a second each way, per "
	    "pair (k/M/G suffixes)"),
	OPT_ROW_PROXY,
	OPT_ROW_PROXY_AUTH_FILE,
	OPT_ROW_ALLOW,
	OPT_ROW_DENY,
	OPT_ROW_VERBOSE,
	OPT_ROW_QUIET,
	OPT_ROW_LOG_FORMAT,
	OPT_ROW_END
};

struct fwd;

/* One client connection and, once dialed, its target. */
struct fwd_conn {
	struct fwd_conn	*prev, *next;
	struct fwd	*f;
	int		 cfd, tfd;
	struct dial	*dial;
	struct tunnel	*tun;		/* --proxy: instead of dial */
	struct pair	*pair;
	struct tlslayer	*ctls, *ttls;	/* --tls, --to-tls */
	struct observe	*ob;		/* -x, --stats, --rate; or NULL */
	char		 cname[ADDR_STRLEN];
	char		 tname[ADDR_STRLEN];
};

/* -u: one client address and its socket towards the target. */
struct fwd_peer {
	struct fwd_peer		*prev, *next;	/* by last datagram, oldest
						   first */
	struct fwd_peer		*hnext;		/* in its bucket */
	struct fwd		*f;
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
	int			 fd;
	int64_t			 last;
	uint64_t		 up, down;	/* datagrams each way */
	uint64_t		 bup, bdown;	/* their bytes */
	int64_t			 born;
	struct observe		*ob;		/* -x, --stats; or NULL */
};

struct fwd {
	struct sock_opts	 lo;		/* the listening side */
	struct sock_opts	 to;		/* the target side */
	const char		*host;		/* NULL with --to-unix */
	uint16_t		 port;
	const char		*to_unix;
	char			 target[ADDR_STRLEN];	/* for messages */
	int			 udp;
	struct proxy_url	 proxy;		/* --proxy */
	struct acl		 acl;		/* --allow, --deny */
	int64_t			 max_conns;	/* -m; -1: none */
	int64_t			 count;		/* -c; -1: forever */
	int64_t			 accepted, closed;
	struct tls_opts		 tls;		/* the TLS options as given */
	int			 to_tls;	/* --to-tls */
	struct tls_opts		 srv, cli;	/* split between the sides */
	struct tls_ctx		*srv_ctx, *cli_ctx;
	struct sock_listener	 lis;
	struct acceptor		 acc;
	struct loop		*loop;
	struct fwd_conn		*conns;
	int			 warned_emfile;
	/* -u */
	struct fwd_peer		*head, *tail;
	struct fwd_peer		**buckets;
	struct loop_dgrams	*dg;
	struct addrinfo		*res;		/* the target, resolved once */
	struct addrinfo		*src;		/* -s/--source-port, or NULL */
	struct loop_timer	 expire;
	struct observe_opts	 obs;		/* -x, --stats, --rate */
};

static int
forward_opt(void *ctx, int id, const char *arg, struct status *st)
{
	struct fwd	*f = ctx;
	int		 r;

	r = tls_opt(&f->tls, id, arg, st);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if ((r = proxy_opt(&f->proxy, id, arg, st)) != 0)
		return r < 0 ? -1 : 0;
	switch (id) {
	case OPT_TO_UNIX:
		f->to_unix = arg;
		return addr_unix_check("--to-unix", arg, st);
	case OPT_TO_TLS: {
		struct tls_opts	probe;

		/* Refused as --tls is when there is no TLS in this build. */
		tls_opts_init(&probe);
		if (tls_opt(&probe, OPT_TLS, NULL, st) < 0)
			return status_set(st, SC_EX_USAGE, "--to-tls: not built "
			    "with TLS (this sockcat was configured "
			    "--without-tls)");
		f->to_tls = 1;
		return 0;
	}
	case 'u':
		f->udp = 1;
		f->lo.socktype = SOCK_DGRAM;
		f->lo.proto = "udp";
		return 0;
	case 'm':
		return parse_count("--max-conns", arg, 1, INT64_MAX,
		    &f->max_conns, st);
	case 'c':
		return parse_count("--count", arg, 1, INT64_MAX, &f->count,
		    st);
	default:
		if ((r = observe_opt(&f->obs, id, arg, st)) != 0)
			return r < 0 ? -1 : 0;
		return status_set(st, SC_EX_SOFTWARE, "option %d not handled",
		    id);
	}
}

/*
 * The operands and the split of the options between the two sides: -p,
 * -b, -U and --reuse* are the listener's; -4/-6, -s, --source-port, -w
 * and --to-unix the target's; the socket options both sides'.
 */
static int
forward_sides(struct fwd *f, int argc, char **argv, int first,
    struct status *st)
{
	struct sock_opts	*lo = &f->lo, *to = &f->to;

	if (lo->seqpacket)
		return status_usage(st, "--seqpacket does not go with forward");
	if (lo->unix_path != NULL && (lo->port_set || lo->bind != NULL))
		return status_usage(st, "-U PATH does not go with %s",
		    lo->port_set ? "-p" : "--bind");
	if (lo->unix_path == NULL && !lo->port_set &&
	    !sock_activation_present())
		return status_usage(st, "a listening side is needed: -p PORT "
		    "or -U PATH");
	if (f->to_unix != NULL) {
		if (first < argc)
			return status_usage(st, "--to-unix PATH and a HOST "
			    "exclude each other");
		if (lo->family != AF_UNSPEC || lo->source != NULL ||
		    lo->source_port_set)
			return status_usage(st, "--to-unix does not go with "
			    "%s", lo->family != AF_UNSPEC ? "-4/-6" :
			    "--source/--source-port");
	} else {
		if (first >= argc)
			return status_usage(st, "a target is needed: HOST "
			    "PORT or --to-unix PATH");
		if (opt_target(lo, argc, argv, &first, &f->host, &f->port,
		    st) < 0)
			return -1;
		if (first < argc)
			return status_usage(st, "unexpected argument '%.64s'",
			    argv[first]);
	}
	if (f->udp && (f->max_conns >= 0 || f->count >= 0 || f->obs.rate > 0))
		return status_usage(st, "%s does not go with --udp",
		    f->max_conns >= 0 ? "--max-conns" : f->count >= 0 ?
		    "--count" : "--rate");
	if (f->proxy.scheme != PROXY_NONE && (f->udp || f->to_unix != NULL))
		return status_usage(st, "--proxy does not go with %s",
		    f->udp ? "--udp" : "--to-unix");
	if (proxy_opts_check(&f->proxy, NULL, f->host, st) < 0)
		return -1;
	*to = *lo;
	to->unix_path = f->to_unix;
	to->port_set = 0;
	to->bind = NULL;
	to->remote_port = f->port;
	to->reuseaddr = -1;
	to->reuseport = 0;
	to->timeout_ms = lo->timeout_ms < 0 ? FWD_CONNECT_MS : lo->timeout_ms;
	to->acl = NULL;
	if (f->proxy.scheme == PROXY_SOCKS4 && to->family == AF_INET6)
		return status_usage(st, "-6 does not go with socks4, which "
		    "reaches IPv4 addresses only (socks4a or socks5 can)");
	/* The listener: dual-stack unless -b says otherwise. */
	lo->family = AF_UNSPEC;
	lo->source = NULL;
	lo->source_port_set = 0;
	if (f->to_unix != NULL)
		snprintf(f->target, sizeof f->target, "%s", f->to_unix);
	else if (strchr(f->host, ':') != NULL && f->host[0] != '[')
		snprintf(f->target, sizeof f->target, "[%s]:%u", f->host,
		    (unsigned)f->port);
	else
		snprintf(f->target, sizeof f->target, "%s:%u", f->host,
		    (unsigned)f->port);
	return 0;
}

/*
 * The TLS options go to the side they are for: with --tls alone all are
 * the listening side's, with --to-tls alone the target's; with both,
 * --cert, --key, --self-signed, --client-ca and --alpn are the
 * listener's, --cafile, --sni, --pin and --insecure the target's, and
 * --tls-min both.  Then each side's rules (tls.h), before any socket.
 */
static int
forward_tls_split(struct fwd *f, struct status *st)
{
	const struct tls_opts	*t = &f->tls;

	tls_opts_init(&f->srv);
	tls_opts_init(&f->cli);
	if (f->to_tls && f->udp)
		return status_usage(st, "--to-tls does not go with --udp");
	if (t->tls && f->udp)
		return status_usage(st, "--tls does not go with --udp");
	if (!t->tls && !f->to_tls)
		return tls_opts_check(&f->tls, 1, st);
	if (t->tls && !f->to_tls) {
		f->srv = *t;
		return tls_opts_check(&f->srv, 1, st);
	}
	if (!t->tls) {
		f->cli = *t;
		f->cli.tls = 1;
	} else {
		f->srv.tls = f->cli.tls = 1;
		f->srv.cert = t->cert;
		f->srv.key = t->key;
		f->srv.self_signed = t->self_signed;
		f->srv.client_ca = t->client_ca;
		f->srv.alpn = t->alpn;
		f->srv.min_version = f->cli.min_version = t->min_version;
		f->cli.cafile = t->cafile;
		f->cli.sni = t->sni;
		f->cli.pin = t->pin;
		f->cli.have_pin = t->have_pin;
		memcpy(f->cli.pin_sha256, t->pin_sha256, sizeof t->pin_sha256);
		f->cli.insecure = t->insecure;
		if (tls_opts_check(&f->srv, 1, st) < 0)
			return -1;
	}
	if (f->to_unix != NULL && f->cli.sni == NULL && !f->cli.have_pin &&
	    !f->cli.insecure)
		return status_usage(st, "--to-tls with --to-unix needs --sni "
		    "NAME or --pin: there is no host name to verify the "
		    "target against");
	return tls_opts_check(&f->cli, 0, st);
}

/* The contexts, made once; a --self-signed pin is said at once. */
static int
forward_tls_setup(struct fwd *f, struct status *st)
{
	const char	*pin;

	if (f->srv.tls) {
		if ((f->srv_ctx = tls_ctx_new(&f->srv, 1, st)) == NULL)
			return -1;
		pin = tls_ctx_pin(f->srv_ctx);
		if (f->srv.self_signed && pin != NULL)
			log_info(LOG_NORMAL, "self-signed certificate: --pin %s",
			    pin);
	}
	if (f->cli.tls) {
		if ((f->cli_ctx = tls_ctx_new(&f->cli, 0, st)) == NULL)
			return -1;
		if (f->cli.insecure)
			log_warn("--insecure: the target's certificate and name "
			    "are not verified");
	}
	return 0;
}

/* ------------------------------------------------------------- streams */

static void
forward_conn_unlink(struct fwd *f, struct fwd_conn *c)
{
	/* Decided by identity, so the head never keeps a freed c. */
	if (f->conns == c)
		f->conns = c->next;
	else if (c->prev != NULL)
		c->prev->next = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

/* Forget c and close its sockets (reset first when reset says so). */
static void
forward_conn_free(struct fwd_conn *c, int reset)
{
	struct fwd	*f = c->f;

	forward_conn_unlink(f, c);
	if (c->dial != NULL)
		dial_cancel(c->dial);
	tunnel_cancel(c->tun);
	if (c->pair != NULL) {
		if (reset) {
			pair_reset(c->pair, 0);
			pair_reset(c->pair, 1);
		}
		pair_free(c->pair);
	} else if (reset)
		sock_reset(c->cfd);
	tlslayer_free(c->ctls);
	tlslayer_free(c->ttls);
	close(c->cfd);
	if (c->tfd >= 0)
		close(c->tfd);
	observe_pair_free(c->ob);
	free(c);
	f->closed++;
	accept_closed(&f->acc);
	if (f->count >= 0 && f->closed >= f->count)
		loop_stop(f->loop);
}

static void
forward_pair_done(struct pair *p, void *arg, const struct status *st)
{
	const struct pair_counts	*n = pair_counts(p);
	struct fwd_conn			*c = arg;
	int64_t				 ms = n->end_ms - n->start_ms;

	/* The target's TLS refused (--to-tls): as loud as a refused target. */
	if (st->code == SC_EX_PROTOCOL && n->failed_end == 1 &&
	    log_level() < LOG_VERBOSE)
		log_warn("%s -> %s", c->cname, st->msg);
	if (log_level() >= LOG_VERBOSE)
		log_event(LOG_VERBOSE, "closed", LOG_FIELDS(
		    LOG_STR("peer", c->cname),
		    LOG_STR("target", c->tname),
		    LOG_UINT("bytes_up", n->out[0]),
		    LOG_UINT("bytes_down", n->out[1]),
		    LOG_INT("duration_ms", ms),
		    LOG_INT("status", st->code)),
		    "closed %s -> %s%s%s%s: %llu bytes up, "
		    "%llu bytes down, %lld.%03llds", c->cname, c->tname,
		    st->code != SC_EX_OK ? " (" : "",
		    st->code != SC_EX_OK ? st->msg : "",
		    st->code != SC_EX_OK ? ")" : "",
		    (unsigned long long)n->out[0],
		    (unsigned long long)n->out[1], (long long)(ms / 1000),
		    (long long)(ms % 1000));
	observe_pair_report(c->ob, n);
	/* The engine has reset the other side of a reset already. */
	forward_conn_free(c, 0);
}

/* A handshake is done: say with what, at -v. */
static void
forward_tls_ready(struct tls_conn *conn, void *arg)
{
	char	buf[TLS_DESCRIBE_LEN];

	log_info(LOG_VERBOSE, "TLS with %s: %s", (const char *)arg,
	    tls_conn_describe(conn, buf, sizeof buf));
}

/*
 * The TLS layers of a pair's two ends, where --tls and --to-tls ask for
 * them.  Returns 0, or -1 with st.
 */
static int
forward_tls_layers(struct fwd_conn *c, struct pair_end_spec *e,
    struct status *st)
{
	struct fwd	*f = c->f;

	if (f->srv_ctx != NULL) {
		c->ctls = tlslayer_new(f->srv_ctx, c->cfd, NULL,
		    forward_tls_ready, c->cname, st);
		if (c->ctls == NULL)
			return -1;
		e[0].layer = &tlslayer_ops;
		e[0].layer_ctx = c->ctls;
	}
	if (f->cli_ctx != NULL) {
		c->ttls = tlslayer_new(f->cli_ctx, c->tfd, f->host,
		    forward_tls_ready, c->tname, st);
		if (c->ttls == NULL)
			return -1;
		e[1].layer = &tlslayer_ops;
		e[1].layer_ctx = c->ttls;
	}
	return 0;
}


/* The target answered, or could not be reached. */
static void
forward_dialed(void *arg, int fd, const struct status *dst)
{
	struct fwd_conn		*c = arg;
	struct fwd		*f = c->f;
	struct pair_end_spec	 e[2];
	struct pair_opts	 po;
	struct status		 st;

	c->dial = NULL;
	c->tun = NULL;
	if (fd < 0) {
		/* The client must not take a closed target for an answer. */
		log_warn("%s -> %s", c->cname, dst->msg);
		forward_conn_free(c, 1);
		return;
	}
	c->tfd = fd;
	/* The address it reached, for -v; the target as given otherwise. */
	if (f->proxy.scheme != PROXY_NONE)
		tunnel_name(&f->proxy, f->host, f->port, c->tname,
		    sizeof c->tname);
	else if (f->to_unix != NULL || log_level() < LOG_VERBOSE)
		snprintf(c->tname, sizeof c->tname, "%s", f->target);
	else
		sock_peer_str(fd, c->tname, sizeof c->tname);
	log_event(LOG_VERBOSE, "connected", LOG_FIELDS(
	    LOG_STR("peer", c->cname),
	    LOG_STR("target", c->tname)),
	    "%s -> %s", c->cname, c->tname);
	memset(e, 0, sizeof e);
	memset(&po, 0, sizeof po);
	/* -x, --stats, --rate: named "CLIENT -> TARGET". */
	if (observe_pair_begin(&c->ob, &f->obs, c->cname, c->tname, &po,
	    &st) < 0) {
		log_warn("%s -> %s: %s", c->cname, c->tname, st.msg);
		forward_conn_free(c, 1);
		return;
	}
	e[0].rfd = e[0].wfd = c->cfd;
	e[0].flags = PAIR_SOCKET | PAIR_NONBLOCK;
	e[0].rname = e[0].wname = c->cname;
	e[1].rfd = e[1].wfd = c->tfd;
	e[1].flags = PAIR_SOCKET | PAIR_NONBLOCK;
	e[1].rname = e[1].wname = c->tname;
	po.idle_ms = f->lo.idle_ms;
	/* The handshakes, both sides at once, within the connect timeout. */
	po.hs_ms = f->to.timeout_ms;
	if (forward_tls_layers(c, e, &st) < 0) {
		log_warn("%s -> %s: %s", c->cname, c->tname, st.msg);
		forward_conn_free(c, 1);
		return;
	}
	c->pair = pair_new(f->loop, &e[0], &e[1], &po, forward_pair_done, c,
	    &st);
	if (c->pair == NULL || pair_start(c->pair, &st) < 0) {
		log_warn("%s -> %s: %s", c->cname, c->tname, st.msg);
		forward_conn_free(c, 1);
	}
}

/* A client: dial its target. */
static void
forward_conn_new(void *arg, int fd, const struct sockaddr_storage *peer,
    socklen_t peerlen)
{
	struct fwd	*f = arg;
	struct fwd_conn	*c;
	struct status	 st;

	c = calloc(1, sizeof *c);
	if (c == NULL) {
		log_warn("connection: %s", strerror(ENOMEM));
		sock_reset(fd);
		close(fd);
		accept_closed(&f->acc);
		return;
	}
	c->f = f;
	c->cfd = fd;
	c->tfd = -1;
	c->next = f->conns;
	if (f->conns != NULL)
		f->conns->prev = c;
	f->conns = c;
	if (peer->ss_family == AF_UNIX && peerlen <= sizeof(sa_family_t))
		snprintf(c->cname, sizeof c->cname, "%s client %lld",
		    f->lo.unix_path != NULL ? f->lo.unix_path : "unix",
		    (long long)f->acc.seen);
	else
		addr_format((const struct sockaddr *)peer, peerlen, c->cname,
		    sizeof c->cname);
	log_accepted(LOG_DEBUG, c->cname);
	f->accepted++;
	if (f->count >= 0 && f->accepted >= f->count)
		accept_stop(&f->acc);
	if (sock_apply(fd, &f->lo, f->lis.family, 0, &st) < 0) {
		log_warn("%s: %s", c->cname, st.msg);
		forward_conn_free(c, 1);
		return;
	}
	if (f->proxy.scheme != PROXY_NONE)
		c->tun = tunnel_open(f->loop, &f->to, &f->proxy, f->host,
		    f->port, forward_dialed, c, &st);
	else
		c->dial = dial_start(f->loop, &f->to, f->host, f->port,
		    forward_dialed, c, &st);
	if (c->dial == NULL && c->tun == NULL) {
		log_warn("%s -> %s", c->cname, st.msg);
		forward_conn_free(c, 1);
	}
}

static void
forward_accept_event(void *arg, enum accept_event ev, int err,
    const struct sockaddr_storage *peer, socklen_t peerlen)
{
	struct fwd	*f = arg;

	(void)peer;
	(void)peerlen;
	switch (ev) {
	case ACCEPT_PAUSED:
		if (!f->warned_emfile)
			log_warn("accept: %s; waiting for a pair to close "
			    "(%lld open)", strerror(err),
			    (long long)f->acc.open);
		else
			log_info(LOG_DEBUG, "accept: %s; paused",
			    strerror(err));
		f->warned_emfile = 1;
		break;
	case ACCEPT_RESUMED:
		log_info(LOG_DEBUG, "accepting again");
		break;
	case ACCEPT_FAILED:
		log_warn("accept: %s", strerror(err));
		break;
	case ACCEPT_REFUSED:
		break;
	}
}

/* ----------------------------------------------------------- datagrams */

static size_t
forward_peer_hash(const struct sockaddr_storage *a, socklen_t len)
{
	const unsigned char	*p = (const unsigned char *)a;
	size_t			 h = 2166136261u;
	socklen_t		 i;

	/* FNV-1a over the address as the kernel gave it. */
	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h & (FWD_UDP_BUCKETS - 1);
}

static struct fwd_peer *
forward_peer_find(struct fwd *f, const struct sockaddr_storage *a,
    socklen_t len)
{
	struct fwd_peer	*u;

	for (u = f->buckets[forward_peer_hash(a, len)]; u != NULL;
	    u = u->hnext)
		if (u->addrlen == len && memcmp(&u->addr, a, len) == 0)
			return u;
	return NULL;
}

static void
forward_peer_unlist(struct fwd *f, struct fwd_peer *u)
{
	/* Decided by identity, so head and tail never keep a freed u. */
	if (f->head == u)
		f->head = u->next;
	else if (u->prev != NULL)
		u->prev->next = u->next;
	if (f->tail == u)
		f->tail = u->prev;
	else if (u->next != NULL)
		u->next->prev = u->prev;
	u->prev = u->next = NULL;
}

static void
forward_peer_list(struct fwd *f, struct fwd_peer *u)
{
	u->prev = f->tail;
	u->next = NULL;
	if (f->tail != NULL)
		f->tail->next = u;
	else
		f->head = u;
	f->tail = u;
}

static void
forward_peer_free(struct fwd *f, struct fwd_peer *u, const char *why)
{
	struct fwd_peer	**pp;
	char		  name[ADDR_STRLEN];

	for (pp = &f->buckets[forward_peer_hash(&u->addr, u->addrlen)];
	    *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == u) {
			*pp = u->hnext;
			break;
		}
	forward_peer_unlist(f, u);
	if (log_level() >= LOG_VERBOSE)
		log_event(LOG_VERBOSE, "closed", LOG_FIELDS(
		    LOG_STR("peer", addr_format((struct sockaddr *)&u->addr,
		    u->addrlen, name, sizeof name)),
		    LOG_STR("why", why),
		    LOG_UINT("datagrams_up", u->up),
		    LOG_UINT("datagrams_down", u->down)),
		    "forgot %s (%s): %llu datagrams up, %llu down", name, why,
		    (unsigned long long)u->up, (unsigned long long)u->down);
	if (u->ob != NULL) {
		struct observe_counts	oc = { { u->bup, u->bdown }, 1,
					    { u->up, u->down },
					    loop_now(f->loop) - u->born };

		observe_end(u->ob);
		observe_report(u->ob, u->ob->name, &oc);
		observe_free(u->ob);
		free(u->ob);
	}
	loop_del(f->loop, u->fd);
	close(u->fd);
	free(u);
}

/* Answers from the target go back to their client. */
static void
forward_peer_cb(struct loop *l, int fd, int mask, void *arg)
{
	struct fwd_peer		*u = arg;
	struct fwd		*f = u->f;
	struct loop_dgram	*d;
	int			 i, n;

	(void)l;
	(void)mask;
	n = loop_dgram_recv(fd, f->dg, LOOP_DGRAM_BATCH);
	if (n < 0) {
		/* The target refused (port unreachable): not ours to stop. */
		log_info(LOG_DEBUG, "%s: %s", f->target, strerror(errno));
		return;
	}
	if (n == 0)
		return;
	for (i = 0; i < n; i++) {
		d = loop_dgrams_at(f->dg, i);
		d->peer = u->addr;
		d->peerlen = u->addrlen;
		u->bdown += d->len;
		if (u->ob != NULL)
			observe_data(u->ob, 1, d->data, d->len);
	}
	u->down += (uint64_t)loop_dgram_send(f->lis.fd, f->dg, n);
	u->last = loop_now(f->loop);
	forward_peer_unlist(f, u);
	forward_peer_list(f, u);
}

/*
 * The local side of a client's socket towards the target: -s and
 * --source-port, or for a Unix target an autobind name, without which
 * the target's answers could not come back.
 */
static int
forward_peer_bind(struct fwd *f, int fd, struct status *st)
{
	struct sockaddr_un	un = { .sun_family = AF_UNIX };

	if (f->res->ai_family == AF_UNIX) {
		if (bind(fd, (struct sockaddr *)&un, sizeof(sa_family_t)) < 0)
			return status_errno(st, errno, SC_EX_OSERR, "bind");
		return 0;
	}
	if (f->src != NULL && bind(fd, f->src->ai_addr, f->src->ai_addrlen) <
	    0)
		return status_errno(st, errno, SC_EX_OSERR, "--source");
	return 0;
}

/* -x, --stats of a datagram client: "CLIENT -> TARGET" (best effort). */
static void
forward_peer_observe(struct fwd *f, struct fwd_peer *u, const char *client)
{
	char		name[OBSERVE_NAME_MAX];
	struct status	st;

	if (!observe_wanted(&f->obs) || (u->ob = calloc(1, sizeof *u->ob)) ==
	    NULL)
		return;
	snprintf(name, sizeof name, "%s -> %s", client, f->target);
	if (observe_begin(u->ob, &f->obs, OBSERVE_PAIR, name, &st) < 0) {
		observe_free(u->ob);
		free(u->ob);
		u->ob = NULL;
	}
}

/* A new client address: its own socket, connected to the target. */
static struct fwd_peer *
forward_peer_new(struct fwd *f, const struct sockaddr_storage *a,
    socklen_t len)
{
	struct fwd_peer	*u;
	struct status	 st;
	char		 name[ADDR_STRLEN];
	size_t		 h = forward_peer_hash(a, len);
	int		 fd;

	fd = socket(f->res->ai_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_warn("socket: %s", strerror(errno));
		return NULL;
	}
	if (sock_apply(fd, &f->to, f->res->ai_family, 0, &st) < 0 ||
	    forward_peer_bind(f, fd, &st) < 0 ||
	    (connect(fd, f->res->ai_addr, f->res->ai_addrlen) < 0 &&
	    status_errno(&st, errno, SC_EX_UNAVAILABLE, f->target) < 0)) {
		log_warn("%s", st.msg);
		close(fd);
		return NULL;
	}
	u = calloc(1, sizeof *u);
	if (u == NULL || loop_set(f->loop, fd, LOOP_READ, forward_peer_cb, u,
	    &st) < 0) {
		log_warn("%s", u == NULL ? strerror(ENOMEM) : st.msg);
		free(u);
		close(fd);
		return NULL;
	}
	u->f = f;
	u->fd = fd;
	u->born = loop_now(f->loop);
	memcpy(&u->addr, a, len);
	u->addrlen = len;
	u->hnext = f->buckets[h];
	f->buckets[h] = u;
	forward_peer_list(f, u);
	addr_format((const struct sockaddr *)a, len, name, sizeof name);
	log_event(LOG_VERBOSE, "connected", LOG_FIELDS(
	    LOG_STR("peer", name),
	    LOG_STR("target", f->target)),
	    "%s -> %s", name, f->target);
	forward_peer_observe(f, u, name);
	return u;
}

/* Datagrams from clients go to the target, each client by its socket. */
static void
forward_udp_cb(struct loop *l, int fd, int mask, void *arg)
{
	struct fwd		*f = arg;
	struct loop_dgram	*d;
	struct fwd_peer		*u;
	int			 i, n;

	(void)l;
	(void)mask;
	n = loop_dgram_recv(fd, f->dg, LOOP_DGRAM_BATCH);
	for (i = 0; i < n; i++) {
		d = loop_dgrams_at(f->dg, i);
		if (d->truncated || d->peerlen <= sizeof(sa_family_t))
			continue;	/* too long to pass on, or unnamed */
		if (!acl_check(&f->acl, (struct sockaddr *)&d->peer,
		    d->peerlen))
			continue;	/* refused: dropped */
		u = forward_peer_find(f, &d->peer, d->peerlen);
		if (u == NULL && (u = forward_peer_new(f, &d->peer,
		    d->peerlen)) == NULL)
			continue;
		/* A full socket drops the datagram, as the network may. */
		if (send(u->fd, d->data, d->len, MSG_DONTWAIT) >= 0) {
			u->up++;
			u->bup += d->len;
			if (u->ob != NULL)
				observe_data(u->ob, 0, d->data, d->len);
		}
		u->last = loop_now(f->loop);
		forward_peer_unlist(f, u);
		forward_peer_list(f, u);
	}
}

/* Forget the clients silent for -i; the list is oldest first. */
static void
forward_expire_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	struct fwd	*f = arg;
	struct status	 st;
	int64_t		 idle = f->lo.idle_ms;

	while (f->head != NULL && loop_now(l) - f->head->last >= idle)
		forward_peer_free(f, f->head, "idle");
	(void)loop_timer_at(l, t, (f->head != NULL ? f->head->last :
	    loop_now(l)) + idle, &st);
}

static int
forward_udp_setup(struct fwd *f, struct status *st)
{
	if (f->lo.idle_ms < 0)
		f->lo.idle_ms = FWD_UDP_IDLE_MS;
	if (f->to_unix != NULL) {
		struct sockaddr_un	sun;
		socklen_t		len;

		if (addr_unix(f->to_unix, &sun, &len, st) < 0)
			return -1;
		f->res = calloc(1, sizeof *f->res + sizeof sun);
		if (f->res == NULL)
			return status_errno(st, ENOMEM, SC_EX_OSERR, "target");
		f->res->ai_family = AF_UNIX;
		f->res->ai_addr = (struct sockaddr *)(f->res + 1);
		memcpy(f->res->ai_addr, &sun, len);
		f->res->ai_addrlen = len;
	} else if (addr_resolve(f->host, f->port, f->to.family, SOCK_DGRAM,
	    f->to.numeric ? ADDR_NUMERIC : 0, &f->res, st) < 0)
		return -1;
	if (f->to_unix == NULL && (f->to.source != NULL ||
	    f->to.source_port_set) && addr_resolve(f->to.source,
	    f->to.source_port, f->res->ai_family, SOCK_DGRAM, ADDR_PASSIVE |
	    (f->to.numeric ? ADDR_NUMERIC : 0), &f->src, st) < 0)
		return -1;
	f->buckets = calloc(FWD_UDP_BUCKETS, sizeof(struct fwd_peer *));
	if (f->buckets == NULL)
		return status_errno(st, ENOMEM, SC_EX_OSERR, "clients");
	if ((f->dg = loop_dgrams_new(st)) == NULL)
		return -1;
	if (sock_set_nonblock(f->lis.fd, 1) < 0)
		return status_errno(st, errno, SC_EX_OSERR, "listener");
	loop_timer_init(&f->expire, forward_expire_cb, f);
	if (loop_timer_at(f->loop, &f->expire, loop_now(f->loop) +
	    f->lo.idle_ms, st) < 0)
		return -1;
	return loop_set(f->loop, f->lis.fd, LOOP_READ, forward_udp_cb, f, st);
}

/* ---------------------------------------------------------------- main */

static int
forward_setup(struct fwd *f, struct status *st)
{
	uint64_t	from, to;
	char		name[ADDR_STRLEN];

	if (loop_nofile_raise(&from, &to, st) < 0)
		return -1;
	if (to != from)
		log_info(LOG_VERBOSE, "open-file limit raised from %llu to "
		    "%llu", (unsigned long long)from, (unsigned long long)to);
	if (forward_tls_setup(f, st) < 0)
		return -1;
	if ((f->loop = loop_new(st)) == NULL)
		return -1;
	if (sock_listen(&f->lo, &f->lis, st) < 0)
		return -1;
	if (f->udp) {
		if (forward_udp_setup(f, st) < 0)
			return -1;
	} else if (accept_start(&f->acc, f->loop, f->lis.fd, f->max_conns, 0,
	    forward_conn_new, forward_accept_event, f, st) < 0)
		return -1;
	else
		accept_set_acl(&f->acc, &f->acl);
	log_listening(f->lis.family == AF_UNIX && f->lo.unix_path != NULL ?
	    f->lo.unix_path : sock_local_str(f->lis.fd, name, sizeof name));
	if (f->proxy.scheme != PROXY_NONE)
		log_info(LOG_VERBOSE, "forwarding to %s via %s", f->target,
		    f->proxy.name);
	else
		log_info(LOG_VERBOSE, "forwarding to %s", f->target);
	return 0;
}

static void
forward_cleanup(struct fwd *f)
{
	struct fwd_conn	*c, *cnext;
	struct fwd_peer	*u, *unext;

	/* Pairs cut short by a stop signal are reset, not ended.  (The next
	   is read before each is freed: the analyzer cannot tell that the
	   free takes it off the list.) */
	for (c = f->conns; c != NULL; c = cnext) {
		cnext = c->next;
		forward_conn_free(c, 1);
	}
	for (u = f->head; u != NULL; u = unext) {
		unext = u->next;
		forward_peer_free(f, u, "stopped");
	}
	accept_free(&f->acc);
	if (f->loop != NULL)
		loop_timer_stop(f->loop, &f->expire);
	if (f->lis.fd >= 0 || f->lis.have_path)
		sock_listener_close(&f->lis);
	loop_free(f->loop);
	loop_dgrams_free(f->dg);
	free(f->buckets);
	if (f->res != NULL && f->to_unix != NULL)
		free(f->res);
	else if (f->res != NULL)
		freeaddrinfo(f->res);
	if (f->src != NULL)
		freeaddrinfo(f->src);
	tls_ctx_free(f->srv_ctx);
	tls_ctx_free(f->cli_ctx);
	pair_pool_drain();
}

static int
forward_main(const struct sc_cmd *cmd, int argc, char **argv)
{
	struct fwd	*f;
	struct status	 st;
	int		 first, rc;

	status_clear(&st);
	f = calloc(1, sizeof *f);
	if (f == NULL) {
		status_errno(&st, ENOMEM, SC_EX_OSERR, "forward");
		return log_status(&st);
	}
	f->lis.fd = -1;
	f->max_conns = -1;
	f->count = -1;
	loop_timer_init(&f->expire, forward_expire_cb, f);
	sock_opts_init(&f->lo, SOCK_STREAM, "tcp");
	f->lo.activate = 1;
	tls_opts_init(&f->tls);
	proxy_url_init(&f->proxy);
	acl_init(&f->acl, log_refused, NULL);
	f->lo.acl = &f->acl;
	first = opt_parse(cmd, argc, argv, &f->lo, forward_opt, f, &st);
	if (first == OPT_HELP) {
		free(f);
		return SC_EX_OK;
	}
	if (first < 0 || forward_sides(f, argc, argv, first, &st) < 0 ||
	    forward_tls_split(f, &st) < 0 || observe_open(&f->obs, &st) < 0 ||
	    forward_setup(f, &st) < 0) {
		rc = log_status(&st);
		forward_cleanup(f);
		free(f);
		return rc;
	}
	rc = loop_run(f->loop, NULL, NULL, &st);
	if (sig_pending() != 0)
		log_info(LOG_VERBOSE, "stopped by signal %d", sig_pending());
	forward_cleanup(f);
	free(f);
	/* SIGINT and SIGTERM are the way to stop a server: status 0. */
	return rc < 0 ? log_status(&st) : SC_EX_OK;
}

const struct sc_cmd cmd_forward = {
	"forward", "concurrent port forwarder (TCP, UDP or Unix)",
	"[OPTIONS] (-p PORT | -U PATH) (HOST PORT | HOST:PORT | "
	"--to-unix PATH)", forward_rows, forward_main
};
