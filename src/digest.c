/* digest.c: SHA-256 through OpenSSL's EVP, or sha256.c without TLS. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "digest.h"
#include "sha256.h"

#ifdef HAVE_TLS
#include <openssl/evp.h>
#endif

struct digest {
#ifdef HAVE_TLS
	EVP_MD_CTX	*ctx;
#endif
	struct sha256	 sha;		/* no TLS, or EVP failed */
	int		 builtin;
	uint64_t	 bytes;
	int		 fresh;		/* started, nothing final yet */
};

#ifdef HAVE_TLS
/*
 * The algorithm, fetched once while any context lives: EVP_sha256()
 * would look the provider up again at every init.  Freed with the last
 * context, so nothing is left for a leak checker at exit.
 */
static EVP_MD	*digest_md;
static int	 digest_live;

static int
digest_evp_init(struct digest *d)
{
	if (digest_md == NULL)
		digest_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (digest_md == NULL)
		return -1;
	if (d->ctx == NULL && (d->ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	return EVP_DigestInit_ex(d->ctx, digest_md, NULL) == 1 ? 0 : -1;
}
#endif

/* Start (again): EVP when it works, else the built-in one. */
static void
digest_start(struct digest *d)
{
	d->bytes = 0;
	d->fresh = 1;
#ifdef HAVE_TLS
	if (!d->builtin && digest_evp_init(d) == 0)
		return;
	d->builtin = 1;
#endif
	sha256_init(&d->sha);
}

struct digest *
digest_new(struct status *st)
{
	struct digest	*d = calloc(1, sizeof *d);

	if (d == NULL) {
		status_errno(st, ENOMEM, SC_EX_SOFTWARE, "sha256");
		return NULL;
	}
#ifdef HAVE_TLS
	digest_live++;
#else
	d->builtin = 1;
#endif
	digest_start(d);
	return d;
}

void
digest_update(struct digest *d, const void *p, size_t n)
{
	if (!d->fresh)
		digest_start(d);
	d->bytes += n;
#ifdef HAVE_TLS
	if (!d->builtin) {
		(void)EVP_DigestUpdate(d->ctx, p, n);
		return;
	}
#endif
	sha256_update(&d->sha, p, n);
}

const char *
digest_final_hex(struct digest *d, char hex[DIGEST_HEXLEN])
{
	unsigned char	md[DIGEST_LEN];
	int		i;

	if (!d->fresh)
		digest_start(d);
#ifdef HAVE_TLS
	if (!d->builtin) {
		unsigned int	len = 0;

		(void)EVP_DigestFinal_ex(d->ctx, md, &len);
	} else
#endif
		sha256_final(&d->sha, md);
	for (i = 0; i < DIGEST_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	d->fresh = 0;
	return hex;
}

uint64_t
digest_bytes(const struct digest *d)
{
	return d->bytes;
}

void
digest_free(struct digest *d)
{
	if (d == NULL)
		return;
#ifdef HAVE_TLS
	EVP_MD_CTX_free(d->ctx);
	if (--digest_live == 0) {
		EVP_MD_free(digest_md);
		digest_md = NULL;
	}
#endif
	free(d);
}

const char *
digest_impl(void)
{
#ifdef HAVE_TLS
	return "OpenSSL EVP";
#else
	return "built-in";
#endif
}
