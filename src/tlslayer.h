/*
 * tlslayer.h: the TLS layer of tls.h as a layer of the relay engine
 * (pair.h), for any end that is a connected socket: listen and connect
 * --tls, and forward's two sides.  pair.c knows nothing of TLS; this is
 * the one place where the two meet.
 *
 * Usage, for one connection (fd connected, non-blocking or not):
 *	struct tlslayer *t = tlslayer_new(ctx, fd, host, ready, arg, &st);
 *	spec.layer = &tlslayer_ops;  spec.layer_ctx = t;
 *	... the pair runs, and ends ...
 *	pair_free(p); tlslayer_free(t); close(fd);
 *
 * The engine drives the handshake (tls_conn_handshake), reads, writes,
 * the close_notify of a half-close, and asks tls_conn_pending() before
 * waiting for the socket.  Failures come back in the reason-only words
 * of tls.h ("certificate verify failed: hostname mismatch", 76), which
 * the engine prefixes with the end's name.
 */
#ifndef SC_TLSLAYER_H
#define SC_TLSLAYER_H

#include "pair.h"
#include "status.h"
#include "tls.h"

/*
 * How long a handshake may take where no option says (a listener's: -w
 * is its accept timeout; a client without -w): a peer that connects and
 * then says nothing must not hold a session forever.
 */
#define TLSLAYER_HANDSHAKE_MS	10000

struct tlslayer;

/*
 * Called once, when the handshake has succeeded and before any byte is
 * relayed: what the owner says at -v (tls_conn_describe(conn, ...)).
 */
typedef void (*tlslayer_ready_cb)(struct tls_conn *conn, void *arg);

/* The engine's calls for a layer_ctx made by tlslayer_new(). */
extern const struct pair_layer tlslayer_ops;

/*
 * A TLS session of context c on fd (tls_conn_new(): host is the name a
 * client verifies and sends as SNI; NULL on a server), to be given to
 * the engine as layer_ctx with tlslayer_ops.  ready may be NULL.  The
 * descriptor stays the caller's.  Returns the layer, or NULL with st (64
 * for a client that has no name to verify, 70 out of memory).
 */
struct tlslayer *tlslayer_new(struct tls_ctx *c, int fd, const char *host,
	    tlslayer_ready_cb ready, void *arg, struct status *st);

/* The TLS session of t, for tls_conn_describe(). */
struct tls_conn *tlslayer_conn(const struct tlslayer *t);

/*
 * tlslayer_new() and tlslayer_free() for owners that keep layers as
 * void * (exec.h's struct exec_layer): arg is the struct tls_ctx; at the
 * end of the handshake -v says "TLS with NAME: ..." as the commands do,
 * then ready(ready_arg) is called.
 */
void	*tlslayer_open(void *arg, int fd, const char *host, const char *name,
	    void (*ready)(void *), void *ready_arg, struct status *st);
void	 tlslayer_close(void *t);

/*
 * Free t (NULL is fine) and its session, without sending anything; after
 * pair_free() of the pair that used it, before or after close(fd).
 */
void	tlslayer_free(struct tlslayer *t);

#endif
