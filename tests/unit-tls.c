/*
 * unit-tls.c: the TLS layer (src/tls.c) in process, as TAP.
 *
 * Both ends of each session live in this process: a client and a server
 * made with tls.h (or, where tls.h cannot make the peer wanted, such as
 * one limited to TLS 1.2, a raw OpenSSL one) on a non-blocking socketpair
 * or loopback TCP pair, driven by poll() with a deadline.  The
 * certificates come from tests/helpers/tls-certs.sh, run into a temporary
 * directory ($SC_SRCDIR, else the source tree this was built from, names
 * the script).  SIGPIPE is left at its default on purpose: a write to a
 * gone peer must come back as EPIPE, not kill the process.
 *
 * Built --without-tls, it checks only that every TLS option is refused
 * with "not built with TLS".
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_TLS
#include <openssl/err.h>
#include <openssl/ssl.h>
#endif

#include "loop.h"
#include "opt.h"
#include "status.h"
#include "tls.h"

static int	ntest, nfail;

static void
ok(int cond, const char *fmt, ...)
{
	va_list	ap;

	ntest++;
	if (!cond)
		nfail++;
	printf("%sok %d - ", cond ? "" : "not ", ntest);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static const int tls_ids[] = {
	OPT_TLS, OPT_CAFILE, OPT_SNI, OPT_PIN, OPT_INSECURE, OPT_ALPN,
	OPT_CERT, OPT_KEY, OPT_SELF_SIGNED, OPT_CLIENT_CA, OPT_TLS_MIN,
};

/* A value each option accepts. */
static const char *
good_value(int id)
{
	switch (id) {
	case OPT_PIN:
		return "sha256:00112233445566778899aabbccddeeff"
		    "00112233445566778899AABBCCDDEEFF";
	case OPT_ALPN:
		return "h2,http/1.1";
	case OPT_TLS_MIN:
		return "1.3";
	case OPT_SNI:
		return "example.org";
	default:
		return "/dev/null";
	}
}

#ifndef HAVE_TLS

int
main(void)
{
	struct tls_opts	t;
	struct status	st;
	size_t		i;

	for (i = 0; i < sizeof tls_ids / sizeof tls_ids[0]; i++) {
		tls_opts_init(&t);
		status_clear(&st);
		ok(tls_opt(&t, tls_ids[i], good_value(tls_ids[i]), &st) < 0 &&
		    st.code == SC_EX_USAGE &&
		    strstr(st.msg, "not built with TLS") != NULL,
		    "without TLS, option %d is refused: %s", tls_ids[i],
		    st.msg);
	}
	tls_opts_init(&t);
	ok(tls_opt(&t, 'v', NULL, &st) == 0, "-v is not a TLS option");
	t.tls = 1;
	ok(tls_opts_check(&t, 0, &st) < 0 && st.code == SC_EX_USAGE &&
	    strstr(st.msg, "not built with TLS") != NULL,
	    "without TLS, --tls fails the check: %s", st.msg);
	tls_opts_init(&t);
	ok(tls_opts_check(&t, 1, &st) == 0, "without TLS, no TLS option: ok");
	ok(tls_ctx_new(&t, 0, &st) == NULL, "without TLS, no context");
	printf("1..%d\n", ntest);
	return nfail != 0;
}

#else /* HAVE_TLS */

static void
diag(const char *fmt, ...)
{
	va_list	ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static char	certdir[64];

/* The path of a file of the certificate directory (a few at a time). */
static const char *
cpath(const char *name)
{
	static char	buf[8][256];
	static int	next;
	char		*p = buf[next++ % 8];

	snprintf(p, sizeof buf[0], "%s/%s", certdir, name);
	return p;
}

/* The content of NAME.pin, without its newline. */
static const char *
read_pin(const char *name)
{
	static char	buf[4][TLS_PIN_STRLEN + 2];
	static int	next;
	char		*p = buf[next++ % 4], file[64];
	FILE		*fp;

	snprintf(file, sizeof file, "%s.pin", name);
	p[0] = '\0';
	if ((fp = fopen(cpath(file), "r")) != NULL) {
		if (fgets(p, (int)sizeof buf[0], fp) == NULL)
			p[0] = '\0';
		fclose(fp);
	}
	p[strcspn(p, "\n")] = '\0';
	return p;
}

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------- making the ends */

/* Options from "name=value" words, ended by NULL; aborts on a bad one. */
static void
opts_set(struct tls_opts *t, const char *const *words)
{
	static const struct { const char *name; int id; } names[] = {
		{ "tls", OPT_TLS }, { "cafile", OPT_CAFILE },
		{ "sni", OPT_SNI }, { "pin", OPT_PIN },
		{ "insecure", OPT_INSECURE }, { "alpn", OPT_ALPN },
		{ "cert", OPT_CERT }, { "key", OPT_KEY },
		{ "self-signed", OPT_SELF_SIGNED },
		{ "client-ca", OPT_CLIENT_CA }, { "tls-min", OPT_TLS_MIN },
	};
	struct status	 st;
	const char	*w;
	size_t		 i;

	tls_opts_init(t);
	t->tls = 1;
	for (; (w = *words) != NULL; words++) {
		const char	*eq = strchr(w, '=');
		size_t		 len = eq != NULL ? (size_t)(eq - w) : strlen(w);

		for (i = 0; i < sizeof names / sizeof names[0]; i++)
			if (strlen(names[i].name) == len &&
			    strncmp(names[i].name, w, len) == 0)
				break;
		if (i == sizeof names / sizeof names[0] ||
		    tls_opt(t, names[i].id, eq != NULL ? eq + 1 : NULL,
		    &st) != 1) {
			fprintf(stderr, "unit-tls: bad test option %s\n", w);
			exit(99);
		}
	}
}

/* The words of opts_set() as one array; the last must be NULL. */
#define WORDS(...)	((const char *const []){ __VA_ARGS__ })
#define OPTS_SET(t, ...)	opts_set((t), WORDS(__VA_ARGS__))

/* A checked context, or NULL with the reason said. */
static struct tls_ctx *
ctx_make(struct tls_opts *t, int server)
{
	struct status	 st;
	struct tls_ctx	*c;

	status_clear(&st);
	if (tls_opts_check(t, server, &st) < 0) {
		diag("tls_opts_check: %s", st.msg);
		return NULL;
	}
	if ((c = tls_ctx_new(t, server, &st)) == NULL)
		diag("tls_ctx_new: %s", st.msg);
	return c;
}

static void
nonblock_pair(int fd[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    fd) < 0) {
		perror("socketpair");
		exit(99);
	}
}

/* A connected loopback TCP pair, both non-blocking: fd[0] the client. */
static void
tcp_pair(int fd[2])
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	struct pollfd		p;
	int			l;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sin, sizeof sin) < 0 ||
	    listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&sin, &len) < 0) {
		perror("listen");
		exit(99);
	}
	fd[0] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd[0] < 0 || (connect(fd[0], (struct sockaddr *)&sin,
	    sizeof sin) < 0 && errno != EINPROGRESS)) {
		perror("connect");
		exit(99);
	}
	p.fd = l;
	p.events = POLLIN;
	if (poll(&p, 1, 5000) != 1 ||
	    (fd[1] = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) <
	    0) {
		perror("accept");
		exit(99);
	}
	close(l);
}

