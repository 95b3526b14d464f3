/* status.c: filling a struct status, and errno -> exit status. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "status.h"

static int
status_vset(struct status *st, int code, const char *fmt, va_list ap)
{
	st->code = code;
	vsnprintf(st->msg, sizeof st->msg, fmt, ap);
	status_one_line(st->msg);
	return -1;
}

void
status_one_line(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			*s = '?';
}

int
status_set(struct status *st, int code, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	status_vset(st, code, fmt, ap);
	va_end(ap);
	st->usage = 0;
	return -1;
}

int
status_usage(struct status *st, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	status_vset(st, SC_EX_USAGE, fmt, ap);
	va_end(ap);
	st->usage = 1;
	return -1;
}

static const struct {
	int	err;
	int	code;
} errno_codes[] = {
	{ ECONNREFUSED,		SC_EX_UNAVAILABLE },
	{ ENETUNREACH,		SC_EX_UNAVAILABLE },
	{ EHOSTUNREACH,		SC_EX_UNAVAILABLE },
	{ ENETDOWN,		SC_EX_UNAVAILABLE },
	{ EHOSTDOWN,		SC_EX_UNAVAILABLE },
	{ ENOENT,		SC_EX_UNAVAILABLE },	/* no socket at a path */
	{ ETIMEDOUT,		SC_EX_TEMPFAIL },
	{ EADDRINUSE,		SC_EX_OSERR },
	{ EADDRNOTAVAIL,	SC_EX_OSERR },
	{ EAFNOSUPPORT,		SC_EX_OSERR },
	{ EPROTONOSUPPORT,	SC_EX_OSERR },
	{ EMFILE,		SC_EX_OSERR },
	{ ENFILE,		SC_EX_OSERR },
	{ EACCES,		SC_EX_NOPERM },
	{ EPERM,		SC_EX_NOPERM },
	{ ECONNRESET,		SC_EX_FAIL },
	{ EPIPE,		SC_EX_FAIL },
};

int
status_errno_code(int err, int fallback)
{
	size_t	i;

	for (i = 0; i < sizeof errno_codes / sizeof errno_codes[0]; i++)
		if (errno_codes[i].err == err)
			return errno_codes[i].code;
	return fallback;
}

int
status_errno(struct status *st, int err, int fallback, const char *subject)
{
	return status_set(st, status_errno_code(err, fallback), "%s: %s",
	    subject, strerror(err));
}

void
status_clear(struct status *st)
{
	st->code = SC_EX_OK;
	st->usage = 0;
	st->msg[0] = '\0';
}
