/*
 * cmd-proxy.c: sockcat proxy (SOCKS4/4a/5 and HTTP CONNECT proxy server).
 *
 * Every client is accepted at once (accept.c), on 127.0.0.1 and ::1
 * unless -b says otherwise; its handshake is served, told apart by the
 * first byte, and its destination dialed without blocking (tunnel.c);
 * then the two are relayed by the relay engine (pair.c).  All on one
 * event loop: no thread or process per client, and a client that says
 * nothing, or too much, holds nobody else up.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accept.h"
#include "acl.h"
#include "addr.h"
#include "cmd.h"
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
#include "tunnel.h"

enum {
	OPT_AUTH = OPT_CMD,
	OPT_AUTH_FILE
};

/* The port when none is given (SOCKS's). */
#define PX_PORT_DEFAULT		1080
/* The destinations' connect timeout when -w is not given. */
#define PX_CONNECT_MS		10000
/* Tries at a port free on both 127.0.0.1 and ::1 (-p 0). */
#define PX_BIND_TRIES		16

static const struct opt_row proxy_rows[] = {
	OPT_ROW_IPV4,
	OPT_ROW_IPV6,
	OPT_ROW_PORT,
	{ 'b', 'b', "bind", OPT_ARG_REQUIRED, "ADDR",
	  "local address to listen on (default: 127.0.0.1 and ::1)" },
	OPT_ROW_UNIX,
	OPT_ROW_SOURCE,
	OPT_ROW_NUMERIC,
	OPT_ROW_TIMEOUT("connect timeout to destinations (default 10s)"),
	{ 'i', 'i', "idle-timeout", OPT_ARG_REQUIRED, "DUR",
	  "close a tunnel idle for DUR" },
	{ 'm', 'm', "max-conns", OPT_ARG_REQUIRED, "N",
	  "at most N clients at once; more wait in the backlog" },
	{ 'c', 'c', "count", OPT_ARG_REQUIRED, "N",
	  "exit after N clients have been served and closed" },
	{ OPT_AUTH, 0, "auth", OPT_ARG_REQUIRED, "USER:PASS",
	  "require this user name and password (SOCKS5, HTTP)" },
	{ OPT_AUTH_FILE, 0, "auth-file", OPT_ARG_REQUIRED, "FILE",
	  "read --auth's USER:PASS from FILE" },
	OPT_ROW_ALLOW,
	OPT_ROW_DENY,
	OPT_ROW_REUSEADDR,
	OPT_ROW_NO_REUSEADDR,
	OPT_ROW_REUSEPORT,
	OPT_ROW_KEEPALIVE,
	OPT_ROW_NODELAY,
	OPT_ROW_RCVBUF,
	OPT_ROW_SNDBUF,
	OBSERVE_ROW_HEXDUMP_TEXT("dump what moves in hex and ASCII to stderr, "
	    "or to FILE, each line naming its tunnel"),
	OBSERVE_ROW_STATS_TEXT("at the end of each tunnel: bytes each way, "
	    "duration, rate"),
	OBSERVE_ROW_RATE_TEXT("at most RATE bytes a second each way, per "
	    "tunnel (k/M/G suffixes)"),
	OPT_ROW_VERBOSE,
	OPT_ROW_QUIET,
	OPT_ROW_LOG_FORMAT,
	OPT_ROW_END
};

struct px;

/* One client: its handshake, then its tunnel. */
struct px_conn {
	struct px_conn		*prev, *next;
	struct px		*p;
	int			 cfd, dfd;
	struct tunnel_srv	*ts;
	struct pair		*pair;
	struct observe		*ob;		/* -x, --stats, --rate */
	struct tunnel_info	 ti;
	char			 cname[ADDR_STRLEN];
	char			 dname[ADDR_STRLEN];
};