/* One end of a session: a tls.h conn or a raw OpenSSL one. */
struct side {
	const char	*name;
	struct tls_conn	*c;
	SSL		*raw;
	int		 fd;
	int		 state;		/* 1 in handshake, 0 done, -1 failed */
	int		 want;
	struct status	 st;
};

static void
side_init(struct side *s, const char *name, int fd)
{
	memset(s, 0, sizeof *s);
	s->name = name;
	s->fd = fd;
	s->state = 1;
	s->want = LOOP_READ;
	status_clear(&s->st);
}

/* A tls.h conn on fd; host for a client. */
static int
side_conn(struct side *s, struct tls_ctx *c, const char *host)
{
	s->c = tls_conn_new(c, s->fd, host, &s->st);
	if (s->c == NULL) {
		s->state = -1;
		diag("%s: tls_conn_new: %s", s->name, s->st.msg);
		return -1;
	}
	return 0;
}

/* A raw OpenSSL end at most TLS max_version. */
static void
side_raw(struct side *s, int server, int max_version)
{
	SSL_CTX	*ctx = SSL_CTX_new(server ? TLS_server_method() :
		    TLS_client_method());

	if (ctx == NULL || !SSL_CTX_set_max_proto_version(ctx, max_version)) {
		fprintf(stderr, "unit-tls: raw context\n");
		exit(99);
	}
	if (server && (SSL_CTX_use_certificate_chain_file(ctx,
	    cpath("good.crt")) != 1 || SSL_CTX_use_PrivateKey_file(ctx,
	    cpath("good.key"), SSL_FILETYPE_PEM) != 1)) {
		fprintf(stderr, "unit-tls: raw server certificate\n");
		exit(99);
	}
	s->raw = SSL_new(ctx);
	SSL_CTX_free(ctx);
	if (s->raw == NULL || SSL_set_fd(s->raw, s->fd) != 1) {
		fprintf(stderr, "unit-tls: raw SSL\n");
		exit(99);
	}
	if (server)
		SSL_set_accept_state(s->raw);
	else
		SSL_set_connect_state(s->raw);
}

