/* cmd-connect.c: sockcat connect, TCP/Unix stream client relaying stdio. */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "cmd.h"
#include "dial.h"
#include "exec.h"
#include "log.h"
#include "loop.h"
#include "observe.h"
#include "opt.h"
#include "proxy.h"
#include "relay.h"
#include "sig.h"
#include "sock.h"
#include "status.h"
#include "tls.h"
#include "tlslayer.h"
#include "tunnel.h"

static const struct opt_row connect_rows[] = {
	OPT_ROW_IPV4,
	OPT_ROW_IPV6,
	OPT_ROW_SOURCE,
	OPT_ROW_SOURCE_PORT,
	OPT_ROW_NUMERIC,
	OPT_ROW_UNIX,
	OPT_ROW_SEQPACKET,
	OPT_ROW_TIMEOUT("connect timeout (and TLS handshake), over all "
	    "addresses of HOST"),
	OPT_ROW_IDLE,
	OPT_ROW_KEEPALIVE,
	OPT_ROW_NODELAY,
	OPT_ROW_RCVBUF,
	OPT_ROW_SNDBUF,
	OPT_ROW_NO_SHUTDOWN,
	OPT_ROW_SEND_ONLY,
	OPT_ROW_RECV_ONLY,
	OPT_ROW_WAIT_STDIN,
	OPT_ROW_TLS,
	OPT_ROW_CAFILE,
	OPT_ROW_SNI,
	OPT_ROW_PIN,
	OPT_ROW_INSECURE,
	OPT_ROW_ALPN,
	OPT_ROW_CERT,
	OPT_ROW_KEY,
	OPT_ROW_TLS_MIN,
	OBSERVE_ROWS_RELAY,
	OPT_ROW_PROXY,
	OPT_ROW_PROXY_AUTH_FILE,
	OPT_ROW_EXEC,
	OPT_ROW_VERBOSE,
	OPT_ROW_QUIET,
	OPT_ROW_LOG_FORMAT,
	OPT_ROW_END
};

struct connect_args {
	const char		*exec;		/* -e CMD */
	struct relay_opts	 ro;
	struct tls_opts		 tls;
	struct proxy_url	 proxy;		/* --proxy */
};

static int
connect_opt(void *ctx, int id, const char *arg, struct status *st)
{
	struct connect_args	*a = ctx;
	int			 r;

	if (id == 'e') {
		a->exec = arg;
		return 0;
	}
	if (relay_opt(&a->ro, id))
		return 0;
	r = tls_opt(&a->tls, id, arg, st);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if ((r = observe_opt(&a->ro.obs, id, arg, st)) != 0)
		return r < 0 ? -1 : 0;
	if ((r = proxy_opt(&a->proxy, id, arg, st)) != 0)
		return r < 0 ? -1 : 0;
	return status_set(st, SC_EX_SOFTWARE, "option %d not handled", id);
}

/*
 * Each connect attempt: at -v when HOST has several addresses (Happy
 * Eyeballs at work), at -vv always; "connected to" is said below.
 */
static void
connect_attempt(void *arg, const struct sock_attempt *a)
{
	char	buf[2 * ADDR_STRLEN + SC_STATUS_MSG];

	(void)arg;
	if (a->what == SOCK_ATTEMPT_OK)
		return;
	log_info(a->of > 1 ? LOG_VERBOSE : LOG_DEBUG, "%s",
	    dial_attempt_str(a, buf, sizeof buf));
}

/*
 * The TLS rules of connect that need no network: those of tls.h, and a
 * Unix socket has no host name to verify the server against.
 */
static int
connect_tls_check(const struct sock_opts *o, struct tls_opts *t,
    struct status *st)
{
	if (tls_opts_check(t, 0, st) < 0)
		return -1;
	if (!t->tls)
		return 0;
	if (o->seqpacket)
		return status_usage(st, "--tls does not go with --seqpacket");
	if (o->unix_path != NULL && t->sni == NULL && !t->have_pin &&
	    !t->insecure)
		return status_usage(st, "--tls with -U needs --sni NAME or "
		    "--pin: there is no host name to verify the server "
		    "against");
	return 0;
}

/* The handshake is done: say with what, at -v. */
static void
connect_tls_ready(struct tls_conn *conn, void *arg)
{
	char	buf[TLS_DESCRIBE_LEN];

	log_info(LOG_VERBOSE, "TLS with %s: %s", (const char *)arg,
	    tls_conn_describe(conn, buf, sizeof buf));
}

