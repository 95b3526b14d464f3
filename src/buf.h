/*
 * buf.h: a byte queue for what could not be written yet.  An echo client
 * holds none while its socket takes every write; one is allocated when a
 * write comes up short and freed once it has drained, so idle connections
 * cost nothing here.  The caller bounds its size (backpressure).
 */
#ifndef SC_BUF_H
#define SC_BUF_H

#include <sys/types.h>

#include <stddef.h>

struct buf {
	size_t	off;		/* first unsent byte in data */
	size_t	len;		/* unsent bytes from off */
	size_t	cap;		/* room in data */
	char	data[];
};

/* Bytes waiting in b (0 for NULL). */
size_t	buf_len(const struct buf *b);

/*
 * Append n bytes of p to *bp, allocating or growing it.  Returns 0, or -1
 * with errno ENOMEM (*bp unchanged).
 */
int	buf_append(struct buf **bp, const void *p, size_t n);

/*
 * Write what b holds to fd.  Returns the bytes written (b drained when
 * buf_len() is 0 after), or -1 with errno; EAGAIN means none could be.
 */
ssize_t	buf_flush(struct buf *b, int fd);

/* Free b (NULL is fine). */
void	buf_free(struct buf *b);

#endif