static void
side_free(struct side *s)
{
	tls_conn_free(s->c);
	SSL_free(s->raw);
	s->c = NULL;
	s->raw = NULL;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static void
side_step(struct side *s)
{
	int	r, e;

	if (s->state != 1 || (s->c == NULL && s->raw == NULL))
		return;
	if (s->c != NULL) {
		r = tls_conn_handshake(s->c, &s->want, &s->st);
		s->state = r == 0 ? 0 : r == 1 ? 1 : -1;
		return;
	}
	r = SSL_do_handshake(s->raw);
	if (r == 1) {
		s->state = 0;
		return;
	}
	e = SSL_get_error(s->raw, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		s->want = e == SSL_ERROR_WANT_READ ? LOOP_READ : LOOP_WRITE;
		return;
	}
	s->state = -1;
	snprintf(s->st.msg, sizeof s->st.msg, "%s",
	    ERR_reason_error_string(ERR_peek_error()) != NULL ?
	    ERR_reason_error_string(ERR_peek_error()) : "raw failure");
	s->st.code = SC_EX_PROTOCOL;
	ERR_clear_error();
}

/*
 * Both handshakes until each is done or failed, within 5 s.  A side that
 * fails half-closes its socket (after its alert), so the other one is
 * not left waiting.  Returns 0 when both are done.
 */
static int
handshake(struct side *a, struct side *b)
{
	struct side	*s[2] = { a, b };
	int64_t		 end = now_ms() + 5000;
	int		 i, shut[2] = { 0, 0 };

	while ((a->state == 1 || b->state == 1) && now_ms() < end) {
		struct pollfd	p[2];
		int		n = 0;

		for (i = 0; i < 2; i++) {
			side_step(s[i]);
			if (s[i]->state == -1 && !shut[i]) {
				shutdown(s[i]->fd, SHUT_WR);
				shut[i] = 1;
			}
		}
		for (i = 0; i < 2; i++)
			if (s[i]->state == 1) {
				p[n].fd = s[i]->fd;
				p[n].events = s[i]->want == LOOP_WRITE ?
				    POLLOUT : POLLIN;
				n++;
			}
		if (n > 0)
			poll(p, (nfds_t)n, 50);
	}
	for (i = 0; i < 2; i++)
		if (s[i]->state == 1) {
			s[i]->state = -1;
			snprintf(s[i]->st.msg, sizeof s[i]->st.msg,
			    "handshake timed out");
		}
	if (a->state != 0 || b->state != 0)
		diag("%s: %s / %s: %s", a->name, a->state == 0 ? "done" :
		    a->st.msg, b->name, b->state == 0 ? "done" : b->st.msg);
	return a->state == 0 && b->state == 0 ? 0 : -1;
}

/* ------------------------------------------------------- moving bytes */

static unsigned char
pattern(size_t i)
{
	return (unsigned char)(i ^ (i >> 8) ^ (i >> 16) ^ 0x5a);
}

/* One direction of a transfer and its state. */
struct flow {
	size_t		 total;		/* bytes to send */
	size_t		 sent;
	int		 close_after;	/* close_notify + SHUT_WR after them */
	int		 after_eof;	/* send only after reading the EOF */
	int		 closed;
	int		 wwant;		/* 0, or what the last write waited for */
	size_t		 got;		/* bytes received (the other flow's) */
	int		 eof;		/* read returned 0 */
	int		 bad;		/* a received byte was wrong */
	int		 failed;	/* a call failed: st */
	int		 max_write;	/* the largest single write */
};

static unsigned char	*srcbuf[2];	/* two copies: a moving write buffer */
#define SRC_LEN		(16u << 20)

/* Write what s still has to send; 0, or -1 on failure. */
static int
flow_write(struct side *s, struct flow *f, const struct flow *in)
{
	static int	flip;
	ssize_t		n;

	while (f->sent < f->total && (!f->after_eof || in->eof)) {
		size_t	len = f->total - f->sent;
		/* The same bytes from the other copy each time. */
		const unsigned char *p = srcbuf[flip++ & 1] +
		    (f->sent % SRC_LEN);

		if (len > SRC_LEN - f->sent % SRC_LEN)
			len = SRC_LEN - f->sent % SRC_LEN;
		if (len > 256 * 1024)
			len = 256 * 1024;
		n = tls_conn_write(s->c, p, len, &f->wwant, &s->st);
		if (n < 0) {
			if (errno == EAGAIN)
				return 0;
			f->failed = 1;
			return -1;
		}
		if (n > f->max_write)
			f->max_write = (int)n;
		f->wwant = 0;
		f->sent += (size_t)n;
	}
	if (f->sent == f->total && f->close_after && !f->closed &&
	    (!f->after_eof || in->eof)) {
		int r = tls_conn_close_notify(s->c, &f->wwant, &s->st);

		if (r < 0) {
			f->failed = 1;
			return -1;
		}
		if (r == 0) {
			f->wwant = 0;
			f->closed = 1;
			shutdown(s->fd, SHUT_WR);
		}
	}
	return 0;
}

/* Read what s has; 0, or -1 on failure.  *rwant: what the read waits for. */
static int
flow_read(struct side *s, struct flow *in, int *rwant)
{
	static unsigned char	buf[64 * 1024];
	ssize_t			n;
	size_t			i;

	while (!in->eof) {
		n = tls_conn_read(s->c, buf, sizeof buf, rwant, &s->st);
		if (n < 0) {
			if (errno == EAGAIN && tls_conn_pending(s->c) == 0)
				return 0;
			if (errno == EAGAIN)
				continue;
			in->failed = 1;
			return -1;
		}
		if (n == 0) {
			in->eof = 1;
			break;
		}
		for (i = 0; i < (size_t)n; i++)
			if (buf[i] != pattern(in->got + i))
				in->bad = 1;
		in->got += (size_t)n;
	}
	return 0;
}

/*
 * Run both directions (a->b is ab, b->a is ba) until each side has sent
 * what it should and has read its peer's EOF, or a call fails, within
 * 30 s.  Returns 0 when all arrived, intact.
 */
static int
transfer(struct side *a, struct flow *ab, struct side *b, struct flow *ba)
{
	int64_t	end = now_ms() + 30000;
	int	rwant[2] = { LOOP_READ, LOOP_READ };

	while (now_ms() < end) {
		struct pollfd	p[2];

		if (flow_write(a, ab, ba) < 0 || flow_write(b, ba, ab) < 0 ||
		    flow_read(a, ba, &rwant[0]) < 0 ||
		    flow_read(b, ab, &rwant[1]) < 0)
			break;
		if (ab->eof && ba->eof && ab->sent == ab->total &&
		    ba->sent == ba->total)
			return ab->bad || ba->bad || ab->got != ab->total ||
			    ba->got != ba->total ? -1 : 0;
		p[0].fd = a->fd;
		p[1].fd = b->fd;
		p[0].events = (short)((ba->eof ? 0 : POLLIN) |
		    (ab->wwant == LOOP_WRITE || rwant[0] == LOOP_WRITE ?
		    POLLOUT : 0));
		p[1].events = (short)((ab->eof ? 0 : POLLIN) |
		    (ba->wwant == LOOP_WRITE || rwant[1] == LOOP_WRITE ?
		    POLLOUT : 0));
		poll(p, 2, 100);
	}
	diag("transfer: %s sent %zu/%zu got %zu eof %d bad %d (%s); "
	    "%s sent %zu/%zu got %zu eof %d bad %d (%s)", a->name, ab->sent,
	    ab->total, ba->got, ba->eof, ba->bad, a->st.msg, b->name,
	    ba->sent, ba->total, ab->got, ab->eof, ab->bad, b->st.msg);
	return -1;
}

/* Read from s until bytes, EOF or failure (within 5 s): the read's result. */
static ssize_t
read_wait(struct side *s, void *buf, size_t n)
{
	int64_t		end = now_ms() + 5000;
	struct pollfd	p;
	ssize_t		r;
	int		want = LOOP_READ;

	for (;;) {
		r = tls_conn_read(s->c, buf, n, &want, &s->st);
		if (r >= 0 || errno != EAGAIN || now_ms() >= end)
			return r;
		p.fd = s->fd;
		p.events = want == LOOP_WRITE ? POLLOUT : POLLIN;
		poll(&p, 1, 100);
	}
}

/* Write all n bytes (the peer must not need to read them all). */
static int
write_all(struct side *s, const void *buf, size_t n)
{
	int64_t		 end = now_ms() + 5000;
	const char	*p = buf;
	struct pollfd	 pf;
	ssize_t		 r;
	int		 want;

	while (n > 0 && now_ms() < end) {
		r = tls_conn_write(s->c, p, n, &want, &s->st);
		if (r > 0) {
			p += r;
			n -= (size_t)r;
			continue;
		}
		if (errno != EAGAIN)
			return -1;
		pf.fd = s->fd;
		pf.events = want == LOOP_WRITE ? POLLOUT : POLLIN;
		poll(&pf, 1, 100);
	}
	return n == 0 ? 0 : -1;
}

/* --------------------------------------------------------- scenarios */

/*
 * A client (host) against a server over a socketpair (tcp: loopback
 * TCP); the handshake's result (0: both done).  The sides stay open for
 * the caller, who frees them.
 */
static int
session(struct side *cl, struct tls_ctx *cc, const char *host,
    struct side *sv, struct tls_ctx *sc, int tcp)
{
	int	fd[2];

	if (tcp)
		tcp_pair(fd);
	else
		nonblock_pair(fd);
	side_init(cl, "client", fd[0]);
	side_init(sv, "server", fd[1]);
	if (cc != NULL && side_conn(cl, cc, host) < 0)
		return -1;
	if (sc != NULL && side_conn(sv, sc, NULL) < 0)
		return -1;
	/* A raw or absent peer: the caller drives the handshake. */
	if (cc == NULL || sc == NULL)
		return 0;
	return handshake(cl, sv);
}

/* A checked client or server context from options (NULL-ended). */
#define CLIENT(...)	ctx_from(WORDS(__VA_ARGS__), 0)
#define SERVER(...)	ctx_from(WORDS(__VA_ARGS__), 1)

static struct tls_ctx *
ctx_from(const char *const *words, int server)
{
	struct tls_opts	t;

	opts_set(&t, words);
	return ctx_make(&t, server);
}

/* "--cert=DIR/NAME.crt" and the like, built on the fly. */
static const char *
arg(const char *opt, const char *file)
{
	static char	buf[16][300];
	static int	next;
	char		*p = buf[next++ % 16];

	snprintf(p, sizeof buf[0], "%s=%s", opt, cpath(file));
	return p;
}

static const char *
pin_arg(const char *pin)
{
	static char	buf[4][TLS_PIN_STRLEN + 8];
	static int	next;
	char		*p = buf[next++ % 4];

	snprintf(p, sizeof buf[0], "pin=%s", pin);
	return p;
}

#define GOOD_SERVER	arg("cert", "good.crt"), arg("key", "good.key")
#define CA		arg("cafile", "ca.crt")

/*
 * A client against a server: the handshake must fail on side who (0
 * client, 1 server) with code and a message holding want.
 */
static void
expect_fail(const char *what, struct tls_ctx *cc, const char *host,
    struct tls_ctx *sc, int who, const char *want)
{
	struct side	cl, sv;
	struct side	*s;

	if (cc == NULL || sc == NULL) {
		ok(0, "%s: contexts", what);
		tls_ctx_free(cc);
		tls_ctx_free(sc);
		return;
	}
	session(&cl, cc, host, &sv, sc, 0);
	s = who == 0 ? &cl : &sv;
	ok(s->state == -1 && s->st.code == SC_EX_PROTOCOL &&
	    strstr(s->st.msg, want) != NULL, "%s: %s (76)", what, s->st.msg);
	ok(ERR_peek_error() == 0, "%s: OpenSSL's error queue is empty after",
	    what);
	side_free(&cl);
	side_free(&sv);
	tls_ctx_free(cc);
	tls_ctx_free(sc);
}

/* A client against a server: the handshake must succeed, then 1 MiB
 * each way; describe lines must hold cwant and swant. */
static void
expect_ok(const char *what, struct tls_ctx *cc, const char *host,
    struct tls_ctx *sc, const char *cwant, const char *swant)
{
	struct side	cl, sv;
	struct flow	up = { 0 }, down = { 0 };
	char		cd[TLS_DESCRIBE_LEN], sd[TLS_DESCRIBE_LEN];

	if (cc == NULL || sc == NULL) {
		ok(0, "%s: contexts", what);
		tls_ctx_free(cc);
		tls_ctx_free(sc);
		return;
	}
	if (session(&cl, cc, host, &sv, sc, 0) < 0) {
		ok(0, "%s: handshake", what);
	} else {
		tls_conn_describe(cl.c, cd, sizeof cd);
		tls_conn_describe(sv.c, sd, sizeof sd);
		ok(strstr(cd, cwant) != NULL && strstr(sd, swant) != NULL,
		    "%s: client: %s; server: %s", what, cd, sd);
		up.total = down.total = 1 << 20;
		up.close_after = down.close_after = 1;
		ok(transfer(&cl, &up, &sv, &down) == 0,
		    "%s: 1 MiB each way, close_notify both ways", what);
	}
	side_free(&cl);
	side_free(&sv);
	tls_ctx_free(cc);
	tls_ctx_free(sc);
}

static void
test_usage(void)
{
	static const struct { int id; const char *v; const char *want; } bad[] = {
		{ OPT_PIN, "sha256:00", "64 hex digits" },
		{ OPT_PIN, "md5:00112233445566778899aabbccddeeff", "sha256:" },
		{ OPT_PIN, "sha256:zz112233445566778899aabbccddeeff"
		    "00112233445566778899aabbccddeeff", "not a hex digit" },
		{ OPT_PIN, "SHA256:00112233445566778899aabbccddeeff"
		    "00112233445566778899aabbccddeeff", "sha256:" },
		{ OPT_PIN, "", "--pin" },
		{ OPT_TLS_MIN, "1.1", "1.2 or 1.3" },
		{ OPT_TLS_MIN, "1.3x", "1.2 or 1.3" },
		{ OPT_ALPN, "", "empty protocol" },
		{ OPT_ALPN, "h2,,http/1.1", "empty protocol" },
		{ OPT_ALPN, "h2,", "empty protocol" },
		{ OPT_CAFILE, "", "empty value" },
		{ OPT_CERT, "", "empty value" },
		{ OPT_SNI, "a b", "not a host name" },
		{ OPT_SNI, "", "empty host" },
		{ OPT_SNI, "[::1", "unbalanced brackets" },
	};
	struct tls_opts	 t;
	struct status	 st;
	char		 longname[300];
	size_t		 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		tls_opts_init(&t);
		ok(tls_opt(&t, bad[i].id, bad[i].v, &st) < 0 &&
		    st.code == SC_EX_USAGE && strstr(st.msg, bad[i].want),
		    "bad value '%s': %s", bad[i].v, st.msg);
	}
	memset(longname, 'a', 256);
	longname[256] = '\0';
	tls_opts_init(&t);
	ok(tls_opt(&t, OPT_ALPN, longname, &st) < 0 && st.code == SC_EX_USAGE,
	    "an ALPN name of 256 bytes: %s", st.msg);
	for (i = 0; i < sizeof tls_ids / sizeof tls_ids[0]; i++) {
		tls_opts_init(&t);
		ok(tls_opt(&t, tls_ids[i], good_value(tls_ids[i]), &st) == 1,
		    "option %d takes '%s'", tls_ids[i],
		    good_value(tls_ids[i]));
	}
	tls_opts_init(&t);
	ok(tls_opt(&t, 'v', NULL, &st) == 0 && tls_opt(&t, OPT_CMD, "x",
	    &st) == 0, "other options are not TLS's");
	tls_opt(&t, OPT_PIN, good_value(OPT_PIN), &st);
	ok(t.have_pin && t.pin_sha256[0] == 0x00 && t.pin_sha256[31] == 0xff,
	    "--pin is parsed, either case");
	tls_opt(&t, OPT_TLS_MIN, "1.2", &st);
	ok(t.min_version == TLS1_2_VERSION, "--tls-min 1.2");
}