struct px {
	struct sock_opts		 lo;	/* the listening side */
	struct sock_opts		 to;	/* the destinations' side */
	struct acl			 acl;
	struct proxy_cred		 auth;
	const char			*auth_file;
	struct tunnel_serve_opts	 so;
	struct observe_opts		 obs;	/* -x, --stats, --rate */
	int64_t				 max_conns;	/* -m; -1: none */
	int64_t				 count;		/* -c; -1: forever */
	int64_t				 accepted, closed;
	struct sock_listener		 lis[2];
	int				 nlis;
	struct acceptor			 acc;
	struct loop			*loop;
	struct px_conn			*conns;
	int				 warned_emfile;
};

static int
proxy_opt_cb(void *ctx, int id, const char *arg, struct status *st)
{
	struct px	*p = ctx;
	int		 r;

	switch (id) {
	case 'm':
		return parse_count("--max-conns", arg, 1, INT64_MAX,
		    &p->max_conns, st);
	case 'c':
		return parse_count("--count", arg, 1, INT64_MAX, &p->count,
		    st);
	case OPT_AUTH:
		if (p->auth.set)
			return status_usage(st, "give --auth once");
		return proxy_cred_parse("--auth", arg, strlen(arg), 1,
		    &p->auth, st);
	case OPT_AUTH_FILE:
		if (arg[0] == '\0')
			return status_usage(st, "--auth-file '': an empty path");
		p->auth_file = arg;
		return 0;
	default:
		if ((r = observe_opt(&p->obs, id, arg, st)) != 0)
			return r < 0 ? -1 : 0;
		return status_set(st, SC_EX_SOFTWARE, "option %d not handled",
		    id);
	}
}

/*
 * The operands (an optional PORT) and the split of the options: -p, -b
 * and --reuse* are the listener's; -4/-6, -s, -n and -w the
 * destinations'; the socket options both sides'.
 */
static int
proxy_sides(struct px *p, int argc, char **argv, int first,
    struct status *st)
{
	struct sock_opts	*lo = &p->lo, *to = &p->to;
	const char		*source = lo->source;
	int			 family = lo->family;

	if (p->auth_file != NULL) {
		if (p->auth.set)
			return status_usage(st, "--auth and --auth-file exclude "
			    "each other");
		if (proxy_cred_file("--auth-file", p->auth_file, 1, &p->auth,
		    st) < 0)
			return -1;
	}
	if (lo->unix_path != NULL && lo->bind != NULL)
		return status_usage(st, "-U PATH does not go with --bind");
	if (lo->unix_path == NULL && !lo->port_set && first >= argc &&
	    !sock_activation_present()) {
		lo->port = PX_PORT_DEFAULT;
		lo->port_set = 1;
	}
	/* -4/-6 and -s are the destinations', also with -U. */
	lo->family = AF_UNSPEC;
	lo->source = NULL;
	if (opt_listener_operands(lo, argc, argv, first, st) < 0)
		return -1;
	*to = *lo;
	to->family = family;
	to->source = source;
	to->port_set = 0;
	to->bind = NULL;
	to->reuseaddr = -1;
	to->reuseport = 0;
	to->acl = NULL;
	to->unix_path = NULL;
	to->timeout_ms = lo->timeout_ms < 0 ? PX_CONNECT_MS : lo->timeout_ms;
	p->so.to = to;
	p->so.auth = p->auth.set ? &p->auth : NULL;
	p->so.handshake_ms = TUNNEL_HANDSHAKE_MS;
	return 0;
}

/* ------------------------------------------------------------ clients */

static void
proxy_conn_unlink(struct px *p, struct px_conn *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		p->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

/* Forget c and close its sockets (reset first when reset says so). */
static void
proxy_conn_free(struct px_conn *c, int reset)
{
	struct px	*p = c->p;

	proxy_conn_unlink(p, c);
	tunnel_serve_cancel(c->ts);
	if (c->pair != NULL) {
		if (reset) {
			pair_reset(c->pair, 0);
			pair_reset(c->pair, 1);
		}
		pair_free(c->pair);
	} else if (reset)
		sock_reset(c->cfd);
	close(c->cfd);
	if (c->dfd >= 0)
		close(c->dfd);
	observe_pair_free(c->ob);
	free(c);
	p->closed++;
	accept_closed(&p->acc);
	if (p->count >= 0 && p->closed >= p->count)
		loop_stop(p->loop);
}

/* "SOCKS5, user alice, 127.0.0.1:8080" */
static void
proxy_conn_how(const struct px_conn *c, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s%s%s", proxy_scheme_name(c->ti.proto),
	    c->ti.user[0] != '\0' ? ", user " : "", c->ti.user,
	    c->dname[0] != '\0' ? ", " : "", c->dname);
}

