/*
 * unit-pair.c: the relay engine's layer paths (pair.h), as TAP, with a
 * fake layer whose calls can be scripted to want what TLS may want:
 * a handshake in steps, a read that wants the socket writable, a
 * close_notify that must be called again, a failure.
 *
 * Each case is one pair on two socketpairs: end 0 is C (plain), end 1
 * is A with the fake layer (an identity: bytes pass as they are).  The
 * test plays both peers, D (C's) and B (A's), from a timer every few
 * milliseconds, and bounds each case by a deadline: an engine that waits
 * for the wrong event stalls and fails the case instead of hanging.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "pair.h"
#include "sock.h"
#include "status.h"

#define DEADLINE_MS	3000
#define DRIVE_MS	5

static int	ntest, nfail;

static void
ok(int cond, const char *what)
{
	ntest++;
	if (!cond)
		nfail++;
	printf("%sok %d - %s\n", cond ? "" : "not ", ntest, what);
	fflush(stdout);
}

/* ------------------------------------------------------ the fake layer */

struct fake {
	int	 fd;
	int	 hs_wants[4];	/* the handshake says these, then is done */
	int	 hs_n, hs_i;
	int	 hs_eat;	/* the last step eats one byte: the peer's */
	int	 hs_done;
	int	 read_want_write; /* first read: take the bytes, want WRITE */
	int	 gated;		/* held bytes wait for that WRITE: pending 0 */
	char	 held[4096];
	size_t	 held_len, held_off;
	int	 fail_read;	/* every read fails */
	int	 chunk;		/* > 0: take all, give chunk bytes a read */
	int	 fail_after;	/* with chunk: fail once all is given, in the
				   same fill of the buffer (pending says 1) */
	int	 cn_wants[4];	/* close_notify says these, then is done */
	int	 cn_n, cn_i;
	int	 cn_calls, cn_done;
	int	 early;		/* a read or write before the handshake */
};

static int
fake_handshake(void *ctx, int *want, struct status *st)
{
	struct fake	*f = ctx;
	char		 c;

	(void)st;
	if (f->hs_i < f->hs_n) {
		*want = f->hs_wants[f->hs_i++];
		return 1;
	}
	if (f->hs_eat) {
		if (recv(f->fd, &c, 1, 0) != 1) {
			*want = LOOP_READ;
			return 1;
		}
		f->hs_eat = 0;
	}
	f->hs_done = 1;
	return 0;
}

static ssize_t
fake_read(void *ctx, void *buf, size_t n, int *want, struct status *st)
{
	struct fake	*f = ctx;
	ssize_t		 r;

	if (!f->hs_done)
		f->early++;
	if (f->fail_read) {
		errno = EPROTO;
		return status_set(st, SC_EX_FAIL, "fake: broken");
	}
	if (f->chunk > 0 && f->held_len == 0) {
		r = recv(f->fd, f->held, sizeof f->held, 0);
		if (r > 0)
			f->held_len = (size_t)r;
	}
	if (f->chunk > 0 && (size_t)f->chunk < n)
		n = (size_t)f->chunk;
	if (f->fail_after && f->held_len > 0 && f->held_off == f->held_len) {
		/* Asked again, a broken layer may say something else. */
		errno = EPROTO;
		if (f->fail_after++ > 1)
			return status_set(st, SC_EX_FAIL, "fake: asked again");
		return status_set(st, SC_EX_PROTOCOL, "fake: broken after");
	}
	f->gated = 0;
	if (f->held_off < f->held_len) {
		r = (ssize_t)(f->held_len - f->held_off);
		if ((size_t)r > n)
			r = (ssize_t)n;
		memcpy(buf, f->held + f->held_off, (size_t)r);
		f->held_off += (size_t)r;
		return r;
	}
	r = recv(f->fd, buf, n, 0);
	if (r < 0 && errno == EAGAIN) {
		*want = LOOP_READ;
		return -1;
	}
	if (r < 0)
		return status_errno(st, errno, SC_EX_FAIL, "fake recv");
	if (r > 0 && f->read_want_write) {
		/* The bytes are taken, but only a writable socket gives them. */
		f->read_want_write = 0;
		memcpy(f->held, buf, (size_t)r < sizeof f->held ? (size_t)r :
		    sizeof f->held);
		f->held_len = (size_t)r;
		f->held_off = 0;
		f->gated = 1;
		*want = LOOP_WRITE;
		errno = EAGAIN;
		return -1;
	}
	return r;
}