/* tls_opts_check must refuse these options (NULL-ended) with want. */
#define CHECK_FAILS(what, server, want, ...) \
	check_fails((what), (server), (want), WORDS(__VA_ARGS__))

static void
check_fails(const char *what, int server, const char *want,
    const char *const *words)
{
	struct tls_opts	t;
	struct status	st;

	opts_set(&t, words);
	status_clear(&st);
	ok(tls_opts_check(&t, server, &st) < 0 && st.code == SC_EX_USAGE &&
	    strstr(st.msg, want) != NULL, "%s: %s", what, st.msg);
	ok(ERR_peek_error() == 0, "%s: OpenSSL's error queue is empty", what);
}

static void
test_check(void)
{
	struct tls_opts	t;
	struct status	st;

	tls_opts_init(&t);
	tls_opt(&t, OPT_CAFILE, cpath("ca.crt"), &st);
	ok(tls_opts_check(&t, 0, &st) < 0 && st.code == SC_EX_USAGE &&
	    strstr(st.msg, "--cafile needs --tls"), "TLS option without "
	    "--tls: %s", st.msg);
	tls_opts_init(&t);
	ok(tls_opts_check(&t, 1, &st) == 0, "no TLS option at all: fine");

	CHECK_FAILS("--cert without --key", 1, "--cert needs --key",
	    arg("cert", "good.crt"), NULL);
	CHECK_FAILS("--key without --cert", 0, "--key needs --cert",
	    arg("key", "good.key"), NULL);
	CHECK_FAILS("a server without a certificate", 1, "needs --cert",
	    NULL);
	CHECK_FAILS("--self-signed with --cert", 1, "exclude each other",
	    "self-signed", GOOD_SERVER, NULL);
	CHECK_FAILS("--pin on a server", 1, "--pin is for a TLS client",
	    "self-signed", pin_arg(read_pin("good")), NULL);
	CHECK_FAILS("--cafile on a server", 1, "--cafile is for a TLS client",
	    GOOD_SERVER, CA, NULL);
	CHECK_FAILS("--insecure on a server", 1, "--insecure is for",
	    "self-signed", "insecure", NULL);
	CHECK_FAILS("--self-signed on a client", 0, "--self-signed is for a "
	    "TLS server", "self-signed", NULL);
	CHECK_FAILS("--client-ca on a client", 0, "--client-ca is for a TLS "
	    "server", arg("client-ca", "ca.crt"), NULL);
	CHECK_FAILS("--insecure with --pin", 0, "exclude each other",
	    "insecure", pin_arg(read_pin("good")), NULL);
	CHECK_FAILS("a key that does not match its certificate", 1,
	    "does not match the certificate", arg("cert", "good.crt"),
	    arg("key", "client.key"), NULL);
	CHECK_FAILS("a client key that does not match", 0,
	    "does not match the certificate", arg("cert", "client.crt"),
	    arg("key", "good.key"), NULL);
	CHECK_FAILS("a missing certificate file", 1, "No such file or "
	    "directory", arg("cert", "missing.crt"), arg("key", "good.key"),
	    NULL);
	CHECK_FAILS("a missing key file", 1, "No such file or directory",
	    arg("cert", "good.crt"), arg("key", "missing.key"), NULL);
	CHECK_FAILS("a directory as --cert", 1, "Is a directory",
	    arg("cert", "cadir"), arg("key", "good.key"), NULL);
	CHECK_FAILS("a file that is no certificate", 1, "--cert",
	    arg("cert", "ext.cnf"), arg("key", "good.key"), NULL);
	CHECK_FAILS("a file that is no key", 1, "--key",
	    arg("cert", "good.crt"), arg("key", "good.crt"), NULL);
	CHECK_FAILS("an encrypted key: refused, no passphrase asked", 1,
	    "no usable unencrypted PEM private key", arg("cert", "good.crt"),
	    arg("key", "encrypted.key"), NULL);
	CHECK_FAILS("a --cafile that is no certificate", 0, "--cafile",
	    arg("cafile", "ext.cnf"), NULL);
	CHECK_FAILS("a missing --cafile", 0, "No such file",
	    arg("cafile", "missing.crt"), NULL);
	CHECK_FAILS("a missing --client-ca", 1, "No such file", GOOD_SERVER,
	    arg("client-ca", "missing.crt"), NULL);
	CHECK_FAILS("a --client-ca that is no certificate", 1, "--client-ca",
	    GOOD_SERVER, arg("client-ca", "ext.cnf"), NULL);
	CHECK_FAILS("/dev/null as --cert", 1, "not a regular file",
	    "cert=/dev/null", arg("key", "good.key"), NULL);

	OPTS_SET(&t, GOOD_SERVER, arg("client-ca", "ca.crt"), NULL);
	ok(tls_opts_check(&t, 1, &st) == 0, "server --cert --key "
	    "--client-ca: fine");
	OPTS_SET(&t, arg("cafile", "cadir"), arg("cert", "client.crt"),
	    arg("key", "client.key"), NULL);
	ok(tls_opts_check(&t, 0, &st) == 0, "client --cafile DIR --cert "
	    "--key: fine");
	OPTS_SET(&t, arg("cert", "chain.crt"), arg("key", "leaf.key"), NULL);
	ok(tls_opts_check(&t, 1, &st) == 0, "a chain file: fine");
}

