/*
 * relay.c: stdin/stdout <-> socket for listen and connect, on the relay
 * engine (pair.c): end 0 is stdin and stdout, end 1 the socket; direction
 * 0 is "up", direction 1 "down".
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "observe.h"
#include "opt.h"
#include "pair.h"
#include "relay.h"
#include "sig.h"
#include "sock.h"

/*
 * Make sure fd is open, so no socket takes its number: /dev/null if not.
 * Returns 1 when fd was closed.
 */
static int
relay_fd_open(int fd)
{
	int	nfd;

	if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
		return 0;
	nfd = open("/dev/null", O_RDWR);
	if (nfd >= 0 && nfd != fd) {
		dup2(nfd, fd);
		close(nfd);
	}
	return 1;
}

void
relay_init(struct relay *r, int in_fd, int out_fd, int seqpacket)
{
	memset(r, 0, sizeof *r);
	relay_fd_open(in_fd);
	r->out_closed = relay_fd_open(out_fd);
	r->in_fd = in_fd;
	r->out_fd = out_fd;
	r->seqpacket = seqpacket;
	r->in_tty = isatty(in_fd);
}

int
relay_opt(struct relay_opts *ro, int id)
{
	switch (id) {
	case OPT_NO_SHUTDOWN:
		ro->no_shutdown = 1;
		return 1;
	case OPT_SEND_ONLY:
		ro->send_only = 1;
		return 1;
	case OPT_RECV_ONLY:
		ro->recv_only = 1;
		return 1;
	case OPT_WAIT_STDIN:
		ro->wait_stdin = 1;
		return 1;
	default:
		return 0;
	}
}

int
relay_opts_check(struct relay_opts *ro, struct status *st)
{
	if (ro->send_only && ro->recv_only)
		return status_usage(st, "--send-only and --recv-only exclude "
		    "each other");
	if (ro->wait_stdin && (ro->send_only || ro->recv_only))
		return status_usage(st, "--wait-stdin does not go with %s",
		    ro->send_only ? "--send-only" : "--recv-only");
	return observe_open(&ro->obs, st);
}

const char *
relay_gave_up_reason(const struct relay *r)
{
	switch (r->gave_up) {
	case RELAY_GAVE_UP_TTY:
		return "the peer has finished and stdin is a terminal";
	case RELAY_GAVE_UP_IDLE:
		return "the peer has finished and stdin gave nothing in the "
		    "session's first second";
	default:
		return NULL;
	}
}

void
relay_report(const struct relay *r, const char *peer)
{
	struct observe_counts	c;

	log_session_end(peer, relay_gave_up_reason(r), r->sent, r->received,
	    r->duration_ms, r->status);
	memset(&c, 0, sizeof c);
	c.bytes[0] = r->sent;
	c.bytes[1] = r->received;
	c.duration_ms = r->duration_ms;
	observe_report(&r->obs, peer, &c);
}

void
relay_free(struct relay *r)
{
	observe_free(&r->obs);
	loop_free(r->loop);
	r->loop = NULL;
	pair_pool_drain();
}

/* The session's outcome, from the engine: stop the loop. */
struct relay_session {
	struct loop	*loop;
	struct status	 st;
	int		 done;
};

static void
relay_done(struct pair *p, void *arg, const struct status *st)
{
	struct relay_session	*s = arg;

	(void)p;
	s->st = *st;
	s->done = 1;
	loop_stop(s->loop);
}

