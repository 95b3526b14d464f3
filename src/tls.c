/* tls.c: TLS through OpenSSL 3 on non-blocking sockets; see tls.h. */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_TLS
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#endif

#include "addr.h"
#include "loop.h"
#include "tls.h"

_Static_assert(OPT_TLS_MIN < OPT_CMD, "the TLS option ids run into OPT_CMD");

/* How each TLS option is named in messages. */
static const struct {
	int		 id;
	const char	*name;
} tls_names[] = {
	{ OPT_TLS,		"--tls" },
	{ OPT_CAFILE,		"--cafile" },
	{ OPT_SNI,		"--sni" },
	{ OPT_PIN,		"--pin" },
	{ OPT_INSECURE,		"--insecure" },
	{ OPT_ALPN,		"--alpn" },
	{ OPT_CERT,		"--cert" },
	{ OPT_KEY,		"--key" },
	{ OPT_SELF_SIGNED,	"--self-signed" },
	{ OPT_CLIENT_CA,	"--client-ca" },
	{ OPT_TLS_MIN,		"--tls-min" },
};

static const char *
tls_name(int id)
{
	size_t	i;

	for (i = 0; i < sizeof tls_names / sizeof tls_names[0]; i++)
		if (tls_names[i].id == id)
			return tls_names[i].name;
	return NULL;
}

void
tls_opts_init(struct tls_opts *t)
{
	memset(t, 0, sizeof *t);
}