static void
proxy_pair_done(struct pair *pr, void *arg, const struct status *st)
{
	const struct pair_counts	*n = pair_counts(pr);
	struct px_conn			*c = arg;
	int64_t				 ms = n->end_ms - n->start_ms;
	char				 how[ADDR_STRLEN + PROXY_CRED_MAX + 32];

	if (log_level() >= LOG_VERBOSE) {
		proxy_conn_how(c, how, sizeof how);
		log_info(LOG_VERBOSE, "%s -> %s (%s)%s%s%s: %llu bytes up, "
		    "%llu bytes down, %lld.%03llds", c->cname, c->ti.dest, how,
		    st->code != SC_EX_OK ? " (" : "",
		    st->code != SC_EX_OK ? st->msg : "",
		    st->code != SC_EX_OK ? ")" : "",
		    (unsigned long long)n->out[0],
		    (unsigned long long)n->out[1], (long long)(ms / 1000),
		    (long long)(ms % 1000));
	}
	observe_pair_report(c->ob, n);
	/* The engine has reset the other side of a reset already. */
	proxy_conn_free(c, 0);
}

/* A handshake is over: relay the tunnel, or say why there is none. */
static void
proxy_tunnel_done(void *arg, int dfd, const struct tunnel_info *ti,
    const struct status *tst)
{
	struct px_conn		*c = arg;
	struct px		*p = c->p;
	struct pair_end_spec	 e[2];
	struct pair_opts	 po;
	struct status		 st;
	char			 how[ADDR_STRLEN + PROXY_CRED_MAX + 32];

	c->ts = NULL;
	c->ti = *ti;
	if (dfd < 0) {
		proxy_conn_how(c, how, sizeof how);
		switch (ti->end) {
		case TUNNEL_NO_DEST:
			log_info(LOG_VERBOSE, "%s -> %s (%s): %s", c->cname,
			    ti->dest, how, tst->msg);
			break;
		case TUNNEL_GONE:
			log_info(LOG_VERBOSE, "%s: %s", c->cname, tst->msg);
			break;
		default:
			log_warn("%s: %s", c->cname, tst->msg);
			break;
		}
		/* The refusal, if any, has been sent: a FIN, not a reset. */
		proxy_conn_free(c, 0);
		return;
	}
	c->dfd = dfd;
	sock_peer_str(dfd, c->dname, sizeof c->dname);
	if (log_level() >= LOG_DEBUG) {
		proxy_conn_how(c, how, sizeof how);
		log_info(LOG_DEBUG, "%s -> %s (%s)", c->cname, ti->dest, how);
	}
	memset(e, 0, sizeof e);
	memset(&po, 0, sizeof po);
	if (observe_pair_begin(&c->ob, &p->obs, c->cname, ti->dest, &po,
	    &st) < 0) {
		log_warn("%s -> %s: %s", c->cname, c->dname, st.msg);
		proxy_conn_free(c, 1);
		return;
	}
	e[0].rfd = e[0].wfd = c->cfd;
	e[0].flags = PAIR_SOCKET | PAIR_NONBLOCK;
	e[0].rname = e[0].wname = c->cname;
	e[1].rfd = e[1].wfd = c->dfd;
	e[1].flags = PAIR_SOCKET | PAIR_NONBLOCK;
	e[1].rname = e[1].wname = c->dname;
	po.idle_ms = p->lo.idle_ms;
	c->pair = pair_new(p->loop, &e[0], &e[1], &po, proxy_pair_done, c,
	    &st);
	if (c->pair == NULL || pair_start(c->pair, &st) < 0) {
		log_warn("%s -> %s: %s", c->cname, c->dname, st.msg);
		proxy_conn_free(c, 1);
	}
}