/*
 * The TLS layer on the connected fd, into ro; the handshake must be done
 * by the -w deadline (else within TLSLAYER_HANDSHAKE_MS).
 */
static struct tlslayer *
connect_tls(struct tls_ctx *ctx, int fd, const char *host, char *name,
    int64_t deadline, struct relay_opts *ro, struct status *st)
{
	struct tlslayer	*t;
	int64_t		 left;

	t = tlslayer_new(ctx, fd, host, connect_tls_ready, name, st);
	if (t == NULL)
		return NULL;
	ro->layer = &tlslayer_ops;
	ro->layer_ctx = t;
	if (deadline < 0)
		ro->hs_ms = TLSLAYER_HANDSHAKE_MS;
	else {
		left = deadline - sock_now_ms();
		ro->hs_ms = left > 0 ? left : 1;
	}
	return t;
}

/* Connect (through the proxy, with --proxy) and relay the one session. */
static int
connect_run(const struct sock_opts *o, const char *host,
    struct relay_opts *ro, struct tls_ctx *ctx, const struct proxy_url *proxy,
    struct status *st)
{
	struct relay	 r;
	struct tlslayer	*t = NULL;
	char		 name[ADDR_STRLEN];
	int64_t		 deadline;
	int		 fd, rc;

	/* Before any socket exists, so none takes a closed stdin's number. */
	relay_init(&r, STDIN_FILENO, STDOUT_FILENO, o->seqpacket);
	/* -w covers the connect and the TLS handshake together. */
	deadline = o->timeout_ms >= 0 ? sock_now_ms() + o->timeout_ms : -1;
	fd = proxy->scheme != PROXY_NONE ? tunnel_blocking(o, proxy, host,
	    o->remote_port, st) : sock_connect(o, host, st);
	if (fd < 0) {
		if (sig_pending())
			sig_reraise();
		return -1;
	}
	if (proxy->scheme != PROXY_NONE)
		tunnel_name(proxy, host, o->remote_port, name, sizeof name);
	else if (o->unix_path != NULL)
		snprintf(name, sizeof name, "%s", o->unix_path);
	else
		sock_peer_str(fd, name, sizeof name);
	log_connected(name);
	if (ctx != NULL && (t = connect_tls(ctx, fd, o->unix_path != NULL ?
	    NULL : host, name, deadline, ro, st)) == NULL) {
		close(fd);
		relay_free(&r);
		return -1;
	}
	ro->peer = name;
	rc = relay_run(&r, fd, ro, st);
	relay_report(&r, name);
	ro->peer = NULL;		/* name is about to go out of scope */
	ro->layer = NULL;
	ro->layer_ctx = NULL;
	tlslayer_free(t);
	relay_free(&r);
	if (sig_pending())
		sig_reraise();
	return rc;
}

/* -------------------------------------------------------------- --exec */

/* connect -e: the one program, and its outcome. */
struct connect_exec {
	struct loop	*loop;
	int		 ended;
	int		 wstatus;
	int		 failed;	/* CMD never ran: st says why */
	struct status	 st;
};

static void
connect_exec_event(void *arg, enum exec_event ev, const struct exec_child *c)
{
	struct connect_exec	*ce = arg;

	switch (ev) {
	case EXEC_STARTED:
		log_exec_start((long)c->pid, c->name);
		break;
	case EXEC_ENDED:
		log_exec_end((long)c->pid, c->name, c->wstatus,
		    c->end_ms - c->start_ms);
		ce->ended = 1;
		ce->wstatus = c->wstatus;
		break;
	case EXEC_FAILED:
		ce->failed = 1;
		ce->st = c->err;
		break;
	case EXEC_CLOSED:
		loop_stop(ce->loop);
		break;
	}
}

/* Connect and run CMD on the connection; its status is sockcat's. */
static int
connect_exec_run(struct exec *x, const struct sock_opts *o, const char *host,
    const struct proxy_url *proxy, struct tls_ctx *ctx,
    struct connect_exec *ce, struct status *st)
{
	struct exec_child	*c;
	struct exec_env		 env;
	char			 name[ADDR_STRLEN];
	int			 fd;