static int
tls_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "sha256:" and 64 hex digits, either case, into out. */
static int
tls_pin_parse(const char *arg, unsigned char *out, struct status *st)
{
	const char	*hex = arg + 7;
	size_t		 i;

	if (strncmp(arg, "sha256:", 7) != 0 ||
	    strlen(hex) != 2 * TLS_PIN_LEN)
		return status_usage(st, "--pin '%.80s': expected sha256: and "
		    "64 hex digits (the SHA-256 of the key's SPKI)", arg);
	for (i = 0; i < TLS_PIN_LEN; i++) {
		int hi = tls_hexval((unsigned char)hex[2 * i]);
		int lo = tls_hexval((unsigned char)hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return status_usage(st, "--pin '%.80s': '%c' is not a "
			    "hex digit", arg, hi < 0 ? hex[2 * i] :
			    hex[2 * i + 1]);
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/*
 * --alpn "h2,http/1.1" into wire format ("\2h2\10http/1.1") in out (size
 * TLS_ALPN_MAX, or NULL to check only); *len gets its length.
 */
static int
tls_alpn_wire(const char *list, unsigned char *out, size_t *len,
    struct status *st)
{
	const char	*p = list, *comma;
	size_t		 n, total = 0;

	for (;;) {
		comma = strchr(p, ',');
		n = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (n == 0)
			return status_usage(st, "--alpn '%.80s': an empty "
			    "protocol name", list);
		if (n > 255)
			return status_usage(st, "--alpn '%.40s...': a protocol "
			    "name longer than 255 bytes", list);
		if (total + 1 + n > TLS_ALPN_MAX)
			return status_usage(st, "--alpn '%.40s...': longer "
			    "than %d bytes", list, TLS_ALPN_MAX);
		if (out != NULL) {
			out[total] = (unsigned char)n;
			memcpy(out + total + 1, p, n);
		}
		total += 1 + n;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	if (len != NULL)
		*len = total;
	return 0;
}

/* A value that names a file or a host: not empty. */
static int
tls_opt_string(const char **field, int id, const char *arg,
    struct status *st)
{
	if (arg == NULL || arg[0] == '\0')
		return status_usage(st, "%s '': empty value", tls_name(id));
	*field = arg;
	return 0;
}

int
tls_opt(struct tls_opts *t, int id, const char *arg, struct status *st)
{
	int	r = 0;

	switch (id) {
	case OPT_TLS:
		t->tls = 1;
		break;
	case OPT_INSECURE:
		t->insecure = 1;
		break;
	case OPT_SELF_SIGNED:
		t->self_signed = 1;
		break;
	case OPT_CAFILE:
		r = tls_opt_string(&t->cafile, id, arg, st);
		break;
	case OPT_SNI:
		r = addr_host("--sni", arg, NULL, 0, st);
		if (r == 0)
			t->sni = arg;
		break;
	case OPT_CERT:
		r = tls_opt_string(&t->cert, id, arg, st);
		break;
	case OPT_KEY:
		r = tls_opt_string(&t->key, id, arg, st);
		break;
	case OPT_CLIENT_CA:
		r = tls_opt_string(&t->client_ca, id, arg, st);
		break;
	case OPT_PIN:
		t->pin = arg;
		t->have_pin = 0;
		r = tls_pin_parse(arg, t->pin_sha256, st);
		if (r == 0)
			t->have_pin = 1;
		break;
	case OPT_ALPN:
		r = tls_alpn_wire(arg, NULL, NULL, st);
		if (r == 0)
			t->alpn = arg;
		break;
	case OPT_TLS_MIN:
		if (strcmp(arg, "1.2") == 0)
			t->min_version = TLS1_2_VERSION;
		else if (strcmp(arg, "1.3") == 0)
			t->min_version = TLS1_3_VERSION;
		else
			r = status_usage(st, "--tls-min '%.40s': expected 1.2 "
			    "or 1.3", arg);
		break;
	default:
		return 0;
	}
	if (r < 0)
		return -1;
#ifndef HAVE_TLS
	return status_set(st, SC_EX_USAGE, "%s: not built with TLS (this "
	    "sockcat was configured --without-tls)", tls_name(id));
#else
	return 1;
#endif
}

/* The name of the first TLS option given other than --tls, or NULL. */
static const char *
tls_first_given(const struct tls_opts *t)
{
	if (t->cafile != NULL)
		return "--cafile";
	if (t->sni != NULL)
		return "--sni";
	if (t->pin != NULL)
		return "--pin";
	if (t->insecure)
		return "--insecure";
	if (t->alpn != NULL)
		return "--alpn";
	if (t->cert != NULL)
		return "--cert";
	if (t->key != NULL)
		return "--key";
	if (t->self_signed)
		return "--self-signed";
	if (t->client_ca != NULL)
		return "--client-ca";
	if (t->min_version != 0)
		return "--tls-min";
	return NULL;
}

#ifndef HAVE_TLS

/* ------------------------------------------------------- without TLS */

int
tls_opts_check(struct tls_opts *t, int server, struct status *st)
{
	const char	*first = tls_first_given(t);

	(void)server;
	if (t->tls || first != NULL)
		return status_set(st, SC_EX_USAGE, "%s: not built with TLS "
		    "(this sockcat was configured --without-tls)",
		    t->tls ? "--tls" : first);
	return 0;
}

struct tls_ctx *
tls_ctx_new(const struct tls_opts *t, int server, struct status *st)
{
	(void)t;
	(void)server;
	status_set(st, SC_EX_USAGE, "--tls: not built with TLS");
	return NULL;
}

const char *
tls_ctx_pin(const struct tls_ctx *c)
{
	(void)c;
	return NULL;
}

void
tls_ctx_free(struct tls_ctx *c)
{
	(void)c;
}

struct tls_conn *
tls_conn_new(struct tls_ctx *c, int fd, const char *host, struct status *st)
{
	(void)c;
	(void)fd;
	(void)host;
	status_set(st, SC_EX_USAGE, "--tls: not built with TLS");
	return NULL;
}

int
tls_conn_handshake(struct tls_conn *t, int *want, struct status *st)
{
	(void)t;
	(void)want;
	return status_set(st, SC_EX_SOFTWARE, "not built with TLS");
}

ssize_t
tls_conn_read(struct tls_conn *t, void *buf, size_t n, int *want,
    struct status *st)
{
	(void)t;
	(void)buf;
	(void)n;
	(void)want;
	errno = ENOSYS;
	return status_set(st, SC_EX_SOFTWARE, "not built with TLS");
}

ssize_t
tls_conn_write(struct tls_conn *t, const void *buf, size_t n, int *want,
    struct status *st)
{
	(void)t;
	(void)buf;
	(void)n;
	(void)want;
	errno = ENOSYS;
	return status_set(st, SC_EX_SOFTWARE, "not built with TLS");
}

int
tls_conn_close_notify(struct tls_conn *t, int *want, struct status *st)
{
	(void)t;
	(void)want;
	return status_set(st, SC_EX_SOFTWARE, "not built with TLS");
}

size_t
tls_conn_pending(const struct tls_conn *t)
{
	(void)t;
	return 0;
}

const char *
tls_conn_describe(const struct tls_conn *t, char *buf, size_t size)
{
	(void)t;
	snprintf(buf, size, "no TLS");
	return buf;
}

void
tls_conn_free(struct tls_conn *t)
{
	(void)t;
}

#else /* HAVE_TLS */

/* ---------------------------------------------------------- with TLS */

struct tls_ctx {
	SSL_CTX		*ssl;
	int		 server;
	int		 verify;	/* client: check the chain and name */
	int		 have_pin;
	unsigned char	 pin[TLS_PIN_LEN];
	char		*sni;		/* --sni, copied */
	unsigned char	 alpn[TLS_ALPN_MAX];	/* wire format */
	size_t		 alpn_len;
	char		 own_pin[TLS_PIN_STRLEN];	/* "" when none */
};

struct tls_conn {
	SSL		*ssl;
	struct tls_ctx	*ctx;
	int		 fd;
	int		 sys_err;	/* errno of the last failed recv/send */
	int		 tcp_eof;	/* recv() returned 0 */
	int		 pin_ok;	/* the peer's key matched --pin */
	int		 pin_bad;	/* it did not: peer_pin has it */
	unsigned char	 peer_pin[TLS_PIN_LEN];
	int		 read_more;	/* the last read gave bytes */
	int		 done;		/* the handshake is over */
	int		 closed;	/* our close_notify is out */
};

/* ----------------------------------------------------- the socket BIO */

/*
 * OpenSSL's socket BIO writes with write(2) and names no errno in its
 * errors; this one uses send(MSG_NOSIGNAL) and recv(), remembers the
 * errno of a failure and the TCP EOF, and answers BIO_CTRL_EOF so that
 * OpenSSL can tell an EOF without close_notify.
 */
static int
tls_bio_write(BIO *b, const char *buf, int len)
{
	struct tls_conn	*t = BIO_get_data(b);
	ssize_t		 n;

	BIO_clear_retry_flags(b);
	n = send(t->fd, buf, (size_t)len, MSG_NOSIGNAL);
	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		BIO_set_retry_write(b);
	else
		t->sys_err = errno;
	return -1;
}

static int
tls_bio_read(BIO *b, char *buf, int len)
{
	struct tls_conn	*t = BIO_get_data(b);
	ssize_t		 n;

	BIO_clear_retry_flags(b);
	n = recv(t->fd, buf, (size_t)len, 0);
	if (n > 0)
		return (int)n;
	if (n == 0) {
		t->tcp_eof = 1;
		return 0;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		BIO_set_retry_read(b);
	else
		t->sys_err = errno;
	return -1;
}

static long
tls_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	const struct tls_conn	*t = BIO_get_data(b);

	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_EOF:
		return t != NULL && t->tcp_eof;
	default:
		return 0;
	}
}

/* One method for the process (OpenSSL hands out few BIO type numbers). */
static BIO_METHOD *tls_bio_meth;

static BIO_METHOD *
tls_bio_method(void)
{
	BIO_METHOD	*m;
	int		 idx;

	if (tls_bio_meth != NULL)
		return tls_bio_meth;
	idx = BIO_get_new_index();
	if (idx < 0)
		return NULL;
	m = BIO_meth_new(idx | BIO_TYPE_SOURCE_SINK, "sockcat socket");
	if (m == NULL)
		return NULL;
	if (!BIO_meth_set_write(m, tls_bio_write) ||
	    !BIO_meth_set_read(m, tls_bio_read) ||
	    !BIO_meth_set_ctrl(m, tls_bio_ctrl)) {
		BIO_meth_free(m);
		return NULL;
	}
	tls_bio_meth = m;
	return m;
}

/* ------------------------------------------------------------ helpers */

/* The rules between options. */
static int
tls_opts_rules(const struct tls_opts *t, int server, struct status *st)
{
	const char	*first = tls_first_given(t);

	if (!t->tls)
		return first == NULL ? 0 :
		    status_usage(st, "%s needs --tls", first);
	if (t->cert != NULL && t->key == NULL)
		return status_usage(st, "--cert needs --key");
	if (t->key != NULL && t->cert == NULL)
		return status_usage(st, "--key needs --cert");
	if (server) {
		const char *c = t->cafile != NULL ? "--cafile" :
		    t->sni != NULL ? "--sni" : t->pin != NULL ? "--pin" :
		    t->insecure ? "--insecure" : NULL;

		if (c != NULL)
			return status_usage(st, "%s is for a TLS client, not "
			    "a server", c);
		if (t->self_signed && t->cert != NULL)
			return status_usage(st, "--self-signed and --cert "
			    "exclude each other");
		if (!t->self_signed && t->cert == NULL)
			return status_usage(st, "a TLS server needs --cert "
			    "FILE --key FILE, or --self-signed");
	} else {
		if (t->self_signed)
			return status_usage(st, "--self-signed is for a TLS "
			    "server, not a client");
		if (t->client_ca != NULL)
			return status_usage(st, "--client-ca is for a TLS "
			    "server, not a client");
		if (t->insecure && (t->pin != NULL || t->cafile != NULL))
			return status_usage(st, "--insecure and %s exclude "
			    "each other", t->pin != NULL ? "--pin" :
			    "--cafile");
	}
	return 0;
}


/* OpenSSL's reason for the earliest error in the queue, in words. */
static const char *
tls_err_reason(unsigned long e, char *buf, size_t size)
{
	const char	*r;

	if (e == 0)
		return "unknown error";
	r = ERR_reason_error_string(e);
	if (r != NULL)
		return r;
	ERR_error_string_n(e, buf, size);
	return buf;
}

/* The SHA-256 of x's SubjectPublicKeyInfo, as --pin takes it. */
static int
tls_spki_sha256(X509 *x, unsigned char *md)
{
	unsigned char	*der = NULL;
	unsigned int	 mdlen = 0;
	int		 len, ok;

	len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	if (len <= 0)
		return -1;
	ok = EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL);
	OPENSSL_free(der);
	return ok && mdlen == TLS_PIN_LEN ? 0 : -1;
}

static void
tls_pin_format(const unsigned char *md, char *buf)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i;

	memcpy(buf, "sha256:", 7);
	for (i = 0; i < TLS_PIN_LEN; i++) {
		buf[7 + 2 * i] = hex[md[i] >> 4];
		buf[7 + 2 * i + 1] = hex[md[i] & 0xf];
	}
	buf[TLS_PIN_STRLEN - 1] = '\0';
}

/* A file given to an option: present, readable, a file (or directory). */
static int
tls_file_check(const char *what, const char *path, int dir_ok,
    struct status *st)
{
	struct stat	sb;
	int		fd, err;

	/* O_NONBLOCK: a fifo given by mistake must not hang the open. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		err = errno;
		return status_set(st, SC_EX_USAGE, "%s '%s': %s", what, path,
		    strerror(err));
	}
	if (fstat(fd, &sb) < 0) {
		err = errno;
		close(fd);
		return status_set(st, SC_EX_USAGE, "%s '%s': %s", what, path,
		    strerror(err));
	}
	close(fd);
	if (S_ISDIR(sb.st_mode) && !dir_ok)
		return status_set(st, SC_EX_USAGE, "%s '%s': %s", what, path,
		    strerror(EISDIR));
	if (!S_ISDIR(sb.st_mode) && !S_ISREG(sb.st_mode))
		return status_set(st, SC_EX_USAGE, "%s '%s': not a regular "
		    "file", what, path);
	return 0;
}

/*
 * A 64 usage line for what failed to load from path: what it should have
 * held, and OpenSSL's reason.
 */
static int
tls_load_fail(const char *what, const char *path, const char *wanted,
    struct status *st)
{
	char		 buf[256];
	unsigned long	 e = ERR_peek_error();	/* the first: the cause */

	status_set(st, SC_EX_USAGE, "%s '%s': %s (%s)", what, path, wanted,
	    tls_err_reason(e, buf, sizeof buf));
	ERR_clear_error();
	return -1;
}

#define TLS_WANT_CERT	"no usable PEM certificate in it"
#define TLS_WANT_KEY	"no usable unencrypted PEM private key in it"

/* Never ask for a passphrase: an encrypted key fails to load instead. */
static int
tls_no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* --cert and --key into ctx, checked against each other. */
static int
tls_load_cert(SSL_CTX *ctx, const struct tls_opts *t, struct status *st)
{
	if (tls_file_check("--cert", t->cert, 0, st) < 0 ||
	    tls_file_check("--key", t->key, 0, st) < 0)
		return -1;
	if (SSL_CTX_use_certificate_chain_file(ctx, t->cert) != 1)
		return tls_load_fail("--cert", t->cert, TLS_WANT_CERT, st);
	if (SSL_CTX_use_PrivateKey_file(ctx, t->key, SSL_FILETYPE_PEM) != 1) {
		unsigned long e = ERR_peek_last_error();

		if (ERR_GET_LIB(e) == ERR_LIB_X509 &&
		    ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH)
			goto mismatch;
		return tls_load_fail("--key", t->key, TLS_WANT_KEY, st);
	}
	if (SSL_CTX_check_private_key(ctx) != 1)
		goto mismatch;
	return 0;
mismatch:
	ERR_clear_error();
	return status_set(st, SC_EX_USAGE, "--key '%s' does not match the "
	    "certificate of --cert '%s'", t->key, t->cert);
}

/* The CAs a client trusts (--cafile) or a server's clients need. */
static int
tls_load_cas(SSL_CTX *ctx, const struct tls_opts *t, int server,
    struct status *st)
{
	struct stat	sb;

	if (!server && t->cafile != NULL) {
		if (tls_file_check("--cafile", t->cafile, 1, st) < 0)
			return -1;
		if (stat(t->cafile, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			if (SSL_CTX_load_verify_dir(ctx, t->cafile) != 1)
				return tls_load_fail("--cafile", t->cafile,
				    TLS_WANT_CERT, st);
		} else if (SSL_CTX_load_verify_file(ctx, t->cafile) != 1)
			return tls_load_fail("--cafile", t->cafile,
				    TLS_WANT_CERT, st);
	}
	if (server && t->client_ca != NULL) {
		STACK_OF(X509_NAME)	*names;

		if (tls_file_check("--client-ca", t->client_ca, 0, st) < 0)
			return -1;
		if (SSL_CTX_load_verify_file(ctx, t->client_ca) != 1)
			return tls_load_fail("--client-ca",
			    t->client_ca, TLS_WANT_CERT, st);
		names = SSL_load_client_CA_file(t->client_ca);
		if (names == NULL)
			return tls_load_fail("--client-ca",
			    t->client_ca, TLS_WANT_CERT, st);
		SSL_CTX_set_client_CA_list(ctx, names);
	}
	return 0;
}

/* Every file of t, loaded into ctx. */
static int
tls_load_files(SSL_CTX *ctx, const struct tls_opts *t, int server,
    struct status *st)
{
	SSL_CTX_set_default_passwd_cb(ctx, tls_no_passphrase);
	if (t->cert != NULL && tls_load_cert(ctx, t, st) < 0)
		return -1;
	return tls_load_cas(ctx, t, server, st);
}

int
tls_opts_check(struct tls_opts *t, int server, struct status *st)
{
	SSL_CTX	*ctx;
	int	 rc;

	if (tls_opts_rules(t, server, st) < 0)
		return -1;
	if (!t->tls)
		return 0;
	if (t->pin != NULL && !t->have_pin) {
		if (tls_pin_parse(t->pin, t->pin_sha256, st) < 0)
			return -1;
		t->have_pin = 1;
	}
	if (t->alpn != NULL && tls_alpn_wire(t->alpn, NULL, NULL, st) < 0)
		return -1;
	/* Load every file once now, so a bad one is said before any socket. */
	ERR_clear_error();
	ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	if (ctx == NULL) {
		ERR_clear_error();
		return status_set(st, SC_EX_SOFTWARE, "TLS: cannot make a "
		    "context (out of memory?)");
	}
	rc = tls_load_files(ctx, t, server, st);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

/* ------------------------------------------------------------ context */

static int
tls_add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION	*ext = X509V3_EXT_nconf_nid(NULL, v3, nid, value);
	int		 ok;

	if (ext == NULL)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/*
 * --self-signed: a P-256 key (fast handshakes, understood everywhere) and
 * a certificate for localhost, 127.0.0.1 and ::1, valid from an hour ago
 * for 30 days.  Clients accept it by its pin.
 */
static int
tls_self_signed(SSL_CTX *ctx, struct status *st)
{
	EVP_PKEY	*pkey;
	X509		*x = NULL;
	X509_NAME	*name;
	X509V3_CTX	 v3;
	BIGNUM		*bn = NULL;
	int		 ok = 0;

	pkey = EVP_EC_gen("P-256");
	if (pkey == NULL || (x = X509_new()) == NULL ||
	    (bn = BN_new()) == NULL)
		goto out;
	if (!X509_set_version(x, X509_VERSION_3) ||
	    !BN_rand(bn, 64, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600L) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 30L * 24 * 3600) == NULL ||
	    !X509_set_pubkey(x, pkey))
		goto out;
	name = X509_get_subject_name(x);
	if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"sockcat self-signed", -1, -1, 0) ||
	    !X509_set_issuer_name(x, name))
		goto out;
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	if (tls_add_ext(x, &v3, NID_basic_constraints, "critical,CA:FALSE") <
	    0 || tls_add_ext(x, &v3, NID_key_usage,
	    "critical,digitalSignature") < 0 ||
	    tls_add_ext(x, &v3, NID_ext_key_usage, "serverAuth") < 0 ||
	    tls_add_ext(x, &v3, NID_subject_alt_name,
	    "DNS:localhost,IP:127.0.0.1,IP:::1") < 0 ||
	    tls_add_ext(x, &v3, NID_subject_key_identifier, "hash") < 0)
		goto out;
	if (X509_sign(x, pkey, EVP_sha256()) <= 0 ||
	    SSL_CTX_use_certificate(ctx, x) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, pkey) != 1)
		goto out;
	ok = 1;
out:
	if (!ok) {
		char buf[256];

		status_set(st, SC_EX_SOFTWARE, "--self-signed: cannot make a "
		    "key and certificate: %s",
		    tls_err_reason(ERR_peek_last_error(), buf, sizeof buf));
		ERR_clear_error();
	}
	BN_free(bn);
	X509_free(x);
	EVP_PKEY_free(pkey);
	return ok ? 0 : -1;
}