static void
test_pins(void)
{
	struct tls_ctx	*c;
	const char	*p;

	c = SERVER(GOOD_SERVER, NULL);
	p = c != NULL ? tls_ctx_pin(c) : NULL;
	ok(p != NULL && strcmp(p, read_pin("good")) == 0, "a server's pin is "
	    "what openssl computes for its SPKI: %s", p != NULL ? p : "-");
	tls_ctx_free(c);
	c = SERVER(arg("cert", "chain.crt"), arg("key", "leaf.key"), NULL);
	p = c != NULL ? tls_ctx_pin(c) : NULL;
	ok(p != NULL && strcmp(p, read_pin("leaf")) == 0, "a chain's pin is "
	    "its leaf's");
	tls_ctx_free(c);
	c = SERVER("self-signed", NULL);
	p = c != NULL ? tls_ctx_pin(c) : NULL;
	ok(p != NULL && strncmp(p, "sha256:", 7) == 0 && strlen(p) == 71,
	    "--self-signed has a pin: %s", p != NULL ? p : "-");
	tls_ctx_free(c);
	c = CLIENT(CA, NULL);
	ok(c != NULL && tls_ctx_pin(c) == NULL, "a client without --cert "
	    "has no pin");
	tls_ctx_free(c);
}

static void
test_verify(void)
{
	struct tls_ctx	*sc;
	char		 wrongpin[TLS_PIN_STRLEN + 8];

	/* --self-signed and --pin: the ad-hoc case. */
	sc = SERVER("self-signed", NULL);
	expect_ok("self-signed server, client with its pin",
	    CLIENT(pin_arg(sc != NULL ? tls_ctx_pin(sc) : "x"), NULL),
	    "localhost", sc, "pin sha256:", "no client certificate");

	sc = SERVER("self-signed", NULL);
	snprintf(wrongpin, sizeof wrongpin, "%s", read_pin("good"));
	expect_fail("self-signed server, client with another pin",
	    CLIENT(pin_arg(wrongpin), NULL), "localhost", sc, 0,
	    "certificate pin mismatch");

	/* The message names both pins. */
	{
		struct side	 cl, sv;
		struct tls_ctx	*cc = CLIENT(pin_arg(read_pin("wrong")), CA,
				    NULL);

		sc = SERVER(GOOD_SERVER, NULL);
		session(&cl, cc, "localhost", &sv, sc, 0);
		ok(cl.state == -1 && strstr(cl.st.msg, read_pin("good")) &&
		    strstr(cl.st.msg, read_pin("wrong")), "a pin mismatch "
		    "names both pins, and refuses a CA-signed certificate: "
		    "%s", cl.st.msg);
		side_free(&cl);
		side_free(&sv);
		tls_ctx_free(cc);
		tls_ctx_free(sc);
	}

	expect_fail("self-signed server, client with the system's CAs",
	    CLIENT(NULL), "localhost", SERVER("self-signed", NULL), 0,
	    "certificate verify failed: self-signed certificate");
	expect_fail("CA-signed server, client with the system's CAs",
	    CLIENT(NULL), "localhost", SERVER(GOOD_SERVER, NULL), 0,
	    "certificate verify failed: unable to get local issuer");
	expect_ok("CA-signed server, --cafile", CLIENT(CA, NULL),
	    "localhost", SERVER(GOOD_SERVER, NULL),
	    "peer CN=localhost, pin sha256:", "SNI localhost");
	expect_ok("CA-signed server, --cafile a hashed directory",
	    CLIENT(arg("cafile", "cadir"), NULL), "localhost",
	    SERVER(GOOD_SERVER, NULL), "TLSv1.3", "TLSv1.3");
	expect_ok("a server sends its chain (leaf + intermediate)",
	    CLIENT(CA, NULL), "localhost",
	    SERVER(arg("cert", "chain.crt"), arg("key", "leaf.key"), NULL),
	    "TLSv1.3", "TLSv1.3");
	expect_fail("a server without its intermediate", CLIENT(CA, NULL),
	    "localhost", SERVER(arg("cert", "leaf.crt"),
	    arg("key", "leaf.key"), NULL), 0, "unable to get local issuer");
	expect_fail("wrong host name", CLIENT(CA, NULL), "localhost",
	    SERVER(arg("cert", "wrong.crt"), arg("key", "wrong.key"), NULL),
	    0, "certificate verify failed: hostname mismatch");
	expect_fail("a name the certificate lacks", CLIENT(CA, NULL),
	    "other.example", SERVER(GOOD_SERVER, NULL), 0,
	    "certificate verify failed: hostname mismatch");
	expect_ok("--sni overrides the name checked and sent",
	    CLIENT(CA, "sni=localhost", NULL), "127.0.0.2",
	    SERVER(GOOD_SERVER, NULL), "TLSv1.3", "SNI localhost");
	expect_fail("--sni names what is checked",
	    CLIENT(CA, "sni=wrong.example", NULL), "localhost",
	    SERVER(GOOD_SERVER, NULL), 0, "hostname mismatch");
	expect_fail("expired certificate", CLIENT(CA, NULL), "localhost",
	    SERVER(arg("cert", "expired.crt"), arg("key", "expired.key"),
	    NULL), 0, "certificate verify failed: certificate has expired");
	expect_ok("IPv4 literal checked as an IP SAN",
	    CLIENT(CA, NULL), "127.0.0.1", SERVER(GOOD_SERVER, NULL),
	    "peer CN=localhost", "no client certificate");
	{
		struct side	 cl, sv;
		struct tls_ctx	*cc = CLIENT(CA, NULL);
		char		 d[TLS_DESCRIBE_LEN] = "";

		sc = SERVER(GOOD_SERVER, NULL);
		if (session(&cl, cc, "127.0.0.1", &sv, sc, 0) == 0)
			tls_conn_describe(sv.c, d, sizeof d);
		ok(d[0] != '\0' && strstr(d, "SNI") == NULL, "an IP literal "
		    "sends no SNI: server: %s", d);
		side_free(&cl);
		side_free(&sv);
		tls_ctx_free(cc);
		tls_ctx_free(sc);
	}
	expect_ok("IPv6 literal in brackets checked as an IP SAN",
	    CLIENT(CA, NULL), "[::1]", SERVER(GOOD_SERVER, NULL), "TLSv1.3",
	    "TLSv1.3");
	expect_fail("an IP literal the certificate lacks", CLIENT(CA, NULL),
	    "127.0.0.2", SERVER(GOOD_SERVER, NULL), 0,
	    "certificate verify failed: IP address mismatch");
	expect_ok("--pin accepts its key whatever the names",
	    CLIENT(pin_arg(read_pin("wrong")), NULL), "localhost",
	    SERVER(arg("cert", "wrong.crt"), arg("key", "wrong.key"), NULL),
	    "CN=wrong.example", "TLSv1.3");
	expect_ok("--pin accepts its key whatever the dates",
	    CLIENT(pin_arg(read_pin("expired")), NULL), "localhost",
	    SERVER(arg("cert", "expired.crt"), arg("key", "expired.key"),
	    NULL), "TLSv1.3", "TLSv1.3");
	expect_ok("--pin of a leaf behind an intermediate, no CA given",
	    CLIENT(pin_arg(read_pin("leaf")), NULL), "localhost",
	    SERVER(arg("cert", "chain.crt"), arg("key", "leaf.key"), NULL),
	    "TLSv1.3", "TLSv1.3");
	expect_ok("--insecure accepts anything and says so",
	    CLIENT("insecure", NULL), "localhost",
	    SERVER("self-signed", NULL), "not verified", "TLSv1.3");
	{
		struct status	 st;
		struct tls_ctx	*cc = CLIENT(CA, NULL);
		int		 fd[2];

		nonblock_pair(fd);
		ok(cc != NULL && tls_conn_new(cc, fd[0], NULL, &st) == NULL &&
		    st.code == SC_EX_USAGE && strstr(st.msg, "--sni"),
		    "a verifying client needs a host name: %s", st.msg);
		close(fd[0]);
		close(fd[1]);
		tls_ctx_free(cc);
	}
}

