/* cmd-connect.c: sockcat connect, TCP/Unix stream client relaying stdio. */
#include "config.h"

#include <sys/socket.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "cmd.h"
#include "dial.h"
#include "log.h"
#include "opt.h"
#include "proxy.h"
#include "relay.h"
#include "sig.h"
#include "sock.h"
#include "status.h"
#include "tunnel.h"

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
	OPT_ROW_PROXY,
	OPT_ROW_PROXY_AUTH_FILE,
	OPT_ROW_VERBOSE,
	OPT_ROW_QUIET,
	OPT_ROW_END
};

struct connect_args {
	struct relay_opts	ro;
	struct proxy_url	proxy;		/* --proxy */
};

static int
connect_opt(void *ctx, int id, const char *arg, struct status *st)
{
	struct connect_args	*a = ctx;
	int			 rc;

	if (relay_opt(&a->ro, id))
		return 0;
	if ((rc = proxy_opt(&a->proxy, id, arg, st)) != 0)
		return rc < 0 ? -1 : 0;
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

/* Connect (through the proxy, with --proxy) and relay the one session. */
static int
connect_run(const struct sock_opts *o, const char *host,
    struct relay_opts *ro, const struct proxy_url *proxy, struct status *st)
{
	struct relay	r;
	char		name[ADDR_STRLEN], sum[128];
	int		fd, rc;

	/* Before any socket exists, so none takes a closed stdin's number. */
	relay_init(&r, STDIN_FILENO, STDOUT_FILENO, o->seqpacket);
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
	proxy_url_init(&a.proxy);
	sock_opts_init(&o, SOCK_STREAM, "tcp");
	first = opt_parse(cmd, argc, argv, &o, connect_opt, &a, &st);
	if (first == OPT_HELP)
		return SC_EX_OK;
	if (first < 0 || opt_client_operands(&o, argc, argv, first, &host,
	    NULL, &st) < 0)
		return log_status(&st);
	if (relay_opts_check(&a.ro, &st) < 0 ||
	    proxy_opts_check(&a.proxy, &o, host, &st) < 0)
		return log_status(&st);
	a.ro.idle_ms = o.idle_ms;
	o.attempt = connect_attempt;
	if (connect_run(&o, host, &a.ro, &a.proxy, &st) < 0)
		return log_status(&st);
	return SC_EX_OK;
}

const struct sc_cmd cmd_connect = {
	"connect", "TCP/Unix stream client, relays stdin/stdout",
	"[OPTIONS] HOST PORT | HOST:PORT | -U PATH", connect_rows, connect_main
};