static int
tls_verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL		*ssl = X509_STORE_CTX_get_ex_data(xs,
			    SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tls_conn	*t = ssl != NULL ? SSL_get_app_data(ssl) : NULL;
	X509		*leaf;

	if (t == NULL || !t->ctx->have_pin)
		return ok;
	/*
	 * Pinned: the chain, the names and the dates do not matter; the
	 * leaf's key decides, at depth 0.
	 */
	if (X509_STORE_CTX_get_error_depth(xs) > 0)
		return 1;
	leaf = X509_STORE_CTX_get_current_cert(xs);
	if (leaf == NULL || tls_spki_sha256(leaf, t->peer_pin) < 0) {
		X509_STORE_CTX_set_error(xs, X509_V_ERR_UNSPECIFIED);
		return 0;
	}
	if (memcmp(t->peer_pin, t->ctx->pin, TLS_PIN_LEN) != 0) {
		t->pin_bad = 1;
		X509_STORE_CTX_set_error(xs,
		    X509_V_ERR_APPLICATION_VERIFICATION);
		return 0;
	}
	t->pin_ok = 1;
	X509_STORE_CTX_set_error(xs, X509_V_OK);
	return 1;
}

/* A server's ALPN choice: its own first protocol the client offers. */
static int
tls_alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	const struct tls_ctx	*c = arg;
	unsigned char		*sel = NULL;

	(void)ssl;
	if (SSL_select_next_proto(&sel, outlen, c->alpn,
	    (unsigned int)c->alpn_len, in, inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL;	/* RFC 7301, 3.2 */
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

/* The settings of either side. */
static int
tls_ctx_setup(struct tls_ctx *c, const struct tls_opts *t, int server,
    struct status *st)
{
	SSL_CTX	*ctx = c->ssl;

	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/*
	 * Read ahead into a buffer of a few records: one recv() brings
	 * several records instead of two calls (header, body) per record.
	 */
	SSL_CTX_set_read_ahead(ctx, 1);
	SSL_CTX_set_default_read_buffer_len(ctx, 4 * (TLS_RECORD_MAX + 512));
	if (SSL_CTX_set_min_proto_version(ctx, t->min_version != 0 ?
	    t->min_version : TLS1_2_VERSION) != 1)
		return status_set(st, SC_EX_SOFTWARE, "TLS: cannot set the "
		    "lowest version");
	if (t->alpn != NULL &&
	    tls_alpn_wire(t->alpn, c->alpn, &c->alpn_len, st) < 0)
		return -1;
	if (tls_load_files(ctx, t, server, st) < 0)
		return -1;
	if (server) {
		if (t->self_signed && tls_self_signed(ctx, st) < 0)
			return -1;
		/* Every handshake a full one: no cache, no tickets. */
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
		SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET |
		    SSL_OP_NO_RENEGOTIATION);
		SSL_CTX_set_num_tickets(ctx, 0);
		SSL_CTX_set_session_id_context(ctx,
		    (const unsigned char *)"sockcat", 7);
		if (t->client_ca != NULL)
			SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
			    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, tls_verify_cb);
		if (c->alpn_len > 0)
			SSL_CTX_set_alpn_select_cb(ctx, tls_alpn_select, c);
	} else {
		c->verify = !t->insecure;
		c->have_pin = t->have_pin;
		memcpy(c->pin, t->pin_sha256, TLS_PIN_LEN);
		if (c->verify) {
			SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER,
			    tls_verify_cb);
			if (t->cafile == NULL && !t->have_pin &&
			    SSL_CTX_set_default_verify_paths(ctx) != 1)
				return tls_load_fail("the system's trust store",
				    "default", "cannot be loaded", st);
		} else
			SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		/* SSL_CTX_set_alpn_protos returns 0 on success. */
		if (c->alpn_len > 0 && SSL_CTX_set_alpn_protos(ctx, c->alpn,
		    (unsigned int)c->alpn_len) != 0)
			return status_set(st, SC_EX_SOFTWARE, "TLS: cannot "
			    "set --alpn");
	}
	return 0;
}

