/*
 * observe.h: seeing what moves.  -x/--hexdump, --stats, --progress,
 * --sha256, -C/--crlf and --rate, for every command that relays or sends
 * bytes: the option rows and their parsing (struct observe_opts, once per
 * command), and one struct observe per session (listen, connect), pair
 * (forward) or run (udp-send, udp-recv).
 *
 * On the relay engine (pair.h) a session asks for taps only where an
 * option needs the bytes: -x and --sha256 see both directions, -C
 * rewrites direction 0 (what is sent), --rate limits both.  --stats and
 * --progress need no tap: they read pair_counts(), which the zero-copy
 * paths keep too, so they never take a direction off splice(2) or
 * sendfile(2).  --progress runs from a timer on the owner's loop
 * (OBSERVE_TICK_MS), never from the data path.
 *
 * Output: what the options ask for and nothing else, on stderr through
 * log.h (the progress line, the stats and digest lines at the end) or in
 * the --hexdump FILE.  Failures fill a struct status (return -1); the
 * command says them.
 */
#ifndef SC_OBSERVE_H
#define SC_OBSERVE_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "hexdump.h"
#include "loop.h"
#include "opt.h"
#include "pair.h"
#include "status.h"

/* The rows, one definition each; the long-only ids are in opt.h. */
#define OBSERVE_ROW_HEXDUMP_TEXT(text) { 'x', 'x', "hexdump", \
	OPT_ARG_OPTIONAL, "FILE", text }
#define OBSERVE_ROW_HEXDUMP OBSERVE_ROW_HEXDUMP_TEXT( \
	"dump what moves in hex and ASCII to stderr, or to FILE")
#define OBSERVE_ROW_STATS_TEXT(text) { OPT_STATS, 0, "stats", \
	OPT_ARG_NONE, NULL, text }
#define OBSERVE_ROW_STATS OBSERVE_ROW_STATS_TEXT( \
	"at the end of each session: bytes each way, duration, rate")
#define OBSERVE_ROW_PROGRESS { OPT_PROGRESS, 0, "progress", OPT_ARG_NONE, \
	NULL, "a live line on stderr: bytes, rate, elapsed, time left" }
#define OBSERVE_ROW_SHA256 { OPT_SHA256, 0, "sha256", OPT_ARG_NONE, NULL, \
	"at the end: the SHA-256 of the bytes sent and received" }
#define OBSERVE_ROW_CRLF { 'C', 'C', "crlf", OPT_ARG_NONE, NULL, \
	"send each LF as CRLF (an existing CRLF is kept)" }
#define OBSERVE_ROW_RATE_TEXT(text) { OPT_RATE, 0, "rate", \
	OPT_ARG_REQUIRED, "RATE", text }
#define OBSERVE_ROW_RATE OBSERVE_ROW_RATE_TEXT( \
	"at most RATE bytes a second each way (k/M/G suffixes)")
/* listen and connect have them all. */
#define OBSERVE_ROWS_RELAY OBSERVE_ROW_HEXDUMP, OBSERVE_ROW_STATS, \
	OBSERVE_ROW_PROGRESS, OBSERVE_ROW_SHA256, OBSERVE_ROW_CRLF, \
	OBSERVE_ROW_RATE

/* --progress: how often the counts are looked at and the line redrawn. */
#define OBSERVE_TICK_MS		100
/* ... and how often a line is printed when it cannot be redrawn. */
#define OBSERVE_LINE_MS		1000
#define OBSERVE_SAMPLES		(OBSERVE_LINE_MS / OBSERVE_TICK_MS + 1)

#define OBSERVE_NAME_MAX	336	/* "ADDR -> ADDR" */

/* The options as parsed; zero them (memset) before observe_opt(). */
struct observe_opts {
	int		 hexdump;	/* -x */
	const char	*hexdump_path;	/* --hexdump=FILE, or NULL: stderr */
	int		 hexdump_fd;	/* observe_open(): FILE, or -1 */
	int		 stats;		/* --stats */
	int		 progress;	/* --progress */
	int		 sha256;	/* --sha256 */
	int		 crlf;		/* -C */
	uint64_t	 rate;		/* --rate; 0: none */
	int		 opened;	/* observe_open() was called */
};

/* What a struct observe reports on, and the words it uses. */
enum observe_kind {
	OBSERVE_STREAM,		/* "sent", "received": listen, connect, and
				   udp-send, udp-recv */
	OBSERVE_PAIR		/* "up", "down", a pair's name: forward */
};