/* The two ends of a session as the engine sees them. */
static void
relay_ends(const struct relay *r, int fd, const struct relay_opts *ro,
    struct pair_end_spec *e)
{
	memset(e, 0, 2 * sizeof *e);
	e[0].rfd = r->in_eof || ro->recv_only ? -1 : r->in_fd;
	e[0].wfd = ro->send_only ? -1 : r->out_fd;
	e[0].flags = PAIR_GIVEUP | (r->in_tty ? PAIR_TTY : 0) |
	    (ro->keep_stdout ? PAIR_NO_HALFCLOSE : 0) |
	    (r->out_closed ? PAIR_WFD_CLOSED : 0);
	e[0].rname = "stdin";
	e[0].wname = "stdout";
	e[1].rfd = e[1].wfd = fd;
	e[1].flags = PAIR_SOCKET | (r->seqpacket ? PAIR_SEQPACKET : 0) |
	    (ro->no_shutdown ? PAIR_NO_HALFCLOSE : 0);
	e[1].rname = e[1].wname = ro->peer != NULL ? ro->peer : "socket";
	e[1].layer = ro->layer;
	e[1].layer_ctx = ro->layer_ctx;
}

/* What the session did, into r; its status into st. */
static int
relay_outcome(struct relay *r, struct pair *p, struct relay_session *s,
    struct status *st)
{
	const struct pair_counts	*c = pair_counts(p);

	r->sent = c->out[0];
	r->received = c->in[1];
	r->duration_ms = (s->done ? c->end_ms : sock_now_ms()) - c->start_ms;
	r->gave_up = !c->gave_up ? RELAY_GAVE_UP_NONE : r->in_tty ?
	    RELAY_GAVE_UP_TTY : RELAY_GAVE_UP_IDLE;
	if (c->eof[0])
		r->in_eof = 1;
	if (c->wfd_closed[0])
		r->out_fd = -1;
	if (!s->done) {
		/*
		 * Cut short by a stop signal: a FIN would tell the peer that
		 * the transfer is complete.  A reset tells it that it is not.
		 */
		pair_reset(p, 1);
		r->local = 0;
		status_set(st, SC_EX_FAIL, "interrupted");
		r->status = st->code;
		errno = EINTR;
		return -1;
	}
	r->status = s->st.code;
	if (s->st.code == SC_EX_OK)
		return 0;
	*st = s->st;
	r->local = c->failed_end == 0;
	return -1;
}

int
relay_run(struct relay *r, int fd, const struct relay_opts *ro,
    struct status *st)
{
	struct relay_session	 s;
	struct pair_end_spec	 e[2];
	struct pair_opts	 po;
	struct pair		*p;
	int			 rc, saved;

	memset(&s, 0, sizeof s);
	memset(&po, 0, sizeof po);
	r->local = 0;
	r->sent = r->received = 0;
	r->duration_ms = 0;
	r->gave_up = RELAY_GAVE_UP_NONE;
	r->status = SC_EX_FAIL;
	po.idle_ms = ro->idle_ms;
	po.send_only = ro->send_only;
	po.wait_stdin = ro->wait_stdin;
	po.hs_ms = ro->layer != NULL ? ro->hs_ms : 0;
	relay_ends(r, fd, ro, e);
	if ((r->loop == NULL && (r->loop = loop_new(st)) == NULL) ||
	    observe_begin(&r->obs, &ro->obs, OBSERVE_STREAM, NULL, st) < 0) {
		close(fd);
		return -1;
	}
	observe_taps(&r->obs, po.tap);
	s.loop = r->loop;
	p = pair_new(r->loop, &e[0], &e[1], &po, relay_done, &s, st);
	if (p == NULL) {
		close(fd);
		return -1;
	}
	/* --recv-only never reads stdin and never half-closes. */
	if (ro->recv_only)
		pair_dir_off(p, 0);
	/* stdout closed by an earlier session: the socket is not read. */
	if (e[0].wfd < 0 && !ro->send_only)
		pair_dir_off(p, 1);
	rc = pair_start(p, st);
	/* --progress: percent and time left of a regular file on stdin. */
	if (rc == 0)
		rc = observe_progress(&r->obs, r->loop, p, e[0].rfd, st);
	if (rc == 0)
		rc = loop_run(r->loop, NULL, NULL, st);
	if (rc == 0)
		rc = relay_outcome(r, p, &s, st);
	saved = errno;
	observe_end(&r->obs);
	pair_free(p);
	close(fd);
	errno = saved;
	return rc;
}
