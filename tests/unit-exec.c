/*
 * unit-exec.c: exec_start_layered(), the hand-off of exec.h for a layer
 * between CMD and the connection (TLS), as TAP, without TLS: a
 * pass-through layer whose handshake takes one wake-up (or fails), CMD
 * on one end of a socketpair the relay engine relays with a TCP
 * connection, and a client on the same loop over loopback.  Checked: CMD
 * starts only once the handshake is done; 1 MiB through 'cat' comes back
 * whole with a clean EOF; with 'echo hi' and a client that keeps sending
 * after CMD has exited, the client gets "hi" and a FIN, and none of its
 * sends fails (no reset); a failed handshake runs no CMD and says why
 * (EXEC_FAILED, then EXEC_CLOSED); nothing is left open.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"
#include "loop.h"
#include "pair.h"
#include "sig.h"
#include "sock.h"
#include "status.h"

#define DATA_SIZE	(1024 * 1024)

static int	ntest, nfail;

static void
ok(int cond, const char *what)
{
	ntest++;
	if (!cond)
		nfail++;
	printf("%sok %d - %s\n", cond ? "" : "not ", ntest, what);
}

/* A client on the loop: sends what it has (or for a while), reads all. */
struct client {
	int		 fd;
	const char	*data;
	size_t		 size, sent;
	int64_t		 send_until;	/* or keep sending until then */
	int		 shut;
	char		*got;
	size_t		 ngot;
	int		 eof, err;	/* a failed send or receive: errno */
};

/* What the test waits for. */
struct run {
	struct loop	*loop;
	struct client	 cl;
	int		 started, failed, closed, wstatus;
	int		 hs_done;	/* the layer's handshake is over */
	int		 started_before_hs;	/* CMD ran too early */
	int		 fail_hs;	/* the handshake fails */
	int		 hs_calls;
	int		 fd;		/* the layer's descriptor */
	char		 why[SC_STATUS_MSG];
};

static void
run_check_end(struct run *r)
{
	if (((r->cl.eof && r->cl.shut) || r->cl.err) && r->closed)
		loop_stop(r->loop);
}

/*
 * A pass-through layer: its handshake wants one read wake-up (the
 * client's first bytes), then is done, or fails with fail_hs.
 */
static int
pt_handshake(void *ctx, int *want, struct status *st)
{
	struct run	*r = ctx;

	if (r->hs_calls++ == 0) {
		*want = LOOP_READ;
		return 1;
	}
	if (r->fail_hs)
		return status_set(st, SC_EX_PROTOCOL, "handshake refused");
	r->hs_done = 1;
	return 0;
}

static ssize_t
pt_read(void *ctx, void *buf, size_t n, int *want, struct status *st)
{
	struct run	*r = ctx;
	ssize_t		 got;

	got = recv(r->fd, buf, n, MSG_DONTWAIT);
	if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		*want = LOOP_READ;
	else if (got < 0)
		status_errno(st, errno, SC_EX_OSERR, "recv");
	return got;
}

