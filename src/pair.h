/*
 * pair.h: the relay engine.  A pair is two ends and the two directions
 * between them, relayed on the event loop; many pairs share one loop.
 * listen and connect (stdin/stdout <-> a socket), forward (a socket <-> a
 * socket), --exec behind TLS and the proxies all relay through it.
 *
 * An end is a descriptor to read and one to write (the same socket, or
 * stdin and stdout), plus an optional layer (TLS) between them and the
 * bytes.  Each direction moves bytes the cheapest way its two ends allow,
 * chosen when the pair starts and kept unless the kernel refuses (then
 * that direction falls back to read/write without losing a byte):
 *	file, pipe, device -> socket	read/write, PAIR_SEND_BUFSZ at a
 *					time (SOCKCAT_ZEROCOPY_SEND=1:
 *					sendfile(2) from a file, splice(2)
 *					from a pipe)
 *	socket -> pipe			splice(2)
 *	socket -> socket, file, device	splice(2) through a pipe from a
 *					pool (taken while bytes are in it)
 *	a layer on either end, seqpacket, a terminal, SOCKCAT_NO_SPLICE=1
 *					read/write through a bounded buffer
 * A direction holds at most one buffer or one pipe of bytes taken from its
 * source and not yet given to its sink; while it does, its source is not
 * read (backpressure: a side that does not drain stops the other).
 *
 * The rules of SPEC's "Relay semantics" live in one place, pair.c's
 * pair_dir_end(): a direction's EOF half-closes the end it flows into
 * (shutdown(SHUT_WR), or close for stdout, or nothing when that end says
 * so); the pair ends when both directions have; a reset or a failed write
 * on one end resets the other (close with SO_LINGER 0) and ends the pair
 * with status 1.  An end with PAIR_GIVEUP (stdin) may be given up when
 * the other end has sent data and ended (SPEC's give-up rule).
 *
 * A direction may have a tap (pair_opts.tap[d]), the one hook for what
 * watches or shapes the bytes (observe.h: --hexdump, --sha256, --crlf,
 * --rate): see() is given every chunk the direction takes from its
 * source, in order, once, as it will go to the sink (after the rewrite),
 * also when the sink discards it (wfd -1); rewrite() turns each chunk
 * read into what is written instead (at most PAIR_REWRITE_GROWTH times
 * as long; state across chunks is the tap's own); rate caps the bytes
 * written a second with a token bucket (rate.h): a direction out of
 * tokens waits on a timer of its own, not on its descriptors, and reads
 * no more than its tokens allow (a seqpacket message is read whole and
 * paid for after).  A tapped direction moves its bytes through its
 * read/write buffer (and, with rewrite, a second buffer of
 * PAIR_REWRITE_GROWTH times its size for what is written: the next read
 * waits until all of it is, so backpressure holds and nothing grows); the
 * other direction keeps its own path.
 * The counts need no tap: sendfile and splice are counted as they move.
 *
 * Nothing here prints or exits: the owner learns the outcome from its
 * done callback.  The engine closes no descriptor it was given but the
 * write side of a non-socket end at the EOF of what flows into it (stdout:
 * its reader must see EOF while the other direction goes on; counted in
 * wfd_closed); the owner closes the rest after the pair is freed
 * (pair_reset() first for a reset).  Linux-only calls (splice, sendfile, SIOCINQ/SIOCOUTQ) live in
 * pair.c and nowhere else.
 */
#ifndef SC_PAIR_H
#define SC_PAIR_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "status.h"

/*
 * A read/write buffer: 128 KiB measured best on loopback (64 KiB: 15%
 * slower, 256 KiB: twice as slow, out of cache).  A seqpacket message
 * must fit in one read, and a Unix socket's default limit is about
 * 208 KiB: those get 256 KiB, and each read of a stream source towards a
 * seqpacket socket is one message, kept well under that limit.
 */
#define PAIR_BUFSZ		(128 * 1024)

