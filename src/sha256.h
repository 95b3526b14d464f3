/*
 * sha256.h: SHA-256 (FIPS 180-4), a small implementation of our own for
 * builds without OpenSSL (digest.h chooses).  tests/unit-digest.c checks
 * it against the NIST example vectors and against OpenSSL.
 *
 * Usage: sha256_init(&c); sha256_update(&c, p, n)...; sha256_final(&c,
 * out).  Nothing is allocated; a context is reusable after init.
 */
#ifndef SC_SHA256_H
#define SC_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN	32	/* bytes of a digest */
#define SHA256_BLOCK	64	/* bytes of a block */

struct sha256 {
	uint32_t	h[8];			/* the chaining state */
	uint64_t	len;			/* bytes hashed so far */
	unsigned char	block[SHA256_BLOCK];	/* a partial block */
	size_t		fill;			/* bytes in it */
};

/* Start a new digest. */
void	sha256_init(struct sha256 *c);

/* Hash n more bytes of p. */
void	sha256_update(struct sha256 *c, const void *p, size_t n);

/* Finish: the digest into out (SHA256_LEN bytes); c needs init again. */
void	sha256_final(struct sha256 *c, unsigned char out[SHA256_LEN]);

#endif
