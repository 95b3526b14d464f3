/*
 * rate.h: a token bucket for --rate: at most bps bytes a second, smooth
 * over 100 ms windows.  The bucket holds at most RATE_WINDOW_MS worth of
 * bytes (a direction idle for a while may send that much at once, never
 * more), and a sender that has run dry waits until RATE_QUANTUM_MS worth
 * has come back (or what it wants, if less), so it wakes at most about
 * 1000 / RATE_QUANTUM_MS times a second, never busily.  Bytes sent beyond
 * the tokens (a rewrite that grew them, a message that cannot be split)
 * are a debt paid back before the next send.
 *
 * Pure arithmetic on the caller's clock (milliseconds, CLOCK_MONOTONIC):
 * nothing here sleeps, allocates or fails.
 */
#ifndef SC_RATE_H
#define SC_RATE_H

#include <stddef.h>
#include <stdint.h>

#define RATE_WINDOW_MS	100
#define RATE_QUANTUM_MS	10
/* The largest --rate: 1 TiB/s (bps * 1000 must fit in 64 bits). */
#define RATE_MAX	(1024LL * 1024 * 1024 * 1024)

struct rate {
	uint64_t	bps;		/* bytes a second, >= 1 */
	int64_t		tokens;		/* bytes that may go; < 0: a debt */
	int64_t		cap;		/* RATE_WINDOW_MS worth, >= 1 */
	int64_t		quantum;	/* RATE_QUANTUM_MS worth, >= 1 */
	int64_t		last_ms;	/* tokens counted up to here */
	uint64_t	rem;		/* byte-milliseconds not a byte yet */
};

/* A bucket of bps (>= 1) bytes a second, holding one quantum at now_ms. */
void	rate_init(struct rate *r, uint64_t bps, int64_t now_ms);

/*
 * How many of want bytes may go at now_ms: from 1 to want, or 0 with
 * *wait_ms (>= 1) set to how long until a quantum (or want) has come.
 */
size_t	rate_allow(struct rate *r, int64_t now_ms, size_t want,
	    int64_t *wait_ms);

/* n bytes went (possibly more than rate_allow() said: a debt). */
void	rate_spend(struct rate *r, size_t n);

#endif
