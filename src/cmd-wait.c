/*
 * cmd-wait.c: sockcat wait HOST PORT [HOST PORT...] [-- COMMAND [ARGS...]]
 * (wait until services accept, then run COMMAND).
 *
 * Every target is probed at once, each by its own dial (dial.h) on one
 * event loop: a name that resolves slowly never holds up the others.  A
 * probe that connects is closed at once, without data.  A failed one
 * (a name that does not resolve yet, a refusal, a timeout) is tried
 * again after a pause that doubles from WAIT_FIRST_MS to --interval.  An
 * attempt in progress is given up after --interval (at least
 * WAIT_PROBE_MIN_MS), counted from its first connect, so a dropped SYN
 * is answered by a fresh one rather than by the kernel's slow
 * retransmissions.  -w bounds the whole; at its end every target still
 * not accepting is named with its last error, status 75.
 *
 * After "--", sockcat replaces itself with COMMAND (execvp), so COMMAND's
 * status becomes sockcat's.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "cmd.h"
#include "dial.h"
#include "log.h"
#include "loop.h"
#include "opt.h"
#include "parse.h"
#include "sig.h"
#include "sock.h"
#include "status.h"

#define WAIT_TIMEOUT_MS		30000	/* -w default */
#define WAIT_INTERVAL_MS	1000	/* --interval default */
#define WAIT_FIRST_MS		50	/* the first pause */
#define WAIT_PROBE_MIN_MS	1000	/* an attempt's least time */
#define WAIT_MSG_MAX		4096	/* the deadline's one line */

enum {
	OPT_INTERVAL = OPT_CMD
};

static const struct opt_row wait_rows[] = {
	OPT_ROW_IPV4,
	OPT_ROW_IPV6,
	OPT_ROW_SOURCE,
	OPT_ROW_NUMERIC,
	{ 'U', 'U', "unix", OPT_ARG_REQUIRED, "PATH",
	  "wait for the Unix stream socket PATH too (repeatable)" },
	OPT_ROW_TIMEOUT("give up after DUR in all (default 30s; 0: never)"),
	{ OPT_INTERVAL, 0, "interval", OPT_ARG_REQUIRED, "DUR",
	  "the longest pause between attempts (default 1s)" },
	OPT_ROW_VERBOSE,
	OPT_ROW_QUIET,
	OPT_ROW_LOG_FORMAT,
	OPT_ROW_END
};

struct wait;

struct wait_target {
	struct wait		*w;
	const char		*host;		/* NULL: a Unix path */
	uint16_t		 port;
	struct sock_opts	 o;		/* with unix_path for -U */
	char			 label[ADDR_STRLEN];
	struct dial		*d;
	int			 up;
	int			 connecting;	/* a connect has begun */
	int			 attempts;
	int64_t			 pause;		/* the next one */
	struct loop_timer	 again;		/* the next attempt */
	struct loop_timer	 probe;		/* this attempt's time */
	struct status		 last;		/* the last failure */
};

struct wait {
	struct sock_opts	 o;
	int64_t			 interval_ms;
	int64_t			 probe_ms;
	const char		**paths;	/* -U, in order */
	size_t			 npaths;
	struct wait_target	*targets;
	size_t			 ntargets, nup;
	struct loop		*loop;
	struct loop_timer	 deadline;
	int			 timed_out;
	int			 failed;
	struct status		 st;
	int64_t			 started;
};

static int
wait_opt(void *ctx, int id, const char *arg, struct status *st)
{
	struct wait	 *w = ctx;
	const char	**np;
	int		  r;

	switch (id) {
	case 'U':
		if (addr_unix_check("--unix", arg, st) < 0)
			return -1;
		np = realloc(w->paths, (w->npaths + 1) * sizeof *np);
		if (np == NULL)
			return status_errno(st, ENOMEM, SC_EX_OSERR, "wait");
		w->paths = np;
		w->paths[w->npaths++] = arg;
		return 0;
	case OPT_INTERVAL:
		if (parse_duration("--interval", arg, &w->interval_ms, st) < 0)
			return -1;
		if (w->interval_ms == 0)
			return status_usage(st, "--interval '%s': must be more "
			    "than 0", arg);
		return 0;
	default:
		/* The shared options, with -U kept from opt_net() above. */
		r = opt_net(&w->o, id, arg, st);
		if (r < 0)
			return -1;
		if (r == 0)
			return status_set(st, SC_EX_SOFTWARE, "option %d not "
			    "handled", id);
		return 0;
	}
}

