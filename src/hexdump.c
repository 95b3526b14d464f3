/* hexdump.c: the lines of -x/--hexdump (see hexdump.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hexdump.h"
#include "log.h"

/* Lines are gathered and written this much at a time. */
#define HEXDUMP_BUF	(64 * 1024)

void
hexdump_init(struct hexdump *h, int fd, const char *name, const char *dir0,
    const char *dir1)
{
	memset(h, 0, sizeof *h);
	h->fd = fd;
	h->name = name;
	h->dir[0] = dir0;
	h->dir[1] = dir1;
	h->mark[0] = '>';
	h->mark[1] = '<';
}

size_t
hexdump_line(char *out, char mark, uint64_t off, const unsigned char *p,
    size_t n)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i, k;
	int			len;

	len = snprintf(out, HEXDUMP_LINE_MAX, "%c %08llx  ", mark,
	    (unsigned long long)off);
	k = len > 0 ? (size_t)len : 0;
	for (i = 0; i < 16; i++) {
		if (i < n) {
			out[k++] = hex[p[i] >> 4];
			out[k++] = hex[p[i] & 0xf];
		} else {
			out[k++] = ' ';
			out[k++] = ' ';
		}
		out[k++] = ' ';
		if (i == 7)
			out[k++] = ' ';
	}
	out[k++] = ' ';
	out[k++] = '|';
	for (i = 0; i < n; i++)
		out[k++] = p[i] >= 0x20 && p[i] <= 0x7e ? (char)p[i] : '.';
	out[k++] = '|';
	out[k++] = '\n';
	return k;
}

/* Gathered lines out, to the FILE or to stderr. */
static void
hexdump_flush(struct hexdump *h, const char *buf, size_t len)
{
	ssize_t	n;

	if (h->fd < 0) {
		log_data(buf, len);
		return;
	}
	while (len > 0) {
		n = write(h->fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (h->err == 0)
				h->err = n < 0 ? errno : EIO;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

/* json: one event a line, with the bytes in hex. */
static void
hexdump_event(struct hexdump *h, int d, uint64_t off, const char *line,
    size_t len, const unsigned char *p, size_t n)
{
	static const char	hex[] = "0123456789abcdef";
	struct log_field	f[4];
	char			bytes[33];
	size_t			i, k = 0;

	for (i = 0; i < n; i++) {
		bytes[2 * i] = hex[p[i] >> 4];
		bytes[2 * i + 1] = hex[p[i] & 0xf];
	}
	bytes[2 * n] = '\0';
	if (h->name != NULL)
		f[k++] = (struct log_field)LOG_STR("pair", h->name);
	f[k++] = (struct log_field)LOG_STR("direction", h->dir[d]);
	f[k++] = (struct log_field)LOG_UINT("offset", off);
	f[k++] = (struct log_field)LOG_STR("bytes", bytes);
	log_event(LOG_QUIET, "hexdump", f, k, "%.*s", (int)(len - 1), line);
}

void
hexdump_chunk(struct hexdump *h, int d, const void *p, size_t n)
{
	static char		 buf[HEXDUMP_BUF];
	const unsigned char	*s = p;
	size_t			 len = 0, k, pre, m;
	int			 json = h->fd < 0 &&
				    log_format() == LOG_FORMAT_JSON;

	pre = h->name != NULL ? strlen(h->name) + 1 : 0;
	if (pre > 256)
		pre = 256;
	while (n > 0) {
		m = n < 16 ? n : 16;
		if (len + pre + HEXDUMP_LINE_MAX > sizeof buf) {
			hexdump_flush(h, buf, len);
			len = 0;
		}
		if (pre > 0) {
			memcpy(buf + len, h->name, pre - 1);
			buf[len + pre - 1] = ' ';
		}
		k = hexdump_line(buf + len + pre, h->mark[d], h->off[d], s, m);
		if (json)
			hexdump_event(h, d, h->off[d], buf + len + pre, k, s,
			    m);
		else
			len += pre + k;
		h->off[d] += m;
		s += m;
		n -= m;
	}
	if (len > 0)
		hexdump_flush(h, buf, len);
}
