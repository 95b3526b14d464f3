/*
 * unit-loop.c: the event loop's timers, as TAP: order, stop, re-arm,
 * callbacks that free or stop timers (their own included), the tick
 * callback beside them, and the cost of 100,000 timers.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "sock.h"
#include "status.h"

#define NTIMERS	20000

static int	ntest, nfail;

static void
ok(int cond, const char *what)
{
	ntest++;
	if (!cond)
		nfail++;
	printf("%sok %d - %s\n", cond ? "" : "not ", ntest, what);
}

static uint64_t	rnd_state = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

struct rec {
	struct loop_timer	 t;
	int			 fired;
	int			 stopped;
	int64_t			 when;
};

/* What the order test saw. */
static int64_t	last_when;
static int	out_of_order, nfired, want_fired;

static void
rec_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	struct rec	*r = arg;

	if (t != &r->t || loop_timer_armed(t))
		out_of_order++;
	if (r->when < last_when)
		out_of_order++;
	last_when = r->when;
	r->fired++;
	if (++nfired == want_fired)
		loop_stop(l);
}

/* Many timers, all due, with random times; half stopped; some re-armed. */
static void
test_order(void)
{
	struct status	 st;
	struct loop	*l = loop_new(&st);
	struct rec	*r = calloc(NTIMERS, sizeof *r);
	int64_t		 now;
	int		 i, bad = 0, alive = 0, armed_ok = 1;

	if (l == NULL || r == NULL) {
		ok(0, "order: set-up");
		return;
	}
	now = loop_now(l);
	for (i = 0; i < NTIMERS; i++) {
		loop_timer_init(&r[i].t, rec_cb, &r[i]);
		r[i].when = now - 1 - (int64_t)(rnd() % 100000);
		if (loop_timer_at(l, &r[i].t, r[i].when, &st) < 0)
			bad++;
	}
	/* Re-arm a quarter to other times (earlier and later ones). */
	for (i = 0; i < NTIMERS; i += 4) {
		r[i].when = now - 1 - (int64_t)(rnd() % 100000);
		if (loop_timer_at(l, &r[i].t, r[i].when, &st) < 0)
			bad++;
	}
	for (i = 0; i < NTIMERS; i++) {
		if (rnd() % 2 == 0) {
			loop_timer_stop(l, &r[i].t);
			loop_timer_stop(l, &r[i].t);	/* twice: a no-op */
			r[i].stopped = 1;
			armed_ok &= !loop_timer_armed(&r[i].t);
		} else {
			alive++;
			armed_ok &= loop_timer_armed(&r[i].t);
		}
	}
	ok(bad == 0, "order: 20,000 timers armed");
	ok(armed_ok, "order: loop_timer_armed follows arm and stop");
	last_when = INT64_MIN;
	out_of_order = nfired = 0;
	want_fired = alive;
	ok(loop_run(l, NULL, NULL, &st) == 0, "order: loop_run returns 0");
	ok(out_of_order == 0, "order: timers fire in time order, disarmed");
	for (i = 0, bad = 0; i < NTIMERS; i++)
		if (r[i].fired != (r[i].stopped ? 0 : 1))
			bad++;
	ok(bad == 0, "order: each armed timer fired once, no stopped one");
	loop_free(l);
	free(r);
}

/* Callbacks that free themselves, stop others, re-arm, stop the loop. */
struct chaos {
	struct loop_timer	*self_free;	/* malloc'd, freed by its cb */
	struct loop_timer	 victim;	/* stopped by another's cb */
	struct loop_timer	 again;		/* re-arms itself twice */
	struct loop_timer	 stopper;	/* stops the loop */
	struct loop_timer	 late;		/* after stopper: must not fire */
	int			 self_fired, victim_fired, again_fired;
	int			 late_fired;
};

static void
chaos_self_free(struct loop *l, struct loop_timer *t, void *arg)
{
	struct chaos	*c = arg;

	c->self_fired++;
	loop_timer_stop(l, &c->victim);
	free(t);
	c->self_free = NULL;
}

static void
chaos_victim(struct loop *l, struct loop_timer *t, void *arg)
{
	struct chaos	*c = arg;

	(void)l;
	(void)t;
	c->victim_fired++;
}

static void
chaos_again(struct loop *l, struct loop_timer *t, void *arg)
{
	struct chaos	*c = arg;
	struct status	 st;

	if (++c->again_fired < 3)
		loop_timer_at(l, t, loop_now(l), &st);	/* now: next round */
	else
		loop_timer_at(l, &c->stopper, loop_now(l) + 5, &st);
}

static void
chaos_stopper(struct loop *l, struct loop_timer *t, void *arg)
{
	struct chaos	*c = arg;
	struct status	 st;

	(void)t;
	/* Due in the same round as this one, but the loop stops first. */
	loop_timer_at(l, &c->late, loop_now(l) - 1000, &st);
	loop_stop(l);
}

