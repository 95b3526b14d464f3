/* cmd-udp-recv.c: sockcat udp_recv (receives datagrams to stdout). */
#include "config.h"

#include <sys/socket.h>

#include "cmd.h"
#include "log.h"
#include "opt.h"
#include "status.h"

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
	OPT_ROW_TIMEOUT("receive timeout: give up when no datagram arrives within DUR"),
	{ 'c', 'c', "count", OPT_ARG_REQUIRED, "N",
	  "exit after N datagrams" },
	{ OPT_FROM, 0, "from", OPT_ARG_NONE, NULL,
	  "prefix each datagram with 'ADDR:PORT ' and end it with a newline" },
	{ OPT_JOIN, 0, "join", OPT_ARG_REQUIRED, "GROUP[@IFACE]",
	  "join an IPv4 or IPv6 multicast group" },
	OPT_ROW_REUSEADDR,
	OPT_ROW_NO_REUSEADDR,
	OPT_ROW_REUSEPORT,
	OPT_ROW_RCVBUF,
	OPT_ROW_VERBOSE,
	OPT_ROW_QUIET,
	OPT_ROW_END
};

static int
udp_recv_opt(void *ctx, int id, const char *arg, struct status *st)
{
	(void)ctx;
	(void)arg;
	return status_set(st, SC_EX_SOFTWARE, "option %d not handled", id);
}

static int
udp_recv_main(const struct sc_cmd *cmd, int argc, char **argv)
{
	struct sock_opts	o;
	struct status		st;
	int			first;

	status_clear(&st);
	sock_opts_init(&o, SOCK_DGRAM, "udp");
	first = opt_parse(cmd, argc, argv, &o, udp_recv_opt, NULL, &st);
	if (first == OPT_HELP)
		return SC_EX_OK;
	if (first < 0)
		return log_status(&st);
	status_set(&st, SC_EX_SOFTWARE, "not built yet in this version");
	return log_status(&st);
}

const struct sc_cmd cmd_udp_recv = {
	"udp-recv", "receives datagrams to stdout", "[OPTIONS] [-p PORT | PORT]", udp_recv_rows, udp_recv_main
};
