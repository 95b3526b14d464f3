/*
 * opt.h: option rows.  A command's options are an array of rows; the same
 * rows drive getopt_long and generate the command's --help, so the two
 * never drift.  Options shared by several commands are rows written once
 * here (OPT_ROW_*) and handled once, in opt_net().
 */
#ifndef SC_OPT_H
#define SC_OPT_H

#include <stdio.h>

#include "sock.h"
#include "status.h"

struct sc_cmd;

enum opt_arg {
	OPT_ARG_NONE,
	OPT_ARG_REQUIRED,
	OPT_ARG_OPTIONAL	/* --long[=VALUE] only */
};

struct opt_row {
	int		 id;	/* what the callback sees: the short letter,
				   or an OPT_* number >= 256 */
	int		 shrt;	/* short letter, or 0 */
	const char	*lng;	/* long name without "--" */
	enum opt_arg	 arg;
	const char	*meta;	/* "PORT", shown in --help */
	const char	*help;	/* one line */
};

/* Ids of long-only shared options; a command's own start at OPT_CMD. */
enum {
	OPT_SOURCE_PORT = 256,
	OPT_REUSEADDR,
	OPT_NO_REUSEADDR,
	OPT_REUSEPORT,
	OPT_KEEPALIVE,
	OPT_NODELAY,
	OPT_RCVBUF,
	OPT_SNDBUF,
	OPT_SEQPACKET,
	OPT_NO_SHUTDOWN,
	OPT_SEND_ONLY,
	OPT_RECV_ONLY,
	OPT_WAIT_STDIN,
	OPT_LOG_FORMAT,
	/* Seeing what moves (and -x, -C): rows in observe.h, observe_opt() */
	OPT_STATS,
	OPT_PROGRESS,
	OPT_SHA256,
	OPT_RATE,
	/* TLS: rows in tls.h, handled by tls_opt() */
	OPT_TLS,
	OPT_CAFILE,
	OPT_SNI,
	OPT_PIN,
	OPT_INSECURE,
	OPT_ALPN,
	OPT_CERT,
	OPT_KEY,
	OPT_SELF_SIGNED,
	OPT_CLIENT_CA,
	OPT_TLS_MIN,
	/* who may connect: rows below, handled by opt_net() */
	OPT_ALLOW,
	OPT_DENY,
	/* proxies: rows in proxy.h, handled by proxy_opt() */
	OPT_PROXY,
	OPT_PROXY_AUTH_FILE,
	OPT_CMD = 300
};

/* The shared rows: one definition of each, reused by every command. */
#define OPT_ROW_IPV4	{ '4', '4', "ipv4", OPT_ARG_NONE, NULL, \
	"IPv4 only" }
#define OPT_ROW_IPV6	{ '6', '6', "ipv6", OPT_ARG_NONE, NULL, \
	"IPv6 only" }
#define OPT_ROW_PORT	{ 'p', 'p', "port", OPT_ARG_REQUIRED, "PORT", \
	"local port: 0-65535 or a service name; 0 picks a free one" }
#define OPT_ROW_BIND	{ 'b', 'b', "bind", OPT_ARG_REQUIRED, "ADDR", \
	"local address to listen on (default: dual-stack ::)" }
#define OPT_ROW_SOURCE	{ 's', 's', "source", OPT_ARG_REQUIRED, "ADDR", \
	"local address of the client socket" }
#define OPT_ROW_SOURCE_PORT { OPT_SOURCE_PORT, 0, "source-port", \
	OPT_ARG_REQUIRED, "PORT", "local port of the client socket" }
#define OPT_ROW_NUMERIC	{ 'n', 'n', "numeric", OPT_ARG_NONE, NULL, \
	"no DNS: addresses must be numeric" }
#define OPT_ROW_UNIX	{ 'U', 'U', "unix", OPT_ARG_REQUIRED, "PATH", \
	"Unix socket PATH instead of HOST and PORT (@name: abstract)" }
#define OPT_ROW_SEQPACKET { OPT_SEQPACKET, 0, "seqpacket", OPT_ARG_NONE, \
	NULL, "with -U: SOCK_SEQPACKET, one message per read" }
/* -w means connect, accept or receive timeout: the command says which. */
#define OPT_ROW_TIMEOUT(text) { 'w', 'w', "timeout", OPT_ARG_REQUIRED, \
	"DUR", text }
#define OPT_ROW_IDLE	{ 'i', 'i', "idle-timeout", OPT_ARG_REQUIRED, "DUR", \
	"end a session in which no byte moved for DUR" }
#define OPT_ROW_REUSEADDR_TEXT(text) { OPT_REUSEADDR, 0, "reuseaddr", \
	OPT_ARG_NONE, NULL, text }
#define OPT_ROW_REUSEADDR OPT_ROW_REUSEADDR_TEXT( \
	"set SO_REUSEADDR (the default for stream listeners)")
#define OPT_ROW_REUSEADDR_DGRAM OPT_ROW_REUSEADDR_TEXT( \
	"set SO_REUSEADDR (off by default for datagram sockets)")
#define OPT_ROW_NO_REUSEADDR { OPT_NO_REUSEADDR, 0, "no-reuseaddr", \
	OPT_ARG_NONE, NULL, "do not set SO_REUSEADDR" }
#define OPT_ROW_REUSEPORT { OPT_REUSEPORT, 0, "reuseport", OPT_ARG_NONE, \
	NULL, "set SO_REUSEPORT (share the port with other listeners)" }