static ssize_t
pt_write(void *ctx, const void *buf, size_t n, int *want, struct status *st)
{
	struct run	*r = ctx;
	ssize_t		 put;

	put = send(r->fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (put < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		*want = LOOP_WRITE;
	else if (put < 0)
		status_errno(st, errno, SC_EX_OSERR, "send");
	return put;
}

static int
pt_close_notify(void *ctx, int *want, struct status *st)
{
	(void)ctx;
	(void)want;
	(void)st;
	return 0;
}

static size_t
pt_pending(void *ctx)
{
	(void)ctx;
	return 0;
}


/* The layer's ready hook, called by the pass-through "handshake". */
struct pt_ctx {
	struct run	*r;
	void		(*ready)(void *);
	void		*ready_arg;
};

static int
pt_handshake_hooked(void *ctx, int *want, struct status *st)
{
	struct pt_ctx	*p = ctx;
	int		 rc;

	rc = pt_handshake(p->r, want, st);
	if (rc == 0)
		p->ready(p->ready_arg);
	return rc;
}

static ssize_t
pt_read_hooked(void *ctx, void *buf, size_t n, int *want, struct status *st)
{
	return pt_read(((struct pt_ctx *)ctx)->r, buf, n, want, st);
}

static ssize_t
pt_write_hooked(void *ctx, const void *buf, size_t n, int *want,
    struct status *st)
{
	return pt_write(((struct pt_ctx *)ctx)->r, buf, n, want, st);
}

static const struct pair_layer pt_hooked_ops = {
	"pass-through", pt_handshake_hooked, pt_read_hooked, pt_write_hooked,
	pt_close_notify, pt_pending
};

static void *
pt_open(void *arg, int fd, const char *host, const char *name,
    void (*ready)(void *), void *ready_arg, struct status *st)
{
	struct pt_ctx	*p;

	(void)host;
	(void)name;
	if ((p = calloc(1, sizeof *p)) == NULL) {
		status_set(st, SC_EX_OSERR, "out of memory");
		return NULL;
	}
	p->r = arg;
	p->r->fd = fd;
	p->ready = ready;
	p->ready_arg = ready_arg;
	return p;
}

static void
pt_close(void *ctx)
{
	free(ctx);
}

static void
client_send(struct run *r, struct client *c)
{
	static const char	filler[65536];
	const char		*p;
	size_t			 n;
	ssize_t			 w;

	for (;;) {
		if (c->send_until > 0 && loop_now(r->loop) < c->send_until) {
			p = filler;
			n = sizeof filler;
		} else if (c->sent < c->size) {
			p = c->data + c->sent;
			n = c->size - c->sent;
		} else
			break;
		w = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (w < 0) {
			c->err = errno;
			return;
		}
		if (p != filler)
			c->sent += (size_t)w;
	}
	if (!c->shut) {
		shutdown(c->fd, SHUT_WR);
		c->shut = 1;
	}
}

static void
client_cb(struct loop *l, int fd, int mask, void *arg)
{
	struct run	*r = arg;
	struct client	*c = &r->cl;
	struct status	 st;
	ssize_t		 n;

	if ((mask & LOOP_WRITE) && !c->shut && !c->err)
		client_send(r, c);
	if ((mask & LOOP_READ) && !c->eof) {
		n = recv(fd, c->got + c->ngot, DATA_SIZE + 64 - c->ngot,
		    MSG_DONTWAIT);
		if (n > 0)
			c->ngot += (size_t)n;
		else if (n == 0)
			c->eof = 1;
		else if (errno != EAGAIN && errno != EWOULDBLOCK)
			c->err = errno;
	}
	/* Done once it has read to EOF and sent all (or failed). */
	if ((c->eof && c->shut) || c->err) {
		loop_del(l, fd);
		run_check_end(r);
		return;
	}
	(void)loop_mask(l, fd, (c->eof ? 0 : LOOP_READ) |
	    (c->shut ? 0 : LOOP_WRITE), &st);
}

static void
exec_event(void *arg, enum exec_event ev, const struct exec_child *c)
{
	struct run	*r = arg;

	switch (ev) {
	case EXEC_STARTED:
		r->started = 1;
		if (!r->hs_done)
			r->started_before_hs = 1;
		break;
	case EXEC_ENDED:
		r->wstatus = c->wstatus;
		break;
	case EXEC_FAILED:
		r->failed = 1;
		snprintf(r->why, sizeof r->why, "%s", c->err.msg);
		break;
	case EXEC_CLOSED:
		r->closed = 1;
		run_check_end(r);
		break;
	}
}

/* A safety net: no test may hang. */
static void
deadline_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	loop_stop(l);
}

/* A connected loopback TCP pair: *cfd the client's, *sfd the server's. */
static int
tcp_pair(int *cfd, int *sfd)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			lfd;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof sin) < 0 ||
	    listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) < 0)
		return -1;
	*cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*cfd < 0 || connect(*cfd, (struct sockaddr *)&sin, sizeof sin) < 0)
		return -1;
	*sfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	close(lfd);
	return *sfd < 0 ? -1 : 0;
}

/*
 * CMD behind the pass-through layer on a TCP connection; the client sends
 * data (and keeps sending for keep_ms after that, if not 0).
 */
