/* log.c: one line per message on stderr, in SPEC's shape. */
#include "config.h"

#include <sys/wait.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

static const char	*log_cmd;
static int		 log_lvl = LOG_NORMAL;

void
log_set_command(const char *command)
{
	log_cmd = command;
}

const char *
log_command(void)
{
	return log_cmd;
}

void
log_set_level(int level)
{
	log_lvl = level;
}

int
log_level(void)
{
	return log_lvl;
}

/* Format the whole line first so it reaches stderr in one write. */
static void
log_vline(int with_cmd, const char *fmt, va_list ap)
{
	char	line[1024];
	int	n = 0;

	if (with_cmd && log_cmd != NULL)
		n = snprintf(line, sizeof line, "sockcat: %s: ", log_cmd);
	else
		n = snprintf(line, sizeof line, "sockcat: ");
	if (n < 0 || (size_t)n >= sizeof line)
		n = 0;
	vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	status_one_line(line);
	fprintf(stderr, "%s\n", line);
	fflush(stderr);
}

void
log_error(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vline(1, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;

	if (log_lvl < LOG_NORMAL)
		return;
	va_start(ap, fmt);
	log_vline(1, fmt, ap);
	va_end(ap);
}

/* Informational lines carry no command: "sockcat: listening on ...". */
void
log_info(int level, const char *fmt, ...)
{
	va_list	ap;

	if (log_lvl < level)
		return;
	va_start(ap, fmt);
	log_vline(0, fmt, ap);
	va_end(ap);
}

void
log_session_end(const char *peer, const char *gave_up, const char *summary)
{
	if (gave_up != NULL)
		log_info(LOG_VERBOSE, "stdin given up: %s", gave_up);
	log_info(LOG_VERBOSE, "closed %s: %s", peer, summary);
}

void
log_exec_start(long pid, const char *peer)
{
	log_info(LOG_VERBOSE, "pid %ld started for %s", pid, peer);
}

void
log_exec_end(long pid, const char *peer, int wstatus, int64_t ms)
{
	char	how[96];

	if (log_level() < LOG_VERBOSE)
		return;
	if (WIFSIGNALED(wstatus))
		snprintf(how, sizeof how, "killed by signal %d (%s)",
		    WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)));
	else
		snprintf(how, sizeof how, "exited with status %d",
		    WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
	log_info(LOG_VERBOSE, "pid %ld for %s %s after %lld.%03llds", pid,
	    peer, how, (long long)(ms / 1000), (long long)(ms % 1000));
}

int
log_status(const struct status *st)
{
	if (st->code == SC_EX_OK)
		return SC_EX_OK;
	if (st->usage && log_cmd != NULL)
		log_error("%s; see 'sockcat %s --help'", st->msg, log_cmd);
	else if (st->usage)
		log_error("%s; see 'sockcat --help'", st->msg);
	else
		log_error("%s", st->msg);
	return st->code;
}
