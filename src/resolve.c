/*
 * resolve.c: getaddrinfo on worker threads, answers delivered on the loop.
 *
 * Each loop that needs a lookup gets a core (attached to the loop): a
 * queue of requests, the answered ones, a mutex and condition for both,
 * an eventfd the loop watches, and up to RESOLVE_WORKERS threads.  The
 * core is counted: the loop holds one reference and each worker one.
 * When the loop goes, idle workers are joined (so that nothing of theirs
 * is left behind, glibc's per-thread resolver state included), and one
 * still waiting for a slow DNS answer is detached, not waited for: it
 * finishes that lookup, throws the answer away and exits; the last one
 * out frees the core.
 *
 * A request moves QUEUED -> RUNNING -> DONE -> DELIVERING, every move
 * under the mutex.  resolve_cancel() frees a request where it stands
 * when it can (queued, done), and otherwise marks it, so that whoever
 * holds it (the worker, the delivery) frees it instead of answering.
 * Numeric hosts never see a thread: they are resolved in resolve_start()
 * and answered from a 0 ms loop timer.
 */
#include "config.h"

#include <sys/eventfd.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "loop.h"
#include "resolve.h"

#define RESOLVE_WORKERS	4	/* threads per loop, at most */

enum resolve_state {
	RESOLVE_INLINE,		/* answered at once, waiting for its timer */
	RESOLVE_QUEUED,
	RESOLVE_RUNNING,
	RESOLVE_DONE,
	RESOLVE_DELIVERING
};

struct resolve_core;

struct resolve {
	struct resolve_core	*core;		/* NULL when answered inline */
	struct loop		*loop;
	struct addr_query	 q;
	resolve_cb		 cb;
	void			*arg;
	enum resolve_state	 state;
	int			 cancelled;
	struct addrinfo		*res;
	struct status		 st;
	struct resolve		*next;		/* in a queue or list */
	struct loop_timer	 timer;		/* inline answers */
};

/* A FIFO of requests. */
struct resolve_fifo {
	struct resolve	*head, *tail;
};

struct resolve_core {
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	int			 refs;		/* the loop + each worker */
	int			 closing;	/* the loop is gone */
	int			 efd;
	struct loop		*loop;
	struct resolve_fifo	 queue;		/* waiting for a worker */
	struct resolve_fifo	 done;		/* answered, not yet told */
	size_t			 nqueued;
	int			 nworkers, nidle;
	struct resolve_thread {
		pthread_t	 tid;
		int		 started;
		int		 busy;		/* inside getaddrinfo */
	}			 threads[RESOLVE_WORKERS];
};

/* What a worker is given: its core and its slot. */
struct resolve_worker_arg {
	struct resolve_core	*core;
	int			 slot;
};

/* The key of the core in loop_attach(). */
static const char resolve_key = 0;

static void
resolve_fifo_push(struct resolve_fifo *f, struct resolve *r)
{
	r->next = NULL;
	if (f->tail != NULL)
		f->tail->next = r;
	else
		f->head = r;
	f->tail = r;
}

static struct resolve *
resolve_fifo_pop(struct resolve_fifo *f)
{
	struct resolve	*r = f->head;

	if (r != NULL) {
		f->head = r->next;
		if (f->head == NULL)
			f->tail = NULL;
		r->next = NULL;
	}
	return r;
}

/* Take r out of f wherever it is; returns 1 when it was there. */
static int
resolve_fifo_remove(struct resolve_fifo *f, struct resolve *r)
{
	struct resolve	*p, *prev = NULL;

	for (p = f->head; p != NULL; prev = p, p = p->next) {
		if (p != r)
			continue;
		if (prev != NULL)
			prev->next = p->next;
		else
			f->head = p->next;
		if (f->tail == p)
			f->tail = prev;
		p->next = NULL;
		return 1;
	}
	return 0;
}

static void
resolve_free(struct resolve *r)
{
	if (r->res != NULL)
		freeaddrinfo(r->res);
	free(r);
}