/* "1.250s" */
static void
wait_dur_str(int64_t ms, char *buf, size_t size)
{
	snprintf(buf, size, "%lld.%03llds", (long long)(ms / 1000),
	    (long long)(ms % 1000));
}

/* ------------------------------------------------------------ attempts */

static void	wait_attempt(struct wait_target *);

static void
wait_dial_stop(struct wait_target *t)
{
	loop_timer_stop(t->w->loop, &t->probe);
	dial_cancel(t->d);
	t->d = NULL;
	t->connecting = 0;
}

/*
 * "LABEL: why" for a target's failure.  The dial's message names the
 * address ("127.0.0.1:5: Connection refused") or the name
 * ("db: Name or service not known"); the label ("db:5432") replaces a
 * name, and one that is the label already is not said twice.
 */
static void
wait_reason(const struct wait_target *t, const char *msg, char *buf,
    size_t size)
{
	const char	*p;
	size_t		 len = strlen(t->label);

	if (strncmp(msg, t->label, len) == 0 && msg[len] == ':' &&
	    msg[len + 1] == ' ')
		msg += len + 2;
	else if (t->host != NULL && (p = strstr(msg, ": ")) != NULL &&
	    (size_t)(p - msg) == strlen(t->host) &&
	    strncmp(msg, t->host, (size_t)(p - msg)) == 0)
		msg = p + 2;
	snprintf(buf, size, "%s: %s", t->label, msg);
}

/* This attempt failed with st: say so, and try again after a pause. */
static void
wait_retry(struct wait_target *t, const struct status *st)
{
	struct wait	*w = t->w;
	struct status	 err;
	char		 pause[32], why[ADDR_STRLEN + SC_STATUS_MSG];

	t->last = *st;
	wait_dur_str(t->pause, pause, sizeof pause);
	if (log_level() >= LOG_VERBOSE) {
		wait_reason(t, st->msg, why, sizeof why);
		log_info(LOG_VERBOSE, "%s (attempt %d; next in %s)", why,
		    t->attempts, pause);
	}
	if (loop_timer_at(w->loop, &t->again, loop_now(w->loop) + t->pause,
	    &err) < 0) {
		w->st = err;
		w->failed = 1;
		loop_stop(w->loop);
		return;
	}
	t->pause *= 2;
	if (t->pause > w->interval_ms)
		t->pause = w->interval_ms;
}

static void
wait_dial_cb(void *arg, int fd, const struct status *st)
{
	struct wait_target	*t = arg;
	struct wait		*w = t->w;
	char			 after[32];

	t->d = NULL;
	t->connecting = 0;
	loop_timer_stop(w->loop, &t->probe);
	if (fd < 0) {
		wait_retry(t, st);
		return;
	}
	/* It accepts: that is all we wanted to know. */
	close(fd);
	t->up = 1;
	w->nup++;
	wait_dur_str(loop_now(w->loop) - w->started, after, sizeof after);
	log_info(LOG_VERBOSE, "%s is accepting (attempt %d, after %s)",
	    t->label, t->attempts, after);
	if (w->nup == w->ntargets)
		loop_stop(w->loop);
}

/* -vv: the dial's own steps; its first connect starts the probe's time. */
static void
wait_dial_attempt(void *arg, const struct sock_attempt *a)
{
	struct wait_target	*t = arg;
	struct wait		*w = t->w;
	struct status		 st;
	char			 buf[2 * ADDR_STRLEN + SC_STATUS_MSG];

	if (a->what != SOCK_ATTEMPT_OK)
		log_info(LOG_DEBUG, "%s", dial_attempt_str(a, buf, sizeof buf));
	if (a->what == SOCK_ATTEMPT_START && !t->connecting) {
		t->connecting = 1;
		if (loop_timer_at(w->loop, &t->probe, loop_now(w->loop) +
		    w->probe_ms, &st) < 0) {
			w->st = st;
			w->failed = 1;
			loop_stop(w->loop);
		}
	}
}

/* The attempt got no answer within its time: give it up, try afresh. */
static void
wait_probe_cb(struct loop *l, struct loop_timer *timer, void *arg)
{
	struct wait_target	*t = arg;
	struct status		 st;
	char			 dur[32];

	(void)l;
	(void)timer;
	wait_dial_stop(t);
	wait_dur_str(t->w->probe_ms, dur, sizeof dur);
	status_set(&st, SC_EX_TEMPFAIL, "%s: connect timeout: no answer "
	    "within %s", t->label, dur);
	wait_retry(t, &st);
}

