/*
 * bench.h: the two helpers the load generators of bench/ share.  Each
 * generator is a standalone program, so these are static.
 */
#ifndef SC_BENCH_H
#define SC_BENCH_H

#include <errno.h>
#include <stdlib.h>
#include <time.h>

/* Seconds on CLOCK_MONOTONIC. */
static inline double
bench_now_sec(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A decimal number from min to max, the whole string; -1 otherwise. */
static inline int
bench_parse_num(const char *s, double min, double max, double *out)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= min && v <= max))
		return -1;
	*out = v;
	return 0;
}

#endif