/* Drop one reference; the last frees the core.  Called with mu held. */
static void
resolve_core_unref(struct resolve_core *c)
{
	int	last = --c->refs == 0;

	pthread_mutex_unlock(&c->mu);
	if (!last)
		return;
	close(c->efd);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* Tell the loop that c->done has something (mu held). */
static void
resolve_core_kick(struct resolve_core *c)
{
	uint64_t	one = 1;
	ssize_t		n;

	/* Only a counter at its limit refuses: the loop is woken anyway. */
	do
		n = write(c->efd, &one, sizeof one);
	while (n < 0 && errno == EINTR);
}

static void *
resolve_worker(void *arg)
{
	struct resolve_core	*c = ((struct resolve_worker_arg *)arg)->core;
	int			 slot = ((struct resolve_worker_arg *)arg)->slot;
	struct resolve		*r;
	struct addrinfo		*res;
	struct status		 st;

	free(arg);
	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->closing && c->queue.head == NULL) {
			c->nidle++;
			pthread_cond_wait(&c->cv, &c->mu);
			c->nidle--;
		}
		if (c->closing)
			break;
		r = resolve_fifo_pop(&c->queue);
		c->nqueued--;
		r->state = RESOLVE_RUNNING;
		c->threads[slot].busy = 1;
		pthread_mutex_unlock(&c->mu);

		status_clear(&st);
		addr_query_run(&r->q, &res, &st);

		pthread_mutex_lock(&c->mu);
		c->threads[slot].busy = 0;
		r->res = res;
		r->st = st;
		if (r->cancelled || c->closing) {
			resolve_free(r);
			continue;
		}
		r->state = RESOLVE_DONE;
		resolve_fifo_push(&c->done, r);
		resolve_core_kick(c);
	}
	c->nworkers--;
	resolve_core_unref(c);
	return NULL;
}

/* The loop's side of the eventfd: tell the answered requests. */
static void
resolve_core_cb(struct loop *l, int fd, int mask, void *arg)
{
	struct resolve_core	*c = arg;
	struct resolve_fifo	 mine;
	struct resolve		*r;
	struct addrinfo		*res;
	uint64_t		 n;

	(void)l;
	(void)mask;
	while (read(fd, &n, sizeof n) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&c->mu);
	mine = c->done;
	c->done.head = c->done.tail = NULL;
	for (r = mine.head; r != NULL; r = r->next)
		r->state = RESOLVE_DELIVERING;
	pthread_mutex_unlock(&c->mu);
	/*
	 * Only this thread touches requests being delivered, so a callback
	 * may cancel any of the others (it only marks them) or start new
	 * ones (they go to the queue, not to this list).
	 */
	while ((r = resolve_fifo_pop(&mine)) != NULL) {
		if (!r->cancelled) {
			res = r->res;
			r->res = NULL;
			r->cb(r->arg, res, &r->st);
		}
		resolve_free(r);
	}
}

/*
 * loop_free(): the loop is going; so are the requests it still had.  The
 * idle workers are joined; a busy one is left to finish on its own.
 */
static void
resolve_core_fini(struct loop *l, void *data)
{
	struct resolve_core	*c = data;
	struct resolve		*r;
	pthread_t		 idle[RESOLVE_WORKERS];
	int			 i, n = 0;

	loop_del(l, c->efd);
	pthread_mutex_lock(&c->mu);
	c->closing = 1;
	c->loop = NULL;
	while ((r = resolve_fifo_pop(&c->queue)) != NULL)
		resolve_free(r);
	while ((r = resolve_fifo_pop(&c->done)) != NULL)
		resolve_free(r);
	c->nqueued = 0;
	for (i = 0; i < RESOLVE_WORKERS; i++) {
		if (!c->threads[i].started)
			continue;
		if (c->threads[i].busy)
			pthread_detach(c->threads[i].tid);
		else
			idle[n++] = c->threads[i].tid;
		c->threads[i].started = 0;
	}
	pthread_cond_broadcast(&c->cv);
	resolve_core_unref(c);
	/* They saw closing under the mutex: each one exits at once. */
	for (i = 0; i < n; i++)
		pthread_join(idle[i], NULL);
}

static struct resolve_core *
resolve_core_get(struct loop *l, struct status *st)
{
	struct resolve_core	*c = loop_attachment(l, &resolve_key);
	int			 err;

	if (c != NULL)
		return c;
	c = calloc(1, sizeof *c);
	if (c == NULL) {
		status_errno(st, ENOMEM, SC_EX_OSERR, "resolver");
		return NULL;
	}
	c->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->efd < 0) {
		status_errno(st, errno, SC_EX_OSERR, "resolver: eventfd");
		free(c);
		return NULL;
	}
	if ((err = pthread_mutex_init(&c->mu, NULL)) != 0 ||
	    (err = pthread_cond_init(&c->cv, NULL)) != 0) {
		status_errno(st, err, SC_EX_OSERR, "resolver");
		close(c->efd);
		free(c);
		return NULL;
	}
	c->refs = 1;
	c->loop = l;
	if (loop_set(l, c->efd, LOOP_READ, resolve_core_cb, c, st) < 0 ||
	    loop_attach(l, &resolve_key, c, resolve_core_fini, st) < 0) {
		loop_del(l, c->efd);
		pthread_mutex_lock(&c->mu);
		resolve_core_unref(c);
		return NULL;
	}
	return c;
}