static void
test_mutual(void)
{
	struct side	 cl, sv;
	struct tls_ctx	*cc, *sc;
	char		 buf[64];
	ssize_t		 n;

	expect_ok("mutual TLS: --client-ca and a client certificate",
	    CLIENT(CA, arg("cert", "client.crt"), arg("key", "client.key"),
	    NULL), "localhost",
	    SERVER(GOOD_SERVER, arg("client-ca", "ca.crt"), NULL),
	    "peer CN=localhost", "peer CN=sockcat-client, pin sha256:");

	/* TLS 1.3: the client's handshake is over before the refusal. */
	cc = CLIENT(CA, NULL);
	sc = SERVER(GOOD_SERVER, arg("client-ca", "ca.crt"), NULL);
	session(&cl, cc, "localhost", &sv, sc, 0);
	ok(sv.state == -1 && sv.st.code == SC_EX_PROTOCOL &&
	    strstr(sv.st.msg, "sent no certificate"),
	    "mutual TLS without a client certificate: server: %s", sv.st.msg);
	n = cl.state == 0 ? read_wait(&cl, buf, sizeof buf) : 0;
	ok(n < 0 && cl.st.code == SC_EX_PROTOCOL &&
	    strstr(cl.st.msg, "certificate required"),
	    "... the client's first read says why (76): %s", cl.st.msg);
	side_free(&cl);
	side_free(&sv);
	tls_ctx_free(cc);
	tls_ctx_free(sc);

	cc = CLIENT(CA, arg("cert", "other-client.crt"),
	    arg("key", "other-client.key"), NULL);
	sc = SERVER(GOOD_SERVER, arg("client-ca", "ca.crt"), NULL);
	session(&cl, cc, "localhost", &sv, sc, 0);
	ok(sv.state == -1 && strstr(sv.st.msg, "client certificate verify "
	    "failed"), "a client certificate of another CA: server: %s",
	    sv.st.msg);
	n = cl.state == 0 ? read_wait(&cl, buf, sizeof buf) : 0;
	ok(n < 0 && cl.st.code == SC_EX_PROTOCOL, "... client: %s",
	    cl.st.msg);
	side_free(&cl);
	side_free(&sv);
	tls_ctx_free(cc);
	tls_ctx_free(sc);
}

static void
test_alpn_versions(void)
{
	struct side	 cl, sv;
	struct tls_ctx	*c;
	char		 d[TLS_DESCRIBE_LEN];

	expect_ok("ALPN: the server's choice among the client's offer",
	    CLIENT(CA, "alpn=h2,http/1.1", NULL), "localhost",
	    SERVER(GOOD_SERVER, "alpn=http/1.1", NULL), "ALPN http/1.1",
	    "ALPN http/1.1");
	expect_ok("ALPN: the server's preference wins",
	    CLIENT(CA, "alpn=http/1.1,h2", NULL), "localhost",
	    SERVER(GOOD_SERVER, "alpn=h2,http/1.1", NULL), "ALPN h2",
	    "ALPN h2");
	expect_fail("ALPN: nothing in common", CLIENT(CA, "alpn=h3", NULL),
	    "localhost", SERVER(GOOD_SERVER, "alpn=h2", NULL), 0,
	    "no application protocol");
	expect_ok("TLS 1.3 by default, no ALPN when none offered",
	    CLIENT(CA, NULL), "localhost",
	    SERVER(GOOD_SERVER, "alpn=h2", NULL), "TLSv1.3", "TLSv1.3");

	/* Raw peers limited to TLS 1.2. */
	c = CLIENT(CA, "tls-min=1.3", NULL);
	session(&cl, c, "localhost", &sv, NULL, 0);
	side_raw(&sv, 1, TLS1_2_VERSION);
	handshake(&cl, &sv);
	ok(cl.state == -1 && cl.st.code == SC_EX_PROTOCOL &&
	    strstr(cl.st.msg, "protocol version"), "--tls-min 1.3 against a "
	    "TLS 1.2 server: %s", cl.st.msg);
	side_free(&cl);
	side_free(&sv);
	tls_ctx_free(c);

	c = CLIENT(CA, NULL);
	session(&cl, c, "localhost", &sv, NULL, 0);
	side_raw(&sv, 1, TLS1_2_VERSION);
	d[0] = '\0';
	if (handshake(&cl, &sv) == 0)
		tls_conn_describe(cl.c, d, sizeof d);
	ok(strstr(d, "TLSv1.2 ") != NULL, "a TLS 1.2 server by default: %s",
	    cl.state == 0 ? d : cl.st.msg);
	side_free(&cl);
	side_free(&sv);
	tls_ctx_free(c);

	c = SERVER(GOOD_SERVER, "tls-min=1.3", NULL);
	session(&cl, NULL, NULL, &sv, c, 0);
	side_raw(&cl, 0, TLS1_2_VERSION);
	handshake(&cl, &sv);
	ok(sv.state == -1 && sv.st.code == SC_EX_PROTOCOL &&
	    strstr(sv.st.msg, "unsupported protocol"), "a --tls-min 1.3 "
	    "server against a TLS 1.2 client: %s", sv.st.msg);
	side_free(&cl);
	side_free(&sv);
	tls_ctx_free(c);
}

