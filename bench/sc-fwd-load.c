/*
 * sc-fwd-load: load for a TCP forwarder (sockcat forward, haproxy, socat
 * fork, ...): streams, request/response sessions or idle pairs through
 * HOST PORT to a target in this same process.  See pairload.h and -h.
 */
#include "config.h"

#include "pairload.h"

int
main(int argc, char **argv)
{
	return pl_main(argc, argv, "sc-fwd-load", NULL);
}