struct tls_ctx *
tls_ctx_new(const struct tls_opts *t, int server, struct status *st)
{
	struct tls_ctx	*c;
	X509		*own;
	unsigned char	 md[TLS_PIN_LEN];

	ERR_clear_error();
	if (tls_bio_method() == NULL || (c = calloc(1, sizeof *c)) == NULL) {
		ERR_clear_error();
		status_set(st, SC_EX_SOFTWARE, "TLS: out of memory");
		return NULL;
	}
	c->server = server;
	c->ssl = SSL_CTX_new(server ? TLS_server_method() :
	    TLS_client_method());
	if (c->ssl == NULL || (t->sni != NULL &&
	    (c->sni = strdup(t->sni)) == NULL)) {
		status_set(st, SC_EX_SOFTWARE, "TLS: out of memory");
		goto fail;
	}
	if (tls_ctx_setup(c, t, server, st) < 0)
		goto fail;
	own = SSL_CTX_get0_certificate(c->ssl);
	if (own != NULL && tls_spki_sha256(own, md) == 0)
		tls_pin_format(md, c->own_pin);
	ERR_clear_error();
	return c;
fail:
	ERR_clear_error();
	tls_ctx_free(c);
	return NULL;
}

const char *
tls_ctx_pin(const struct tls_ctx *c)
{
	return c != NULL && c->own_pin[0] != '\0' ? c->own_pin : NULL;
}

