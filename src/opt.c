/* opt.c: option rows -> getopt_long, --help, and the shared options. */
#include "config.h"

#include <sys/socket.h>

#include <getopt.h>
#include <string.h>

#include "acl.h"
#include "addr.h"
#include "cmd.h"
#include "log.h"
#include "opt.h"
#include "parse.h"

#define OPT_MAX_ROWS	64

static const struct opt_row opt_help_row = {
	'h', 'h', "help", OPT_ARG_NONE, NULL, "show this help and exit"
};

static size_t
opt_count(const struct opt_row *rows)
{
	size_t	n = 0;

	while (rows[n].id != 0)
		n++;
	return n;
}

static const struct opt_row *
opt_find(const struct opt_row *rows, int id)
{
	size_t	i;

	if (id == 'h')
		return &opt_help_row;
	for (i = 0; rows[i].id != 0; i++)
		if (rows[i].id == id)
			return &rows[i];
	return NULL;
}

/* "--timeout" or "-w": how a row is named in messages. */
static void
opt_name(const struct opt_row *r, char *buf, size_t size)
{
	if (r->lng != NULL)
		snprintf(buf, size, "--%s", r->lng);
	else
		snprintf(buf, size, "-%c", r->shrt);
}

/* Build getopt_long's tables from the rows (plus -h/--help). */
static void
opt_tables(const struct opt_row *rows, struct option *lo, char *so)
{
	size_t	i, n = 0, k = 0;

	so[k++] = ':';		/* report a missing value as ':' */
	for (i = 0; ; i++) {
		const struct opt_row *r = rows[i].id != 0 ? &rows[i] :
		    &opt_help_row;

		if (r->lng != NULL) {
			lo[n].name = r->lng;
			lo[n].has_arg = r->arg == OPT_ARG_NONE ? no_argument :
			    r->arg == OPT_ARG_REQUIRED ? required_argument :
			    optional_argument;
			lo[n].flag = NULL;
			lo[n].val = r->id;
			n++;
		}
		if (r->shrt != 0) {
			so[k++] = (char)r->shrt;
			if (r->arg == OPT_ARG_REQUIRED)
				so[k++] = ':';
		}
		if (r == &opt_help_row)
			break;
	}
	memset(&lo[n], 0, sizeof lo[n]);
	so[k] = '\0';
}

/* The message for getopt's '?' and ':' answers. */
static int
opt_bad(const struct opt_row *rows, int c, char **argv, struct status *st)
{
	const struct opt_row	*r = optopt != 0 ? opt_find(rows, optopt) :
				    NULL;
	const char		*arg = argv[optind - 1];
	char			 name[64];
	size_t			 len;

	if (r != NULL) {
		opt_name(r, name, sizeof name);
		if (c == ':')
			return status_usage(st, "option '%s' needs a value%s%s",
			    name, r->meta != NULL ? ": " : "",
			    r->meta != NULL ? r->meta : "");
		/* A long option with no value given one (--nodelay=1). */
		if (arg != NULL && strncmp(arg, "--", 2) == 0)
			return status_usage(st, "option '%s' takes no value",
			    name);
	}
	/*
	 * A letter no row has is a short option, whatever argv[optind - 1]
	 * is: inside a cluster glibc has not moved optind past it yet.
	 */
	if (optopt != 0 && optopt < 256 && r == NULL)
		return status_usage(st, "unknown option '-%c'", optopt);
	if (arg == NULL)
		return status_usage(st, "unknown option");
	len = strcspn(arg, "=");
	if (len > 40)
		len = 40;
	return status_usage(st, "unknown option '%.*s'", (int)len, arg);
}

/*
 * Does s look like keepalive timings ("60", "60,10,5", "1m")?  getopt
 * gives an optional value only after '=', so "--keepalive 60" would make
 * 60 an operand (a PORT) without a word.
 */
static int
opt_looks_timed(const char *s)
{
	return s[0] >= '0' && s[0] <= '9' &&
	    s[strspn(s, "0123456789.,smh")] == '\0';
}

int
opt_parse(const struct sc_cmd *cmd, int argc, char **argv,
    struct sock_opts *net, opt_cb cb, void *ctx, struct status *st)
{
	struct option	lo[OPT_MAX_ROWS + 2];
	char		so[OPT_MAX_ROWS * 2 + 4];
	int		c, r;

