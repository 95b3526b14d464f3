/* tlslayer.c: tls.h's sessions as a layer of the relay engine. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "tlslayer.h"

struct tlslayer {
	struct tls_conn		*conn;
	tlslayer_ready_cb	 ready;
	void			*arg;
	int			 told;	/* ready has been called */
	char			*name;	/* tlslayer_open()'s peer, for -v */
	void			 (*hook)(void *);	/* ... and its ready */
	void			*hook_arg;
};

static int
tlslayer_handshake(void *ctx, int *want, struct status *st)
{
	struct tlslayer	*t = ctx;
	int		 rc;

	rc = tls_conn_handshake(t->conn, want, st);
	if (rc == 0 && !t->told) {
		t->told = 1;
		if (t->ready != NULL)
			t->ready(t->conn, t->arg);
	}
	return rc;
}

static ssize_t
tlslayer_read(void *ctx, void *buf, size_t n, int *want, struct status *st)
{
	struct tlslayer	*t = ctx;

	return tls_conn_read(t->conn, buf, n, want, st);
}

static ssize_t
tlslayer_write(void *ctx, const void *buf, size_t n, int *want,
    struct status *st)
{
	struct tlslayer	*t = ctx;

	return tls_conn_write(t->conn, buf, n, want, st);
}

static int
tlslayer_close_notify(void *ctx, int *want, struct status *st)
{
	struct tlslayer	*t = ctx;

	return tls_conn_close_notify(t->conn, want, st);
}

static size_t
tlslayer_pending(void *ctx)
{
	const struct tlslayer	*t = ctx;

	return tls_conn_pending(t->conn);
}

const struct pair_layer tlslayer_ops = {
	"TLS",
	tlslayer_handshake,
	tlslayer_read,
	tlslayer_write,
	tlslayer_close_notify,
	tlslayer_pending
};

struct tlslayer *
tlslayer_new(struct tls_ctx *c, int fd, const char *host,
    tlslayer_ready_cb ready, void *arg, struct status *st)
{
	struct tlslayer	*t;

	t = calloc(1, sizeof *t);
	if (t == NULL) {
		status_set(st, SC_EX_SOFTWARE, "TLS: out of memory");
		return NULL;
	}
	t->conn = tls_conn_new(c, fd, host, st);
	if (t->conn == NULL) {
		free(t);
		return NULL;
	}
	t->ready = ready;
	t->arg = arg;
	return t;
}

struct tls_conn *
tlslayer_conn(const struct tlslayer *t)
{
	return t->conn;
}

void
tlslayer_free(struct tlslayer *t)
{
	if (t == NULL)
		return;
	tls_conn_free(t->conn);
	free(t->name);
	free(t);
}

/* The handshake is done: say with what, at -v, as the commands do. */
static void
tlslayer_log_ready(struct tls_conn *conn, void *arg)
{
	struct tlslayer	*t = arg;
	char		 buf[TLS_DESCRIBE_LEN];

	log_info(LOG_VERBOSE, "TLS with %s: %s", t->name,
	    tls_conn_describe(conn, buf, sizeof buf));
	if (t->hook != NULL)
		t->hook(t->hook_arg);
}

void *
tlslayer_open(void *arg, int fd, const char *host, const char *name,
    void (*ready)(void *), void *ready_arg, struct status *st)
{
	struct tlslayer	*t;

	t = tlslayer_new(arg, fd, host, NULL, NULL, st);
	if (t == NULL)
		return NULL;
	if ((t->name = strdup(name != NULL ? name : "")) == NULL) {
		tlslayer_free(t);
		status_set(st, SC_EX_SOFTWARE, "TLS: out of memory");
		return NULL;
	}
	t->ready = tlslayer_log_ready;
	t->arg = t;
	t->hook = ready;
	t->hook_arg = ready_arg;
	return t;
}

void
tlslayer_close(void *t)
{
	tlslayer_free(t);
}