static void
run_one(struct exec *x, const char *data, size_t size, int64_t keep_ms,
    int fail_hs, struct run *r)
{
	struct exec_layer	 ly = { &pt_hooked_ops, pt_open, pt_close, NULL,
				    5000 };
	struct exec_child	*c;
	struct exec_env		 env;
	struct loop_timer	 deadline;
	struct status		 st;
	int			 cfd, sfd;

	memset(r, 0, sizeof *r);
	r->fail_hs = fail_hs;
	r->cl.got = malloc(DATA_SIZE + 64);
	r->loop = loop_new(&st);
	if (r->cl.got == NULL || r->loop == NULL || tcp_pair(&cfd, &sfd) < 0 ||
	    exec_attach(x, r->loop, exec_event, r, &st) < 0) {
		ok(0, "setup");
		exit(1);
	}
	ly.arg = r;
	/* The child's names are the real connection's. */
	exec_env_socket(&env, sfd);
	sock_set_nonblock(sfd, 1);
	ok(exec_start_layered(x, sfd, &ly, NULL, &env, "test", &c, &st) == 0,
	    "exec_start_layered");
	ok(!r->started, "CMD waits for the handshake");
	r->cl.fd = cfd;
	r->cl.data = data;
	r->cl.size = size;
	if (keep_ms > 0)
		r->cl.send_until = loop_now(r->loop) + keep_ms;
	sock_set_nonblock(cfd, 1);
	(void)loop_set(r->loop, cfd, LOOP_READ | LOOP_WRITE, client_cb, r,
	    &st);
	loop_timer_init(&deadline, deadline_cb, NULL);
	(void)loop_timer_at(r->loop, &deadline, loop_now(r->loop) + 20000,
	    &st);
	(void)loop_run(r->loop, NULL, NULL, &st);
	loop_timer_stop(r->loop, &deadline);
	ok(r->closed && exec_open(x) == 0 && exec_running(x) == 0,
	    "the connection is closed, no child left");
	if (fail_hs) {
		ok(!r->started && r->failed, "a failed handshake: no CMD, "
		    "EXEC_FAILED");
		ok(strstr(r->why, "handshake refused") != NULL,
		    "EXEC_FAILED says why");
	} else {
		ok(r->started && !r->started_before_hs && !r->failed,
		    "CMD started at the end of the handshake");
		ok(WIFEXITED(r->wstatus) && WEXITSTATUS(r->wstatus) == 0,
		    "the child exited 0");
	}
	close(cfd);
	/* sfd is exec's; r->loop is freed after exec_free(x). */
}

int
main(void)
{
	struct exec	*x;
	struct status	 st;
	struct run	 r;
	char		*data;
	size_t		 i;

	/* SIGPIPE ignored, as in sockcat: EPIPE ends a direction. */
	sig_setup();
	data = malloc(DATA_SIZE);
	if (data == NULL)
		return 1;
	for (i = 0; i < DATA_SIZE; i++)
		data[i] = (char)(i * 2654435761u >> 13);

	x = exec_new("cat", &st);
	ok(x != NULL, "exec_new cat");
	if (x == NULL)
		return 1;
	run_one(x, data, DATA_SIZE, 0, 0, &r);
	ok(!r.cl.err && r.cl.eof, "1 MiB through cat: a clean EOF");
	ok(r.cl.ngot == DATA_SIZE && memcmp(r.cl.got, data, DATA_SIZE) == 0,
	    "1 MiB through cat: byte for byte");
	free(r.cl.got);
	exec_free(x);
	loop_free(r.loop);

	x = exec_new("echo hi", &st);
	ok(x != NULL, "exec_new echo hi");
	if (x == NULL)
		return 1;
	run_one(x, NULL, 0, 500, 0, &r);
	if (r.cl.err)
		printf("# client: %s\n", strerror(r.cl.err));
	ok(!r.cl.err && r.cl.eof, "the peer kept sending after CMD's exit: "
	    "a FIN, no reset");
	ok(r.cl.ngot == 3 && memcmp(r.cl.got, "hi\n", 3) == 0,
	    "the peer got what CMD wrote");
	free(r.cl.got);
	exec_free(x);
	loop_free(r.loop);

	x = exec_new("touch never-run", &st);
	ok(x != NULL, "exec_new touch");
	if (x == NULL)
		return 1;
	run_one(x, "x", 1, 0, 1, &r);
	ok(access("never-run", F_OK) != 0, "CMD did not run");
	free(r.cl.got);
	exec_free(x);
	loop_free(r.loop);
	free(data);
	printf("1..%d\n", ntest);
	return nfail != 0;
}
