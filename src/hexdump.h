/*
 * hexdump.h: the lines of -x/--hexdump.  Each chunk a direction moves
 * starts a line of its own; each line is
 *	[NAME ]M OFFSET  HEX  |ASCII|
 * M is '>' (sent) or '<' (received); OFFSET is the first byte's offset in
 * its direction, 8 hex digits (more past 4 GiB); HEX and ASCII are laid
 * out as by 'hexdump -C': 16 bytes a line, a gap after the eighth, bytes
 * outside 0x20-0x7e shown as '.'.  NAME names the pair where one process
 * relays many (forward: "127.0.0.1:55378 -> 10.1.2.3:80").
 *
 * The lines go to a FILE (appended, never read) or to stderr through
 * log.h (as they are in text; one "hexdump" event a line in json, with
 * direction, offset and the bytes in hex).  Nothing here prints anything
 * else; a failed write to the FILE is kept in err (the first errno) for
 * the owner to report, and the dump goes on.
 */
#ifndef SC_HEXDUMP_H
#define SC_HEXDUMP_H

#include <stddef.h>
#include <stdint.h>

/* The longest line without NAME, its newline included. */
#define HEXDUMP_LINE_MAX	96

struct hexdump {
	int		 fd;		/* the FILE, or -1: stderr */
	const char	*name;		/* the pair, or NULL */
	const char	*dir[2];	/* "sent", "received" (json) */
	char		 mark[2];	/* '>', '<' */
	uint64_t	 off[2];	/* bytes dumped each way */
	int		 err;		/* the first failed write's errno */
};

/*
 * Set h up: lines to fd (-1: stderr), direction 0 marked '>' and named
 * dir0 in json, direction 1 '<' and dir1; name may be NULL.
 */
void	hexdump_init(struct hexdump *h, int fd, const char *name,
	    const char *dir0, const char *dir1);

/*
 * One line of n (1-16) bytes at offset off: "M OFFSET  HEX  |ASCII|\n"
 * into out (HEXDUMP_LINE_MAX bytes); returns its length.
 */
size_t	hexdump_line(char *out, char mark, uint64_t off,
	    const unsigned char *p, size_t n);

/* Dump n bytes that direction d moved, as lines of their own. */
void	hexdump_chunk(struct hexdump *h, int d, const void *p, size_t n);

#endif
