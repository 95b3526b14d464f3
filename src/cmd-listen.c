/* cmd-listen.c: sockcat listen, TCP/Unix stream server relaying stdio. */
#include "config.h"

#include <sys/socket.h>

#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "accept.h"
#include "acl.h"
#include "addr.h"
#include "cmd.h"
#include "exec.h"
#include "log.h"
#include "loop.h"
#include "observe.h"
#include "opt.h"
#include "parse.h"
#include "relay.h"
#include "sig.h"
#include "sock.h"
#include "status.h"
#include "tls.h"
#include "tlslayer.h"

struct listen_args {
	int			 keep;	/* -k */
	const char		*exec;	/* -e CMD */
	int64_t			 max_conns;	/* -m; -1: not given */
	struct relay_opts	 ro;
	struct tls_opts		 tls;
	struct tls_ctx		*ctx;	/* --tls: one for every session */
	struct acl		 acl;	/* --allow, --deny */
};

static const struct opt_row listen_rows[] = {
	OPT_ROW_IPV4,
	OPT_ROW_IPV6,
	OPT_ROW_PORT,
	OPT_ROW_BIND,
	OPT_ROW_NUMERIC,
	OPT_ROW_UNIX,
	OPT_ROW_SEQPACKET,
	OPT_ROW_TIMEOUT(
	    "accept timeout: give up when nobody connects within DUR"),
	OPT_ROW_IDLE,
	{ 'k', 'k', "keep-open", OPT_ARG_NONE, NULL,
	  "after a session ends, accept the next one" },
	OPT_ROW_EXEC,
	{ 'm', 'm', "max-conns", OPT_ARG_REQUIRED, "N",
	  "with -k -e: at most N programs at once (default 100)" },
	OPT_ROW_REUSEADDR,
	OPT_ROW_NO_REUSEADDR,
	OPT_ROW_REUSEPORT,
	OPT_ROW_KEEPALIVE,
	OPT_ROW_NODELAY,
	OPT_ROW_RCVBUF,
	OPT_ROW_SNDBUF,
	OPT_ROW_NO_SHUTDOWN,
	OPT_ROW_SEND_ONLY,
	OPT_ROW_RECV_ONLY,
	OPT_ROW_WAIT_STDIN,
	OPT_ROW_TLS,
	OPT_ROW_CERT,
	OPT_ROW_KEY,
	OPT_ROW_SELF_SIGNED,
	OPT_ROW_CLIENT_CA,
	OPT_ROW_ALPN,
	OPT_ROW_TLS_MIN,
	OBSERVE_ROWS_RELAY,
	OPT_ROW_ALLOW,
	OPT_ROW_DENY,
	OPT_ROW_VERBOSE,
	OPT_ROW_QUIET,
	OPT_ROW_LOG_FORMAT,
	OPT_ROW_END
};

static int
listen_opt(void *ctx, int id, const char *arg, struct status *st)
{
	struct listen_args	*a = ctx;
	int			 r;

	if (id == 'k') {
		a->keep = 1;
		return 0;
	}
	if (id == 'e') {
		a->exec = arg;
		return 0;
	}
	if (id == 'm')
		return parse_count("--max-conns", arg, 1, INT64_MAX,
		    &a->max_conns, st);
	if (relay_opt(&a->ro, id))
		return 0;
	r = tls_opt(&a->tls, id, arg, st);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if ((r = observe_opt(&a->ro.obs, id, arg, st)) != 0)
		return r < 0 ? -1 : 0;
	return status_set(st, SC_EX_SOFTWARE, "option %d not handled", id);
}

/* The handshake is done: say with what, at -v. */
static void
listen_tls_ready(struct tls_conn *conn, void *arg)
{
	const struct listen_args	*a = arg;
	char				 buf[TLS_DESCRIBE_LEN];

	log_info(LOG_VERBOSE, "TLS with %s: %s", a->ro.peer,
	    tls_conn_describe(conn, buf, sizeof buf));
}

/*
 * Accept and relay one session.  Without -k the listening socket is
 * closed (and its file removed) right after the accept, so later clients
 * are refused instead of waiting in the backlog.  Returns 0 when the
 * session went well, 1 when it failed but a -k listener may go on, -1
 * when the listener must stop (st set).
 */
static int
listen_session(struct sock_listener *l, const struct sock_opts *o,
    struct listen_args *a, struct relay *r, struct status *st)
{
	struct sockaddr_storage	 peer;
	socklen_t		 len;
	struct tlslayer		*t = NULL;
	char			 name[ADDR_STRLEN];
	int			 fd, rc;