static void
chaos_late(struct loop *l, struct loop_timer *t, void *arg)
{
	struct chaos	*c = arg;

	(void)l;
	(void)t;
	c->late_fired++;
}

static void
test_chaos(void)
{
	struct status	 st;
	struct loop	*l = loop_new(&st);
	struct chaos	 c;
	int64_t		 now;

	memset(&c, 0, sizeof c);
	c.self_free = malloc(sizeof *c.self_free);
	if (l == NULL || c.self_free == NULL) {
		ok(0, "chaos: set-up");
		return;
	}
	now = loop_now(l);
	loop_timer_init(c.self_free, chaos_self_free, &c);
	loop_timer_init(&c.victim, chaos_victim, &c);
	loop_timer_init(&c.again, chaos_again, &c);
	loop_timer_init(&c.stopper, chaos_stopper, &c);
	loop_timer_init(&c.late, chaos_late, &c);
	loop_timer_at(l, c.self_free, now - 10, &st);
	loop_timer_at(l, &c.victim, now + 20, &st);
	loop_timer_at(l, &c.again, now + 1, &st);
	ok(loop_run(l, NULL, NULL, &st) == 0, "chaos: loop_run returns 0");
	ok(c.self_fired == 1 && c.self_free == NULL,
	    "chaos: a callback may free its own timer");
	ok(c.victim_fired == 0 && !loop_timer_armed(&c.victim),
	    "chaos: a callback may stop another timer");
	ok(c.again_fired == 3, "chaos: a callback may re-arm itself");
	ok(c.late_fired == 0 && loop_timer_armed(&c.late),
	    "chaos: loop_stop in a callback ends the round");
	/* The next run fires what was left. */
	loop_timer_at(l, &c.stopper, loop_now(l) + 1, &st);
	ok(loop_run(l, NULL, NULL, &st) == 0 && c.late_fired == 1,
	    "chaos: a timer left armed fires in the next loop_run");
	loop_free(l);
}

/* Real time: a timer is not early, and the tick still runs beside it. */
struct clock_test {
	struct loop_timer	 t;
	int64_t			 armed_at, fired_at;
	int			 ticks;
};

static void
clock_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	struct clock_test	*c = arg;

	(void)t;
	c->fired_at = sock_now_ms();
	loop_stop(l);
}

static int64_t
clock_tick(struct loop *l, void *arg)
{
	struct clock_test	*c = arg;

	(void)l;
	c->ticks++;
	return 10;	/* wake at least every 10 ms */
}

static void
test_clock(void)
{
	struct status		 st;
	struct loop		*l = loop_new(&st);
	struct clock_test	 c;

	memset(&c, 0, sizeof c);
	if (l == NULL) {
		ok(0, "clock: set-up");
		return;
	}
	loop_timer_init(&c.t, clock_cb, &c);
	c.armed_at = sock_now_ms();
	loop_timer_at(l, &c.t, loop_now(l) + 120, &st);
	ok(loop_run(l, clock_tick, &c, &st) == 0, "clock: loop_run returns 0");
	ok(c.fired_at - c.armed_at >= 119 && c.fired_at - c.armed_at < 5000,
	    "clock: a 120 ms timer fires after 120 ms, not early");
	ok(c.ticks >= 5, "clock: the tick callback runs beside the timers");
	printf("# 120 ms timer fired after %lld ms, %d ticks\n",
	    (long long)(c.fired_at - c.armed_at), c.ticks);
	loop_free(l);
}

/* 100,000 timers armed, re-armed and stopped: cheap (O(log n) each). */
static void
test_cost(void)
{
	struct status	 st;
	struct loop	*l = loop_new(&st);
	struct rec	*r = calloc(100000, sizeof *r);
	int64_t		 t0, ms;
	int		 i, round;

	if (l == NULL || r == NULL) {
		ok(0, "cost: set-up");
		return;
	}
	t0 = sock_now_ms();
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 100000; i++) {
			if (round == 0)
				loop_timer_init(&r[i].t, rec_cb, &r[i]);
			loop_timer_at(l, &r[i].t, loop_now(l) + 1000000 +
			    (int64_t)(rnd() % 1000000), &st);
		}
	}
	for (i = 0; i < 100000; i++)
		loop_timer_stop(l, &r[i].t);
	ms = sock_now_ms() - t0;
	printf("# 300,000 arms and 100,000 stops: %lld ms\n", (long long)ms);
	/* Generous: a sanitizer build on a busy machine must pass too. */
	ok(ms < 3000, "cost: 300,000 arms and 100,000 stops well under 3 s");
	loop_free(l);
	free(r);
}

int
main(void)
{
	test_order();
	test_chaos();
	test_clock();
	test_cost();
	printf("1..%d\n", ntest);
	return nfail != 0;
}
