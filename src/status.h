/*
 * status.h: how a failure travels up.
 *
 * Modules never print and never exit: they fill a caller-owned struct
 * status and return -1.  The command reports it once through log.h and
 * exits with st.code.  The errno -> exit status mapping lives in status.c.
 */
#ifndef SC_STATUS_H
#define SC_STATUS_H

#include <stdarg.h>

/* Exit statuses of SPEC's table (sysexits numbers). */
#define SC_EX_OK		0	/* success */
#define SC_EX_FAIL		1	/* transfer failed after connecting */
#define SC_EX_USAGE		64	/* bad command line */
#define SC_EX_NOHOST		68	/* host name does not resolve */
#define SC_EX_UNAVAILABLE	69	/* refused, unreachable, no socket */
#define SC_EX_SOFTWARE		70	/* internal error (never expected) */
#define SC_EX_OSERR		71	/* cannot create or bind the socket */
#define SC_EX_TEMPFAIL		75	/* a timeout fired */
#define SC_EX_PROTOCOL		76	/* TLS handshake or verification failed;
					   a proxy answered an error */
#define SC_EX_NOPERM		77	/* permission denied */

#define SC_STATUS_MSG	512

struct status {
	int	code;			/* SC_EX_* */
	int	usage;			/* 1: point the user to --help */
	char	msg[SC_STATUS_MSG];	/* "subject: reason", no newline */
};

/* Fill st with code and a printf-formatted message; always returns -1. */
int	status_set(struct status *st, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* A usage error (64) whose message will point to the command's --help. */
int	status_usage(struct status *st, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* "subject: strerror(err)" with the exit status errno_code(err, fallback). */
int	status_errno(struct status *st, int err, int fallback,
	    const char *subject);

/*
 * The one table from errno to SPEC's exit statuses: refused and unreachable
 * are 69, timeouts 75, address problems 71, permission 77; anything else
 * gets fallback.
 */
int	status_errno_code(int err, int fallback);

/*
 * Make s one line that is safe for a terminal: control characters (a
 * newline in a value the user typed, an escape in a peer's path) become
 * '?'.  Every message goes through it, in status_set() and in the log.
 */
void	status_one_line(char *s);

/* Reset st to success. */
void	status_clear(struct status *st);

#endif
