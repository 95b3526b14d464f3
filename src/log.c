/* log.c: one line per message on stderr, in SPEC's shape or as JSON. */
#include "config.h"

#include <sys/wait.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "log.h"

/* The text of one message, before any escaping. */
#define LOG_MSG_MAX	1024
/* One rendered line: room for a message whose every byte is escaped. */
#define LOG_LINE_MAX	(16 * LOG_MSG_MAX)
/* Kept free at the end of a json line for what closes it. */
#define LOG_LINE_TAIL	8

/* Erase from the cursor to the end of the line (ECMA-48 EL). */
#define LOG_ERASE	"\033[K"

static const char	*log_cmd;
static int		 log_lvl = LOG_NORMAL;
static int		 log_fmt = LOG_FORMAT_TEXT;
static int		 log_tty = -1;	/* stderr a terminal; -1: ask */
static int		 log_shown;	/* a progress line is shown */

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

void
log_set_format(int format)
{
	log_fmt = format;
}

int
log_format(void)
{
	return log_fmt;
}

int
log_format_parse(const char *value, struct status *st)
{
	if (strcmp(value, "text") == 0)
		log_fmt = LOG_FORMAT_TEXT;
	else if (strcmp(value, "json") == 0)
		log_fmt = LOG_FORMAT_JSON;
	else
		return status_usage(st, "--log-format '%.64s': not text or "
		    "json", value);
	return 0;
}

int
log_stderr_tty(void)
{
	if (log_tty < 0)
		log_tty = isatty(STDERR_FILENO);
	return log_tty;
}

int
log_progress_inplace(void)
{
	return log_fmt == LOG_FORMAT_TEXT && log_stderr_tty();
}

/* ------------------------------------------------------------ writing */

