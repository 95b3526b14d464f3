/* observe.c: -x, --stats, --progress, --sha256, -C, --rate (observe.h). */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "observe.h"
#include "parse.h"
#include "rate.h"

int
observe_opt(struct observe_opts *o, int id, const char *arg,
    struct status *st)
{
	int64_t	v;

	switch (id) {
	case 'x':
		if (arg != NULL && *arg == '\0')
			return status_usage(st, "--hexdump '': an empty file "
			    "name (-x alone dumps to stderr)");
		o->hexdump = 1;
		o->hexdump_path = arg;
		return 1;
	case OPT_STATS:
		o->stats = 1;
		return 1;
	case OPT_PROGRESS:
		o->progress = 1;
		return 1;
	case OPT_SHA256:
		o->sha256 = 1;
		return 1;
	case 'C':
		o->crlf = 1;
		return 1;
	case OPT_RATE:
		if (parse_size("--rate", arg, RATE_MAX, &v, st) < 0)
			return -1;
		if (v < 1)
			return status_usage(st, "--rate '%s': must be at least "
			    "1 byte a second", arg);
		o->rate = (uint64_t)v;
		return 1;
	default:
		return 0;
	}
}

int
observe_open(struct observe_opts *o, struct status *st)
{
	int	fd;

	if (o->opened)
		return 0;
	o->opened = 1;
	o->hexdump_fd = -1;
	if (!o->hexdump || o->hexdump_path == NULL)
		return 0;
	fd = open(o->hexdump_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
	    O_NOCTTY, 0600);
	if (fd < 0)
		return status_set(st, SC_EX_USAGE, "--hexdump '%.200s': %s",
		    o->hexdump_path, strerror(errno));
	o->hexdump_fd = fd;
	return 0;
}

int
observe_wanted(const struct observe_opts *o)
{
	return o->hexdump || o->stats || o->progress || o->sha256 ||
	    o->crlf || o->rate > 0;
}

int
observe_begin(struct observe *ob, const struct observe_opts *o,
    enum observe_kind kind, const char *name, struct status *st)
{
	int	d;

	ob->o = o;
	ob->kind = kind;
	ob->ended = 0;
	ob->cr = 0;
	ob->loop = NULL;
	ob->pair = NULL;
	ob->total = -1;
	ob->nsamp = ob->isamp = 0;
	snprintf(ob->name, sizeof ob->name, "%s", name != NULL ? name : "");
	hexdump_init(&ob->hd, o->opened ? o->hexdump_fd : -1,
	    name != NULL ? ob->name : NULL,
	    kind == OBSERVE_PAIR ? "up" : "sent",
	    kind == OBSERVE_PAIR ? "down" : "received");
	loop_timer_init(&ob->tick, NULL, ob);
	for (d = 0; d < 2; d++) {
		ob->hex[d][0] = '\0';
		ob->hexbytes[d] = 0;
		if (!o->sha256)
			continue;
		/* A digest that was finished starts again at its update. */
		if (ob->dg[d] == NULL && (ob->dg[d] = digest_new(st)) == NULL)
			return -1;
	}
	return 0;
}

/* -x and --sha256 on the bytes a direction moved. */
static void
observe_see(void *arg, int d, const void *buf, size_t n)
{
	observe_data(arg, d, buf, n);
}

void
observe_data(struct observe *ob, int d, const void *p, size_t n)
{
	if (ob->o == NULL || n == 0)
		return;
	if (ob->o->hexdump)
		hexdump_chunk(&ob->hd, d, p, n);
	if (ob->dg[d] != NULL)
		digest_update(ob->dg[d], p, n);
}

size_t
observe_crlf(struct observe *ob, const char *in, size_t n, char *out)
{
	const char	*lf;
	size_t		 k = 0, run;

	while (n > 0) {
		lf = memchr(in, '\n', n);
		run = lf != NULL ? (size_t)(lf - in) : n;
		memcpy(out + k, in, run);
		k += run;
		if (run > 0)
			ob->cr = in[run - 1] == '\r';
		if (lf == NULL)
			break;
		/* An LF right after a CR (here or at the last call's end)
		   is a CRLF already. */
		if (!ob->cr)
			out[k++] = '\r';
		out[k++] = '\n';
		ob->cr = 0;
		in += run + 1;
		n -= run + 1;
	}
	return k;
}

