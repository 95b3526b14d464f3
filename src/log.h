/*
 * log.h: every message sockcat prints, on stderr, one line each:
 * "sockcat: COMMAND: what: reason".  The log holds the only process-wide
 * state: the program name, the command and the verbosity.
 */
#ifndef SC_LOG_H
#define SC_LOG_H

#include <stdint.h>

#include "status.h"

#define LOG_QUIET	(-1)	/* -q: fatal errors only */
#define LOG_NORMAL	0	/* warnings and errors */
#define LOG_VERBOSE	1	/* -v: listening on, connection from */
#define LOG_DEBUG	2	/* -vv */

/* Set the command name used in messages (NULL before dispatch). */
void	log_set_command(const char *command);
const char *log_command(void);

void	log_set_level(int level);
int	log_level(void);

/* A fatal error: always printed, "sockcat: CMD: msg". */
void	log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A warning: printed unless -q. */
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Printed when the verbosity is at least level (LOG_VERBOSE, LOG_DEBUG). */
void	log_info(int level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * At -v, the end of a relay session with peer: why stdin was given up
 * (gave_up, or NULL), then "closed PEER: SUMMARY".
 */
void	log_session_end(const char *peer, const char *gave_up,
	    const char *summary);

/* At -v, a program of --exec started: "pid 4242 started for PEER". */
void	log_exec_start(long pid, const char *peer);

/*
 * At -v, its end, from its wait status and how long it ran:
 * "pid 4242 for PEER exited with status 0 after 1.002s", or
 * "... killed by signal 15 (Terminated) after ...".
 */
void	log_exec_end(long pid, const char *peer, int wstatus, int64_t ms);

/*
 * Report st once as a fatal error (with the pointer to --help for usage
 * errors) and return st->code, so a command can end with
 * "return log_status(&st);".
 */
int	log_status(const struct status *st);

#endif