	if (opt_count(cmd->opts) > OPT_MAX_ROWS)
		return status_set(st, SC_EX_SOFTWARE, "too many option rows");
	opt_tables(cmd->opts, lo, so);
	opterr = 0;
	/*
	 * Help wins, wherever it is and whatever else is wrong (as in git):
	 * a first scan looks only for it.  optind 0, not 1: glibc then
	 * forgets the state of any earlier scan (a half-read "-abc" cluster,
	 * its permutation of argv).
	 */
	optind = 0;
	while ((c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		if (c == 'h') {
			opt_print_help(cmd, stdout);
			return OPT_HELP;
		}
		/* Every message, also about an earlier option, in its format. */
		if (c == OPT_LOG_FORMAT)
			(void)log_format_parse(optarg, st);
	}
	status_clear(st);
	optind = 0;
	while ((c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		if (c == '?' || c == ':')
			return opt_bad(cmd->opts, c, argv, st);
		if (c == OPT_KEEPALIVE && optarg == NULL && optind < argc &&
		    opt_looks_timed(argv[optind]))
			return status_usage(st, "--keepalive %.40s: timings "
			    "go after '=' (--keepalive=%.40s); a port after "
			    "--keepalive needs -p", argv[optind],
			    argv[optind]);
		if (c == OPT_LOG_FORMAT) {
			if (log_format_parse(optarg, st) < 0)
				return -1;
			continue;
		}
		r = net != NULL ? opt_net(net, c, optarg, st) : 0;
		if (r < 0)
			return -1;
		if (r == 0 && (cb == NULL || cb(ctx, c, optarg, st) < 0)) {
			if (cb == NULL)
				return status_set(st, SC_EX_SOFTWARE,
				    "option %d has no handler", c);
			return -1;
		}
	}
	return optind;
}

/* --keepalive=IDLE,INTVL,CNT: durations in whole seconds and a count. */
static int
opt_keepalive(struct sock_opts *o, const char *arg, struct status *st)
{
	char	 buf[96], *field[3], *save = NULL, *tok;
	int64_t	 ms, cnt;
	size_t	 len;
	int	 n = 0;

	o->keepalive = 1;
	if (arg == NULL)
		return 0;
	len = strlen(arg);
	if (len >= sizeof buf)
		return status_usage(st, "--keepalive '%.40s...': too long",
		    arg);
	memcpy(buf, arg, len + 1);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (n == 3)
			return status_usage(st, "--keepalive '%s': expected "
			    "IDLE,INTVL,CNT", arg);
		field[n++] = tok;
	}
	if (n == 0 || arg[strlen(arg) - 1] == ',' || strstr(arg, ",,") ||
	    arg[0] == ',')
		return status_usage(st, "--keepalive '%s': expected "
		    "IDLE,INTVL,CNT", arg);
	if (parse_duration("--keepalive IDLE", field[0], &ms, st) < 0)
		return -1;
	o->ka_idle = (int)((ms + 999) / 1000);
	if (o->ka_idle < 1 || o->ka_idle > 32767)
		return status_usage(st, "--keepalive IDLE '%s': out of range "
		    "(1s to 32767s)", field[0]);
	if (n > 1) {
		if (parse_duration("--keepalive INTVL", field[1], &ms, st) < 0)
			return -1;
		o->ka_intvl = (int)((ms + 999) / 1000);
		if (o->ka_intvl < 1 || o->ka_intvl > 32767)
			return status_usage(st, "--keepalive INTVL '%s': out "
			    "of range (1s to 32767s)", field[1]);
	}
	if (n > 2) {
		if (parse_count("--keepalive CNT", field[2], 1, 127, &cnt,
		    st) < 0)
			return -1;
		o->ka_cnt = (int)cnt;
	}
	return 0;
}

static int
opt_bufsize(const char *what, const char *arg, int *out, struct status *st)
{
	int64_t	v;

	if (parse_size(what, arg, 1024LL * 1024 * 1024, &v, st) < 0)
		return -1;
	if (v < 1)
		return status_usage(st, "%s '%s': must be at least 1 byte",
		    what, arg);
	*out = (int)v;
	return 0;
}

int
opt_net(struct sock_opts *o, int id, const char *arg, struct status *st)
{
	switch (id) {
	case '4':
	case '6':
		if (o->family != AF_UNSPEC &&
		    o->family != (id == '4' ? AF_INET : AF_INET6))
			return status_usage(st, "-4 and -6 exclude each other");
		o->family = id == '4' ? AF_INET : AF_INET6;
		return 1;
	case 'p':
		if (parse_port("--port", arg, o->proto, &o->port, st) < 0)
			return -1;
		o->port_set = 1;
		return 1;
	case 'b':
		o->bind = arg;
		return addr_host("--bind", arg, NULL, 0, st) < 0 ? -1 : 1;
	case 's':
		o->source = arg;
		return addr_host("--source", arg, NULL, 0, st) < 0 ? -1 : 1;
	case OPT_SOURCE_PORT:
		if (parse_port("--source-port", arg, o->proto, &o->source_port,
		    st) < 0)
			return -1;
		o->source_port_set = 1;
		return 1;
	case 'n':
		o->numeric = 1;
		return 1;
	case 'w':
		return parse_duration("--timeout", arg, &o->timeout_ms, st) < 0 ?
		    -1 : 1;
	case 'i':
		return parse_duration("--idle-timeout", arg, &o->idle_ms, st) <
		    0 ? -1 : 1;
	case 'U':
		o->unix_path = arg;
		return addr_unix_check("--unix", arg, st) < 0 ? -1 : 1;
	case OPT_SEQPACKET:
		o->seqpacket = 1;
		return 1;
	case OPT_REUSEADDR:
		o->reuseaddr = 1;
		return 1;
	case OPT_NO_REUSEADDR:
		o->reuseaddr = 0;
		return 1;
	case OPT_REUSEPORT:
		o->reuseport = 1;
		return 1;
	case OPT_KEEPALIVE:
		return opt_keepalive(o, arg, st) < 0 ? -1 : 1;
	case OPT_NODELAY:
		o->nodelay = 1;
		return 1;
	case OPT_RCVBUF:
		return opt_bufsize("--rcvbuf", arg, &o->rcvbuf, st) < 0 ? -1 : 1;
	case OPT_SNDBUF:
		return opt_bufsize("--sndbuf", arg, &o->sndbuf, st) < 0 ? -1 : 1;
	case OPT_ALLOW:
	case OPT_DENY:
		if (o->acl == NULL)
			return status_set(st, SC_EX_SOFTWARE, "--%s: no rules "
			    "for this command", id == OPT_ALLOW ? "allow" :
			    "deny");
		return acl_add(o->acl, id == OPT_ALLOW, arg, st) < 0 ? -1 : 1;
	case 'v':
		log_set_level(log_level() < LOG_NORMAL ? LOG_VERBOSE :
		    log_level() + 1);
		return 1;
	case 'q':
		log_set_level(LOG_QUIET);
		return 1;
	default:
		return 0;
	}
}

/* Rules that hold for every command once all options are read. */
static int
opt_net_check(const struct sock_opts *o, struct status *st)
{
	if (o->seqpacket && o->unix_path == NULL)
		return status_usage(st, "--seqpacket needs -U PATH");
	if (o->unix_path != NULL) {
		if (o->family != AF_UNSPEC)
			return status_usage(st, "-%c does not go with -U",
			    o->family == AF_INET ? '4' : '6');
		if (o->bind != NULL)
			return status_usage(st, "--bind does not go with -U");
		if (o->source != NULL || o->source_port_set)
			return status_usage(st,
			    "--source/--source-port do not go with -U");
	}
	return 0;
}

static int
opt_extra(char **argv, int i, struct status *st)
{
	return status_usage(st, "unexpected argument '%.64s'", argv[i]);
}

int
opt_listener_operands(struct sock_opts *o, int argc, char **argv, int first,
    struct status *st)
{
	if (opt_net_check(o, st) < 0)
		return -1;
	if (o->unix_path != NULL) {
		if (o->port_set)
			return status_usage(st, "-U PATH and a PORT exclude "
			    "each other");
		if (first < argc)
			return opt_extra(argv, first, st);
		return 0;
	}
	if (first < argc) {
		if (o->port_set)
			return status_usage(st, "give the port once: -p PORT "
			    "or PORT, not both");
		if (parse_port("PORT", argv[first], o->proto, &o->port, st) < 0)
			return -1;
		o->port_set = 1;
		first++;
	}
	if (first < argc)
		return opt_extra(argv, first, st);
	/* A socket inherited by socket activation needs no port. */
	if (!o->port_set && !(o->activate && sock_activation_present()))
		return status_usage(st, "a port is needed: -p PORT, PORT or "
		    "-U PATH");
	return 0;
}

char *
opt_host_port(char *s)
{
	char	*colon;

	if (s[0] == '[') {
		colon = strchr(s, ']');
		if (colon == NULL || colon[1] != ':' || colon[2] == '\0')
			return NULL;
		colon++;
	} else {
		colon = strchr(s, ':');
		/* No colon, or several: a name or a bare IPv6 literal. */
		if (colon == NULL || strchr(colon + 1, ':') != NULL ||
		    colon == s || colon[1] == '\0')
			return NULL;
	}
	*colon = '\0';
	return colon + 1;
}

int
opt_target(struct sock_opts *o, int argc, char **argv, int *first,
    const char **host, uint16_t *port, struct status *st)
{
	const char	*pstr;
	int		 i = *first;

	if (i >= argc)
		return status_usage(st, "HOST and PORT are needed");
	pstr = opt_host_port(argv[i]);
	if (pstr == NULL) {
		if (i + 1 >= argc)
			return status_usage(st, "PORT is needed after HOST "
			    "(HOST PORT, HOST:PORT or [V6]:PORT)");
		pstr = argv[++i];
	}
	if (addr_host("HOST", argv[*first], NULL, 0, st) < 0)
		return -1;
	*host = argv[*first];
	if (parse_port("PORT", pstr, o->proto, port, st) < 0)
		return -1;
	if (*port == 0)
		return status_usage(st, "PORT '%s': cannot connect to port 0",
		    pstr);
	*first = i + 1;
	return 0;
}

int
opt_client_operands(struct sock_opts *o, int argc, char **argv, int first,
    const char **host, int *rest, struct status *st)
{
	if (opt_net_check(o, st) < 0)
		return -1;
	*host = NULL;
	if (o->unix_path == NULL && opt_target(o, argc, argv, &first, host,
	    &o->remote_port, st) < 0)
		return -1;
	if (rest != NULL)
		*rest = first;
	else if (first < argc)
		return opt_extra(argv, first, st);
	return 0;
}

/* "  -p, --port PORT", "      --keepalive[=IDLE,INTVL,CNT]" */
static void
opt_row_label(const struct opt_row *r, char *buf, size_t size)
{
	int	n;

	if (r->shrt != 0 && r->lng != NULL)
		n = snprintf(buf, size, "  -%c, --%s", r->shrt, r->lng);
	else if (r->shrt != 0)
		n = snprintf(buf, size, "  -%c", r->shrt);
	else
		n = snprintf(buf, size, "      --%s", r->lng);
	if (n < 0 || (size_t)n >= size || r->meta == NULL)
		return;
	if (r->arg == OPT_ARG_OPTIONAL)
		snprintf(buf + n, size - (size_t)n, "[=%s]", r->meta);
	else
		snprintf(buf + n, size - (size_t)n, " %s", r->meta);
}

void
opt_print_help(const struct sc_cmd *cmd, FILE *fp)
{
	const struct opt_row	*r;
	char			 label[96];
	size_t			 i;

	fprintf(fp, "usage: sockcat %s %s\n", cmd->name, cmd->synopsis);
	fprintf(fp, "%s\n\noptions:\n", cmd->summary);
	for (i = 0; ; i++) {
		r = cmd->opts[i].id != 0 ? &cmd->opts[i] : &opt_help_row;
		opt_row_label(r, label, sizeof label);
		/* One line per option, however long its label. */
		fprintf(fp, "%-30s%s%s\n", label,
		    strlen(label) < 30 ? "" : "  ", r->help);
		if (r == &opt_help_row)
			break;
	}
}
