/*
 * tls.h: TLS 1.2/1.3 on a connected non-blocking socket, through OpenSSL 3.
 * The handshake, certificate and host-name verification, SNI, ALPN and the
 * record layer are OpenSSL's; this module chooses the settings, drives the
 * calls without ever blocking, and turns OpenSSL's errors into one line.
 *
 * Objects and who owns what:
 *	struct tls_opts	 the options as typed, in the command's struct; the
 *			 strings point into argv.
 *	struct tls_ctx	 one SSL_CTX per side of a command (made once, after
 *			 the options, before any socket): trust store, own
 *			 certificate and key, ALPN, versions.  Free it after
 *			 every conn made from it.
 *	struct tls_conn	 one TLS session on one socket.  It never owns or
 *			 closes the descriptor: the caller does, after
 *			 tls_conn_free().
 *
 * Nothing here prints or exits.  On failure a function fills the caller's
 * struct status and returns -1 (NULL); st->msg is the reason alone
 * ("certificate verify failed: hostname mismatch"): the caller puts the
 * subject in front ("connect: example.org:443: ").  OpenSSL's error queue
 * is emptied before and after every call, so one connection's failure
 * never shows up in another's message.
 *
 * Non-blocking use: every tls_conn_* call that cannot finish returns with
 * errno EAGAIN (or 1) and sets *want to LOOP_READ or LOOP_WRITE: wait for
 * that on the socket, then make the same call again.  A read may want
 * LOOP_WRITE and a write LOOP_READ (TLS 1.2 renegotiation, a TLS 1.3 key
 * update): watch what *want says, not what the call's name suggests.
 *
 * Built --without-tls (no HAVE_TLS), the rows and functions still exist:
 * every TLS option is refused with "not built with TLS" (64), and no
 * context or connection can be made.
 */
#ifndef SC_TLS_H
#define SC_TLS_H

#include <sys/types.h>

#include <stddef.h>

#include "opt.h"
#include "status.h"

/* OpenSSL's protocol version numbers, for tls_opts.min_version. */
#ifndef TLS1_2_VERSION
#define TLS1_2_VERSION		0x0303
#endif
#ifndef TLS1_3_VERSION
#define TLS1_3_VERSION		0x0304
#endif

#define TLS_PIN_LEN		32	/* SHA-256 of the SPKI */
#define TLS_PIN_STRLEN		(7 + 2 * TLS_PIN_LEN + 1) /* "sha256:HEX" */
#define TLS_RECORD_MAX		16384	/* plaintext of the largest record:
					   read into at least this much */
#define TLS_ALPN_MAX		512	/* --alpn in wire format, at most */
#define TLS_DESCRIBE_LEN	512	/* room for tls_conn_describe() */

/* The TLS options of one side of a command; zero them (tls_opts_init). */
struct tls_opts {
	int		 tls;		/* --tls (or forward --to-tls) */
	const char	*cafile;	/* --cafile FILE|DIR */
	const char	*sni;		/* --sni NAME */
	const char	*pin;		/* --pin "sha256:HEX" as typed */
	const char	*alpn;		/* --alpn LIST as typed */
	const char	*cert;		/* --cert FILE */
	const char	*key;		/* --key FILE */
	const char	*client_ca;	/* --client-ca FILE */
	int		 insecure;	/* --insecure */
	int		 self_signed;	/* --self-signed */
	int		 min_version;	/* 0, TLS1_2_VERSION, TLS1_3_VERSION */
	unsigned char	 pin_sha256[TLS_PIN_LEN];	/* --pin, parsed */
	int		 have_pin;
};

/*
 * The option rows, one definition each for every command that takes
 * them; tls_opt() handles them.  The ids are in opt.h's enum.
 */
#define OPT_ROW_TLS	{ OPT_TLS, 0, "tls", OPT_ARG_NONE, NULL, \
	"speak TLS 1.2/1.3 on the connection" }
#define OPT_ROW_CAFILE	{ OPT_CAFILE, 0, "cafile", OPT_ARG_REQUIRED, "FILE", \
	"trust the CAs in FILE (PEM, or a hashed directory), not the system's" }
#define OPT_ROW_SNI	{ OPT_SNI, 0, "sni", OPT_ARG_REQUIRED, "NAME", \
	"the server name to send and verify (default: HOST)" }
