/* buf.c: the pending-output queue of one client. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"

#define BUF_MIN		4096

size_t
buf_len(const struct buf *b)
{
	return b == NULL ? 0 : b->len;
}

int
buf_append(struct buf **bp, const void *p, size_t n)
{
	struct buf	*b = *bp, *nb;
	size_t		 cap;

	if (b != NULL && b->off > 0 && b->off + b->len + n > b->cap) {
		memmove(b->data, b->data + b->off, b->len);
		b->off = 0;
	}
	if (b == NULL || b->off + b->len + n > b->cap) {
		cap = b == NULL ? BUF_MIN : b->cap;
		while (cap < (b == NULL ? 0 : b->len) + n) {
			if (cap > ((size_t)-1 - sizeof *b) / 2) {
				errno = ENOMEM;
				return -1;
			}
			cap *= 2;
		}
		nb = realloc(b, sizeof *nb + cap);
		if (nb == NULL)
			return -1;
		if (b == NULL)
			nb->off = nb->len = 0;
		nb->cap = cap;
		*bp = b = nb;
	}
	memcpy(b->data + b->off + b->len, p, n);
	b->len += n;
	return 0;
}

ssize_t
buf_flush(struct buf *b, int fd)
{
	ssize_t	n, total = 0;

	while (b->len > 0) {
		n = write(fd, b->data + b->off, b->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return total > 0 ? total : -1;
		b->off += (size_t)n;
		b->len -= (size_t)n;
		total += n;
	}
	b->off = 0;
	return total;
}

void
buf_free(struct buf *b)
{
	free(b);
}
