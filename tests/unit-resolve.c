/*
 * unit-resolve.c: the asynchronous resolver, as TAP: answers come from the
 * loop and never from inside resolve_start(), numeric hosts need no
 * thread, a cancelled request is never answered, the checks of
 * addr_resolve() refuse at once, and a loop freed with lookups pending
 * neither waits for them nor leaks (run it under AddressSanitizer).
 * Names used: "localhost" only, from /etc/hosts.
 */
#include "config.h"

#include <sys/socket.h>

#include <dirent.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "loop.h"
#include "resolve.h"
#include "sock.h"
#include "status.h"

static int	ntest, nfail;

static void
ok(int cond, const char *what)
{
	ntest++;
	if (!cond)
		nfail++;
	printf("%sok %d - %s\n", cond ? "" : "not ", ntest, what);
}

struct answer {
	struct loop	*loop;
	int		 called;
	int		 naddr;
	int		 family;	/* of the first address */
	int		 code;
	char		 msg[SC_STATUS_MSG];
	int		*pending;	/* stop the loop when it reaches 0 */
};

static void
answer_cb(void *arg, struct addrinfo *res, const struct status *st)
{
	struct answer	*a = arg;
	struct addrinfo	*ai;

	a->called++;
	a->code = st->code;
	snprintf(a->msg, sizeof a->msg, "%s", st->msg);
	for (ai = res; ai != NULL; ai = ai->ai_next)
		a->naddr++;
	if (res != NULL)
		a->family = res->ai_family;
	if (res != NULL)
		freeaddrinfo(res);
	if (a->pending != NULL && --*a->pending == 0)
		loop_stop(a->loop);
}