	fd = sock_accept(l, o, o->timeout_ms, &peer, &len, st);
	if (fd < 0)
		return -1;
	addr_format((struct sockaddr *)&peer, len, name, sizeof name);
	log_accepted(LOG_VERBOSE, name);
	if (!a->keep)
		sock_listener_close(l);
	/* Unix clients are mostly unnamed: messages name our path. */
	a->ro.peer = o->unix_path != NULL ? o->unix_path : name;
	if (a->ctx != NULL) {
		/*
		 * Each session a handshake of its own, on the one context.
		 * -w is the accept timeout: a client that connects and then
		 * says nothing gets TLSLAYER_HANDSHAKE_MS (and -i).
		 */
		t = tlslayer_new(a->ctx, fd, NULL, listen_tls_ready, a, st);
		if (t == NULL) {
			close(fd);
			return -1;
		}
		a->ro.layer = &tlslayer_ops;
		a->ro.layer_ctx = t;
		a->ro.hs_ms = TLSLAYER_HANDSHAKE_MS;
	}
	rc = relay_run(r, fd, &a->ro, st);
	relay_report(r, name);
	a->ro.peer = NULL;		/* name is about to go out of scope */
	a->ro.layer = NULL;
	a->ro.layer_ctx = NULL;
	tlslayer_free(t);
	if (rc == 0)
		return 0;
	if (!a->keep || r->local || sig_pending())
		return -1;
	return 1;
}

static int
listen_serve(const struct sock_opts *o, struct listen_args *a,
    struct status *st)
{
	struct sock_listener	l;
	struct relay		r;
	char			name[ADDR_STRLEN];
	int			rc;

	/* Before any socket exists, so none takes a closed stdin's number. */
	relay_init(&r, STDIN_FILENO, STDOUT_FILENO, o->seqpacket);
	if (sock_listen(o, &l, st) < 0)
		return -1;
	/*
	 * With -w, sock_accept polls first; a client that aborts between the
	 * poll and the accept must give EAGAIN, not a wait past the deadline.
	 */
	if (o->timeout_ms >= 0 && sock_set_nonblock(l.fd, 1) < 0) {
		status_errno(st, errno, SC_EX_OSERR, "fcntl");
		sock_listener_close(&l);
		return -1;
	}
	log_listening(sock_local_str(l.fd, name, sizeof name));
	do {
		rc = listen_session(&l, o, a, &r, st);
		/* With -k a failed session is a warning: serve the next. */
		if (rc > 0) {
			log_warn("%s", st->msg);
			status_clear(st);
		}
	} while (rc >= 0 && a->keep && !sig_pending());
	sock_listener_close(&l);
	relay_free(&r);
	if (sig_pending())
		sig_reraise();
	return rc < 0 ? -1 : 0;
}

/* The TLS rules of listen that need no network, tls.h's and one more. */
static int
listen_tls_check(const struct sock_opts *o, struct tls_opts *t,
    struct status *st)
{
	if (tls_opts_check(t, 1, st) < 0)
		return -1;
	if (t->tls && o->seqpacket)
		return status_usage(st, "--tls does not go with --seqpacket");
	return 0;
}

/* ----------------------------------------------------------- --exec */

/* -e's rules: see exec_opts_check(); -m goes with -k -e only. */
static int
listen_exec_check(const struct sock_opts *o, struct listen_args *a,
    struct status *st)
{
	if (a->max_conns >= 0 && !a->keep)
		return status_usage(st, "--max-conns needs -k (and --exec)");
	if (a->max_conns >= 0 && a->exec == NULL)
		return status_usage(st, "--max-conns needs --exec");
	if (a->exec == NULL)
		return 0;
	if (a->max_conns < 0)
		a->max_conns = EXEC_MAX_DEFAULT;
	return exec_opts_check(a->exec, &a->ro, o->idle_ms, st);
}

/*
 * listen -e: every connection gets its own CMD.  Without -k the acceptor
 * takes one connection and the listener is closed; with -k it holds -m
 * children at once (the next clients wait in the backlog).
 */
struct listen_exec {
	const struct sock_opts	*o;
	struct listen_args	*a;
	struct sock_listener	 lis;
	struct acceptor		 acc;
	struct loop		*loop;
	struct exec		*x;
	struct loop_timer	 wait;		/* -w: nobody connected */
	int			 ended;		/* without -k: CMD has ended */
	int			 wstatus;	/* ... with this status */
	int			 warned_emfile;
	struct status		 st;		/* what stopped the loop */
};

/* -w: armed while no program runs; nobody connected within DUR. */
static void
listen_exec_wait_arm(struct listen_exec *le)
{
	if (le->o->timeout_ms >= 0 && exec_running(le->x) == 0)
		(void)loop_timer_at(le->loop, &le->wait, loop_now(le->loop) +
		    le->o->timeout_ms, &le->st);
}

