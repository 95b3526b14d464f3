/*
 * unit-observe.c: the pieces of "seeing what moves" that need no network:
 * SHA-256 (sha256.c and digest.c, which is OpenSSL's EVP in a TLS build)
 * against the NIST example vectors and against each other over every
 * padding boundary and random splits; the hexdump line layout; -C's
 * rewrite across chunk boundaries; the --rate token bucket on a clock of
 * our own; and the json log lines (escaping of any byte, the keys).
 * TAP output, one line per check.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"
#include "hexdump.h"
#include "log.h"
#include "observe.h"
#include "rate.h"
#include "sha256.h"

static int	tests, failures;

static void
ok(int cond, const char *what)
{
	tests++;
	if (!cond)
		failures++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tests, what);
}

static void
hex(const unsigned char *md, char *out)
{
	int	i;

	for (i = 0; i < SHA256_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* The built-in implementation, in chunks of step bytes (0: at once). */
static void
builtin(const void *p, size_t n, size_t step, char out[DIGEST_HEXLEN])
{
	struct sha256	c;
	unsigned char	md[SHA256_LEN];
	size_t		off, k;

	sha256_init(&c);
	if (step == 0)
		sha256_update(&c, p, n);
	for (off = 0; step > 0 && off < n; off += k) {
		k = n - off < step ? n - off : step;
		sha256_update(&c, (const char *)p + off, k);
	}
	sha256_final(&c, md);
	hex(md, out);
}

/* digest.h's (EVP with TLS), the same way. */
static void
digest(const void *p, size_t n, size_t step, char out[DIGEST_HEXLEN])
{
	struct status	 st;
	struct digest	*d = digest_new(&st);
	size_t		 off, k;

	if (d == NULL) {
		snprintf(out, DIGEST_HEXLEN, "digest_new failed");
		return;
	}
	if (step == 0)
		digest_update(d, p, n);
	for (off = 0; step > 0 && off < n; off += k) {
		k = n - off < step ? n - off : step;
		digest_update(d, (const char *)p + off, k);
	}
	digest_final_hex(d, out);
	digest_free(d);
}

