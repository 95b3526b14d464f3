/* cmd-connect.c: sockcat connect (TCP/Unix stream client, relays stdin/stdout). */
#include "config.h"

#include <sys/socket.h>

#include "cmd.h"
#include "log.h"
#include "opt.h"
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
	OPT_ROW_VERBOSE,
	OPT_ROW_QUIET,
	OPT_ROW_END
};

static int
connect_opt(void *ctx, int id, const char *arg, struct status *st)
{
	(void)ctx;
	(void)arg;
	return status_set(st, SC_EX_SOFTWARE, "option %d not handled", id);
}

static int
connect_main(const struct sc_cmd *cmd, int argc, char **argv)
{
	struct sock_opts	o;
	struct status		st;
	int			first;

	status_clear(&st);
	sock_opts_init(&o, SOCK_STREAM, "tcp");
	first = opt_parse(cmd, argc, argv, &o, connect_opt, NULL, &st);
	if (first == OPT_HELP)
		return SC_EX_OK;
	if (first < 0)
		return log_status(&st);
	status_set(&st, SC_EX_SOFTWARE, "not built yet in this version");
	return log_status(&st);
}

const struct sc_cmd cmd_connect = {
	"connect", "TCP/Unix stream client, relays stdin/stdout", "[OPTIONS] HOST PORT | -U PATH", connect_rows, connect_main
};
