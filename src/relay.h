/*
 * relay.h: one session of listen or connect: stdin -> socket ("up") and
 * socket -> stdout ("down") at once, with SPEC's EOF rules, relayed by the
 * relay engine (pair.h) on an event loop of the session's own.
 *
 * Usage:
 *	struct relay r;
 *	relay_init(&r, 0, 1, seqpacket);	(once per process)
 *	relay_run(&r, fd, &ro, &st);		(once per session; closes fd)
 *	relay_free(&r);
 *
 * struct relay holds what outlives a session: stdin's EOF (a -k listener
 * whose stdin has ended half-closes every later session at once), whether
 * stdout is still open, and the loop.  How each direction moves bytes
 * (sendfile, splice, read/write) is the engine's choice, see pair.h;
 * SOCKCAT_NO_SPLICE=1 in the environment forces read/write everywhere.
 * The socket is made non-blocking; stdin and stdout are left as they are
 * (their file descriptions are shared with other processes).
 */
#ifndef SC_RELAY_H
#define SC_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include "observe.h"
#include "pair.h"
#include "status.h"

/*
 * When the peer has sent data and ended, a stdin that has not given a
 * byte in the session's first RELAY_START_GRACE_MS (counted from the
 * connection) is given up: a pipe's writer that starts a moment after
 * the connection is not an idle stdin.
 */
#define RELAY_START_GRACE_MS	PAIR_GRACE_MS

/* Why up was given up (struct relay's gave_up). */
enum relay_giveup {
	RELAY_GAVE_UP_NONE,
	RELAY_GAVE_UP_TTY,	/* stdin is a terminal */
	RELAY_GAVE_UP_IDLE	/* stdin gave nothing in the first second */
};

/* The options of one session (listen and connect fill it alike). */
struct relay_opts {
	int		 no_shutdown;	/* no SHUT_WR at stdin EOF */
	int		 send_only;	/* --send-only: never read the socket */
	int		 recv_only;	/* --recv-only: never read stdin */
	int		 wait_stdin;	/* --wait-stdin: never give up stdin */
	int		 keep_stdout;	/* -k: stdout open at socket EOF */
	int64_t		 idle_ms;	/* -i; -1: none */
	const char	*peer;		/* names the socket in messages */
	/* A layer on the socket (TLS: tlslayer.h), or NULL; its handshake
	   must be done within hs_ms of the session's start (0: no limit). */
	const struct pair_layer	*layer;
	void		*layer_ctx;
	int64_t		 hs_ms;
	struct observe_opts obs;	/* -x, --stats, ... (observe.h) */
};

/* What outlives one session; see the top of this file. */
struct relay {
	int		 in_fd;		/* stdin */
	int		 out_fd;	/* stdout; -1 once closed */
	int		 in_eof;	/* stdin has ended */
	int		 in_tty;	/* stdin is a terminal */
	int		 out_closed;	/* stdout was closed at start (>&-) */
	int		 seqpacket;	/* one message per read and per write */
	struct loop	*loop;		/* made by the first session */
	int		 local;		/* failure was stdin's/stdout's */
	/* The last session, for the command's -v line: */
	uint64_t	 sent;		/* bytes written to the socket */
	uint64_t	 received;	/* bytes read from the socket */
	int64_t		 duration_ms;
	enum relay_giveup gave_up;	/* up was given up, and why */
	int		 status;	/* its exit status (0: it went well) */
	struct observe	 obs;		/* what ro->obs asked to see of it */
};

/*
 * Look at in_fd and out_fd once: a closed one is reserved with /dev/null
 * (so no socket takes its number), a terminal noted.  Allocates nothing.
 */
void	relay_init(struct relay *r, int in_fd, int out_fd, int seqpacket);

/*
 * Relay one session over the connected socket fd until both directions
 * have ended (SPEC's "Relay semantics"), then close fd (always, also on
 * failure).  Up ends at stdin's EOF with shutdown(SHUT_WR); down ends at
 * the socket's EOF and closes stdout (unless ro->keep_stdout).  When down
 * ends after the peer sent at least one byte, and stdin is a terminal or
 * has given no byte in this session and has none ready, up is given up
 * and the session ends (the latter not before RELAY_START_GRACE_MS after
 * the session's start: until then stdin is still watched, and a byte or
 * EOF from it counts as usual).  A peer that ends without sending a byte
 * is a receiver: stdin is sent until its EOF, however long that takes;
 * so is every stdin with ro->wait_stdin.
 * A stdout closed at start (>&-) fails the session (1) at the peer's
 * first byte.  A stop signal that ends the session early resets the
 * connection (SO_LINGER 0), so the peer does not take it for complete.
 * r->sent, r->received, r->duration_ms, r->gave_up, r->status and
 * r->obs describe the session afterwards, also after a failure.
 * ro->obs's options tap the engine only where they need the bytes (see
 * observe.h); --progress runs from a timer on the session's loop.
 * With ro->layer the socket's bytes go through it: its handshake comes
 * first (a failure is the layer's status, 76 for TLS; past ro->hs_ms 75),
 * stdin's EOF sends its close_notify before the half-close, and a clean
 * end of the session sends it before the close if stdin's EOF did not.
 * --send-only reads and discards what the socket sends and ends at stdin's
 * EOF, closing only once the peer has acknowledged every byte (closing
 * over unread bytes would reset the connection and drop the rest);
 * --recv-only never reads stdin and never half-closes.  Returns 0, or -1
 * with st: 1 for a reset, a write to a gone peer or a stdin/stdout
 * failure (r->local says which side: 1 for stdin
 * or stdout, whose failure ends later sessions too), 75 for -i, 70 when
 * out of memory.  When a stop signal arrived (sig_pending()) it returns
 * -1 at once with errno EINTR and st code 1.
 */
int	relay_run(struct relay *r, int fd, const struct relay_opts *ro,
	    struct status *st);

/*
 * The relay's own options (OPT_ROW_NO_SHUTDOWN, OPT_ROW_SEND_ONLY,
 * OPT_ROW_RECV_ONLY, OPT_ROW_WAIT_STDIN) into ro: 1 when id was one of
 * them, else 0.
 */
int	relay_opt(struct relay_opts *ro, int id);

/*
 * Once all options are read: --send-only and --recv-only exclude each
 * other, and --wait-stdin goes with neither; then the --hexdump FILE is
 * opened (observe_open(): before any socket, for every session).
 * Returns 0, or -1 with a usage status.
 */
int	relay_opts_check(struct relay_opts *ro, struct status *st);

/*
 * The last session's lines: at -v why stdin was given up and "closed
 * PEER: ..." (log_session_end()), then what ro->obs asked for (--stats,
 * --sha256: observe_report()).
 */
void	relay_report(const struct relay *r, const char *peer);

/* Why up was given up in the last session, in words, or NULL. */
const char *relay_gave_up_reason(const struct relay *r);

/* Free the loop and the engine's pipes; stdin and stdout are left open. */
void	relay_free(struct relay *r);

#endif