/* The engine's rewrite: -C on what is sent (direction 0 only). */
static size_t
observe_rewrite(void *arg, int d, const char *in, size_t n, char *out)
{
	(void)d;
	return observe_crlf(arg, in, n, out);
}

void
observe_taps(struct observe *ob, struct pair_tap tap[2])
{
	const struct observe_opts	*o = ob->o;
	int				 d;

	memset(tap, 0, 2 * sizeof *tap);
	for (d = 0; d < 2; d++) {
		tap[d].arg = ob;
		if (o->hexdump || o->sha256)
			tap[d].see = observe_see;
		tap[d].rate = o->rate;
	}
	if (o->crlf)
		tap[0].rewrite = observe_rewrite;
}

/* ------------------------------------------------------------ progress */

const char *
observe_human(double bytes, char *buf, size_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB",
	    "PiB" };
	int	u = 0;

	if (!(bytes >= 1024)) {
		snprintf(buf, size, "%.0f B", bytes);
		return buf;
	}
	bytes /= 1024;
	while (bytes >= 1024 && u < 4) {
		bytes /= 1024;
		u++;
	}
	snprintf(buf, size, bytes < 10 ? "%.2f %s" : bytes < 100 ?
	    "%.1f %s" : "%.0f %s", bytes, units[u]);
	return buf;
}

/* "0:01:05" */
static const char *
observe_clock(int64_t ms, char *buf, size_t size)
{
	int64_t	s = ms / 1000;

	snprintf(buf, size, "%lld:%02lld:%02lld", (long long)(s / 3600),
	    (long long)(s / 60 % 60), (long long)(s % 60));
	return buf;
}

/* The bytes moved both ways and taken from stdin, as a sample. */
static void
observe_sample(struct observe *ob, int64_t now, const struct pair_counts *c)
{
	int	i = ob->isamp;

	ob->samp_ms[i] = now;
	ob->samp_moved[i] = c->out[0] + c->in[1];
	ob->samp_in[i] = c->in[0];
	ob->isamp = (i + 1) % OBSERVE_SAMPLES;
	if (ob->nsamp < OBSERVE_SAMPLES)
		ob->nsamp++;
}

/* One progress line from the counts (and the oldest sample kept). */
static void
observe_progress_line(struct observe *ob, int64_t now,
    const struct pair_counts *c)
{
	struct log_field	 f[7];
	char			 line[256], sent[32], recv[32], rate[32];
	char			 el[32], left[32];
	int			 old, n = 0, len;
	int64_t			 span, elapsed = now - c->start_ms;
	double			 bps = 0, inps = 0;

	old = ob->nsamp < OBSERVE_SAMPLES ? 0 : ob->isamp;
	span = now - ob->samp_ms[old];
	if (span > 0) {
		bps = (double)(ob->samp_moved[(ob->isamp + OBSERVE_SAMPLES -
		    1) % OBSERVE_SAMPLES] - ob->samp_moved[old]) * 1000 /
		    (double)span;
		inps = (double)(c->in[0] - ob->samp_in[old]) * 1000 /
		    (double)span;
	}
	len = snprintf(line, sizeof line, "progress: %s sent, %s received, "
	    "%s/s, %s", observe_human((double)c->out[0], sent, sizeof sent),
	    observe_human((double)c->in[1], recv, sizeof recv),
	    observe_human(bps, rate, sizeof rate),
	    observe_clock(elapsed, el, sizeof el));
	f[n++] = (struct log_field)LOG_UINT("bytes_sent", c->out[0]);
	f[n++] = (struct log_field)LOG_UINT("bytes_received", c->in[1]);
	f[n++] = (struct log_field)LOG_UINT("rate_bps", (uint64_t)bps);
	f[n++] = (struct log_field)LOG_INT("elapsed_ms", elapsed);
	if (ob->total > 0 && len > 0 && (size_t)len < sizeof line) {
		uint64_t	total = (uint64_t)ob->total;
		uint64_t	done = c->in[0] < total ? c->in[0] : total;
		int		pct = (int)(done * 100 / total);
		int64_t		eta;

		f[n++] = (struct log_field)LOG_INT("percent", pct);
		len += snprintf(line + len, sizeof line - (size_t)len,
		    ", %d%%", pct);
		if (inps >= 1 && len > 0 && (size_t)len < sizeof line) {
			eta = (int64_t)((double)(total - done) * 1000 / inps);
			f[n++] = (struct log_field)LOG_INT("eta_ms", eta);
			snprintf(line + len, sizeof line - (size_t)len,
			    ", %s left", observe_clock(eta + 999, left,
			    sizeof left));
		}
	}
	log_progress(line, f, (size_t)n);
}