/* A pinned client and a --self-signed server, connected (tcp or not). */
static int
pinned_session(struct side *cl, struct side *sv, struct tls_ctx **cc,
    struct tls_ctx **sc, int tcp)
{
	side_init(cl, "client", -1);
	side_init(sv, "server", -1);
	*sc = SERVER("self-signed", NULL);
	*cc = *sc != NULL ? CLIENT(pin_arg(tls_ctx_pin(*sc)), NULL) : NULL;
	if (*cc == NULL)
		return -1;
	return session(cl, *cc, "localhost", sv, *sc, tcp);
}

static void
pinned_free(struct side *cl, struct side *sv, struct tls_ctx *cc,
    struct tls_ctx *sc)
{
	side_free(cl);
	side_free(sv);
	tls_ctx_free(cc);
	tls_ctx_free(sc);
}

static void
test_half_close(void)
{
	struct side	 cl, sv;
	struct tls_ctx	*cc, *sc;
	struct flow	 up = { 0 }, down = { 0 };
	int		 r;

	/*
	 * Request/response over loopback TCP: the client sends its
	 * request, close_notify and FIN; only then does the server send
	 * 16 MiB, and its close_notify.
	 */
	if (pinned_session(&cl, &sv, &cc, &sc, 1) < 0) {
		ok(0, "half-close: handshake");
		return;
	}
	up.total = 6;
	up.close_after = 1;
	down.total = 16u << 20;
	down.after_eof = 1;
	down.close_after = 1;
	r = transfer(&cl, &up, &sv, &down);
	ok(r == 0 && up.got == 6 && down.got == 16u << 20, "TLS 1.3 "
	    "half-close: a 6-byte request, close_notify, then a 16 MiB "
	    "response arrives whole (%zu bytes)", down.got);
	ok(up.max_write <= TLS_RECORD_MAX &&
	    down.max_write <= 2 * TLS_RECORD_MAX && down.max_write > 0,
	    "writes are partial: a record, two after an EAGAIN (largest %d)",
	    down.max_write);
	pinned_free(&cl, &sv, cc, sc);

	/* Both ways at once, 4 MiB each, over a socketpair. */
	if (pinned_session(&cl, &sv, &cc, &sc, 0) < 0) {
		ok(0, "both ways: handshake");
		return;
	}
	memset(&up, 0, sizeof up);
	memset(&down, 0, sizeof down);
	up.total = down.total = 4u << 20;
	up.close_after = down.close_after = 1;
	ok(transfer(&cl, &up, &sv, &down) == 0, "4 MiB each way at once, "
	    "then close_notify each way");
	pinned_free(&cl, &sv, cc, sc);
}

