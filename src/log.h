/*
 * log.h: every message sockcat prints, on stderr, one line each:
 * "sockcat: COMMAND: what: reason".  The log holds the only process-wide
 * state: the program name, the command, the verbosity, the format of the
 * lines (--log-format) and whether a --progress line is on the terminal.
 *
 * Two formats.  text (the default) is the lines above.  json makes every
 * line one JSON object:
 *	{"ts":"2026-01-02T03:04:05.678Z","level":"info","cmd":"listen",
 *	 "event":"listening","local":"[::]:8009",
 *	 "message":"listening on [::]:8009"}
 * ts is the wall clock in UTC (RFC 3339, milliseconds); level is "error",
 * "warning", "info" or "debug"; event names what happened (listening,
 * connected, accepted, closed, stats, digest, progress, hexdump, error;
 * "message" for every other line); then the event's own fields; message
 * is what the text line says after "sockcat: " (and "COMMAND: ").
 * Strings are escaped for any byte: '"' and '\' with a backslash, control
 * characters (U+0000-U+001F, U+007F-U+009F) as \u00XX; a byte that does
 * not start or continue a well-formed UTF-8 sequence (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF) becomes U+FFFD,
 * one for each such byte.
 *
 * log_event() is the structured call: a text rendering (the printf format,
 * exactly what log_info() prints) and the fields for json.  log_error(),
 * log_warn() and log_info() are events too: "error" for the first,
 * "message" for the others.
 */
#ifndef SC_LOG_H
#define SC_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "status.h"

#define LOG_QUIET	(-1)	/* -q: fatal errors only */
#define LOG_NORMAL	0	/* warnings and errors */
#define LOG_VERBOSE	1	/* -v: listening on, connection from */
#define LOG_DEBUG	2	/* -vv */

/* --log-format */
#define LOG_FORMAT_TEXT	0
#define LOG_FORMAT_JSON	1

/* Set the command name used in messages (NULL before dispatch). */
void	log_set_command(const char *command);
const char *log_command(void);

void	log_set_level(int level);
int	log_level(void);

void	log_set_format(int format);
int	log_format(void);

/*
 * --log-format VALUE: "text" or "json" into the log.  Returns 0, or -1
 * with a usage status naming the value.
 */
int	log_format_parse(const char *value, struct status *st);

/* A fatal error: always printed, "sockcat: CMD: msg". */
void	log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A warning: printed unless -q. */
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Printed when the verbosity is at least level (LOG_VERBOSE, LOG_DEBUG). */
void	log_info(int level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* One field of an event: a string or a number. */
enum log_type {
	LOG_T_STR,
	LOG_T_INT,
	LOG_T_UINT
};

struct log_field {
	const char	*key;
	enum log_type	 type;
	const char	*s;		/* LOG_T_STR; NULL is json null */
	int64_t		 i;		/* LOG_T_INT */
	uint64_t	 u;		/* LOG_T_UINT */
};

#define LOG_STR(k, v)	{ .key = (k), .type = LOG_T_STR, .s = (v) }
#define LOG_INT(k, v)	{ .key = (k), .type = LOG_T_INT, .i = (int64_t)(v) }
#define LOG_UINT(k, v)	{ .key = (k), .type = LOG_T_UINT, .u = (uint64_t)(v) }
/* The fields of one log_event() call: an array and its length. */
#define LOG_FIELDS(...) (const struct log_field[]){ __VA_ARGS__ }, \
	(sizeof((const struct log_field[]){ __VA_ARGS__ }) / \
	sizeof(struct log_field))

/*
 * An event (see the top): printed when the verbosity is at least level
 * (LOG_QUIET: always, even with -q: a report an option asked for), as
 * log_info() prints fmt in text, as an object with event, fields[0..n)
 * and the message in json (level "debug" at LOG_DEBUG, else "info").
 */
void	log_event(int level, const char *event, const struct log_field *f,
	    size_t n, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));

/*
 * At -v, the end of a relay session with peer: why stdin was given up
 * (gave_up, or NULL), then "closed PEER: N bytes sent, M bytes received,
 * S.MMMs" (event "closed" with peer, bytes_sent, bytes_received,
 * duration_ms and status, the session's exit status).
 */
void	log_session_end(const char *peer, const char *gave_up,
	    uint64_t sent, uint64_t received, int64_t duration_ms, int status);

/* At -v: "listening on LOCAL" (event "listening", local). */
void	log_listening(const char *local);

/* At level: "connection from PEER" (event "accepted", peer). */
void	log_accepted(int level, const char *peer);

/* At -v: "connected to PEER" (event "connected", peer). */
void	log_connected(const char *peer);

/*
 * A peer refused by --allow/--deny (an acl_refused_cb, see acl.h): at -v,
 * "refused 10.1.2.3:5555 (--deny 10.0.0.0/8)".
 */
void	log_refused(void *arg, const struct sockaddr *peer, socklen_t len,
	    const char *why);

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
 * "return log_status(&st);".  In json the event is "error" with status.
 */
int	log_status(const struct status *st);

/* Is stderr a terminal? */
int	log_stderr_tty(void);

/*
 * Does log_progress() rewrite one line in place (text on a terminal)?
 * Otherwise each call prints a line of its own.
 */
int	log_progress_inplace(void);

/*
 * The --progress line: "sockcat: " + text, rewritten in place on a
 * terminal ("\r", the line, erase to its end) and cleared before any
 * other line; else a line of its own (event "progress" in json).
 */
void	log_progress(const char *text, const struct log_field *f, size_t n);

/* Erase the progress line from the terminal, if one is shown. */
void	log_progress_clear(void);

/*
 * Lines of data (a hexdump) on stderr as they are: len bytes of whole
 * lines, written after erasing the progress line.  Text format only: in
 * json each line is an event of its own (log_event).
 */
void	log_data(const char *text, size_t len);

#endif
