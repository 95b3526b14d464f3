/*
 * opt-fuzz.c: libFuzzer target for the option rows of every command.
 *
 * Input: a selector byte (which command), then argv[1..] separated by
 * NULs.  Each argument is its own heap block of exactly its length, so a
 * read past one is caught.  The command's rows go through opt_parse() with
 * the shared handler opt_net() on a struct sock_opts, then through the
 * listener or client operand rules.  The commands' own options are parsed
 * here by their metavariable (DUR, N) with the strict parsers, and
 * --proxy/--proxy-auth-file by proxy_opt(); --allow/--deny go into a
 * struct acl as the listeners' do.  The command mains are never run, so
 * nothing touches the network.
 */
#include "config.h"

#include <sys/socket.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acl.h"
#include "addr.h"
#include "cmd.h"
#include "log.h"
#include "opt.h"
#include "parse.h"
#include "proxy.h"
#include "sock.h"
#include "status.h"

#define MAX_ARGS	64

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct {
	const struct sc_cmd	*cmd;
	int			 socktype;
	const char		*proto;
	int			 client;
} commands[] = {
	{ &cmd_listen,		SOCK_STREAM,	"tcp",	0 },
	{ &cmd_connect,		SOCK_STREAM,	"tcp",	1 },
	{ &cmd_udp_send,	SOCK_DGRAM,	"udp",	1 },
	{ &cmd_udp_recv,	SOCK_DGRAM,	"udp",	0 },
	{ &cmd_echo,		SOCK_STREAM,	"tcp",	0 },
	/* The probing commands' operands are checked as a client's. */
	{ &cmd_scan,		SOCK_STREAM,	"tcp",	1 },
	{ &cmd_wait,		SOCK_STREAM,	"tcp",	1 },
	{ &cmd_ping,		SOCK_DGRAM,	"udp",	1 },
};

/* The rules --allow/--deny fill, and --proxy's URL (see below). */
static struct acl	fuzz_acl;
static struct proxy_url	fuzz_proxy;

static void
fail(const char *why, const char *detail)
{
	fprintf(stderr, "opt-fuzz: %s: %s\n", why, detail);
	abort();
}

/* A command's own option, checked by what its row says it takes. */
static int
cmd_opt(void *ctx, int id, const char *arg, struct status *st)
{
	const struct sc_cmd	*cmd = ctx;
	const struct opt_row	*r;
	int64_t			 v;
	int			 rc;

	for (r = cmd->opts; r->id != 0; r++)
		if (r->id == id)
			break;
	if (r->id == 0)
		fail("opt_parse passed an id that has no row", cmd->name);
	if ((r->arg == OPT_ARG_REQUIRED) != (arg != NULL) &&
	    r->arg != OPT_ARG_OPTIONAL)
		fail("value given to or missing from an option", r->lng);
	/* --proxy and --proxy-auth-file: as connect and forward take them. */
	rc = proxy_opt(&fuzz_proxy, id, arg, st);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (arg == NULL || r->meta == NULL)
		return 0;
	if (strcmp(r->meta, "DUR") == 0)
		return parse_duration("--x", arg, &v, st);
	if (strcmp(r->meta, "N") == 0)
		return parse_count("--x", arg, 1, INT32_MAX, &v, st);
	return 0;
}

/* The invariants of a struct sock_opts after a successful parse. */
static void
check_opts(const struct sock_opts *o, const char *name)
{
	if (o->family != AF_UNSPEC && o->family != AF_INET &&
	    o->family != AF_INET6)
		fail("bad family", name);
	if (o->timeout_ms < -1 || o->timeout_ms > PARSE_DUR_MAX_MS ||
	    o->idle_ms < -1 || o->idle_ms > PARSE_DUR_MAX_MS)
		fail("bad timeout", name);
	if (o->rcvbuf < 0 || o->sndbuf < 0)
		fail("bad buffer size", name);
	if (o->keepalive && (o->ka_idle < 0 || o->ka_idle > 32767 ||
	    o->ka_intvl < 0 || o->ka_intvl > 32767 || o->ka_cnt < 0 ||
	    o->ka_cnt > 127))
		fail("bad keepalive", name);
	if (o->unix_path != NULL && (o->unix_path[0] == '\0' ||
	    strlen(o->unix_path) >= sizeof(((struct sockaddr_un *)0)->sun_path)))
		fail("bad unix path", name);
}