static void
test_nist(void)
{
	/* FIPS 180-2 appendix B and the NIST CSRC example values. */
	static const struct {
		const char	*msg;
		const char	*md;
	} v[] = {
		{ "abc", "ba7816bf8f01cfea414140de5dae2223"
		  "b00361a396177a9cb410ff61f20015ad" },
		{ "", "e3b0c44298fc1c149afbf4c8996fb924"
		  "27ae41e4649b934ca495991b7852b855" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039"
		  "a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
		  "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		  "cf5b16a778af8380036ce59e7b049237"
		  "0b249b11e8f07a51afac45037afee9d1" },
	};
	char	out[DIGEST_HEXLEN], what[128];
	char	*million;
	size_t	i, step;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		for (step = 0; step <= 7; step += 7) {
			builtin(v[i].msg, strlen(v[i].msg), step, out);
			snprintf(what, sizeof what, "built-in sha256, vector %zu, "
			    "step %zu", i + 1, step);
			ok(strcmp(out, v[i].md) == 0, what);
			digest(v[i].msg, strlen(v[i].msg), step, out);
			snprintf(what, sizeof what, "%s sha256, vector %zu, step "
			    "%zu", digest_impl(), i + 1, step);
			ok(strcmp(out, v[i].md) == 0, what);
		}
	}
	million = malloc(1000000);
	if (million == NULL) {
		ok(0, "malloc");
		return;
	}
	memset(million, 'a', 1000000);
	builtin(million, 1000000, 0, out);
	ok(strcmp(out, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0") == 0,
	    "built-in sha256, a million 'a'");
	builtin(million, 1000000, 4093, out);
	ok(strcmp(out, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0") == 0,
	    "built-in sha256, a million 'a' in chunks of 4093");
	digest(million, 1000000, 65536, out);
	ok(strcmp(out, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0") == 0,
	    "digest sha256, a million 'a' in chunks of 64 KiB");
	free(million);
}

/* Every length across the padding boundaries, both implementations. */
static void
test_lengths(void)
{
	unsigned char	buf[300];
	char		a[DIGEST_HEXLEN], b[DIGEST_HEXLEN], c[DIGEST_HEXLEN];
	size_t		n;
	int		same = 1;
	unsigned	seed = 12345;

	for (n = 0; n < sizeof buf; n++) {
		seed = seed * 1103515245 + 12345;
		buf[n] = (unsigned char)(seed >> 16);
	}
	for (n = 0; n < sizeof buf; n++) {
		builtin(buf, n, 0, a);
		builtin(buf, n, 1 + n % 13, b);
		digest(buf, n, 1 + n % 7, c);
		if (strcmp(a, b) != 0 || strcmp(a, c) != 0) {
			printf("# length %zu: %s %s %s\n", n, a, b, c);
			same = 0;
		}
	}
	ok(same, "built-in and digest agree for 0-299 bytes, any split");
}

static void
test_hexdump(void)
{
	char	line[HEXDUMP_LINE_MAX + 1];
	size_t	n;

	n = hexdump_line(line, '>', 0, (const unsigned char *)
	    "Hello, world.\n", 14);
	line[n] = '\0';
	ok(strcmp(line, "> 00000000  48 65 6c 6c 6f 2c 20 77  6f 72 6c 64 "
	    "2e 0a        |Hello, world..|\n") == 0, "hexdump: a short line");
	n = hexdump_line(line, '<', 0x100000010ULL, (const unsigned char *)
	    "0123456789abcdef", 16);
	line[n] = '\0';
	ok(strcmp(line, "< 100000010  30 31 32 33 34 35 36 37  38 39 61 62 "
	    "63 64 65 66  |0123456789abcdef|\n") == 0,
	    "hexdump: a full line past 4 GiB");
	n = hexdump_line(line, '>', 16, (const unsigned char *)"\x00\x7f\x80",
	    3);
	line[n] = '\0';
	ok(strcmp(line, "> 00000010  00 7f 80                                "
	    "          |...|\n") == 0, "hexdump: unprintable bytes are dots");
}

static int
crlf(const char *a, const char *b, const char *want)
{
	struct observe	ob;
	char		out[64];
	size_t		n;

	memset(&ob, 0, sizeof ob);
	n = observe_crlf(&ob, a, strlen(a), out);
	n += observe_crlf(&ob, b, strlen(b), out + n);
	return n == strlen(want) && memcmp(out, want, n) == 0;
}

static void
test_crlf(void)
{
	ok(crlf("a\nb\n", "", "a\r\nb\r\n"), "crlf: LF becomes CRLF");
	ok(crlf("a\r\n", "b\r\n", "a\r\nb\r\n"), "crlf: CRLF stays");
	ok(crlf("a\r", "\nb", "a\r\nb"), "crlf: CR | LF across a boundary");
	ok(crlf("a\n", "\nb\r", "a\r\n\r\nb\r"), "crlf: LF | LF");
	ok(crlf("\r\r\n\n", "", "\r\r\n\r\n"), "crlf: CR CR LF LF");
	ok(crlf("", "\n", "\r\n"), "crlf: a lone LF");
	ok(crlf("x\r", "y\n", "x\ry\r\n"), "crlf: a CR that is no CRLF");
}

/* A sender wanting 128 KiB reads for secs virtual seconds at bps. */
static uint64_t
rate_run(uint64_t bps, int secs, int64_t *wakes)
{
	struct rate	r;
	int64_t		now = 1000, end = 1000 + secs * 1000LL, wait;
	uint64_t	sent = 0;
	size_t		n;

	rate_init(&r, bps, now);
	*wakes = 0;
	while (now < end) {
		n = rate_allow(&r, now, 128 * 1024, &wait);
		if (n == 0) {
			if (wait < 1)
				return 0;	/* a busy wait */
			now += wait;
			(*wakes)++;
			continue;
		}
		rate_spend(&r, n);
		sent += n;
	}
	return sent;
}

static void
test_rate(void)
{
	struct rate	r;
	int64_t		wakes, wait = 0;
	uint64_t	sent;
	size_t		n;

	/* Within a quantum (10 ms worth) of bps * secs, either way. */
	sent = rate_run(512 * 1024, 10, &wakes);
	ok(sent + 5243 >= 10 * 512 * 1024 && sent <= 10 * 512 * 1024 + 5243,
	    "rate: 512k for 10 s sends 5 MiB, within a quantum");
	ok(wakes <= 10 * 110, "rate: at most about 100 wake-ups a second");
	sent = rate_run(10, 10, &wakes);
	ok(sent >= 99 && sent <= 101, "rate: 10 bytes a second");
	sent = rate_run(1024LL * 1024 * 1024, 2, &wakes);
	ok(sent + 10737419 >= 2 * 1024LL * 1024 * 1024 && sent <= 2 * 1024LL *
	    1024 * 1024 + 10737419, "rate: 1G a second");
	/* After a long idle time, at most 100 ms worth at once. */
	rate_init(&r, 1000000, 0);
	rate_spend(&r, rate_allow(&r, 0, 1 << 20, &wait));
	n = rate_allow(&r, 3600 * 1000, 1 << 20, &wait);
	ok(n == 100000, "rate: a burst after idling is one window");
	/* A debt (a rewrite that doubled the bytes) is paid first. */
	rate_init(&r, 1000, 0);
	n = rate_allow(&r, 0, 1 << 20, &wait);
	rate_spend(&r, 2 * n + 100);
	ok(rate_allow(&r, 0, 1 << 20, &wait) == 0 && wait >= 100,
	    "rate: a debt makes the next send wait");
}

/* Run fn with stderr going to a file; its text into buf. */
static void
capture(void (*fn)(void), char *buf, size_t size)
{
	char	path[] = "/tmp/unit-observe.XXXXXX";
	int	fd = mkstemp(path), saved = dup(2);
	ssize_t	n;

	if (fd < 0 || saved < 0) {
		buf[0] = '\0';
		return;
	}
	unlink(path);
	fflush(stderr);
	dup2(fd, 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, buf, size - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

static void
json_events(void)
{
	struct status	st;

	log_set_command("listen");
	log_set_format(LOG_FORMAT_JSON);
	log_event(LOG_QUIET, "closed", LOG_FIELDS(
	    LOG_STR("peer", "\x01\"\\\xff\xc3\xa9\xed\xa0\x80\xf4\x90\x80\x80"
	    "\xc2\x85\x7f"),
	    LOG_UINT("bytes_sent", 18446744073709551615ULL),
	    LOG_INT("duration_ms", -5)),
	    "closed %s", "x");
	status_usage(&st, "--rate '0': must be at least 1 byte a second");
	(void)log_status(&st);
	log_set_format(LOG_FORMAT_TEXT);
	log_info(LOG_QUIET, "listening on %s", "[::]:1");
}

static void
test_json(void)
{
	char	buf[4096];

	capture(json_events, buf, sizeof buf);
	ok(strncmp(buf, "{\"ts\":\"", 7) == 0 && buf[11] == '-' &&
	    buf[26] == '.' && buf[30] == 'Z', "json: ts first, RFC 3339 ms UTC");
	ok(strstr(buf, "\"level\":\"info\",\"cmd\":\"listen\",\"event\":\"closed\","
	    "\"peer\":\"\\u0001\\\"\\\\\\ufffd\xc3\xa9\\ufffd\\ufffd\\ufffd"
	    "\\ufffd\\ufffd\\ufffd\\ufffd\\u0085\\u007f\","
	    "\"bytes_sent\":18446744073709551615,\"duration_ms\":-5,"
	    "\"message\":\"closed x\"}\n") != NULL,
	    "json: fields and escapes of any byte");
	ok(strstr(buf, "\"level\":\"error\",\"cmd\":\"listen\",\"event\":\"error\","
	    "\"status\":64,\"message\":\"--rate '0': must be at least 1 byte a "
	    "second; see 'sockcat listen --help'\"}\n") != NULL,
	    "json: an error with its status");
	ok(strstr(buf, "}\nsockcat: listening on [::]:1\n") != NULL,
	    "text: the line as before");
}

int
main(void)
{
	test_nist();
	test_lengths();
	test_hexdump();
	test_crlf();
	test_rate();
	test_json();
	printf("1..%d\n", tests);
	return failures != 0;
}