void
tls_ctx_free(struct tls_ctx *c)
{
	if (c == NULL)
		return;
	SSL_CTX_free(c->ssl);
	free(c->sni);
	free(c);
}

/* --------------------------------------------------------- connection */

/*
 * What a client checks and sends for name (as typed): an IP literal is
 * checked as an IP address and sends no SNI; a name is checked with
 * SSL_set1_host and sent as SNI (without a final dot).
 */
static int
tls_conn_name(struct tls_conn *t, const char *name, struct status *st)
{
	char		 host[256];
	unsigned char	 bin[sizeof(struct in6_addr)];
	size_t		 len = strlen(name);
	int		 check = t->ctx->verify && !t->ctx->have_pin;
	char		*pct;

	if (len >= 2 && name[0] == '[' && name[len - 1] == ']') {
		name++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof host)
		return status_set(st, SC_EX_USAGE, "TLS: '%.80s': not a host "
		    "name to verify", name);
	memcpy(host, name, len);
	host[len] = '\0';
	if ((pct = strchr(host, '%')) != NULL)	/* fe80::1%eth0 */
		*pct = '\0';
	if (inet_pton(AF_INET, host, bin) == 1 ||
	    inet_pton(AF_INET6, host, bin) == 1) {
		if (check && X509_VERIFY_PARAM_set1_ip_asc(
		    SSL_get0_param(t->ssl), host) != 1)
			return status_set(st, SC_EX_SOFTWARE, "TLS: cannot "
			    "check the address %s", host);
		return 0;
	}
	if (pct != NULL)
		*pct = '%';
	if (len > 1 && host[len - 1] == '.')
		host[len - 1] = '\0';
	if (SSL_set_tlsext_host_name(t->ssl, host) != 1)
		return status_set(st, SC_EX_USAGE, "TLS: '%.80s': cannot be "
		    "sent as SNI", host);
	if (check) {
		SSL_set_hostflags(t->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (SSL_set1_host(t->ssl, host) != 1)
			return status_set(st, SC_EX_SOFTWARE, "TLS: cannot "
			    "check the name %s", host);
	}
	return 0;
}

struct tls_conn *
tls_conn_new(struct tls_ctx *c, int fd, const char *host, struct status *st)
{
	struct tls_conn	*t;
	BIO		*bio;
	const char	*name = c->sni != NULL ? c->sni : host;

	ERR_clear_error();
	if ((t = calloc(1, sizeof *t)) == NULL)
		goto nomem;
	t->ctx = c;
	t->fd = fd;
	if ((t->ssl = SSL_new(c->ssl)) == NULL ||
	    (bio = BIO_new(tls_bio_method())) == NULL)
		goto nomem;
	BIO_set_data(bio, t);
	BIO_set_init(bio, 1);
	SSL_set_bio(t->ssl, bio, bio);
	SSL_set_app_data(t->ssl, t);
	if (c->server) {
		SSL_set_accept_state(t->ssl);
		return t;
	}
	SSL_set_connect_state(t->ssl);
	if (name == NULL) {
		if (c->verify && !c->have_pin) {
			status_set(st, SC_EX_USAGE, "TLS: no host name to "
			    "verify the certificate against: give --sni NAME "
			    "or --pin");
			goto fail;
		}
		return t;
	}
	if (tls_conn_name(t, name, st) < 0)
		goto fail;
	ERR_clear_error();
	return t;
nomem:
	status_set(st, SC_EX_SOFTWARE, "TLS: out of memory");
fail:
	ERR_clear_error();
	tls_conn_free(t);
	return NULL;
}

/* Whether OpenSSL's error e is an alert the peer sent us. */
static int
tls_err_alert(unsigned long e)
{
	return ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    ERR_GET_REASON(e) >= SSL_AD_REASON_OFFSET;
}

/* The handshake failed (SSL_get_error() said e): why, in words, 76. */
static int
tls_fail_handshake(struct tls_conn *t, int e, struct status *st)
{
	char		 buf[256], want[TLS_PIN_STRLEN], got[TLS_PIN_STRLEN];
	unsigned long	 err = ERR_peek_error();
	int		 reason = ERR_GET_REASON(err);
	long		 vr = SSL_get_verify_result(t->ssl);

	if (t->pin_bad) {
		tls_pin_format(t->peer_pin, got);
		tls_pin_format(t->ctx->pin, want);
		status_set(st, SC_EX_PROTOCOL, "certificate pin mismatch: "
		    "the server's key is %s, --pin wants %s", got, want);
	} else if (ERR_GET_LIB(err) == ERR_LIB_SSL &&
	    reason == SSL_R_CERTIFICATE_VERIFY_FAILED && vr != X509_V_OK)
		status_set(st, SC_EX_PROTOCOL, "%scertificate verify failed: "
		    "%s", t->ctx->server ? "client " : "",
		    X509_verify_cert_error_string(vr));
	else if (ERR_GET_LIB(err) == ERR_LIB_SSL &&
	    reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
		status_set(st, SC_EX_PROTOCOL, "TLS handshake failed: the "
		    "client sent no certificate (--client-ca requires one)");
	else if (t->sys_err != 0 && t->sys_err != EPIPE)
		status_set(st, SC_EX_PROTOCOL, "TLS handshake failed: %s",
		    strerror(t->sys_err));
	else if (t->sys_err == EPIPE || t->tcp_eof ||
	    (err == 0 && e == SSL_ERROR_SYSCALL))
		status_set(st, SC_EX_PROTOCOL, "TLS handshake failed: the "
		    "peer closed the connection");
	else if (ERR_GET_LIB(err) == ERR_LIB_SSL &&
	    (reason == SSL_R_WRONG_VERSION_NUMBER ||
	    reason == SSL_R_PACKET_LENGTH_TOO_LONG ||
	    reason == SSL_R_HTTP_REQUEST))
		status_set(st, SC_EX_PROTOCOL, "TLS handshake failed: %s (is "
		    "the peer speaking TLS?)", tls_err_reason(err, buf,
		    sizeof buf));
	else
		status_set(st, SC_EX_PROTOCOL, "TLS handshake failed: %s",
		    tls_err_reason(err, buf, sizeof buf));
	ERR_clear_error();
	errno = t->sys_err != 0 ? t->sys_err : EPROTO;
	return -1;
}

/* After the handshake: a pinned client has matched its pin (or fails). */
static int
tls_conn_pin_final(struct tls_conn *t, struct status *st)
{
	X509	*peer;

	if (t->ctx->server || !t->ctx->have_pin || t->pin_ok)
		return 0;
	/* The callback never saw the leaf: look at it now. */
	peer = SSL_get0_peer_certificate(t->ssl);
	if (peer != NULL && tls_spki_sha256(peer, t->peer_pin) == 0 &&
	    memcmp(t->peer_pin, t->ctx->pin, TLS_PIN_LEN) == 0) {
		t->pin_ok = 1;
		return 0;
	}
	if (peer != NULL)
		t->pin_bad = 1;
	else
		return status_set(st, SC_EX_PROTOCOL, "TLS handshake failed: "
		    "the server sent no certificate to match --pin");
	return tls_fail_handshake(t, SSL_ERROR_SSL, st);
}

int
tls_conn_handshake(struct tls_conn *t, int *want, struct status *st)
{
	int	r, e;

	if (t->done)
		return 0;
	ERR_clear_error();
	t->sys_err = 0;
	r = SSL_do_handshake(t->ssl);
	if (r == 1) {
		ERR_clear_error();
		if (tls_conn_pin_final(t, st) < 0)
			return -1;
		t->done = 1;
		return 0;
	}
	e = SSL_get_error(t->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		ERR_clear_error();
		*want = e == SSL_ERROR_WANT_READ ? LOOP_READ : LOOP_WRITE;
		return 1;
	}
	return tls_fail_handshake(t, e, st);
}

/*
 * A read, write or close_notify failed (SSL_get_error() said e, not a
 * WANT): say why, set errno, return -1.
 */
static int
tls_fail_io(struct tls_conn *t, int e, const char *what, struct status *st)
{
	char		 buf[256];
	unsigned long	 err = ERR_peek_error();

	if (t->sys_err != 0) {
		/* The peer's reset or a gone socket: the reason is enough. */
		status_set(st, SC_EX_FAIL, "%s", strerror(t->sys_err));
		errno = t->sys_err;
	} else if ((ERR_GET_LIB(err) == ERR_LIB_SSL &&
	    ERR_GET_REASON(err) == SSL_R_UNEXPECTED_EOF_WHILE_READING) ||
	    (err == 0 && e == SSL_ERROR_SYSCALL)) {
		status_set(st, SC_EX_FAIL, "connection ended without TLS "
		    "close_notify");
		errno = EPROTO;
	} else if (tls_err_alert(err)) {
		status_set(st, SC_EX_PROTOCOL, "TLS session refused by the "
		    "peer: %s", tls_err_reason(err, buf, sizeof buf));
		errno = EPROTO;
	} else {
		status_set(st, SC_EX_FAIL, "TLS %s: %s", what,
		    tls_err_reason(err, buf, sizeof buf));
		errno = EPROTO;
	}
	ERR_clear_error();
	return -1;
}

ssize_t
tls_conn_read(struct tls_conn *t, void *buf, size_t n, int *want,
    struct status *st)
{
	size_t	got = 0;
	int	e;

	ERR_clear_error();
	t->sys_err = 0;
	if (SSL_read_ex(t->ssl, buf, n, &got) == 1) {
		t->read_more = 1;
		return (ssize_t)got;
	}
	t->read_more = 0;
	e = SSL_get_error(t->ssl, 0);
	switch (e) {
	case SSL_ERROR_ZERO_RETURN:
		ERR_clear_error();
		return 0;
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		ERR_clear_error();
		*want = e == SSL_ERROR_WANT_READ ? LOOP_READ : LOOP_WRITE;
		errno = EAGAIN;
		return -1;
	default:
		return tls_fail_io(t, e, "receive", st);
	}
}

ssize_t
tls_conn_write(struct tls_conn *t, const void *buf, size_t n, int *want,
    struct status *st)
{
	size_t	put = 0;
	int	e;

	ERR_clear_error();
	t->sys_err = 0;
	if (SSL_write_ex(t->ssl, buf, n, &put) == 1)
		return (ssize_t)put;
	e = SSL_get_error(t->ssl, 0);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		ERR_clear_error();
		*want = e == SSL_ERROR_WANT_READ ? LOOP_READ : LOOP_WRITE;
		errno = EAGAIN;
		return -1;
	}
	return tls_fail_io(t, e, "send", st);
}

int
tls_conn_close_notify(struct tls_conn *t, int *want, struct status *st)
{
	int	r, e;

	if (t->closed)
		return 0;
	ERR_clear_error();
	t->sys_err = 0;
	/*
	 * The first call sends close_notify and returns 0 (the peer's is not
	 * in) or 1; after WANT_WRITE, the next call only flushes it.  It is
	 * never called again after that: a second SSL_shutdown() would wait
	 * for the peer's close_notify, and reading is the relay's business.
	 */
	r = SSL_shutdown(t->ssl);
	if (r >= 0) {
		ERR_clear_error();
		t->closed = 1;
		return 0;
	}
	e = SSL_get_error(t->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		ERR_clear_error();
		*want = e == SSL_ERROR_WANT_READ ? LOOP_READ : LOOP_WRITE;
		return 1;
	}
	return tls_fail_io(t, e, "close_notify", st);
}

size_t
tls_conn_pending(const struct tls_conn *t)
{
	int	n = SSL_pending(t->ssl);

	if (n > 0)
		return (size_t)n;
	/*
	 * Read-ahead may hold whole records not decrypted yet, which no
	 * socket event will announce.  SSL_has_pending() is also true for
	 * half a record, so it counts only until a read says EAGAIN.
	 */
	return t->read_more && SSL_has_pending(t->ssl) ? 1 : 0;
}

/* buf += ", " + the subject of x, as "CN=..., O=...". */
static void
tls_describe_name(X509 *x, char *buf, size_t size)
{
	BIO	*mem = BIO_new(BIO_s_mem());
	char	*p;
	long	 len;
	size_t	 used = strlen(buf);

	if (mem == NULL)
		return;
	if (X509_NAME_print_ex(mem, X509_get_subject_name(x), 0,
	    XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ) >= 0) {
		len = BIO_get_mem_data(mem, &p);
		if (len > 0 && used < size)
			snprintf(buf + used, size - used, ", peer %.*s",
			    (int)(len > 200 ? 200 : len), p);
	}
	BIO_free(mem);
}

/* buf += label + the first len bytes of value. */
static void
tls_describe_add(char *buf, size_t size, const char *label,
    const char *value, int len)
{
	size_t	used = strlen(buf);

	if (used < size)
		snprintf(buf + used, size - used, "%s%.*s", label, len, value);
}

const char *
tls_conn_describe(const struct tls_conn *t, char *buf, size_t size)
{
	const unsigned char	*alpn = NULL;
	unsigned int		 alen = 0;
	const char		*sni;
	X509			*peer;
	unsigned char		 md[TLS_PIN_LEN];
	char			 pin[TLS_PIN_STRLEN];

	snprintf(buf, size, "%s %s", SSL_get_version(t->ssl),
	    SSL_CIPHER_get_name(SSL_get_current_cipher(t->ssl)));
	SSL_get0_alpn_selected(t->ssl, &alpn, &alen);
	if (alen > 0)
		tls_describe_add(buf, size, ", ALPN ",
		    (const char *)alpn, (int)alen);
	sni = SSL_get_servername(t->ssl, TLSEXT_NAMETYPE_host_name);
	if (t->ctx->server && sni != NULL)
		tls_describe_add(buf, size, ", SNI ", sni, 255);
	peer = SSL_get0_peer_certificate(t->ssl);
	if (peer == NULL) {
		if (t->ctx->server)
			tls_describe_add(buf, size, ", no client "
			    "certificate", "", 0);
		ERR_clear_error();
		return buf;
	}
	tls_describe_name(peer, buf, size);
	if (tls_spki_sha256(peer, md) == 0) {
		tls_pin_format(md, pin);
		tls_describe_add(buf, size, ", pin ", pin, TLS_PIN_STRLEN);
	}
	if (!t->ctx->server && !t->ctx->verify)
		tls_describe_add(buf, size, ", not verified", "", 0);
	ERR_clear_error();
	return buf;
}

void
tls_conn_free(struct tls_conn *t)
{
	if (t == NULL)
		return;
	SSL_free(t->ssl);	/* and the BIO */
	free(t);
}

#endif /* HAVE_TLS */