static void
observe_tick_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	struct observe			*ob = arg;
	const struct pair_counts	*c = pair_counts(ob->pair);
	struct status			 st;
	int64_t				 now = loop_now(l);

	observe_sample(ob, now, c);
	if (log_progress_inplace() || now >= ob->next_line) {
		observe_progress_line(ob, now, c);
		ob->next_line = now + OBSERVE_LINE_MS;
	}
	(void)loop_timer_at(l, t, now + OBSERVE_TICK_MS, &st);
}

/* What stdin still has to give, when it is a regular file; else -1. */
static int64_t
observe_stdin_left(int fd)
{
	struct stat	sb;
	off_t		at;

	if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))
		return -1;
	at = lseek(fd, 0, SEEK_CUR);
	if (at < 0 || at > sb.st_size)
		return -1;
	return (int64_t)(sb.st_size - at);
}

int
observe_progress(struct observe *ob, struct loop *l, const struct pair *p,
    int in_fd, struct status *st)
{
	const struct pair_counts	*c = pair_counts(p);

	if (ob->o == NULL || !ob->o->progress)
		return 0;
	ob->loop = l;
	ob->pair = p;
	ob->total = observe_stdin_left(in_fd);
	ob->next_line = c->start_ms + OBSERVE_LINE_MS;
	observe_sample(ob, c->start_ms, c);
	loop_timer_init(&ob->tick, observe_tick_cb, ob);
	return loop_timer_at(l, &ob->tick, c->start_ms + OBSERVE_TICK_MS, st);
}

void
observe_end(struct observe *ob)
{
	int	d;

	if (ob->o == NULL || ob->ended)
		return;
	ob->ended = 1;
	if (ob->loop != NULL) {
		loop_timer_stop(ob->loop, &ob->tick);
		ob->loop = NULL;
		ob->pair = NULL;
		log_progress_clear();
	}
	for (d = 0; d < 2; d++)
		if (ob->dg[d] != NULL) {
			ob->hexbytes[d] = digest_bytes(ob->dg[d]);
			digest_final_hex(ob->dg[d], ob->hex[d]);
		}
}

/* ------------------------------------------------------------- reports */

/* "N bytes sent" or "N datagrams (B bytes) sent" */
static void
observe_amount(const struct observe *ob, const struct observe_counts *c,
    int d, char *buf, size_t size)
{
	static const char *const words[][2] = {
		{ "sent", "received" }, { "up", "down" }
	};
	const char	*w = words[ob->kind][d];

	if (c->dgram)
		snprintf(buf, size, "%llu datagram%s (%llu byte%s) %s",
		    (unsigned long long)c->dgrams[d], c->dgrams[d] == 1 ? "" :
		    "s", (unsigned long long)c->bytes[d], c->bytes[d] == 1 ?
		    "" : "s", w);
	else
		snprintf(buf, size, "%llu byte%s %s",
		    (unsigned long long)c->bytes[d], c->bytes[d] == 1 ? "" :
		    "s", w);
}