static void
wait_again_cb(struct loop *l, struct loop_timer *timer, void *arg)
{
	(void)l;
	(void)timer;
	wait_attempt(arg);
}

static void
wait_attempt(struct wait_target *t)
{
	struct status	st;

	t->attempts++;
	status_clear(&st);
	t->d = dial_start(t->w->loop, &t->o, t->host, t->port, wait_dial_cb,
	    t, &st);
	if (t->d == NULL) {
		/* Checked before the loop started: only a local failure. */
		t->w->st = st;
		t->w->failed = 1;
		loop_stop(t->w->loop);
	}
}

/* -w is over: who is still not accepting, and why. */
static void
wait_deadline_cb(struct loop *l, struct loop_timer *timer, void *arg)
{
	struct wait	*w = arg;

	(void)timer;
	w->timed_out = 1;
	loop_stop(l);
}

/* ------------------------------------------------------------- set-up */

/*
 * Check every target as dial_start would, before any socket: HOST, PORT,
 * the family of a literal, -n, a path's length.
 */
static int
wait_targets(struct wait *w, char **argv, int first, int end,
    struct status *st)
{
	struct addr_query	 q;
	struct wait_target	*t;
	size_t			 i, n;

	if ((end - first) % 2 != 0)
		return status_usage(st, "'%.64s' has no PORT after it: targets "
		    "are HOST PORT pairs", argv[end - 1]);
	n = (size_t)(end - first) / 2 + w->npaths;
	if (n == 0)
		return status_usage(st, "a target is needed: HOST PORT or "
		    "-U PATH");
	w->targets = calloc(n, sizeof *w->targets);
	if (w->targets == NULL)
		return status_errno(st, ENOMEM, SC_EX_OSERR, "wait");
	for (i = 0; i < n; i++) {
		t = &w->targets[i];
		t->w = w;
		t->o = w->o;
		t->o.timeout_ms = -1;	/* our timers bound each attempt */
		t->o.attempt = wait_dial_attempt;
		t->o.attempt_arg = t;
		if (i < w->npaths) {
			t->o.unix_path = w->paths[i];
			snprintf(t->label, sizeof t->label, "%s", w->paths[i]);
		} else {
			t->host = argv[first + 2 * (i - w->npaths)];
			if (parse_port("PORT", argv[first + 2 * (i - w->npaths)
			    + 1], "tcp", &t->port, st) < 0)
				return -1;
			if (t->port == 0)
				return status_usage(st, "PORT '0': cannot "
				    "connect to port 0");
			if (addr_query_init(&q, t->host, t->port, w->o.family,
			    SOCK_STREAM, w->o.numeric ? ADDR_NUMERIC : 0,
			    st) < 0)
				return -1;
			snprintf(t->label, sizeof t->label,
			    strchr(q.host, ':') != NULL ? "[%s]:%u" : "%s:%u",
			    q.host, (unsigned)t->port);
		}
		t->pause = w->interval_ms < WAIT_FIRST_MS ? w->interval_ms :
		    WAIT_FIRST_MS;
		w->ntargets++;
	}
	return 0;
}

/* -w's default and its 0, and how long one attempt may take. */
static void
wait_times(struct wait *w)
{
	if (w->o.timeout_ms < 0)
		w->o.timeout_ms = WAIT_TIMEOUT_MS;
	else if (w->o.timeout_ms == 0)
		w->o.timeout_ms = -1;	/* forever */
	w->probe_ms = w->interval_ms > WAIT_PROBE_MIN_MS ? w->interval_ms :
	    WAIT_PROBE_MIN_MS;
}

/* The one line of the deadline. */
static void
wait_timeout_status(struct wait *w, struct status *st)
{
	char			 msg[WAIT_MSG_MAX], dur[32];
	char			 reason[ADDR_STRLEN + SC_STATUS_MSG];
	const char		*why;
	struct wait_target	*t;
	size_t			 i, off;
	int			 n;

	wait_dur_str(w->o.timeout_ms, dur, sizeof dur);
	n = snprintf(msg, sizeof msg, "timeout after %s:", dur);
	off = n > 0 ? (size_t)n : 0;
	for (i = 0; i < w->ntargets && off < sizeof msg; i++) {
		t = &w->targets[i];
		if (t->up)
			continue;
		/* The last attempt that ended, else the one under way. */
		why = t->last.msg;
		if (why[0] == '\0')
			why = t->connecting || t->host == NULL ?
			    "no answer yet" : "the name has not resolved yet";
		wait_reason(t, why, reason, sizeof reason);
		n = snprintf(msg + off, sizeof msg - off, "%s %s",
		    msg[off - 1] != ':' ? ";" : "", reason);
		off += n > 0 ? (size_t)n : 0;
	}
	status_set(st, SC_EX_TEMPFAIL, "%s", msg);
}