static void
check_status(const struct status *st, const char *name)
{
	if (st->code == 0 || st->msg[0] == '\0')
		fail("refused without a status", name);
	if (strnlen(st->msg, sizeof st->msg) >= sizeof st->msg)
		fail("message not terminated", name);
	if (strchr(st->msg, '\n') != NULL)
		fail("message of more than one line", st->msg);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int	fd;

	(void)argc;
	(void)argv;
	/* -h prints --help to stdout: keep it out of the way. */
	fd = open("/dev/null", O_WRONLY);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		close(fd);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct sc_cmd	*cmd;
	struct sock_opts	 o;
	struct status		 st;
	const char		*host = NULL;
	char			**argv, **orig;
	size_t			 i, start;
	int			 argc = 1, first, rc, rest = -1, k;

	if (size < 1)
		return 0;
	k = data[0] % (int)(sizeof commands / sizeof commands[0]);
	cmd = commands[k].cmd;
	argv = calloc(MAX_ARGS + 2, sizeof *argv);
	orig = calloc(MAX_ARGS + 2, sizeof *orig);
	if (argv == NULL || orig == NULL)
		goto out;
	argv[0] = strdup(cmd->name);
	/* Each argument ends at a NUL; the last one may end at the end. */
	for (i = start = 1; i <= size && argc <= MAX_ARGS; i++)
		if (i == size ? i > start : data[i] == '\0') {
			argv[argc++] = strndup((const char *)data + start,
			    i - start);
			start = i + 1;
		}
	/* getopt_long permutes argv: keep the blocks to free them. */
	memcpy(orig, argv, (size_t)(argc + 1) * sizeof *argv);

	log_set_level(LOG_NORMAL);
	status_clear(&st);
	sock_opts_init(&o, commands[k].socktype, commands[k].proto);
	acl_init(&fuzz_acl, NULL, NULL);
	o.acl = &fuzz_acl;
	proxy_url_init(&fuzz_proxy);
	first = opt_parse(cmd, argc, argv, &o, cmd_opt, (void *)cmd, &st);
	if (first == OPT_HELP)
		goto out;
	if (first < 0) {
		check_status(&st, cmd->name);
		goto out;
	}
	if (first > argc)
		fail("opt_parse returned an index past argc", cmd->name);
	check_opts(&o, cmd->name);
	if (commands[k].client)
		rc = opt_client_operands(&o, argc, argv, first, &host,
		    data[0] & 0x80 ? &rest : NULL, &st);
	else
		rc = opt_listener_operands(&o, argc, argv, first, &st);
	if (rc < 0) {
		check_status(&st, cmd->name);
		goto out;
	}
	if (o.seqpacket && o.unix_path == NULL)
		fail("--seqpacket accepted without -U", cmd->name);
	if (commands[k].client) {
		if ((o.unix_path == NULL) == (host == NULL))
			fail("a client needs HOST and PORT or -U", cmd->name);
		if (host != NULL && (o.remote_port == 0 ||
		    addr_host("HOST", host, NULL, 0, &st) < 0))
			fail("client operands accepted a bad HOST PORT", host);
		if ((data[0] & 0x80) && (rest < first || rest > argc))
			fail("bad index of the rest", cmd->name);
	} else if ((o.unix_path == NULL) == !o.port_set)
		fail("a listener needs a PORT or -U, not both", cmd->name);
out:
	if (orig != NULL)
		for (i = 0; orig[i] != NULL; i++)
			free(orig[i]);
	free(orig);
	free(argv);
	return 0;
}
