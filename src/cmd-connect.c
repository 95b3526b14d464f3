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
#include "exec.h"
#include "log.h"
#include "loop.h"
#include "opt.h"
#include "relay.h"
#include "sig.h"
#include "sock.h"
#include "status.h"

static const struct opt_row connect_rows[] = {
	OPT_ROW_IPV4,
	OPT_ROW_IPV6,
	OPT_ROW_SOURCE,
	OPT_ROW_SOURCE_PORT,
	OPT_ROW_NUMERIC,
	OPT_ROW_UNIX,
	OPT_ROW_SEQPACKET,
	OPT_ROW_TIMEOUT("connect timeout, over all addresses of HOST"),
	OPT_ROW_IDLE,
	OPT_ROW_KEEPALIVE,
	OPT_ROW_NODELAY,
	OPT_ROW_RCVBUF,
	OPT_ROW_SNDBUF,
	OPT_ROW_NO_SHUTDOWN,
	OPT_ROW_SEND_ONLY,
	OPT_ROW_RECV_ONLY,
	OPT_ROW_WAIT_STDIN,
	OPT_ROW_EXEC,
	OPT_ROW_VERBOSE,
	OPT_ROW_QUIET,
	OPT_ROW_END
};

struct connect_args {
	const char		*exec;	/* -e CMD */
	struct relay_opts	 ro;
};

static int
connect_opt(void *ctx, int id, const char *arg, struct status *st)
{
	struct connect_args	*a = ctx;

	if (id == 'e') {
		a->exec = arg;
		return 0;
	}
	if (relay_opt(&a->ro, id))
		return 0;
	return status_set(st, SC_EX_SOFTWARE, "option %d not handled", id);
}

/* Connect and relay the one session. */
static int
connect_run(const struct sock_opts *o, const char *host,
    struct relay_opts *ro, struct status *st)
{
	struct relay	r;
	char		name[ADDR_STRLEN], sum[128];
	int		fd, rc;

	/* Before any socket exists, so none takes a closed stdin's number. */
	relay_init(&r, STDIN_FILENO, STDOUT_FILENO, o->seqpacket);
	fd = sock_connect(o, host, st);
	if (fd < 0) {
		if (sig_pending())
			sig_reraise();
		return -1;
	}
	if (o->unix_path != NULL)
		snprintf(name, sizeof name, "%s", o->unix_path);
	else
		sock_peer_str(fd, name, sizeof name);
	log_info(LOG_VERBOSE, "connected to %s", name);
	ro->peer = name;
	rc = relay_run(&r, fd, ro, st);
	log_session_end(name, relay_gave_up_reason(&r),
	    relay_summary(&r, sum, sizeof sum));
	ro->peer = NULL;		/* name is about to go out of scope */
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
};

static void
connect_exec_event(void *arg, enum exec_event ev, const struct exec_child *c)
{
	struct connect_exec	*ce = arg;

	if (ev == EXEC_CLOSED) {
		loop_stop(ce->loop);
		return;
	}
	log_exec_end((long)c->pid, c->name, c->wstatus,
	    c->end_ms - c->start_ms);
	ce->ended = 1;
	ce->wstatus = c->wstatus;
}

/* Connect and run CMD on the connection; its status is sockcat's. */
static int
connect_exec_run(struct exec *x, const struct sock_opts *o, const char *host,
    struct connect_exec *ce, struct status *st)
{
	struct exec_child	*c;
	struct exec_env		 env;
	char			 name[ADDR_STRLEN];
	int			 fd;

	if (exec_attach(x, ce->loop, connect_exec_event, ce, st) < 0)
		return -1;
	fd = sock_connect(o, host, st);
	if (fd < 0)
		return -1;
	if (o->unix_path != NULL)
		snprintf(name, sizeof name, "%s", o->unix_path);
	else
		sock_peer_str(fd, name, sizeof name);
	log_info(LOG_VERBOSE, "connected to %s", name);
	exec_env_socket(&env, fd);
	if (exec_start(x, fd, &env, name, &c, st) < 0)
		return -1;
	log_exec_start((long)c->pid, name);
	if (loop_run(ce->loop, NULL, NULL, st) < 0)
		return -1;
	if (sig_pending() != 0)
		exec_stop(x, SIGTERM);
	return 0;
}

static int
connect_exec(const struct sock_opts *o, const char *host, const char *cmd)
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
		rc = connect_exec_run(x, o, host, &ce, &st);
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
	struct sock_opts	o;
	struct connect_args	a;
	struct status		st;
	const char		*host;
	int			first;

	status_clear(&st);
	memset(&a, 0, sizeof a);
	sock_opts_init(&o, SOCK_STREAM, "tcp");
	first = opt_parse(cmd, argc, argv, &o, connect_opt, &a, &st);
	if (first == OPT_HELP)
		return SC_EX_OK;
	if (first < 0 || opt_client_operands(&o, argc, argv, first, &host,
	    NULL, &st) < 0)
		return log_status(&st);
	if (relay_opts_check(&a.ro, &st) < 0 || (a.exec != NULL &&
	    exec_opts_check(a.exec, &a.ro, o.idle_ms, &st) < 0))
		return log_status(&st);
	if (a.exec != NULL)
		return connect_exec(&o, host, a.exec);
	a.ro.idle_ms = o.idle_ms;
	if (connect_run(&o, host, &a.ro, &st) < 0)
		return log_status(&st);
	return SC_EX_OK;
}

const struct sc_cmd cmd_connect = {
	"connect", "TCP/Unix stream client, relays stdin/stdout",
	"[OPTIONS] HOST PORT | HOST:PORT | -U PATH", connect_rows, connect_main
};