static void
listen_exec_wait_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	struct listen_exec	*le = arg;
	int64_t			 ms = le->o->timeout_ms;

	(void)t;
	status_set(&le->st, SC_EX_TEMPFAIL, "accept timeout: nobody "
	    "connected within %lld.%03llds", (long long)(ms / 1000),
	    (long long)(ms % 1000));
	loop_stop(l);
}

static void
listen_exec_event(void *arg, enum exec_event ev, const struct exec_child *c)
{
	struct listen_exec	*le = arg;

	switch (ev) {
	case EXEC_STARTED:
		log_exec_start((long)c->pid, c->name);
		return;
	case EXEC_CLOSED:
		/* Without -k: CMD has ended, its connection is closed. */
		if (!le->a->keep)
			loop_stop(le->loop);
		return;
	case EXEC_ENDED:
		log_exec_end((long)c->pid, c->name, c->wstatus,
		    c->end_ms - c->start_ms);
		le->ended = 1;
		le->wstatus = c->wstatus;
		break;
	case EXEC_FAILED:
		/* Its handshake failed: CMD never ran. */
		if (!le->a->keep) {
			le->st = c->err;
			return;
		}
		log_warn("%s", c->err.msg);
		break;
	}
	/* Not once stopping: the acceptor is gone. */
	if (le->a->keep && le->acc.loop != NULL) {
		accept_closed(&le->acc);
		listen_exec_wait_arm(le);
	}
}

/* A new connection: its program, or (no -k) the one and the last. */
static void
listen_exec_conn(void *arg, int fd, const struct sockaddr_storage *peer,
    socklen_t peerlen)
{
	struct listen_exec	*le = arg;
	struct exec_child	*c;
	struct exec_env		 env;
	struct status		 st;
	char			 name[ADDR_STRLEN];

	/* Unix clients are mostly unnamed: messages name our path. */
	if (le->o->unix_path != NULL)
		snprintf(name, sizeof name, "%s", le->o->unix_path);
	else
		addr_format((const struct sockaddr *)peer, peerlen, name,
		    sizeof name);
	log_info(LOG_VERBOSE, "connection from %s", name);
	loop_timer_stop(le->loop, &le->wait);
	if (!le->a->keep) {
		/* Later clients are refused, not left in the backlog. */
		accept_stop(&le->acc);
		accept_free(&le->acc);
		sock_listener_close(&le->lis);
	}
	if (sock_apply(fd, le->o, le->lis.family, 0, &st) < 0) {
		close(fd);
	} else {
		exec_env_socket(&env, fd);
		if (le->a->ctx != NULL) {
			/* TLS: CMD gets a socketpair, the engine relays it. */
			struct exec_layer ly = { &tlslayer_ops, tlslayer_open,
				tlslayer_close, le->a->ctx,
				TLSLAYER_HANDSHAKE_MS };

			if (exec_start_layered(le->x, fd, &ly, NULL, &env,
			    name, &c, &st) == 0)
				return;
		} else if (exec_start(le->x, fd, &env, name, &c, &st) == 0) {
			return;
		}
	}
	if (!le->a->keep) {
		le->st = st;
		loop_stop(le->loop);
		return;
	}
	log_warn("%s: %s", name, st.msg);
	accept_closed(&le->acc);
	listen_exec_wait_arm(le);
}

static void
listen_exec_accept_event(void *arg, enum accept_event ev, int err,
    const struct sockaddr_storage *peer, socklen_t peerlen)
{
	struct listen_exec	*le = arg;

	(void)peer;
	(void)peerlen;
	if (ev == ACCEPT_PAUSED && !le->warned_emfile) {
		log_warn("accept: %s; waiting for a program to end (%zu "
		    "running)", strerror(err), exec_running(le->x));
		le->warned_emfile = 1;
	} else if (ev == ACCEPT_PAUSED) {
		log_info(LOG_DEBUG, "accept: %s; paused", strerror(err));
	} else if (ev == ACCEPT_FAILED) {
		log_warn("accept: %s", strerror(err));
	}
}

