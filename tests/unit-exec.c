/*
 * unit-exec.c: the hand-off of exec.h for a layer between CMD and the
 * connection (TLS), as TAP, without TLS: CMD gets one end of
 * exec_socketpair(), the relay engine relays the other end with a TCP
 * connection (the layer would sit on that end), and a client on the same
 * loop talks to it over loopback.  Checked: 1 MiB through 'cat' comes
 * back whole and ends with a clean EOF; with 'echo hi' and a client that
 * keeps sending after CMD has exited, the client gets "hi" and a FIN,
 * and none of its sends fails (no reset); the relay and the child end
 * cleanly and nothing is left open.
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
	int		 pair_done, pair_code;
	int		 closed, wstatus;
};

static void
run_check_end(struct run *r)
{
	if (((r->cl.eof && r->cl.shut) || r->cl.err) && r->pair_done &&
	    r->closed)
		loop_stop(r->loop);
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
pair_done(struct pair *p, void *arg, const struct status *st)
{
	struct run	*r = arg;

	(void)p;
	r->pair_done = 1;
	r->pair_code = st->code;
	if (st->code != 0)
		printf("# relay: %s\n", st->msg);
	run_check_end(r);
}

static void
exec_event(void *arg, enum exec_event ev, const struct exec_child *c)
{
	struct run	*r = arg;

	if (ev == EXEC_ENDED) {
		r->wstatus = c->wstatus;
		return;
	}
	r->closed = 1;
	run_check_end(r);
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
 * CMD on a socketpair relayed with a TCP connection; the client sends
 * data (and keeps sending for keep_ms after that, if not 0).
 */
static void
run_one(struct exec *x, const char *data, size_t size, int64_t keep_ms,
    struct run *r)
{
	struct pair_end_spec	 e0, e1;
	struct pair_opts	 po;
	struct exec_child	*c;
	struct exec_env		 env;
	struct loop_timer	 deadline;
	struct status		 st;
	struct pair		*p;
	int			 sv[2], cfd, sfd;

	memset(r, 0, sizeof *r);
	r->cl.got = malloc(DATA_SIZE + 64);
	r->loop = loop_new(&st);
	if (r->cl.got == NULL || r->loop == NULL || tcp_pair(&cfd, &sfd) < 0 ||
	    exec_attach(x, r->loop, exec_event, r, &st) < 0 ||
	    exec_socketpair(sv, &st) < 0) {
		ok(0, "setup");
		exit(1);
	}
	/* The child's names are the real connection's. */
	exec_env_socket(&env, sfd);
	ok(exec_start(x, sv[0], &env, "test", &c, &st) == 0, "exec_start");
	memset(&e0, 0, sizeof e0);
	memset(&e1, 0, sizeof e1);
	memset(&po, 0, sizeof po);
	po.idle_ms = -1;
	e0.rfd = e0.wfd = sv[1];
	e0.flags = PAIR_SOCKET;
	e0.rname = e0.wname = "child";
	e1.rfd = e1.wfd = sfd;
	e1.flags = PAIR_SOCKET;	/* and the TLS layer, with TLS */
	e1.rname = e1.wname = "peer";
	p = pair_new(r->loop, &e0, &e1, &po, pair_done, r, &st);
	ok(p != NULL && pair_start(p, &st) == 0, "pair_start");
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
	ok(r->pair_done && r->pair_code == 0, "the relay ended cleanly");
	ok(r->closed && exec_open(x) == 0 && exec_running(x) == 0,
	    "the child has ended and its end is closed");
	ok(WIFEXITED(r->wstatus) && WEXITSTATUS(r->wstatus) == 0,
	    "the child exited 0");
	pair_free(p);
	close(sv[1]);
	close(sfd);
	close(cfd);
	/* r->loop is freed after exec_free(x), as exec.h asks. */
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
	run_one(x, data, DATA_SIZE, 0, &r);
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
	run_one(x, NULL, 0, 500, &r);
	if (r.cl.err)
		printf("# client: %s\n", strerror(r.cl.err));
	ok(!r.cl.err && r.cl.eof, "the peer kept sending after CMD's exit: "
	    "a FIN, no reset");
	ok(r.cl.ngot == 3 && memcmp(r.cl.got, "hi\n", 3) == 0,
	    "the peer got what CMD wrote");
	free(r.cl.got);
	exec_free(x);
	loop_free(r.loop);
	free(data);
	printf("1..%d\n", ntest);
	return nfail != 0;
}