#define OPT_ROW_KEEPALIVE { OPT_KEEPALIVE, 0, "keepalive", \
	OPT_ARG_OPTIONAL, "IDLE,INTVL,CNT", \
	"SO_KEEPALIVE, optionally with TCP keepalive timings" }
#define OPT_ROW_NODELAY	{ OPT_NODELAY, 0, "nodelay", OPT_ARG_NONE, NULL, \
	"set TCP_NODELAY" }
#define OPT_ROW_RCVBUF	{ OPT_RCVBUF, 0, "rcvbuf", OPT_ARG_REQUIRED, "N", \
	"SO_RCVBUF in bytes (k/M suffixes)" }
#define OPT_ROW_SNDBUF	{ OPT_SNDBUF, 0, "sndbuf", OPT_ARG_REQUIRED, "N", \
	"SO_SNDBUF in bytes (k/M suffixes)" }
/* The relay's rows (listen and connect); the commands handle them. */
#define OPT_ROW_NO_SHUTDOWN { OPT_NO_SHUTDOWN, 0, "no-shutdown", \
	OPT_ARG_NONE, NULL, "at stdin EOF keep the socket's write side open" }
#define OPT_ROW_SEND_ONLY { OPT_SEND_ONLY, 0, "send-only", OPT_ARG_NONE, \
	NULL, "only send stdin; end at its EOF" }
#define OPT_ROW_RECV_ONLY { OPT_RECV_ONLY, 0, "recv-only", OPT_ARG_NONE, \
	NULL, "never read stdin; end at the socket's EOF" }
#define OPT_ROW_WAIT_STDIN { OPT_WAIT_STDIN, 0, "wait-stdin", OPT_ARG_NONE, \
	NULL, "send stdin until its EOF even after the peer has answered" }
/*
 * Who may connect (listeners): into the struct acl that the command
 * points o->acl to before opt_parse().
 */
#define OPT_ROW_ALLOW	{ OPT_ALLOW, 0, "allow", OPT_ARG_REQUIRED, "CIDR", \
	"accept only peers in CIDR (repeatable)" }
#define OPT_ROW_DENY	{ OPT_DENY, 0, "deny", OPT_ARG_REQUIRED, "CIDR", \
	"refuse peers in CIDR (repeatable; wins over --allow)" }
/* --exec (listen and connect); the commands handle it. */
#define OPT_ROW_EXEC	{ 'e', 'e', "exec", OPT_ARG_REQUIRED, "CMD", \
	"run /bin/sh -c CMD with the connection as its stdin and stdout" }
#define OPT_ROW_VERBOSE	{ 'v', 'v', "verbose", OPT_ARG_NONE, NULL, \
	"say what happens on stderr (repeat for more)" }
#define OPT_ROW_QUIET	{ 'q', 'q', "quiet", OPT_ARG_NONE, NULL, \
	"print nothing but fatal errors" }
/* Every command has it; opt_parse() handles it (log.h). */
#define OPT_ROW_LOG_FORMAT { OPT_LOG_FORMAT, 0, "log-format", \
	OPT_ARG_REQUIRED, "text|json", \
	"stderr as text lines (the default) or one JSON object a line" }
#define OPT_ROW_END	{ 0, 0, NULL, OPT_ARG_NONE, NULL, NULL }

/* A command's own option: the callback returns 0, or -1 with st set. */
typedef int (*opt_cb)(void *ctx, int id, const char *arg, struct status *st);

#define OPT_HELP	0	/* opt_parse printed --help: exit 0 */

/*
 * Parse argv (argv[0] is the command name) with the command's rows.  The
 * shared options go to opt_net() on net (which may be NULL for commands
 * without sockets); the others to cb.  Returns the index of the first
 * operand, OPT_HELP after printing --help, or -1 with a usage status.
 */
int	opt_parse(const struct sc_cmd *cmd, int argc, char **argv,
	    struct sock_opts *net, opt_cb cb, void *ctx, struct status *st);

/*
 * Handle one shared option into o.  Returns 1 when id was one of them, 0
 * when it was not, -1 on a bad value (usage status).
 */
int	opt_net(struct sock_opts *o, int id, const char *arg,
	    struct status *st);

/*
 * The operands of a listener (listen, udp-recv, echo): a PORT given as -p
 * or as the last operand, or -U PATH; neither or both is a usage error,
 * and so is any other operand.
 */
int	opt_listener_operands(struct sock_opts *o, int argc, char **argv,
	    int first, struct status *st);

/*
 * HOST:PORT or [V6]:PORT as one operand: cut s at the port's colon and
 * return the port part, or NULL (s unchanged) when s is not of that form
 * (no colon, or a bare IPv6 literal with several).
 */
char	*opt_host_port(char *s);

/*
 * One target at argv[*first]: HOST PORT as two operands, or HOST:PORT /
 * [V6]:PORT as one.  Checks HOST, parses PORT (not 0) into *port and
 * moves *first past what it took.  Returns 0, or -1 with a usage status.
 */
int	opt_target(struct sock_opts *o, int argc, char **argv, int *first,
	    const char **host, uint16_t *port, struct status *st);

/*
 * The operands of a client (connect, udp-send): a target (opt_target),
 * or nothing with -U.  Operands past those are left for the caller when rest is not
 * NULL (*rest: index of the first one), else a usage error.
 */
int	opt_client_operands(struct sock_opts *o, int argc, char **argv,
	    int first, const char **host, int *rest, struct status *st);

/* The usage line and one line per option, as --help prints them. */
void	opt_print_help(const struct sc_cmd *cmd, FILE *fp);

#endif