/* A client: serve its handshake. */
static void
proxy_conn_new(void *arg, int fd, const struct sockaddr_storage *peer,
    socklen_t peerlen)
{
	struct px	*p = arg;
	struct px_conn	*c;
	struct status	 st;

	c = calloc(1, sizeof *c);
	if (c == NULL) {
		log_warn("connection: %s", strerror(ENOMEM));
		sock_reset(fd);
		close(fd);
		accept_closed(&p->acc);
		return;
	}
	c->p = p;
	c->cfd = fd;
	c->dfd = -1;
	c->next = p->conns;
	if (p->conns != NULL)
		p->conns->prev = c;
	p->conns = c;
	if (peer->ss_family == AF_UNIX && peerlen <= sizeof(sa_family_t))
		snprintf(c->cname, sizeof c->cname, "%s client %lld",
		    p->lo.unix_path != NULL ? p->lo.unix_path : "unix",
		    (long long)p->acc.seen);
	else
		addr_format((const struct sockaddr *)peer, peerlen, c->cname,
		    sizeof c->cname);
	log_info(LOG_DEBUG, "connection from %s", c->cname);
	p->accepted++;
	if (p->count >= 0 && p->accepted >= p->count)
		accept_stop(&p->acc);
	if (sock_apply(fd, &p->lo, peer->ss_family, 0, &st) < 0) {
		log_warn("%s: %s", c->cname, st.msg);
		proxy_conn_free(c, 1);
		return;
	}
	c->ts = tunnel_serve(p->loop, fd, &p->so, proxy_tunnel_done, c, &st);
	if (c->ts == NULL) {
		log_warn("%s: %s", c->cname, st.msg);
		proxy_conn_free(c, 1);
	}
}

