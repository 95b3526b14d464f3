/*
 * parse.h: one strict parser each for the values users type.
 *
 * Each accepts exactly what SPEC allows and, on refusal, returns -1 with a
 * usage status (64) naming the option and the value:
 * "--timeout 'abc': not a duration".  `what` is that option's name as it
 * should appear in the message ("--timeout", "PORT").
 */
#ifndef SC_PARSE_H
#define SC_PARSE_H

#include <stdint.h>

#include "status.h"

/* The largest duration accepted, in milliseconds: 100 days. */
#define PARSE_DUR_MAX_MS	(100LL * 24 * 3600 * 1000)

/*
 * PORT: a decimal number 0-65535, or a service name from /etc/services
 * for proto ("tcp" or "udp").  No DNS is involved.
 */
int	parse_port(const char *what, const char *s, const char *proto,
	    uint16_t *out, struct status *st);

/*
 * DUR: a decimal number of seconds with an optional unit: "500ms", "1.5",
 * "2s", "3m", "1h".  The result is in milliseconds, rounded up so that a
 * non-zero duration never becomes 0.  No sign, no exponent, no inf/nan.
 */
int	parse_duration(const char *what, const char *s, int64_t *ms,
	    struct status *st);

/*
 * SIZE: a whole number of bytes with an optional k, M or G suffix
 * (powers of 1024), at most max.
 */
int	parse_size(const char *what, const char *s, int64_t max,
	    int64_t *out, struct status *st);

/* Bytes of the bitmap parse_ports() fills: one bit per port 0-65535. */
#define PARSE_PORTS_BYTES	(65536 / 8)

/*
 * PORTS: a comma list of ports 1-65535, service names (for proto, from
 * /etc/services) and LOW-HIGH ranges ("22,80,8000-8100", "ssh-http"), as
 * scan takes them.  Each port is added to set (PARSE_PORTS_BYTES bytes:
 * port p is bit p % 8 of byte p / 8).  Refused, naming the item: an empty
 * list or item, port 0, a port over 65535, a range that ends before it
 * starts, anything else.
 */
int	parse_ports(const char *what, const char *s, const char *proto,
	    unsigned char *set, struct status *st);

/* COUNT: a whole decimal number from min to max. */
int	parse_count(const char *what, const char *s, int64_t min, int64_t max,
	    int64_t *out, struct status *st);

#endif