static ssize_t
fake_write(void *ctx, const void *buf, size_t n, int *want,
    struct status *st)
{
	struct fake	*f = ctx;
	ssize_t		 r;

	if (!f->hs_done)
		f->early++;
	r = send(f->fd, buf, n, MSG_NOSIGNAL);
	if (r < 0 && errno == EAGAIN) {
		*want = LOOP_WRITE;
		return -1;
	}
	if (r < 0)
		return status_errno(st, errno, SC_EX_FAIL, "fake send");
	return r;
}

static int
fake_close_notify(void *ctx, int *want, struct status *st)
{
	struct fake	*f = ctx;

	(void)st;
	f->cn_calls++;
	if (f->cn_i < f->cn_n) {
		*want = f->cn_wants[f->cn_i++];
		return 1;
	}
	f->cn_done = 1;
	return 0;
}

static size_t
fake_pending(void *ctx)
{
	const struct fake	*f = ctx;

	if (f->gated)
		return 0;
	/* fail_after: a bad record waits, as TLS's lower bound of 1 says. */
	return f->fail_after ? 1 : f->held_len - f->held_off;
}

static const struct pair_layer fake_ops = {
	"fake", fake_handshake, fake_read, fake_write, fake_close_notify,
	fake_pending
};

/* ------------------------------------------------------------ a case */

struct tcase;
typedef void (*drive_fn)(struct tcase *c);

struct tcase {
	struct loop		*l;
	struct pair		*p;
	struct fake		 f;
	int			 a, b, c, d;	/* A-B and C-D socketpairs */
	char			 got_b[4096], got_d[4096];
	size_t			 nb, nd;
	int			 eof_b, eof_d;
	int			 b_eof_early;	/* B saw EOF before close_notify */
	int			 done, timed_out;
	struct status		 st;
	struct loop_timer	 drive, deadline;
	drive_fn		 fn;
	int64_t			 t0;
	int			 step;
};

static void
case_done(struct pair *p, void *arg, const struct status *st)
{
	struct tcase	*c = arg;

	(void)p;
	c->st = *st;
	c->done = 1;
	loop_stop(c->l);
}

/* Take what reached peer fd into buf. */
static void
case_take(int fd, char *buf, size_t *n, int *eof)
{
	ssize_t	r;

	while (!*eof && *n < 4096) {
		r = recv(fd, buf + *n, 4096 - *n, MSG_DONTWAIT);
		if (r > 0)
			*n += (size_t)r;
		else if (r == 0)
			*eof = 1;
		else
			break;
	}
}

static void
case_drive_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	struct tcase	*c = arg;
	int		 eof_b = c->eof_b;
	struct status	 st;

	case_take(c->b, c->got_b, &c->nb, &c->eof_b);
	case_take(c->d, c->got_d, &c->nd, &c->eof_d);
	if (c->eof_b && !eof_b && !c->f.cn_done)
		c->b_eof_early = 1;
	c->fn(c);
	(void)loop_timer_at(l, t, loop_now(l) + DRIVE_MS, &st);
}

static void
case_deadline_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	struct tcase	*c = arg;

	(void)t;
	c->timed_out = 1;
	loop_stop(l);
}

static int
got(const char *buf, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(buf, want, n) == 0;
}

/*
 * Run one case: B and D first send b_says and d_says; fn drives the
 * peers; po and flags1 (end 1's) as given.  Returns 0 when the pair
 * ended before the deadline.
 */
