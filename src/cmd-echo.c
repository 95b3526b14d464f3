/* cmd-echo.c: sockcat echo (concurrent echo server (TCP, UDP or Unix)). */
#include "config.h"

#include <sys/socket.h>

#include "cmd.h"
#include "log.h"
#include "opt.h"
#include "status.h"

enum {
	OPT_TIMESTAMP = OPT_CMD
};

static const struct opt_row echo_rows[] = {
	OPT_ROW_IPV4,
	OPT_ROW_IPV6,
	OPT_ROW_PORT,
	OPT_ROW_BIND,
	OPT_ROW_NUMERIC,
	OPT_ROW_UNIX,
	{ 'u', 'u', "udp", OPT_ARG_NONE, NULL,
	  "echo datagrams (UDP, or Unix datagram with -U)" },
	OPT_ROW_IDLE,
	{ 'm', 'm', "max-conns", OPT_ARG_REQUIRED, "N",
	  "at most N connections open at once; more are closed at once" },
	{ 'c', 'c', "count", OPT_ARG_REQUIRED, "N",
	  "exit after N connections served (or N datagrams with -u)" },
	{ OPT_TIMESTAMP, 0, "timestamp", OPT_ARG_NONE, NULL,
	  "prefix each echoed line with [ctime] " },
	OPT_ROW_REUSEADDR,
	OPT_ROW_NO_REUSEADDR,
	OPT_ROW_REUSEPORT,
	OPT_ROW_KEEPALIVE,
	OPT_ROW_NODELAY,
	OPT_ROW_RCVBUF,
	OPT_ROW_SNDBUF,
	OPT_ROW_VERBOSE,
	OPT_ROW_QUIET,
	OPT_ROW_END
};

static int
echo_opt(void *ctx, int id, const char *arg, struct status *st)
{
	(void)ctx;
	(void)arg;
	return status_set(st, SC_EX_SOFTWARE, "option %d not handled", id);
}

static int
echo_main(const struct sc_cmd *cmd, int argc, char **argv)
{
	struct sock_opts	o;
	struct status		st;
	int			first;

	status_clear(&st);
	sock_opts_init(&o, SOCK_STREAM, "tcp");
	first = opt_parse(cmd, argc, argv, &o, echo_opt, NULL, &st);
	if (first == OPT_HELP)
		return SC_EX_OK;
	if (first < 0)
		return log_status(&st);
	status_set(&st, SC_EX_SOFTWARE, "not built yet in this version");
	return log_status(&st);
}

const struct sc_cmd cmd_echo = {
	"echo", "concurrent echo server (TCP, UDP or Unix)", "[OPTIONS] [-p PORT | PORT]", echo_rows, echo_main
};