/* The counts at a session's end, for observe_report(). */
struct observe_counts {
	uint64_t	bytes[2];	/* [0] sent (up), [1] received (down) */
	int		dgram;		/* datagrams: dgrams[] counts them */
	uint64_t	dgrams[2];
	int64_t		duration_ms;
};

/* One session, pair or run; see the top. */
struct observe {
	const struct observe_opts *o;	/* NULL: not begun */
	enum observe_kind	 kind;
	char			 name[OBSERVE_NAME_MAX];	/* the pair */
	struct hexdump		 hd;
	struct digest		*dg[2];		/* --sha256 each way */
	char			 hex[2][DIGEST_HEXLEN];	/* ... at the end */
	uint64_t		 hexbytes[2];
	int			 cr;		/* -C: the last byte sent was CR */
	int			 ended;		/* observe_end() was called */
	/* --progress */
	struct loop		*loop;
	const struct pair	*pair;
	struct loop_timer	 tick;
	int64_t			 total;		/* stdin's bytes to send; -1 */
	int64_t			 next_line;	/* the next line, when not
						   redrawn in place */
	int64_t			 samp_ms[OBSERVE_SAMPLES];
	uint64_t		 samp_moved[OBSERVE_SAMPLES];
	uint64_t		 samp_in[OBSERVE_SAMPLES];
	int			 nsamp, isamp;
};

/*
 * One option of this module into o: 1 when id was one of them, 0 when it
 * was not, -1 on a bad value (usage status): --hexdump= (empty), --rate
 * 0 or not a size.
 */
int	observe_opt(struct observe_opts *o, int id, const char *arg,
	    struct status *st);

/*
 * Once the options are read, before any socket: open the --hexdump FILE
 * (appended to, created 0600; it stays open for the process).  Returns
 * 0, or -1 with st (64: the FILE cannot be opened for writing).  Safe to
 * call more than once.
 */
int	observe_open(struct observe_opts *o, struct status *st);

/* Does any option need a struct observe?  (Nothing to do otherwise.) */
int	observe_wanted(const struct observe_opts *o);

/*
 * Start a session (again) on ob: digests and hexdump offsets from zero.
 * name names the pair in hexdump lines (OBSERVE_PAIR; else NULL).  An ob
 * all zero (or after observe_free) may begin.  Returns 0, or -1 with st
 * (70: out of memory).
 */
int	observe_begin(struct observe *ob, const struct observe_opts *o,
	    enum observe_kind kind, const char *name, struct status *st);

/* The taps the options need on a pair (pair_opts.tap), into tap[2]. */
void	observe_taps(struct observe *ob, struct pair_tap tap[2]);

/*
 * --progress of pair p on loop l (after pair_start): a timer of ob's
 * until observe_end().  in_fd: stdin when it is read by direction 0, for
 * the percentage of a regular file; else -1.  Returns 0, or -1 with st.
 */
int	observe_progress(struct observe *ob, struct loop *l,
	    const struct pair *p, int in_fd, struct status *st);

/* Bytes direction d moved, seen without the engine (datagrams). */
void	observe_data(struct observe *ob, int d, const void *p, size_t n);

/*
 * -C on n bytes of in into out (room for 2 * n): LF becomes CRLF unless
 * a CR came right before it, also in the call before.  Returns the bytes
 * written.
 */
size_t	observe_crlf(struct observe *ob, const char *in, size_t n, char *out);

/* The session is over: the progress line goes, the digests are made. */
void	observe_end(struct observe *ob);

/*
 * The end-of-session lines the options asked for (--stats, --sha256),
 * about peer; nothing before observe_begin().
 */
void	observe_report(const struct observe *ob, const char *peer,
	    const struct observe_counts *c);

/*
 * A concurrent server's pair "CLIENT -> TARGET" (forward, proxy): when o
 * wants one, a new observer in *obp with its taps in po->tap, else *obp
 * NULL.  Returns 0, or -1 with st (70).
 */
int	observe_pair_begin(struct observe **obp, const struct observe_opts *o,
	    const char *client, const char *target, struct pair_opts *po,
	    struct status *st);

/*
 * That pair has ended with counts n (ob may be NULL): the lines its
 * options ask for, as observe_report().
 */
void	observe_pair_report(struct observe *ob, const struct pair_counts *n);

/* Free an observer of observe_pair_begin() (NULL is fine). */
void	observe_pair_free(struct observe *ob);

/* Free what observe_begin() made; ob may begin again after. */
void	observe_free(struct observe *ob);

/* "512 B", "1.5 KiB", "2.00 GiB" (binary units) into buf; returns buf. */
const char *observe_human(double bytes, char *buf, size_t size);

#endif