/*
 * The read/write buffer of a file, a pipe or a device into a socket
 * (stdin -> socket).  On loopback (Linux 6.18, a 2-vCPU Xeon VM) one
 * read and one send of 512 KiB moved a 1 GiB file 1.28x faster than
 * sendfile(2), and a pipe 1.33x faster than splice(2), with 15-30% less
 * CPU for both ends together: zero-copy into a socket hands the receiver
 * one 4 KiB page per fragment, while a copy fills larger ones.  128 KiB
 * was 20% slower, 1 MiB 6% and 2 MiB 27% (out of cache).  The receiving
 * side keeps splice(2): there the copy is what costs.
 */
#define PAIR_SEND_BUFSZ		(512 * 1024)
#define PAIR_SEQPACKET_BUFSZ	(256 * 1024)
#define PAIR_SEQPACKET_MSG	(64 * 1024)

/* The SPEC's give-up grace, from the start of the pair. */
#define PAIR_GRACE_MS		1000

/* Flags of an end (struct pair_end_spec). */
#define PAIR_SOCKET	0x01	/* a socket: half-close with shutdown(2),
				   resets can be sent and received */
#define PAIR_SEQPACKET	0x02	/* one message per read and per write */
#define PAIR_NO_HALFCLOSE 0x04	/* at the EOF of what flows in, leave the
				   write side open (--no-shutdown, -k) */
#define PAIR_GIVEUP	0x08	/* reading this end may be given up when
				   the other end has answered and ended */
#define PAIR_TTY	0x10	/* this end's input is a terminal */
#define PAIR_WFD_CLOSED	0x20	/* wfd stands in for a closed descriptor:
				   the first byte for it is an error (EBADF) */
#define PAIR_NONBLOCK	0x40	/* a socket end that is non-blocking
				   already (accept4 and dial make them so) */

/*
 * A layer between an end's descriptor and its bytes (TLS).  Each call
 * works without blocking: -1 with errno EAGAIN and *want set to LOOP_READ
 * or LOOP_WRITE says what the descriptor must become first.  Any other
 * failure fills st with the reason alone: the pair's status is then the
 * end's name, ": ", and that reason.  read returns 0 at a clean EOF.
 * pending says how many bytes the layer holds that can be read without
 * the descriptor being readable.  handshake returns 0 when done, 1 to be
 * called again after *want.  close_notify ends the layer's write side (0
 * done, 1 again after *want); the engine then half-closes the descriptor.
 * It is called at the EOF of what flows into the end, and otherwise once
 * when the pair ends cleanly (a given-up stdin, --no-shutdown,
 * --recv-only), so that the owner's close() is never taken by the peer
 * for a cut.  name says what the layer is in messages ("TLS").  The
 * engine never frees ctx.
 */
struct pair_layer {
	const char *name;
	int	(*handshake)(void *ctx, int *want, struct status *st);
	ssize_t	(*read)(void *ctx, void *buf, size_t n, int *want,
		    struct status *st);
	ssize_t	(*write)(void *ctx, const void *buf, size_t n, int *want,
		    struct status *st);
	int	(*close_notify)(void *ctx, int *want, struct status *st);
	size_t	(*pending)(void *ctx);
};

/* One end as the owner describes it to pair_new(). */
struct pair_end_spec {
	int			 rfd;	/* read from it; -1: never read */
	int			 wfd;	/* write to it; -1: discard */
	unsigned		 flags;	/* PAIR_* */
	const struct pair_layer	*layer;	/* or NULL */
	void			*layer_ctx;
	const char		*rname;	/* names rfd in messages */
	const char		*wname;	/* names wfd in messages */
};