static int
listen_exec_setup(struct listen_exec *le, struct status *st)
{
	char	name[ADDR_STRLEN];

	/* First: it keeps descriptors 0-2 from going to a socket. */
	le->x = exec_new(le->a->exec, st);
	if (le->x == NULL || (le->loop = loop_new(st)) == NULL ||
	    exec_attach(le->x, le->loop, listen_exec_event, le, st) < 0 ||
	    sock_listen(le->o, &le->lis, st) < 0 ||
	    accept_start(&le->acc, le->loop, le->lis.fd,
	    le->a->keep ? le->a->max_conns : 1, 0, listen_exec_conn,
	    listen_exec_accept_event, le, st) < 0)
		return -1;
	accept_set_acl(&le->acc, &le->a->acl);
	log_info(LOG_VERBOSE, "listening on %s",
	    sock_local_str(le->lis.fd, name, sizeof name));
	listen_exec_wait_arm(le);
	return 0;
}

/*
 * The server context, made once before the listening socket; the pin of
 * a --self-signed certificate is said at once (not only at -v): clients
 * need it for --pin.
 */
static int
listen_tls_ctx(struct listen_args *a, struct status *st)
{
	const char	*pin;

	a->ctx = tls_ctx_new(&a->tls, 1, st);
	if (a->ctx == NULL)
		return -1;
	pin = tls_ctx_pin(a->ctx);
	if (a->tls.self_signed && pin != NULL)
		log_info(LOG_NORMAL, "self-signed certificate: --pin %s", pin);
	return 0;
	return 0;
}

/*
 * The exit status: without -k CMD's (a stop signal that killed CMD
 * kills sockcat too); with -k 0, also after a stop signal.
 */
static int
listen_exec_status(struct listen_exec *le)
{
	if (le->st.code != SC_EX_OK)
		return log_status(&le->st);
	if (le->a->keep) {
		if (sig_pending() != 0)
			log_info(LOG_VERBOSE, "stopped by signal %d",
			    sig_pending());
		return SC_EX_OK;
	}
	if (sig_pending() != 0 && (!le->ended || WIFSIGNALED(le->wstatus)))
		sig_reraise();
	return exec_status_code(le->wstatus);
}

static int
listen_exec_serve(const struct sock_opts *o, struct listen_args *a)
{
	struct listen_exec	le;
	int			rc;

	memset(&le, 0, sizeof le);
	le.o = o;
	le.a = a;
	le.lis.fd = -1;
	status_clear(&le.st);
	loop_timer_init(&le.wait, listen_exec_wait_cb, &le);
	rc = listen_exec_setup(&le, &le.st);
	if (rc == 0)
		rc = loop_run(le.loop, NULL, NULL, &le.st);
	if (rc == 0 && sig_pending() != 0) {
		/* Stop accepting (and remove a Unix socket file) first. */
		accept_free(&le.acc);
		sock_listener_close(&le.lis);
		exec_stop(le.x, SIGTERM);
	}
	if (le.loop != NULL)
		loop_timer_stop(le.loop, &le.wait);
	accept_free(&le.acc);
	if (le.lis.fd >= 0 || le.lis.have_path)
		sock_listener_close(&le.lis);
	exec_free(le.x);
	loop_free(le.loop);
	return listen_exec_status(&le);
}

static int
listen_main(const struct sc_cmd *cmd, int argc, char **argv)
{
	struct sock_opts	o;
	struct listen_args	a;
	struct status		st;
	int			first, rc;

	status_clear(&st);
	memset(&a, 0, sizeof a);
	tls_opts_init(&a.tls);
	a.max_conns = -1;
	sock_opts_init(&o, SOCK_STREAM, "tcp");
	o.activate = 1;
	acl_init(&a.acl, log_refused, NULL);
	o.acl = &a.acl;
	first = opt_parse(cmd, argc, argv, &o, listen_opt, &a, &st);
	if (first == OPT_HELP)
		return SC_EX_OK;
	if (first < 0 ||
	    opt_listener_operands(&o, argc, argv, first, &st) < 0)
		return log_status(&st);
	if (relay_opts_check(&a.ro, &st) < 0 ||
	    listen_tls_check(&o, &a.tls, &st) < 0 ||
	    listen_exec_check(&o, &a, &st) < 0)
		return log_status(&st);
	if (a.tls.tls && listen_tls_ctx(&a, &st) < 0)
		return log_status(&st);
	if (a.exec != NULL) {
		rc = listen_exec_serve(&o, &a);
		tls_ctx_free(a.ctx);
		return rc;
	}
	a.ro.idle_ms = o.idle_ms;
	a.ro.keep_stdout = a.keep;
	rc = listen_serve(&o, &a, &st);
	tls_ctx_free(a.ctx);
	if (rc < 0)
		return log_status(&st);
	return SC_EX_OK;
}

const struct sc_cmd cmd_listen = {
	"listen", "TCP/Unix stream server, relays stdin/stdout",
	"[OPTIONS] [-p PORT | PORT | -U PATH]", listen_rows, listen_main
};
