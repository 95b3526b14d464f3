/*
 * log.h: every message sockcat prints, on stderr, one line each:
 * "sockcat: COMMAND: what: reason".  The log holds the only process-wide
 * state: the program name, the command and the verbosity.
 */
#ifndef SC_LOG_H
#define SC_LOG_H

#include <sys/socket.h>

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

/*
 * A peer refused by --allow/--deny (an acl_refused_cb, see acl.h): at -v,
 * "refused 10.1.2.3:5555 (--deny 10.0.0.0/8)".
 */
void	log_refused(void *arg, const struct sockaddr *peer, socklen_t len,
	    const char *why);

/*
 * Report st once as a fatal error (with the pointer to --help for usage
 * errors) and return st->code, so a command can end with
 * "return log_status(&st);".
 */
int	log_status(const struct status *st);

#endif
