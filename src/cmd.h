/*
 * cmd.h: a command is one table entry.  Each cmd-<name>.c ends with one
 * const struct sc_cmd; sockcat.c lists them and dispatches.
 */
#ifndef SC_CMD_H
#define SC_CMD_H

#include "opt.h"

struct sc_cmd {
	const char		*name;		/* "listen" */
	const char		*summary;	/* one line for sockcat --help */
	const char		*synopsis;	/* "[OPTIONS] [-p PORT | PORT]" */
	const struct opt_row	*opts;		/* ended by a zero row */
	/* argv[0] is the command name; returns the exit status. */
	int			(*main)(const struct sc_cmd *, int, char **);
};

extern const struct sc_cmd cmd_listen;
extern const struct sc_cmd cmd_connect;
extern const struct sc_cmd cmd_udp_send;
extern const struct sc_cmd cmd_udp_recv;
extern const struct sc_cmd cmd_echo;
extern const struct sc_cmd cmd_forward;
extern const struct sc_cmd cmd_scan;
extern const struct sc_cmd cmd_wait;
extern const struct sc_cmd cmd_ping;
extern const struct sc_cmd cmd_proxy;

#endif