#define OPT_ROW_PIN	{ OPT_PIN, 0, "pin", OPT_ARG_REQUIRED, "sha256:HEX", \
	"accept exactly the server key with this SHA-256 (SPKI), signed or not" }
#define OPT_ROW_INSECURE { OPT_INSECURE, 0, "insecure", OPT_ARG_NONE, NULL, \
	"do not verify the server's certificate (says so on stderr)" }
#define OPT_ROW_ALPN	{ OPT_ALPN, 0, "alpn", OPT_ARG_REQUIRED, "LIST", \
	"application protocols to offer or accept, comma-separated" }
#define OPT_ROW_CERT	{ OPT_CERT, 0, "cert", OPT_ARG_REQUIRED, "FILE", \
	"certificate (chain) to present, PEM" }
#define OPT_ROW_KEY	{ OPT_KEY, 0, "key", OPT_ARG_REQUIRED, "FILE", \
	"private key of --cert, PEM, unencrypted" }
#define OPT_ROW_SELF_SIGNED { OPT_SELF_SIGNED, 0, "self-signed", \
	OPT_ARG_NONE, NULL, \
	"serve a key and certificate made at start; print its --pin" }
#define OPT_ROW_CLIENT_CA { OPT_CLIENT_CA, 0, "client-ca", OPT_ARG_REQUIRED, \
	"FILE", "require client certificates signed by a CA in FILE" }
#define OPT_ROW_TLS_MIN	{ OPT_TLS_MIN, 0, "tls-min", OPT_ARG_REQUIRED, \
	"VERSION", "the lowest TLS version: 1.2 (default) or 1.3" }

struct tls_ctx;
struct tls_conn;

/* Zero t: no TLS, no option given. */
void	tls_opts_init(struct tls_opts *t);

/*
 * Handle one TLS option (the ids of the rows above) into t.  Values are
 * checked here: --pin (sha256: and 64 hex digits, either case), --alpn
 * (non-empty names of at most 255 bytes), --tls-min (1.2 or 1.3), and no
 * empty strings.  Returns 1 when id was a TLS option, 0 when it was not,
 * -1 with a usage status (64) on a bad value, or for any TLS option when
 * built without TLS ("not built with TLS").
 */
int	tls_opt(struct tls_opts *t, int id, const char *arg, struct status *st);

/*
 * Once all options are read, before any socket: the rules that need no
 * network.  TLS options without --tls; --cert without --key or the
 * reverse; a server (server 1: listen/forward --tls) without --cert/--key
 * or --self-signed, or with both; client-only options (--cafile, --sni,
 * --pin, --insecure) on a server and server-only ones (--self-signed,
 * --client-ca) on a client; --insecure with --pin or --cafile; a file
 * that cannot be read or holds no certificate (key); a key that does not
 * match its certificate.  Returns 0 (also when t->tls is 0 and nothing
 * else was given), or -1 with st code 64 and one line naming the option.
 * Without TLS: any TLS option is 64, "not built with TLS".
 */
int	tls_opts_check(struct tls_opts *t, int server, struct status *st);

/*
 * Make the context of one side from checked options (server 1: accept
 * TLS; 0: originate it).  A client verifies the server's chain against
 * the system's trust store (or --cafile) and its name (tls_conn_new),
 * unless --pin (then the key alone decides) or --insecure (nothing is
 * checked).  A server uses --cert/--key, or with --self-signed makes a
 * P-256 key and a certificate for localhost, 127.0.0.1 and ::1 in memory;
 * --client-ca requires client certificates.  TLS 1.2 at least (or
 * --tls-min); no session resumption on a server (each handshake is a full
 * one, and no ticket is sent).  Returns the context, or NULL with st (64
 * for a file that cannot be loaded, 70 out of memory).
 */
struct tls_ctx *tls_ctx_new(const struct tls_opts *t, int server,
	    struct status *st);

/*
 * "sha256:HEX" of the SPKI of the context's own certificate (a server's,
 * or a client's --cert), what a client gives to --pin; NULL when it has
 * none.  Valid as long as c.
 */
const char *tls_ctx_pin(const struct tls_ctx *c);

/* Free c (NULL is fine); every conn made from it must be freed first. */
void	tls_ctx_free(struct tls_ctx *c);

