/*
 * dial.h: the client side's one connect, on the event loop: resolve
 * (resolve.h), then RFC 8305 Happy Eyeballs over the addresses, or a Unix
 * socket.  connect, udp-send (through sock_connect), wait, forward and the
 * proxy server all connect through here.
 *
 * - The addresses alternate between the families, starting with the
 *   family getaddrinfo put first (IPv6, IPv4, IPv6, ...).
 * - The next attempt starts DIAL_STAGGER_MS after the previous one when
 *   that has not finished, or at once when one fails; the first to
 *   connect wins and every other is closed.
 * - o->timeout_ms (-w; -1: none) bounds the whole, resolution included.
 * - Each socket is non-blocking and close-on-exec, bound to -s and
 *   --source-port first (only addresses of the source's family are
 *   tried), with o's socket options (sock_apply).
 * - When all fail, the error is the most telling one: refused over
 *   timeout over anything else over unreachable; it names the address.
 * - o->attempt, when set, is told of each attempt (sock.h).
 *
 * Nothing here prints or exits.
 */
#ifndef SC_DIAL_H
#define SC_DIAL_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "sock.h"
#include "status.h"

#define DIAL_STAGGER_MS	250	/* RFC 8305's Connection Attempt Delay */

struct dial;

/*
 * The outcome: fd, a connected, non-blocking, close-on-exec socket with
 * o's options, not watched by the loop, now the callee's; or -1 with st
 * (68, 69, 71, 75, 77 as SPEC says).  The dial is gone once this is
 * called.
 */
typedef void (*dial_cb)(void *arg, int fd, const struct status *st);

/*
 * Connect to host:port on l, or, with host NULL and o->unix_path set, to
 * that Unix socket (stream, seqpacket or datagram as o says).  o is
 * copied; none of its strings is needed after this returns.  cb runs
 * later from the loop, never from inside dial_start().  Returns the dial,
 * or NULL with st on a failure found at once (64 bad host or family, 71).
 */
struct dial *dial_start(struct loop *l, const struct sock_opts *o,
	    const char *host, uint16_t port, dial_cb cb, void *arg,
	    struct status *st);

/* Stop a dial whose callback has not run: every attempt is closed. */
void	dial_cancel(struct dial *d);

/*
 * The blocking form, for one-shot commands: dial_start() on a private
 * loop until it is done.  A Unix stream connect to a full backlog waits
 * in the kernel for room, within -w.  Returns a connected BLOCKING fd, or
 * -1 with st (a stop signal: errno EINTR, sig_pending() says which).
 */
int	dial_blocking(const struct sock_opts *o, const char *host,
	    uint16_t port, struct status *st);

/*
 * A line for a command's log: "connecting to [::1]:8009 (address 1 of
 * 2)", "[::1]:8009: Connection refused", "[::1]:8009: closed,
 * 127.0.0.1:8009 connected first", "connected to [::1]:8009".
 * Returns buf.
 */
const char *dial_attempt_str(const struct sock_attempt *a, char *buf,
	    size_t size);

#endif
