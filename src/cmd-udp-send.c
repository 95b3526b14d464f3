/* cmd-udp-send.c: sockcat udp_send (sends datagrams). */
#include "config.h"

#include <sys/socket.h>

#include "cmd.h"
#include "log.h"
#include "opt.h"
#include "status.h"

enum {
	OPT_CHUNK = OPT_CMD,
	OPT_INTERVAL,
	OPT_BROADCAST,
	OPT_TTL
};

static const struct opt_row udp_send_rows[] = {
	OPT_ROW_IPV4,
	OPT_ROW_IPV6,
	OPT_ROW_SOURCE,
	OPT_ROW_SOURCE_PORT,
	OPT_ROW_NUMERIC,
	OPT_ROW_UNIX,
	{ 'r', 'r', "reply", OPT_ARG_NONE, NULL,
	  "wait for one answer to each datagram and write it to stdout" },
	OPT_ROW_TIMEOUT("with -r: how long to wait for each answer"),
	{ OPT_CHUNK, 0, "chunk", OPT_ARG_REQUIRED, "N",
	  "send stdin in datagrams of N bytes instead of lines" },
	{ OPT_INTERVAL, 0, "interval", OPT_ARG_REQUIRED, "DUR",
	  "wait DUR between datagrams" },
	{ OPT_BROADCAST, 0, "broadcast", OPT_ARG_NONE, NULL,
	  "allow sending to a broadcast address (SO_BROADCAST)" },
	{ OPT_TTL, 0, "ttl", OPT_ARG_REQUIRED, "N",
	  "unicast TTL and multicast hops (1-255)" },
	OPT_ROW_RCVBUF,
	OPT_ROW_SNDBUF,
	OPT_ROW_VERBOSE,
	OPT_ROW_QUIET,
	OPT_ROW_END
};

static int
udp_send_opt(void *ctx, int id, const char *arg, struct status *st)
{
	(void)ctx;
	(void)arg;
	return status_set(st, SC_EX_SOFTWARE, "option %d not handled", id);
}

static int
udp_send_main(const struct sc_cmd *cmd, int argc, char **argv)
{
	struct sock_opts	o;
	struct status		st;
	int			first;

	status_clear(&st);
	sock_opts_init(&o, SOCK_DGRAM, "udp");
	first = opt_parse(cmd, argc, argv, &o, udp_send_opt, NULL, &st);
	if (first == OPT_HELP)
		return SC_EX_OK;
	if (first < 0)
		return log_status(&st);
	status_set(&st, SC_EX_SOFTWARE, "not built yet in this version");
	return log_status(&st);
}

const struct sc_cmd cmd_udp_send = {
	"udp-send", "sends datagrams", "[OPTIONS] HOST PORT [MESSAGE...] | -U PATH [MESSAGE...]", udp_send_rows, udp_send_main
};