/*
 * A TLS session on fd, a connected non-blocking stream socket (or a
 * socketpair); the conn reads and writes it with recv/send (MSG_NOSIGNAL)
 * and never closes it.  Client: host (as typed, brackets allowed) is the
 * name to verify and to send as SNI; --sni overrides both; an IP literal
 * is verified against the certificate's IP addresses and sends no SNI.
 * A client that verifies needs a name: host NULL without --sni or --pin
 * is 64.  Server: host is ignored (NULL).  Returns the conn, or NULL with
 * st.  Call tls_conn_handshake() next.
 */
struct tls_conn *tls_conn_new(struct tls_ctx *c, int fd, const char *host,
	    struct status *st);

/*
 * Advance the handshake.  Returns 0 when it is done (call again: 0 at
 * once); 1 when it waits for the socket, *want LOOP_READ or LOOP_WRITE;
 * -1 when it failed, st code 76 with the reason in words:
 * "certificate verify failed: self-signed certificate",
 * "certificate verify failed: hostname mismatch", "certificate pin
 * mismatch: the server's key is sha256:..., --pin wants sha256:...",
 * "TLS handshake failed: tlsv1 alert protocol version", ...  OpenSSL has
 * then sent its alert; the caller closes the socket.  With --pin, exactly
 * the certificate whose SPKI SHA-256 matches is accepted, whoever signed
 * it and whatever its names and dates say; any other is refused.
 */
int	tls_conn_handshake(struct tls_conn *t, int *want, struct status *st);

/*
 * Read up to n (> 0; TLS_RECORD_MAX or more reads a whole record) bytes
 * of plaintext straight into buf.  Returns:
 *	> 0	that many bytes;
 *	0	the peer's close_notify: a clean EOF (again 0 on every
 *		later call); the write side is still open;
 *	-1	errno EAGAIN: nothing now, wait for *want and call again;
 *	-1	another errno with st: the session is broken.  st code 1
 *		("connection ended without TLS close_notify" for a TCP EOF
 *		without close_notify, errno EPROTO; "Connection reset by
 *		peer", errno ECONNRESET; "TLS: <OpenSSL's reason>", errno
 *		EPROTO), or 76 when the peer sent a fatal alert (in TLS 1.3
 *		a server refuses a client certificate only after the
 *		client's handshake has completed: the first read says so).
 * After > 0, tls_conn_pending() says whether to call again before
 * waiting.
 */
ssize_t	tls_conn_read(struct tls_conn *t, void *buf, size_t n, int *want,
	    struct status *st);

/*
 * Write up to n (> 0) bytes; returns how many were taken (a partial
 * write: one record of at most 16 KiB; the call after an EAGAIN counts
 * the record that waited too, so up to 32 KiB), or -1: errno EAGAIN with
 * *want, or
 * another errno (EPIPE, ECONNRESET, EPROTO) with st code 1 (76 for a
 * fatal alert from the peer).  After EAGAIN the next call must offer the
 * same bytes again, at the same or another address, n not smaller: part
 * of them is already encrypted.  No write after tls_conn_close_notify().
 */
ssize_t	tls_conn_write(struct tls_conn *t, const void *buf, size_t n,
	    int *want, struct status *st);

/*
 * Send our close_notify once the handshake is done and every write has
 * returned > 0: returns 0 when it is sent (and at once on later calls), 1
 * when it waits for *want (call again then), -1 with st (code 1).  It
 * does not wait for the peer's close_notify: reading goes on after it
 * (a TLS 1.3 half-close); the caller then does shutdown(fd, SHUT_WR).
 */
int	tls_conn_close_notify(struct tls_conn *t, int *want,
	    struct status *st);

/*
 * Non-zero when tls_conn_read() can make progress without a socket event:
 * decrypted bytes (the count) or, after a read that returned bytes,
 * records already received but not yet decrypted (then 1, a lower bound).
 * It is 0 again after a read returned -1 EAGAIN.  A relay that waits for
 * the socket only when this is 0 never stalls on data inside OpenSSL.
 */
size_t	tls_conn_pending(const struct tls_conn *t);

/*
 * One line for -v, into buf (size > 0), returned: "TLSv1.3
 * TLS_AES_128_GCM_SHA256, ALPN h2, SNI example.org, peer CN=example.org,
 * pin sha256:..." (ALPN and SNI when there are; a server without a client
 * certificate says "no client certificate").  After the handshake.
 */
const char *tls_conn_describe(const struct tls_conn *t, char *buf,
	    size_t size);

/* Free t (NULL is fine) without sending anything; fd stays open. */
void	tls_conn_free(struct tls_conn *t);

#endif