static void
proxy_accept_event(void *arg, enum accept_event ev, int err,
    const struct sockaddr_storage *peer, socklen_t peerlen)
{
	struct px	*p = arg;

	(void)peer;
	(void)peerlen;
	switch (ev) {
	case ACCEPT_PAUSED:
		if (!p->warned_emfile)
			log_warn("accept: %s; waiting for a client to close "
			    "(%lld open)", strerror(err),
			    (long long)p->acc.open);
		else
			log_info(LOG_DEBUG, "accept: %s; paused",
			    strerror(err));
		p->warned_emfile = 1;
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

/* ---------------------------------------------------------------- main */

/*
 * Loopback only: 127.0.0.1 and ::1 on one port (-p 0: one that is free
 * on both), or 127.0.0.1 alone where there is no IPv6.
 */
static int
proxy_listen_loopback(struct px *p, struct status *st)
{
	struct sock_opts	o4 = p->lo, o6 = p->lo;
	struct sockaddr_storage	ss;
	socklen_t		len;
	int			i, err;

	o4.bind = "127.0.0.1";
	o6.bind = "::1";
	for (i = 0; i < PX_BIND_TRIES; i++) {
		if (sock_listen(&o4, &p->lis[0], st) < 0)
			return -1;
		p->nlis = 1;
		memset(&ss, 0, sizeof ss);
		len = sizeof ss;
		if (getsockname(p->lis[0].fd, (struct sockaddr *)&ss, &len) < 0)
			return status_errno(st, errno, SC_EX_OSERR,
			    "getsockname");
		o6.port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		if (sock_listen(&o6, &p->lis[1], st) == 0) {
			p->nlis = 2;
			return 0;
		}
		err = errno;
		if (err == EADDRNOTAVAIL || err == EAFNOSUPPORT ||
		    st->code == SC_EX_NOHOST) {
			status_clear(st);
			return 0;	/* no IPv6 loopback here */
		}
		if (err != EADDRINUSE || p->lo.port != 0)
			return -1;
		/* ::1 had that port taken: both again, on another. */
		sock_listener_close(&p->lis[0]);
		p->nlis = 0;
	}
	return -1;
}

static int
proxy_setup(struct px *p, struct status *st)
{
	uint64_t	from, to;
	char		name[ADDR_STRLEN];
	int		i;

	if (loop_nofile_raise(&from, &to, st) < 0)
		return -1;
	if (to != from)
		log_info(LOG_VERBOSE, "open-file limit raised from %llu to "
		    "%llu", (unsigned long long)from, (unsigned long long)to);
	if ((p->loop = loop_new(st)) == NULL)
		return -1;
	if (p->lo.bind != NULL || p->lo.unix_path != NULL ||
	    sock_activation_present()) {
		if (sock_listen(&p->lo, &p->lis[0], st) < 0)
			return -1;
		p->nlis = 1;
	} else if (proxy_listen_loopback(p, st) < 0)
		return -1;
	if (accept_start(&p->acc, p->loop, p->lis[0].fd, p->max_conns, 0,
	    proxy_conn_new, proxy_accept_event, p, st) < 0)
		return -1;
	if (p->nlis > 1 && accept_add(&p->acc, p->lis[1].fd, st) < 0)
		return -1;
	accept_set_acl(&p->acc, &p->acl);
	for (i = 0; i < p->nlis; i++)
		log_info(LOG_VERBOSE, "listening on %s", p->lis[i].family ==
		    AF_UNIX && p->lo.unix_path != NULL ? p->lo.unix_path :
		    sock_local_str(p->lis[i].fd, name, sizeof name));
	return 0;
}

static void
proxy_cleanup(struct px *p)
{
	struct px_conn	*c, *next;
	int		 i;

	/* Tunnels cut short by a stop signal are reset, not ended. */
	for (c = p->conns; c != NULL; c = next) {
		next = c->next;
		proxy_conn_free(c, 1);
	}
	accept_free(&p->acc);
	for (i = 0; i < 2; i++)
		if (p->lis[i].fd >= 0 || p->lis[i].have_path)
			sock_listener_close(&p->lis[i]);
	loop_free(p->loop);
	pair_pool_drain();
}

static int
proxy_main(const struct sc_cmd *cmd, int argc, char **argv)
{
	struct px	*p;
	struct status	 st;
	int		 first, rc;

	status_clear(&st);
	p = calloc(1, sizeof *p);
	if (p == NULL) {
		status_errno(&st, ENOMEM, SC_EX_OSERR, "proxy");
		return log_status(&st);
	}
	p->lis[0].fd = p->lis[1].fd = -1;
	p->max_conns = -1;
	p->count = -1;
	sock_opts_init(&p->lo, SOCK_STREAM, "tcp");
	p->lo.activate = 1;
	acl_init(&p->acl, log_refused, NULL);
	p->lo.acl = &p->acl;
	first = opt_parse(cmd, argc, argv, &p->lo, proxy_opt_cb, p, &st);
	if (first == OPT_HELP) {
		free(p);
		return SC_EX_OK;
	}
	if (first < 0 || proxy_sides(p, argc, argv, first, &st) < 0 ||
	    observe_open(&p->obs, &st) < 0 || proxy_setup(p, &st) < 0) {
		rc = log_status(&st);
		proxy_cleanup(p);
		free(p);
		return rc;
	}
	rc = loop_run(p->loop, NULL, NULL, &st);
	if (sig_pending() != 0)
		log_info(LOG_VERBOSE, "stopped by signal %d", sig_pending());
	proxy_cleanup(p);
	free(p);
	/* SIGINT and SIGTERM are the way to stop a server: status 0. */
	return rc < 0 ? log_status(&st) : SC_EX_OK;
}

const struct sc_cmd cmd_proxy = {
	"proxy", "SOCKS4/4a/5 and HTTP CONNECT proxy server",
	"[OPTIONS] [-p PORT | PORT | -U PATH]", proxy_rows, proxy_main
};