static void
test_eof_errors(void)
{
	struct side	 cl, sv;
	struct tls_ctx	*cc, *sc;
	struct linger	 lg = { 1, 0 };
	char		 buf[4096];
	ssize_t		 n, n2;
	int		 want;

	/* A TCP EOF without close_notify, after some data. */
	if (pinned_session(&cl, &sv, &cc, &sc, 1) == 0) {
		write_all(&sv, "hello", 5);
		shutdown(sv.fd, SHUT_WR);
		n = read_wait(&cl, buf, sizeof buf);
		n2 = read_wait(&cl, buf, sizeof buf);
		ok(n == 5 && n2 < 0 && errno == EPROTO &&
		    cl.st.code == SC_EX_FAIL && strcmp(cl.st.msg,
		    "connection ended without TLS close_notify") == 0,
		    "EOF without close_notify: the data, then status 1: %s",
		    cl.st.msg);
	} else
		ok(0, "EOF without close_notify: handshake");
	pinned_free(&cl, &sv, cc, sc);

	/* A close_notify is a clean EOF, every time it is asked. */
	if (pinned_session(&cl, &sv, &cc, &sc, 0) == 0) {
		while (tls_conn_close_notify(sv.c, &want, &sv.st) == 1)
			;
		n = read_wait(&cl, buf, sizeof buf);
		n2 = read_wait(&cl, buf, sizeof buf);
		ok(n == 0 && n2 == 0, "close_notify reads as 0, and again");
		ok(tls_conn_close_notify(sv.c, &want, &sv.st) == 0,
		    "a second close_notify call is 0 at once");
		ok(write_all(&sv, "x", 1) < 0 && sv.st.code == SC_EX_FAIL,
		    "no write after close_notify: %s", sv.st.msg);
	} else
		ok(0, "close_notify: handshake");
	pinned_free(&cl, &sv, cc, sc);

	/* A reset. */
	if (pinned_session(&cl, &sv, &cc, &sc, 1) == 0) {
		setsockopt(sv.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		close(sv.fd);
		sv.fd = -1;
		n = read_wait(&cl, buf, sizeof buf);
		ok(n < 0 && errno == ECONNRESET && cl.st.code == SC_EX_FAIL &&
		    strcmp(cl.st.msg, strerror(ECONNRESET)) == 0,
		    "a reset: status 1, %s", cl.st.msg);
	} else
		ok(0, "reset: handshake");
	pinned_free(&cl, &sv, cc, sc);

	/* A write to a gone peer: EPIPE, and no SIGPIPE (MSG_NOSIGNAL). */
	if (pinned_session(&cl, &sv, &cc, &sc, 0) == 0) {
		close(sv.fd);
		sv.fd = -1;
		ok(write_all(&cl, "x", 1) < 0 && errno == EPIPE &&
		    cl.st.code == SC_EX_FAIL, "a write to a gone peer: EPIPE, "
		    "no SIGPIPE: %s", cl.st.msg);
	} else
		ok(0, "EPIPE: handshake");
	pinned_free(&cl, &sv, cc, sc);

	/* A peer that closes during the handshake. */
	cc = CLIENT("insecure", NULL);
	session(&cl, cc, "localhost", &sv, NULL, 0);
	close(sv.fd);
	sv.fd = -1;
	sv.state = 0;
	handshake(&cl, &sv);
	ok(cl.state == -1 && cl.st.code == SC_EX_PROTOCOL &&
	    strstr(cl.st.msg, "closed the connection"), "a peer that closes "
	    "during the handshake: %s", cl.st.msg);
	side_free(&cl);
	tls_ctx_free(cc);

	/* A peer that does not speak TLS. */
	cc = CLIENT("insecure", NULL);
	session(&cl, cc, "localhost", &sv, NULL, 0);
	n = write(sv.fd, "HTTP/1.0 400 Bad Request\r\n\r\n", 28);
	shutdown(sv.fd, SHUT_WR);
	sv.state = 0;
	handshake(&cl, &sv);
	ok(n == 28 && cl.state == -1 && cl.st.code == SC_EX_PROTOCOL &&
	    strstr(cl.st.msg, "is the peer speaking TLS?"),
	    "a peer that is not TLS: %s", cl.st.msg);
	side_free(&cl);
	side_free(&sv);
	tls_ctx_free(cc);
}

static void
test_pending(void)
{
	struct side	 cl, sv;
	struct tls_ctx	*cc, *sc;
	static char	 big[5 * TLS_RECORD_MAX];
	char		 buf[TLS_RECORD_MAX];
	struct pollfd	 p;
	size_t		 got = 0;
	ssize_t		 n;
	int		 want, reads = 0;

	if (pinned_session(&cl, &sv, &cc, &sc, 0) < 0) {
		ok(0, "pending: handshake");
		return;
	}
	/* 1000 bytes, read 10: the other 990 are pending. */
	write_all(&sv, big, 1000);
	n = read_wait(&cl, buf, 10);
	ok(n == 10 && tls_conn_pending(cl.c) == 990, "after a short read "
	    "the rest of the record is pending (%zu)",
	    tls_conn_pending(cl.c));
	n = tls_conn_read(cl.c, buf, sizeof buf, &want, &cl.st);
	ok(n == 990, "... and is read without waiting (%zd)", n);
	n = tls_conn_read(cl.c, buf, sizeof buf, &want, &cl.st);
	ok(n < 0 && errno == EAGAIN && want == LOOP_READ &&
	    tls_conn_pending(cl.c) == 0, "then EAGAIN, wanting READ, nothing "
	    "pending");

	/*
	 * Five whole records sent before the client reads: read-ahead takes
	 * several in one recv(), and pending() must lead the reader to all
	 * of them with one socket event.
	 */
	write_all(&sv, big, sizeof big);
	p.fd = cl.fd;
	p.events = POLLIN;
	poll(&p, 1, 5000);
	do {
		n = tls_conn_read(cl.c, buf, sizeof buf, &want, &cl.st);
		if (n > 0)
			got += (size_t)n;
		reads++;
	} while (n > 0 && tls_conn_pending(cl.c) > 0);
	ok(got == sizeof big, "five records after one poll, following "
	    "pending() (%zu bytes in %d reads)", got, reads);
	pinned_free(&cl, &sv, cc, sc);
}

static void
test_full_socket(void)
{
	struct side	 cl, sv;
	struct tls_ctx	*cc, *sc;
	int		 want = 0;
	ssize_t		 n = 0;
	size_t		 sent = 0;
	struct flow	 up = { 0 }, down = { 0 };

	if (pinned_session(&cl, &sv, &cc, &sc, 0) < 0) {
		ok(0, "full socket: handshake");
		return;
	}
	/* Write until the socket is full: EAGAIN wanting WRITE. */
	while (sent < SRC_LEN) {
		n = tls_conn_write(cl.c, srcbuf[0] + sent, 64 * 1024, &want,
		    &cl.st);
		if (n < 0)
			break;
		sent += (size_t)n;
	}
	ok(n < 0 && errno == EAGAIN && want == LOOP_WRITE, "a full socket: "
	    "EAGAIN wanting WRITE after %zu bytes", sent);
	/* The rest through the transfer loop, from the other copy. */
	up.total = 8u << 20;
	up.sent = sent;
	up.close_after = 1;
	up.wwant = LOOP_WRITE;
	down.close_after = 1;
	ok(transfer(&cl, &up, &sv, &down) == 0, "the retry with the same "
	    "bytes at another address goes on, 8 MiB arrive intact");
	pinned_free(&cl, &sv, cc, sc);
}

/* A failure leaves nothing behind for the next connection. */
static void
test_isolation(void)
{
	struct tls_ctx	*sc = SERVER(GOOD_SERVER, NULL);
	struct tls_ctx	*bad = CLIENT(NULL), *good = CLIENT(CA, NULL);
	struct side	 c1, s1, c2, s2;

	session(&c1, bad, "localhost", &s1, sc, 0);
	ok(c1.state == -1 && ERR_peek_error() == 0, "after a failed "
	    "handshake the error queue is empty");
	ok(session(&c2, good, "localhost", &s2, sc, 0) == 0 &&
	    c2.st.msg[0] == '\0' && s2.st.msg[0] == '\0', "the next "
	    "session on the same server context is clean");
	side_free(&c1);
	side_free(&s1);
	side_free(&c2);
	side_free(&s2);
	tls_ctx_free(bad);
	tls_ctx_free(good);
	tls_ctx_free(sc);
}

/* Run argv[0] with argv, wait for it: its exit status, or -1. */
static int
run(char *const argv[])
{
	pid_t	pid = fork();
	int	status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int
rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static int
make_certs(void)
{
	const char	*src = getenv("SC_SRCDIR");
	const char	*given = getenv("SC_TLS_CERTS");
	char		 script[512];
	char		*argv[4];

	if (given != NULL && given[0] != '\0') {
		snprintf(certdir, sizeof certdir, "%.60s", given);
		return 0;
	}
	if (src == NULL || src[0] == '\0')
		src = SC_SRCDIR_DEFAULT;
	snprintf(certdir, sizeof certdir, "/tmp/sc-tls.XXXXXX");
	if (mkdtemp(certdir) == NULL) {
		perror("mkdtemp");
		return -1;
	}
	snprintf(script, sizeof script, "%s/tests/helpers/tls-certs.sh", src);
	argv[0] = (char *)(uintptr_t)"sh";
	argv[1] = script;
	argv[2] = certdir;
	argv[3] = NULL;
	if (run(argv) != 0) {
		fprintf(stderr, "unit-tls: sh %s %s failed\n", script, certdir);
		return -1;
	}
	return 0;
}

int
main(void)
{
	size_t	i;

	if (make_certs() < 0) {
		printf("Bail out! cannot make the test certificates\n");
		return 1;
	}
	for (i = 0; i < 2; i++) {
		size_t j;

		if ((srcbuf[i] = malloc(SRC_LEN)) == NULL)
			return 1;
		for (j = 0; j < SRC_LEN; j++)
			srcbuf[i][j] = pattern(j);
	}
	test_usage();
	test_check();
	test_pins();
	test_verify();
	test_mutual();
	test_alpn_versions();
	test_half_close();
	test_eof_errors();
	test_pending();
	test_full_socket();
	test_isolation();
	free(srcbuf[0]);
	free(srcbuf[1]);
	if (getenv("SC_TLS_CERTS") == NULL &&
	    nftw(certdir, rm_one, 8, FTW_DEPTH | FTW_PHYS) != 0)
		diag("could not remove %s", certdir);
	printf("1..%d\n", ntest);
	return nfail != 0;
}

#endif /* HAVE_TLS */