/* The threads of this process: /proc/self/task. */
static int
nthreads(void)
{
	DIR		*d = opendir("/proc/self/task");
	struct dirent	*e;
	int		 n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void
test_numeric(void)
{
	struct status	 st;
	struct loop	*l = loop_new(&st);
	struct answer	 a4, a6, aw;
	struct resolve	*r;
	int		 pending = 3;

	memset(&a4, 0, sizeof a4);
	memset(&a6, 0, sizeof a6);
	memset(&aw, 0, sizeof aw);
	a4.loop = a6.loop = aw.loop = l;
	a4.pending = a6.pending = aw.pending = &pending;
	r = resolve_start(l, "127.0.0.1", 80, AF_UNSPEC, SOCK_STREAM, 0,
	    answer_cb, &a4, &st);
	ok(r != NULL && a4.called == 0,
	    "numeric: not answered inside resolve_start");
	r = resolve_start(l, "[::1]", 80, AF_UNSPEC, SOCK_STREAM,
	    ADDR_NUMERIC, answer_cb, &a6, &st);
	ok(r != NULL, "numeric: [::1] with -n accepted");
	r = resolve_start(l, NULL, 80, AF_INET, SOCK_STREAM, ADDR_PASSIVE,
	    answer_cb, &aw, &st);
	ok(r != NULL, "numeric: the wildcard accepted");
	ok(nthreads() == 1, "numeric: no thread started");
	loop_run(l, NULL, NULL, &st);
	ok(a4.called == 1 && a4.code == 0 && a4.naddr == 1 &&
	    a4.family == AF_INET, "numeric: 127.0.0.1 answered from the loop");
	ok(a6.called == 1 && a6.family == AF_INET6, "numeric: [::1]");
	ok(aw.called == 1 && aw.family == AF_INET, "numeric: wildcard, -4");
	loop_free(l);
}

static void
test_refused(void)
{
	struct status	 st;
	struct loop	*l = loop_new(&st);
	struct answer	 a;

	memset(&a, 0, sizeof a);
	ok(resolve_start(l, "localhost", 80, AF_UNSPEC, SOCK_STREAM,
	    ADDR_NUMERIC, answer_cb, &a, &st) == NULL && st.code == 64 &&
	    strstr(st.msg, "-n") != NULL, "refused: a name with -n is 64");
	ok(resolve_start(l, "127.0.0.1", 80, AF_INET6, SOCK_STREAM, 0,
	    answer_cb, &a, &st) == NULL && st.code == 64 &&
	    strstr(st.msg, "-6") != NULL,
	    "refused: an IPv4 literal with -6 is 64");
	ok(resolve_start(l, "", 80, AF_UNSPEC, SOCK_STREAM, 0, answer_cb,
	    &a, &st) == NULL && st.code == 64, "refused: an empty host is 64");
	ok(a.called == 0, "refused: no callback");
	loop_free(l);
}

static void
test_threads(void)
{
	struct status	 st;
	struct loop	*l = loop_new(&st);
	struct answer	 a[8];
	struct resolve	*r[8];
	int		 i, pending = 0, bad = 0, cancelled_called = 0;

	for (i = 0; i < 8; i++) {
		memset(&a[i], 0, sizeof a[i]);
		a[i].loop = l;
		a[i].pending = &pending;
		r[i] = resolve_start(l, "localhost", 8000 + i, AF_UNSPEC,
		    SOCK_STREAM, 0, answer_cb, &a[i], &st);
		if (r[i] == NULL)
			bad++;
	}
	ok(bad == 0, "threads: 8 lookups of localhost started");
	ok(nthreads() > 1 && nthreads() <= 5,
	    "threads: a few workers, at most 4");
	/* Cancel every other one: at once, queued or running. */
	for (i = 0; i < 8; i += 2)
		resolve_cancel(r[i]);
	pending = 4;
	loop_run(l, NULL, NULL, &st);
	for (i = 0; i < 8; i++) {
		if (i % 2 == 0)
			cancelled_called += a[i].called;
		else if (a[i].called != 1 || a[i].code != 0 || a[i].naddr < 1)
			bad++;
	}
	ok(bad == 0, "threads: each request not cancelled answered once");
	ok(cancelled_called == 0, "threads: no cancelled one answered");
	/* Pending ones when the loop goes: no wait, no leak, no callback. */
	for (i = 0; i < 8; i++) {
		memset(&a[i], 0, sizeof a[i]);
		r[i] = resolve_start(l, "localhost", 9000 + i, AF_UNSPEC,
		    SOCK_STREAM, 0, answer_cb, &a[i], &st);
	}
	loop_free(l);
	for (i = 0, bad = 0; i < 8; i++)
		bad += a[i].called;
	ok(bad == 0, "threads: loop_free with lookups pending calls nobody");
}

/*
 * Two requests; whichever is answered first cancels the other, which may
 * by then be queued, running, or answered in the same batch.
 */
struct pair {
	struct loop		*loop;
	struct resolve		*r[2];
	int			 calls;
	struct loop_timer	 stop;
};

struct pair_arg {
	struct pair	*p;
	int		 i;
};

static void
pair_cb(void *arg, struct addrinfo *res, const struct status *st)
{
	struct pair_arg	*pa = arg;
	struct pair	*p = pa->p;
	struct status	 st2;

	(void)st;
	if (res != NULL)
		freeaddrinfo(res);
	p->calls++;
	p->r[pa->i] = NULL;
	if (p->r[1 - pa->i] != NULL)
		resolve_cancel(p->r[1 - pa->i]);
	p->r[1 - pa->i] = NULL;
	/* Time for the other answer to come back, had it not been cancelled. */
	loop_timer_at(p->loop, &p->stop, loop_now(p->loop) + 300, &st2);
}

static void
pair_stop_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	loop_stop(l);
}

static void
test_cancel_in_callback(void)
{
	struct status	 st;
	struct loop	*l = loop_new(&st);
	struct pair	 p;
	struct pair_arg	 pa[2];
	int		 i;

	memset(&p, 0, sizeof p);
	p.loop = l;
	loop_timer_init(&p.stop, pair_stop_cb, NULL);
	for (i = 0; i < 2; i++) {
		pa[i].p = &p;
		pa[i].i = i;
		p.r[i] = resolve_start(l, "localhost", 1 + i, AF_UNSPEC,
		    SOCK_STREAM, 0, pair_cb, &pa[i], &st);
	}
	loop_run(l, NULL, NULL, &st);
	ok(p.calls == 1, "cancel: a callback may cancel another request");
	loop_free(l);
}

int
main(void)
{
	test_numeric();
	test_refused();
	test_threads();
	test_cancel_in_callback();
	printf("1..%d\n", ntest);
	return nfail != 0;
}