	if (exec_attach(x, ce->loop, connect_exec_event, ce, st) < 0)
		return -1;
	/* Through a proxy, the tunnel is a plain socket like any other. */
	fd = proxy->scheme != PROXY_NONE ? tunnel_blocking(o, proxy, host,
	    o->remote_port, st) : sock_connect(o, host, st);
	if (fd < 0)
		return -1;
	if (o->unix_path != NULL)
		snprintf(name, sizeof name, "%s", o->unix_path);
	else
		sock_peer_str(fd, name, sizeof name);
	log_connected(name);
	exec_env_socket(&env, fd);
	if (ctx != NULL) {
		/* TLS sits between: CMD gets a socketpair the engine relays. */
		struct exec_layer ly = { &tlslayer_ops, tlslayer_open,
			tlslayer_close, ctx, TLSLAYER_HANDSHAKE_MS };

		if (o->timeout_ms >= 0)
			ly.hs_ms = o->timeout_ms;
		if (exec_start_layered(x, fd, &ly, o->unix_path != NULL ? NULL :
		    host, &env, name, &c, st) < 0)
			return -1;
	} else if (exec_start(x, fd, &env, name, &c, st) < 0)
		return -1;
	if (loop_run(ce->loop, NULL, NULL, st) < 0)
		return -1;
	if (sig_pending() != 0)
		exec_stop(x, SIGTERM);
	if (ce->failed) {
		*st = ce->st;
		return -1;
	}
	return 0;
}

static int
connect_exec(const struct sock_opts *o, const char *host, const char *cmd,
    const struct proxy_url *proxy, struct tls_ctx *ctx)
{
	struct connect_exec	 ce;
	struct exec		*x;
	struct status		 st;
	int			 rc = -1;

	memset(&ce, 0, sizeof ce);
	status_clear(&st);
	/* First: it keeps descriptors 0-2 from going to a socket. */
	x = exec_new(cmd, &st);
	if (x != NULL && (ce.loop = loop_new(&st)) != NULL)
		rc = connect_exec_run(x, o, host, proxy, ctx, &ce, &st);
	exec_free(x);
	loop_free(ce.loop);
	/* A stop signal that killed CMD (or came before it) kills us. */
	if (sig_pending() != 0 && (!ce.ended || WIFSIGNALED(ce.wstatus)))
		sig_reraise();
	if (rc < 0)
		return log_status(&st);
	return exec_status_code(ce.wstatus);
}

static int
connect_main(const struct sc_cmd *cmd, int argc, char **argv)
{
	struct sock_opts	 o;
	struct connect_args	 a;
	struct status		 st;
	struct tls_ctx		*ctx = NULL;
	const char		*host;
	int			 first, rc;

	status_clear(&st);
	memset(&a, 0, sizeof a);
	tls_opts_init(&a.tls);
	proxy_url_init(&a.proxy);
	sock_opts_init(&o, SOCK_STREAM, "tcp");
	first = opt_parse(cmd, argc, argv, &o, connect_opt, &a, &st);
	if (first == OPT_HELP)
		return SC_EX_OK;
	if (first < 0 || opt_client_operands(&o, argc, argv, first, &host,
	    NULL, &st) < 0)
		return log_status(&st);
	if (relay_opts_check(&a.ro, &st) < 0 ||
	    connect_tls_check(&o, &a.tls, &st) < 0 ||
	    proxy_opts_check(&a.proxy, &o, host, &st) < 0 ||
	    (a.exec != NULL && exec_opts_check(a.exec, &a.ro, o.idle_ms,
	    &st) < 0))
		return log_status(&st);
	o.attempt = connect_attempt;
	a.ro.idle_ms = o.idle_ms;
	if (a.tls.tls) {
		ctx = tls_ctx_new(&a.tls, 0, &st);
		if (ctx == NULL)
			return log_status(&st);
		if (a.tls.insecure)
			log_warn("--insecure: the server's certificate and "
			    "name are not verified");
	}
	if (a.exec != NULL) {
		rc = connect_exec(&o, host, a.exec, &a.proxy, ctx);
		tls_ctx_free(ctx);
		return rc;
	}
	rc = connect_run(&o, host, &a.ro, ctx, &a.proxy, &st);
	tls_ctx_free(ctx);
	if (rc < 0)
		return log_status(&st);
	return SC_EX_OK;
}

const struct sc_cmd cmd_connect = {
	"connect", "TCP/Unix stream client, relays stdin/stdout",
	"[OPTIONS] HOST PORT | HOST:PORT | -U PATH", connect_rows, connect_main
};