static int
wait_run(struct wait *w, struct status *st)
{
	size_t	i;

	if ((w->loop = loop_new(st)) == NULL)
		return -1;
	w->started = loop_now(w->loop);
	loop_timer_init(&w->deadline, wait_deadline_cb, w);
	if (w->o.timeout_ms >= 0 && loop_timer_at(w->loop, &w->deadline,
	    w->started + w->o.timeout_ms, st) < 0)
		return -1;
	for (i = 0; i < w->ntargets; i++) {
		loop_timer_init(&w->targets[i].again, wait_again_cb,
		    &w->targets[i]);
		loop_timer_init(&w->targets[i].probe, wait_probe_cb,
		    &w->targets[i]);
		wait_attempt(&w->targets[i]);
	}
	if (!w->failed && loop_run(w->loop, NULL, NULL, st) < 0)
		return -1;
	if (w->failed) {
		*st = w->st;
		return -1;
	}
	if (sig_pending() != 0)
		return 0;
	if (w->timed_out) {
		wait_timeout_status(w, st);
		return -1;
	}
	return 0;
}

static void
wait_cleanup(struct wait *w)
{
	size_t	i;

	for (i = 0; w->loop != NULL && i < w->ntargets; i++) {
		wait_dial_stop(&w->targets[i]);
		loop_timer_stop(w->loop, &w->targets[i].again);
	}
	if (w->loop != NULL)
		loop_timer_stop(w->loop, &w->deadline);
	loop_free(w->loop);
	w->loop = NULL;
	free(w->targets);
	w->targets = NULL;
	free(w->paths);
	w->paths = NULL;
}

/*
 * Become COMMAND.  SIGPIPE goes back to its default (an ignored signal
 * stays ignored across exec); the stop signals' handlers reset
 * themselves.  Returns only on failure: 127 not found, 126 otherwise.
 */
static int
wait_exec(char **cmd)
{
	struct sigaction	sa;
	int			err;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
	fflush(stdout);
	execvp(cmd[0], cmd);
	err = errno;
	log_error("%.200s: %s", cmd[0], strerror(err));
	return err == ENOENT || err == ENOTDIR ? 127 : 126;
}

static int
wait_main(const struct sc_cmd *cmd, int argc, char **argv)
{
	struct wait	 w;
	struct status	 st;
	char		**command = NULL;
	int		  first, end;

	memset(&w, 0, sizeof w);
	status_clear(&st);
	w.interval_ms = WAIT_INTERVAL_MS;
	sock_opts_init(&w.o, SOCK_STREAM, "tcp");
	/*
	 * COMMAND starts after the first "--": getopt must not see it or
	 * anything after it (it would move "--" and forget where it was).
	 */
	for (end = 1; end < argc && strcmp(argv[end], "--") != 0; end++)
		;
	if (end < argc) {
		if (end + 1 >= argc) {
			status_usage(&st, "'--' needs a COMMAND after it");
			goto out;
		}
		command = argv + end + 1;
	}
	first = opt_parse(cmd, end, argv, NULL, wait_opt, &w, &st);
	if (first == OPT_HELP) {
		free(w.paths);
		return SC_EX_OK;
	}
	if (first < 0 || wait_targets(&w, argv, first, end, &st) < 0)
		goto out;
	wait_times(&w);
	if (wait_run(&w, &st) < 0)
		goto out;
	wait_cleanup(&w);
	if (sig_pending() != 0)
		sig_reraise();
	if (command == NULL)
		return SC_EX_OK;
	return wait_exec(command);
out:
	wait_cleanup(&w);
	if (sig_pending() != 0)
		sig_reraise();
	return log_status(&st);
}

const struct sc_cmd cmd_wait = {
	"wait", "wait until services accept, then run COMMAND",
	"[OPTIONS] HOST PORT [HOST PORT...] [-- COMMAND [ARGS...]]",
	wait_rows, wait_main
};