static void
observe_stats(const struct observe *ob, const char *peer,
    const struct observe_counts *c)
{
	struct log_field	f[7];
	char			a[96], b[96], rate[32];
	int64_t			ms = c->duration_ms;
	uint64_t		bps;
	int			n = 0, pair = ob->kind == OBSERVE_PAIR;

	/* A session shorter than a millisecond counts as one. */
	bps = (c->bytes[0] + c->bytes[1]) * 1000 / (uint64_t)(ms > 0 ? ms : 1);
	observe_amount(ob, c, 0, a, sizeof a);
	observe_amount(ob, c, 1, b, sizeof b);
	f[n++] = (struct log_field)LOG_STR(pair ? "pair" : "peer", peer);
	if (c->dgram)
		f[n++] = (struct log_field)LOG_UINT(pair ? "datagrams_up" :
		    "datagrams_sent", c->dgrams[0]);
	f[n++] = (struct log_field)LOG_UINT(pair ? "bytes_up" : "bytes_sent",
	    c->bytes[0]);
	if (c->dgram)
		f[n++] = (struct log_field)LOG_UINT(pair ? "datagrams_down" :
		    "datagrams_received", c->dgrams[1]);
	f[n++] = (struct log_field)LOG_UINT(pair ? "bytes_down" :
	    "bytes_received", c->bytes[1]);
	f[n++] = (struct log_field)LOG_INT("duration_ms", ms);
	f[n++] = (struct log_field)LOG_UINT("rate_bps", bps);
	log_event(LOG_QUIET, "stats", f, (size_t)n,
	    "stats %s: %s, %s, %lld.%03llds, %s/s", peer, a, b,
	    (long long)(ms / 1000), (long long)(ms % 1000),
	    observe_human((double)bps, rate, sizeof rate));
}

void
observe_report(const struct observe *ob, const char *peer,
    const struct observe_counts *c)
{
	static const char *const dirs[] = { "sent", "received" };
	int	d;

	if (ob->o == NULL)
		return;
	if (ob->o->stats)
		observe_stats(ob, peer, c);
	if (ob->o->hexdump && ob->hd.err != 0)
		log_warn("--hexdump '%.200s': %s", ob->o->hexdump_path,
		    strerror(ob->hd.err));
	for (d = 0; d < 2 && ob->o->sha256; d++)
		log_event(LOG_QUIET, "digest", LOG_FIELDS(
		    LOG_STR("peer", peer),
		    LOG_STR("direction", dirs[d]),
		    LOG_UINT("bytes", ob->hexbytes[d]),
		    LOG_STR("sha256", ob->hex[d])),
		    "%s %llu byte%s sha256 %s", dirs[d],
		    (unsigned long long)ob->hexbytes[d],
		    ob->hexbytes[d] == 1 ? "" : "s", ob->hex[d]);
}

void
observe_free(struct observe *ob)
{
	int	d;

	observe_end(ob);
	for (d = 0; d < 2; d++) {
		digest_free(ob->dg[d]);
		ob->dg[d] = NULL;
	}
	ob->o = NULL;
}

int
observe_pair_begin(struct observe **obp, const struct observe_opts *o,
    const char *client, const char *target, struct pair_opts *po,
    struct status *st)
{
	char	name[OBSERVE_NAME_MAX];

	*obp = NULL;
	if (!observe_wanted(o))
		return 0;
	if ((*obp = calloc(1, sizeof **obp)) == NULL)
		return status_errno(st, ENOMEM, SC_EX_SOFTWARE, "observe");
	snprintf(name, sizeof name, "%s -> %s", client, target);
	if (observe_begin(*obp, o, OBSERVE_PAIR, name, st) < 0)
		return -1;
	observe_taps(*obp, po->tap);
	return 0;
}

void
observe_pair_report(struct observe *ob, const struct pair_counts *n)
{
	struct observe_counts	oc;

	if (ob == NULL)
		return;
	memset(&oc, 0, sizeof oc);
	oc.bytes[0] = n->out[0];
	oc.bytes[1] = n->out[1];
	oc.duration_ms = n->end_ms - n->start_ms;
	observe_end(ob);
	observe_report(ob, ob->name, &oc);
}

void
observe_pair_free(struct observe *ob)
{
	if (ob == NULL)
		return;
	observe_free(ob);
	free(ob);
}
