/*
 * sockcat.c: the command table and dispatch.
 *
 *	sockcat [-h | --help | -V | --version]
 *	sockcat help [COMMAND]
 *	sockcat COMMAND [OPTIONS] [ARGS]
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "sig.h"
#include "status.h"

static const struct sc_cmd *const commands[] = {
	&cmd_listen,
	&cmd_connect,
	&cmd_udp_send,
	&cmd_udp_recv,
	&cmd_echo,
	&cmd_forward,
	&cmd_scan,
	&cmd_wait,
	&cmd_ping,
	&cmd_proxy,
};
#define NCOMMANDS	(sizeof commands / sizeof commands[0])

static void
usage(FILE *fp)
{
	size_t	i;

	fprintf(fp, "usage: sockcat [-h | --help | -V | --version]\n"
	    "       sockcat help [COMMAND]\n"
	    "       sockcat COMMAND [OPTIONS] [ARGS]\n\ncommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "  %-10s%s\n", commands[i]->name,
		    commands[i]->summary);
	fprintf(fp, "\n'sockcat COMMAND --help' or 'sockcat help COMMAND' "
	    "shows a command's options.\n");
}

static const struct sc_cmd *
cmd_find(const char *name)
{
	size_t	i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

/* Edit distance, for "did you mean"; names longer than 31 never match. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), i, j;
	size_t	row[32], prev, tmp;

	if (la > 31 || lb > 31)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

static int
unknown_command(const char *name)
{
	const struct sc_cmd	*best = NULL;
	size_t			 i, d, bestd = 3;

	for (i = 0; i < NCOMMANDS; i++) {
		d = edit_distance(name, commands[i]->name);
		if (d < bestd) {
			bestd = d;
			best = commands[i];
		}
	}
	if (best != NULL)
		log_error("'%.64s' is not a command; did you mean '%s'? "
		    "see 'sockcat --help'", name, best->name);
	else
		log_error("'%.64s' is not a command; see 'sockcat --help'",
		    name);
	return SC_EX_USAGE;
}

static int
help(int argc, char **argv)
{
	const struct sc_cmd	*cmd;

	if (argc < 2) {
		usage(stdout);
		return SC_EX_OK;
	}
	if (argc > 2) {
		log_error("help takes one COMMAND; see 'sockcat --help'");
		return SC_EX_USAGE;
	}
	/* 'sockcat help help': help is not in the table, its usage is. */
	if (strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return SC_EX_OK;
	}
	cmd = cmd_find(argv[1]);
	if (cmd == NULL)
		return unknown_command(argv[1]);
	opt_print_help(cmd, stdout);
	return SC_EX_OK;
}

static int
finish(int code)
{
	if (fflush(stdout) != 0 && code == SC_EX_OK) {
		log_error("stdout: write error");
		return SC_EX_FAIL;
	}
	return code;
}

int
main(int argc, char **argv)
{
	const struct sc_cmd	*cmd;
	const char		*name;

	sig_setup();
	if (argc < 2) {
		usage(stderr);
		return SC_EX_USAGE;
	}
	name = argv[1];
	if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
		usage(stdout);
		return finish(SC_EX_OK);
	}
	if (strcmp(name, "-V") == 0 || strcmp(name, "--version") == 0) {
		if (argc > 2) {
			log_error("%s takes no arguments; see 'sockcat --help'",
			    name);
			return SC_EX_USAGE;
		}
		printf("sockcat %s\n", PACKAGE_VERSION);
		return finish(SC_EX_OK);
	}
	if (strcmp(name, "help") == 0)
		return finish(help(argc - 1, argv + 1));
	if (name[0] == '-') {
		log_error("unknown option '%.64s'; see 'sockcat --help'", name);
		return SC_EX_USAGE;
	}
	cmd = cmd_find(name);
	if (cmd == NULL)
		return unknown_command(name);
	log_set_command(cmd->name);
	return finish(cmd->main(cmd, argc - 1, argv + 1));
}
