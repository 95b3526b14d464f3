/* rate.c: the token bucket of --rate (see rate.h). */
#include "config.h"

#include "rate.h"

void
rate_init(struct rate *r, uint64_t bps, int64_t now_ms)
{
	if (bps < 1)
		bps = 1;
	if (bps > (uint64_t)RATE_MAX)
		bps = (uint64_t)RATE_MAX;
	r->bps = bps;
	r->cap = (int64_t)(bps * RATE_WINDOW_MS / 1000);
	if (r->cap < 1)
		r->cap = 1;
	r->quantum = (int64_t)(bps * RATE_QUANTUM_MS / 1000);
	if (r->quantum < 1)
		r->quantum = 1;
	r->tokens = r->quantum;
	r->last_ms = now_ms;
	r->rem = 0;
}

/* The tokens that came since r->last_ms, up to the cap. */
static void
rate_refill(struct rate *r, int64_t now_ms)
{
	int64_t		ms = now_ms - r->last_ms;
	uint64_t	acc;

	if (ms <= 0)
		return;
	r->last_ms = now_ms;
	/* A day pays back any debt there can be: skip the arithmetic. */
	if (ms >= 24LL * 3600 * 1000) {
		r->tokens = r->cap;
		r->rem = 0;
		return;
	}
	/* Whole seconds, then milliseconds: nothing overflows. */
	r->tokens += (ms / 1000) * (int64_t)r->bps;
	acc = (uint64_t)(ms % 1000) * r->bps + r->rem;
	r->tokens += (int64_t)(acc / 1000);
	r->rem = acc % 1000;
	if (r->tokens >= r->cap) {
		r->tokens = r->cap;
		r->rem = 0;
	}
}

size_t
rate_allow(struct rate *r, int64_t now_ms, size_t want, int64_t *wait_ms)
{
	int64_t		need = r->quantum;
	uint64_t	missing;

	rate_refill(r, now_ms);
	if (want == 0)
		return 0;
	if ((uint64_t)need > want)
		need = (int64_t)want;
	if (r->tokens >= need)
		return (uint64_t)r->tokens < want ? (size_t)r->tokens : want;
	/* Milliseconds until need tokens, rounded up. */
	missing = (uint64_t)(need - r->tokens) * 1000;
	missing = missing > r->rem ? missing - r->rem : 0;
	*wait_ms = (int64_t)((missing + r->bps - 1) / r->bps);
	if (*wait_ms < 1)
		*wait_ms = 1;
	return 0;
}

void
rate_spend(struct rate *r, size_t n)
{
	r->tokens -= (int64_t)n;
}