/* What the pair did, for the owner's -v line and --stats. */
struct pair_counts {
	uint64_t	in[2];		/* in[d]: taken by direction d from its
					   source */
	uint64_t	out[2];		/* out[d]: given to its sink */
	int64_t		start_ms;	/* pair_start() */
	int64_t		end_ms;		/* when it ended */
	int		gave_up;	/* the PAIR_GIVEUP end was given up */
	int		eof[2];		/* direction d met its source's EOF */
	int		failed_end;	/* the end that failed: 0, 1; -1 for
					   neither (idle timeout, memory) */
	int		wfd_closed[2];	/* the engine closed end e's wfd (a
					   non-socket's half-close) */
};

struct pair;

/* A tap's view of the bytes direction d moved (see the top). */
typedef void (*pair_see_cb)(void *arg, int d, const void *buf, size_t n);

/*
 * A tap's rewrite of n bytes read by direction d (n >= 1) into out, which
 * has room for PAIR_REWRITE_GROWTH * n bytes; returns how many it wrote.
 */
typedef size_t (*pair_rewrite_cb)(void *arg, int d, const char *in,
	    size_t n, char *out);

#define PAIR_REWRITE_GROWTH	2

/* What taps direction d (struct pair_opts.tap[d]); all zero: nothing. */
struct pair_tap {
	pair_see_cb	 see;		/* or NULL */
	pair_rewrite_cb	 rewrite;	/* or NULL */
	void		*arg;		/* for both */
	uint64_t	 rate;		/* bytes a second; 0: no limit */
};

/*
 * Called once when the pair has ended: st code 0 when both directions
 * ended cleanly (or the give-up rule ended it), else the failure (1 for a
 * reset or a failed write, 75 for the idle timeout or a handshake past
 * hs_ms, 76 for a layer's handshake, 70 when out of memory).  The
 * callback may free the pair.
 */
typedef void (*pair_done_cb)(struct pair *p, void *arg,
	    const struct status *st);

/* The pair's options. */
struct pair_opts {
	int64_t		 idle_ms;	/* -i; -1: none */
	int		 no_splice;	/* read/write only */
	int		 send_only;	/* end once direction 0 has ended and
					   end 1 acknowledged every byte */
	int		 wait_stdin;	/* never give up a PAIR_GIVEUP end */
	int64_t		 hs_ms;		/* the layers' handshakes must be done
					   within this of pair_start() (else
					   75); 0: no limit */
	struct pair_tap	 tap[2];	/* tap[d] on direction d */
};

/*
 * A new pair on loop l: direction 0 moves end 0's input to end 1,
 * direction 1 end 1's input to end 0.  Sockets are made non-blocking;
 * other descriptors keep their flags (they may be shared).  Allocates
 * nothing but the pair.  Returns NULL with st (70) when out of memory.
 */
struct pair *pair_new(struct loop *l, const struct pair_end_spec *e0,
	    const struct pair_end_spec *e1, const struct pair_opts *po,
	    pair_done_cb done, void *arg, struct status *st);

/*
 * Start: the layers' handshakes, then relaying, all on the loop.  The
 * first steps happen from the loop, never inside this call, so done is
 * never called from here.  An end with rfd -1 is at its EOF already (a
 * -k listener's stdin that has ended): what it flows into is half-closed
 * at once.  Returns 0, or -1 with st.
 */
int	pair_start(struct pair *p, struct status *st);

/*
 * Mark direction d as ended before it starts (--recv-only: stdin is
 * never read and never half-closes anything).
 */
void	pair_dir_off(struct pair *p, int d);

/* The counts so far (valid after done, until pair_free). */
const struct pair_counts *pair_counts(const struct pair *p);

/*
 * Make the next close() of end e's sockets reset the connection instead
 * of a FIN (a stop signal, a failure on the other end).
 */
void	pair_reset(struct pair *p, int e);

/*
 * Forget the pair: its descriptors leave the loop (the owner closes them
 * after), its pipes go back to the pool.  Safe from inside done.
 */
void	pair_free(struct pair *p);

/*
 * The engine's pipe pool (one per process): pipes left over are closed.
 * Bytes still in a pipe of a failed pair are never handed to another.
 */
void	pair_pool_drain(void);

#endif