/*
 * Start one more worker (mu held).  It blocks every signal: the mask is
 * inherited from the thread that creates it, so it is set around
 * pthread_create and put back.
 */
static int
resolve_core_spawn(struct resolve_core *c)
{
	struct resolve_worker_arg	*wa;
	sigset_t			 all, old;
	int				 slot, err;

	for (slot = 0; slot < RESOLVE_WORKERS && c->threads[slot].started;
	    slot++)
		;
	if (slot == RESOLVE_WORKERS)
		return EAGAIN;
	if ((wa = malloc(sizeof *wa)) == NULL)
		return ENOMEM;
	wa->core = c;
	wa->slot = slot;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&c->threads[slot].tid, NULL, resolve_worker, wa);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		free(wa);
		return err;
	}
	c->threads[slot].started = 1;
	c->threads[slot].busy = 0;
	c->refs++;
	c->nworkers++;
	return 0;
}

/* A numeric host's answer, from its 0 ms timer. */
static void
resolve_inline_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	struct resolve	*r = arg;
	struct addrinfo	*res = r->res;

	(void)l;
	(void)t;
	r->res = NULL;
	r->cb(r->arg, res, &r->st);
	resolve_free(r);
}

static struct resolve *
resolve_start_inline(struct resolve *r, struct status *st)
{
	status_clear(&r->st);
	r->state = RESOLVE_INLINE;
	addr_query_run(&r->q, &r->res, &r->st);
	loop_timer_init(&r->timer, resolve_inline_cb, r);
	if (loop_timer_at(r->loop, &r->timer, loop_now(r->loop), st) < 0) {
		resolve_free(r);
		return NULL;
	}
	return r;
}

struct resolve *
resolve_start(struct loop *l, const char *host, uint16_t port, int family,
    int socktype, int flags, resolve_cb cb, void *arg, struct status *st)
{
	struct resolve_core	*c;
	struct resolve		*r;
	int			 err;

	r = calloc(1, sizeof *r);
	if (r == NULL) {
		status_errno(st, ENOMEM, SC_EX_OSERR, "resolver");
		return NULL;
	}
	r->loop = l;
	r->cb = cb;
	r->arg = arg;
	if (addr_query_init(&r->q, host, port, family, socktype, flags,
	    st) < 0) {
		free(r);
		return NULL;
	}
	if (addr_query_numeric(&r->q))
		return resolve_start_inline(r, st);
	if ((c = resolve_core_get(l, st)) == NULL) {
		free(r);
		return NULL;
	}
	r->core = c;
	pthread_mutex_lock(&c->mu);
	r->state = RESOLVE_QUEUED;
	resolve_fifo_push(&c->queue, r);
	c->nqueued++;
	/* Every queued request has an idle worker, or gets a new one. */
	if (c->nqueued > (size_t)c->nidle && c->nworkers < RESOLVE_WORKERS &&
	    (err = resolve_core_spawn(c)) != 0 && c->nworkers == 0) {
		resolve_fifo_remove(&c->queue, r);
		c->nqueued--;
		pthread_mutex_unlock(&c->mu);
		free(r);
		status_errno(st, err, SC_EX_OSERR, "resolver: pthread_create");
		return NULL;
	}
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return r;
}

void
resolve_cancel(struct resolve *r)
{
	struct resolve_core	*c;

	if (r == NULL)
		return;
	c = r->core;
	if (c == NULL) {
		loop_timer_stop(r->loop, &r->timer);
		resolve_free(r);
		return;
	}
	pthread_mutex_lock(&c->mu);
	switch (r->state) {
	case RESOLVE_QUEUED:
		resolve_fifo_remove(&c->queue, r);
		c->nqueued--;
		pthread_mutex_unlock(&c->mu);
		resolve_free(r);
		return;
	case RESOLVE_DONE:
		resolve_fifo_remove(&c->done, r);
		pthread_mutex_unlock(&c->mu);
		resolve_free(r);
		return;
	default:
		/* Running or being delivered: its holder frees it. */
		r->cancelled = 1;
		pthread_mutex_unlock(&c->mu);
		return;
	}
}