/* All of buf to stderr (a short write is retried; errors are ignored). */
static void
log_write(const char *buf, size_t len)
{
	ssize_t	n;

	fflush(stderr);
	while (len > 0) {
		n = write(STDERR_FILENO, buf, len);
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

void
log_progress_clear(void)
{
	if (!log_shown)
		return;
	log_shown = 0;
	log_write("\r" LOG_ERASE, sizeof "\r" LOG_ERASE - 1);
}

/* A line being built, never past cap - LOG_LINE_TAIL but for its end. */
struct log_line {
	char	buf[LOG_LINE_MAX];
	size_t	len;
};

/* What may still be added before the tail. */
static size_t
log_room(const struct log_line *l)
{
	return sizeof l->buf - LOG_LINE_TAIL - l->len;
}

static void
log_put(struct log_line *l, const char *s, size_t n)
{
	if (n > log_room(l))
		n = log_room(l);
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void
log_puts(struct log_line *l, const char *s)
{
	log_put(l, s, strlen(s));
}

/* The length of the well-formed UTF-8 sequence at s (RFC 3629), or 0. */
static size_t
log_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;		/* no overlong forms */
		else if (s[0] == 0xed)
			hi = 0x9f;		/* no surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;		/* nothing above U+10FFFF */
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* A JSON string of n bytes of s, quoted; see log.h for the rules. */
static void
log_put_str(struct log_line *l, const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			 esc[8];
	size_t			 i = 0, k;

	log_put(l, "\"", 1);
	while (i < n) {
		k = 1;
		if (p[i] == '"' || p[i] == '\\')
			snprintf(esc, sizeof esc, "\\%c", p[i]);
		else if (p[i] < 0x20 || p[i] == 0x7f)
			snprintf(esc, sizeof esc, "\\u%04x", p[i]);
		else if (p[i] < 0x80) {
			esc[0] = (char)p[i];
			esc[1] = '\0';
		} else if ((k = log_utf8_len(p + i, n - i)) == 0) {
			k = 1;
			snprintf(esc, sizeof esc, "\\ufffd");
		} else if (p[i] == 0xc2 && p[i + 1] <= 0x9f)
			snprintf(esc, sizeof esc, "\\u%04x", p[i + 1]);
		else {
			memcpy(esc, p + i, k);
			esc[k] = '\0';
		}
		/* Never half an escape or half a character: stop instead,
		   with room for the closing quote. */
		if (strlen(esc) + 1 > log_room(l))
			break;
		log_puts(l, esc);
		i += k;
	}
	log_put(l, "\"", 1);
}

/*
 * ,"key": -- keys are plain ASCII names.  Returns -1 (nothing added) when
 * the key and the shortest value ("" or a 20-digit number) would not fit,
 * so a full line drops whole fields and stays valid JSON.
 */
static int
log_put_key(struct log_line *l, const char *key)
{
	if (strlen(key) + 4 + 24 > log_room(l))
		return -1;
	log_put(l, ",", 1);
	log_put_str(l, key, strlen(key));
	log_put(l, ":", 1);
	return 0;
}

static void
log_put_field(struct log_line *l, const struct log_field *f)
{
	char	num[32];

	if (log_put_key(l, f->key) < 0)
		return;
	switch (f->type) {
	case LOG_T_STR:
		if (f->s == NULL)
			log_puts(l, "null");
		else
			log_put_str(l, f->s, strlen(f->s));
		return;
	case LOG_T_INT:
		snprintf(num, sizeof num, "%lld", (long long)f->i);
		break;
	default:
		snprintf(num, sizeof num, "%llu", (unsigned long long)f->u);
		break;
	}
	log_puts(l, num);
}

/* "2026-01-02T03:04:05.678Z" */
static void
log_put_ts(struct log_line *l)
{
	struct timespec	ts;
	struct tm	tm;
	char		buf[40];
	size_t		n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, sizeof buf - n, ".%03ldZ", ts.tv_nsec / 1000000);
	log_puts(l, "{\"ts\":");
	log_put_str(l, buf, strlen(buf));
}

/* One json object for msg; level is its name ("error", "info"). */
static void
log_json(const char *level, const char *event, const struct log_field *f,
    size_t n, const char *msg)
{
	struct log_line	l;
	size_t		i;

	l.len = 0;
	log_put_ts(&l);
	/* The first keys always fit: the line is empty. */
	(void)log_put_key(&l, "level");
	log_put_str(&l, level, strlen(level));
	(void)log_put_key(&l, "cmd");
	if (log_cmd != NULL)
		log_put_str(&l, log_cmd, strlen(log_cmd));
	else
		log_puts(&l, "null");
	(void)log_put_key(&l, "event");
	log_put_str(&l, event, strlen(event));
	/* The message goes last but is never the one dropped. */
	for (i = 0; i < n && log_room(&l) > 2 * LOG_MSG_MAX; i++)
		log_put_field(&l, &f[i]);
	if (log_put_key(&l, "message") == 0)
		log_put_str(&l, msg, strlen(msg));
	/* LOG_LINE_TAIL was kept for this. */
	memcpy(l.buf + l.len, "}\n", 2);
	l.len += 2;
	log_progress_clear();
	log_write(l.buf, l.len);
}

/* The text line "sockcat: [CMD: ]msg". */
static void
log_text(int with_cmd, const char *msg)
{
	char	line[LOG_MSG_MAX + 128];
	int	n;

	if (with_cmd && log_cmd != NULL)
		n = snprintf(line, sizeof line, "sockcat: %s: %s", log_cmd,
		    msg);
	else
		n = snprintf(line, sizeof line, "sockcat: %s", msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof line - 1)
		n = (int)sizeof line - 2;
	status_one_line(line);
	line[n++] = '\n';
	log_progress_clear();
	log_write(line, (size_t)n);
}

/*
 * Format the whole message first so the line reaches stderr in one
 * write.  kind: 0 error, 1 warning, 2 info; level for info.
 */
static void
log_vline(int kind, int level, const char *event, const struct log_field *f,
    size_t n, const char *fmt, va_list ap)
{
	static const char *const names[] = { "error", "warning", "info" };
	char	msg[LOG_MSG_MAX];

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (log_fmt == LOG_FORMAT_JSON)
		log_json(kind == 2 && level >= LOG_DEBUG ? "debug" :
		    names[kind], event, f, n, msg);
	else
		log_text(kind < 2, msg);
}

void
log_error(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vline(0, LOG_QUIET, "error", NULL, 0, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;

	if (log_lvl < LOG_NORMAL)
		return;
	va_start(ap, fmt);
	log_vline(1, LOG_NORMAL, "message", NULL, 0, fmt, ap);
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
	log_vline(2, level, "message", NULL, 0, fmt, ap);
	va_end(ap);
}

void
log_event(int level, const char *event, const struct log_field *f, size_t n,
    const char *fmt, ...)
{
	va_list	ap;

	if (level > LOG_QUIET && log_lvl < level)
		return;
	va_start(ap, fmt);
	log_vline(2, level, event, f, n, fmt, ap);
	va_end(ap);
}

void
log_session_end(const char *peer, const char *gave_up, uint64_t sent,
    uint64_t received, int64_t duration_ms, int status)
{
	if (log_lvl < LOG_VERBOSE)
		return;
	if (gave_up != NULL)
		log_info(LOG_VERBOSE, "stdin given up: %s", gave_up);
	log_event(LOG_VERBOSE, "closed", LOG_FIELDS(
	    LOG_STR("peer", peer),
	    LOG_UINT("bytes_sent", sent),
	    LOG_UINT("bytes_received", received),
	    LOG_INT("duration_ms", duration_ms),
	    LOG_INT("status", status)),
	    "closed %s: %llu byte%s sent, %llu byte%s received, %lld.%03llds",
	    peer, (unsigned long long)sent, sent == 1 ? "" : "s",
	    (unsigned long long)received, received == 1 ? "" : "s",
	    (long long)(duration_ms / 1000), (long long)(duration_ms % 1000));
}

void
log_listening(const char *local)
{
	log_event(LOG_VERBOSE, "listening", LOG_FIELDS(LOG_STR("local", local)),
	    "listening on %s", local);
}

void
log_accepted(int level, const char *peer)
{
	log_event(level, "accepted", LOG_FIELDS(LOG_STR("peer", peer)),
	    "connection from %s", peer);
}

void
log_connected(const char *peer)
{
	log_event(LOG_VERBOSE, "connected", LOG_FIELDS(LOG_STR("peer", peer)),
	    "connected to %s", peer);
}

void
log_refused(void *arg, const struct sockaddr *peer, socklen_t len,
    const char *why)
{
	char	name[ADDR_STRLEN];

	(void)arg;
	if (log_lvl < LOG_VERBOSE)
		return;
	log_info(LOG_VERBOSE, "refused %s (%s)", addr_format(peer, len, name,
	    sizeof name), why);
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
	const struct log_field	f[] = { LOG_INT("status", st->code) };
	char			msg[LOG_MSG_MAX];

	if (st->code == SC_EX_OK)
		return SC_EX_OK;
	if (st->usage && log_cmd != NULL)
		snprintf(msg, sizeof msg, "%s; see 'sockcat %s --help'",
		    st->msg, log_cmd);
	else if (st->usage)
		snprintf(msg, sizeof msg, "%s; see 'sockcat --help'", st->msg);
	else
		snprintf(msg, sizeof msg, "%s", st->msg);
	if (log_fmt == LOG_FORMAT_JSON)
		log_json("error", "error", f, 1, msg);
	else
		log_text(1, msg);
	return st->code;
}

/* ------------------------------------------------------------- progress */

void
log_progress(const char *text, const struct log_field *f, size_t n)
{
	char	line[LOG_MSG_MAX + 64];
	int	len;

	if (log_fmt == LOG_FORMAT_JSON) {
		log_json("info", "progress", f, n, text);
		return;
	}
	if (!log_stderr_tty()) {
		log_text(0, text);
		return;
	}
	len = snprintf(line, sizeof line, "\rsockcat: %s" LOG_ERASE, text);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof line)
		len = (int)sizeof line - 1;
	log_write(line, (size_t)len);
	log_shown = 1;
}

void
log_data(const char *text, size_t len)
{
	log_progress_clear();
	log_write(text, len);
}
