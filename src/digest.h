/*
 * digest.h: the SHA-256 of a stream of bytes (--sha256).  Built with TLS,
 * OpenSSL's EVP does the work (with the CPU's SHA instructions where it
 * has them); built --without-tls, sha256.c does.  The two give the same
 * digests: tests/unit-digest.c checks both against the NIST vectors.
 *
 * Nothing here prints or exits.  digest_new() returns NULL with st (70)
 * when out of memory; the caller frees what it made with digest_free().
 */
#ifndef SC_DIGEST_H
#define SC_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define DIGEST_LEN	32			/* SHA-256 */
#define DIGEST_HEXLEN	(2 * DIGEST_LEN + 1)	/* hex and a NUL */

struct digest;

/* A new SHA-256 context; NULL with st. */
struct digest *digest_new(struct status *st);

/* Hash n more bytes of p. */
void	digest_update(struct digest *d, const void *p, size_t n);

/*
 * Finish: the digest as lowercase hex into hex (DIGEST_HEXLEN bytes);
 * returns hex.  A later update starts a new digest.
 */
const char *digest_final_hex(struct digest *d, char hex[DIGEST_HEXLEN]);

/* How many bytes the digest (the one going on, or the last) covers. */
uint64_t digest_bytes(const struct digest *d);

void	digest_free(struct digest *d);

/* Which implementation this build uses: "OpenSSL EVP" or "built-in". */
const char *digest_impl(void);

#endif