static int
case_run(struct tcase *c, const char *b_says, const char *d_says,
    const struct pair_opts *po, unsigned flags1, int dir0_off, drive_fn fn)
{
	struct pair_end_spec	e0, e1;
	struct status		st;
	int			sv[2];

	c->fn = fn;
	c->a = c->b = c->c = c->d = -1;
	if ((c->l = loop_new(&st)) == NULL ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	c->a = sv[0];
	c->b = sv[1];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	c->c = sv[0];
	c->d = sv[1];
	c->f.fd = c->a;
	if ((b_says[0] != '\0' && send(c->b, b_says, strlen(b_says), 0) < 0) ||
	    (d_says[0] != '\0' && send(c->d, d_says, strlen(d_says), 0) < 0))
		return -1;
	memset(&e0, 0, sizeof e0);
	memset(&e1, 0, sizeof e1);
	e0.rfd = e0.wfd = c->c;
	e0.flags = PAIR_SOCKET;
	e0.rname = "peer-C";
	e1.rfd = e1.wfd = c->a;
	e1.flags = PAIR_SOCKET | flags1;
	e1.layer = &fake_ops;
	e1.layer_ctx = &c->f;
	e1.rname = "peer-A";
	c->p = pair_new(c->l, &e0, &e1, po, case_done, c, &st);
	if (c->p == NULL)
		return -1;
	if (dir0_off)
		pair_dir_off(c->p, 0);
	loop_timer_init(&c->drive, case_drive_cb, c);
	loop_timer_init(&c->deadline, case_deadline_cb, c);
	c->t0 = sock_now_ms();
	if (pair_start(c->p, &st) < 0 ||
	    loop_timer_at(c->l, &c->drive, loop_now(c->l) + DRIVE_MS, &st) < 0 ||
	    loop_timer_at(c->l, &c->deadline, loop_now(c->l) + DEADLINE_MS,
	    &st) < 0)
		return -1;
	if (loop_run(c->l, NULL, NULL, &st) < 0)
		return -1;
	/* What the peers got last. */
	case_take(c->b, c->got_b, &c->nb, &c->eof_b);
	case_take(c->d, c->got_d, &c->nd, &c->eof_d);
	return c->done && !c->timed_out ? 0 : -1;
}

static void
case_free(struct tcase *c)
{
	if (c->l != NULL) {
		loop_timer_stop(c->l, &c->drive);
		loop_timer_stop(c->l, &c->deadline);
	}
	pair_free(c->p);
	if (c->a >= 0)
		close(c->a);
	if (c->b >= 0)
		close(c->b);
	if (c->c >= 0)
		close(c->c);
	if (c->d >= 0)
		close(c->d);
	loop_free(c->l);
	pair_pool_drain();
}

static void
opts_init(struct pair_opts *po)
{
	memset(po, 0, sizeof *po);
	po->idle_ms = -1;
}

/* ------------------------------------------------------------- cases */

/* Once D has what B sent, both peers end their sending. */
static void
drive_b_to_d(struct tcase *c)
{
	if (c->step == 0 && got(c->got_d, c->nd, "from B")) {
		shutdown(c->b, SHUT_WR);
		shutdown(c->d, SHUT_WR);
		c->step = 1;
	}
}

static void
test_read_wants_write(void)
{
	struct tcase		c;
	struct pair_opts	po;
	int			rc;

	memset(&c, 0, sizeof c);
	opts_init(&po);
	c.f.read_want_write = 1;
	rc = case_run(&c, "from B", "", &po, 0, 0, drive_b_to_d);
	ok(rc == 0 && c.st.code == 0, "a read that wants WRITE is called "
	    "again once the socket is writable (not readable)");
	ok(got(c.got_d, c.nd, "from B") && c.eof_d,
	    "its bytes are relayed, then the EOF");
	case_free(&c);
}

/* D ends at once; B ends a little later, which makes A readable. */
static void
drive_d_then_b(struct tcase *c)
{
	if (c->step == 0) {
		shutdown(c->d, SHUT_WR);
		c->step = 1;
	} else if (c->step < 10)
		c->step++;
	else if (c->step == 10) {
		shutdown(c->b, SHUT_WR);
		c->step = 11;
	}
}

static void
test_close_notify_again(void)
{
	struct tcase		c;
	struct pair_opts	po;
	int			rc;

	memset(&c, 0, sizeof c);
	opts_init(&po);
	c.f.cn_wants[0] = LOOP_WRITE;
	c.f.cn_wants[1] = LOOP_READ;
	c.f.cn_n = 2;
	rc = case_run(&c, "", "", &po, 0, 0, drive_d_then_b);
	ok(rc == 0 && c.st.code == 0, "a close_notify that wants WRITE, "
	    "then READ, is called again until it is done");
	ok(c.f.cn_calls == 3 && c.f.cn_done, "close_notify: 3 calls");
	ok(c.eof_b && !c.b_eof_early,
	    "the half-close (SHUT_WR) comes after the close_notify");
	case_free(&c);
}

/* Both peers send, then end once each has the other's bytes. */
static void
drive_both(struct tcase *c)
{
	if (c->step == 0 && got(c->got_b, c->nb, "from D") &&
	    got(c->got_d, c->nd, "down")) {
		shutdown(c->b, SHUT_WR);
		shutdown(c->d, SHUT_WR);
		c->step = 1;
	}
}

static void
test_handshake_steps(void)
{
	struct tcase		c;
	struct pair_opts	po;
	int			rc;

	memset(&c, 0, sizeof c);
	opts_init(&po);
	c.f.hs_wants[0] = LOOP_WRITE;
	c.f.hs_wants[1] = LOOP_READ;
	c.f.hs_n = 2;
	c.f.hs_eat = 1;
	rc = case_run(&c, "Hdown", "from D", &po, 0, 0, drive_both);
	ok(rc == 0 && c.st.code == 0, "a handshake in steps (WRITE, READ, "
	    "a byte of the peer's) completes, then the pair relays");
	ok(c.f.early == 0, "nothing is read or written through the layer "
	    "before its handshake is done");
	ok(got(c.got_b, c.nb, "from D") && got(c.got_d, c.nd, "down"),
	    "both directions relayed after the handshake");
	case_free(&c);
}

static void
drive_nothing(struct tcase *c)
{
	(void)c;
}

static void
test_handshake_deadline(void)
{
	struct tcase		c;
	struct pair_opts	po;
	int			rc;

	memset(&c, 0, sizeof c);
	opts_init(&po);
	po.hs_ms = 100;
	c.f.hs_wants[0] = LOOP_READ;
	c.f.hs_n = 1;
	c.f.hs_eat = 1;	/* B never sends the byte: it never completes */
	rc = case_run(&c, "", "", &po, 0, 0, drive_nothing);
	ok(rc == 0 && c.st.code == SC_EX_TEMPFAIL &&
	    strcmp(c.st.msg, "peer-A: fake handshake timed out after "
	    "0.100s") == 0, "hs_ms bounds the handshake: 75, naming the "
	    "end and the layer");
	ok(sock_now_ms() - c.t0 < 1000, "... at once, not at the deadline");
	case_free(&c);
}

static void
test_layer_failure(void)
{
	struct tcase		c;
	struct pair_opts	po;
	int			rc;

	memset(&c, 0, sizeof c);
	opts_init(&po);
	c.f.fail_read = 1;
	rc = case_run(&c, "x", "", &po, 0, 0, drive_nothing);
	ok(rc == 0 && c.st.code == SC_EX_FAIL &&
	    strcmp(c.st.msg, "peer-A: fake: broken") == 0,
	    "a layer's failure is its reason after the end's name");
	ok(pair_counts(c.p)->failed_end == 1, "... blaming that end");
	ok(c.f.cn_calls == 0, "a failed pair sends no close_notify");
	case_free(&c);
}

static void
test_layer_fill(void)
{
	struct tcase		c;
	struct pair_opts	po;
	int			rc;

	memset(&c, 0, sizeof c);
	opts_init(&po);
	c.f.chunk = 2;
	c.f.fail_after = 1;
	rc = case_run(&c, "from B", "", &po, 0, 0, drive_nothing);
	ok(rc == 0 && got(c.got_d, c.nd, "from B"),
	    "a layer that holds bytes (pending) is read until it has none");
	ok(c.st.code == SC_EX_PROTOCOL &&
	    strcmp(c.st.msg, "peer-A: fake: broken after") == 0,
	    "a failure after bytes comes after them, as the layer said it");
	case_free(&c);
}

static void
test_close_notify_at_end(void)
{
	struct tcase		c;
	struct pair_opts	po;
	int			rc;

	/* --no-shutdown: D's EOF does not half-close A; the end does. */
	memset(&c, 0, sizeof c);
	opts_init(&po);
	rc = case_run(&c, "", "", &po, PAIR_NO_HALFCLOSE, 0, drive_d_then_b);
	ok(rc == 0 && c.st.code == 0 && c.f.cn_calls == 1 && c.eof_b,
	    "PAIR_NO_HALFCLOSE: close_notify and SHUT_WR once the pair "
	    "has ended cleanly");
	ok(!c.b_eof_early, "... not before (B saw no EOF before it)");
	case_free(&c);
	/* --recv-only: direction 0 off, never half-closes but at the end. */
	memset(&c, 0, sizeof c);
	opts_init(&po);
	c.f.cn_wants[0] = LOOP_WRITE;
	c.f.cn_n = 1;
	rc = case_run(&c, "from B", "", &po, 0, 1, drive_b_to_d);
	ok(rc == 0 && c.st.code == 0 && c.f.cn_done && c.eof_b,
	    "direction 0 off: close_notify (called again after WRITE) when "
	    "the pair ends");
	ok(got(c.got_d, c.nd, "from B"), "... after relaying what B sent");
	case_free(&c);
}

int
main(void)
{
	test_read_wants_write();
	test_close_notify_again();
	test_handshake_steps();
	test_handshake_deadline();
	test_layer_failure();
	test_layer_fill();
	test_close_notify_at_end();
	printf("1..%d\n", ntest);
	return nfail == 0 ? 0 : 1;
}
