/*
 * sc-accept-floor: the least a keep-open TCP server can do per session,
 * as a reference for the connections-per-second scenario of bench/run.sh.
 *
 * One blocking listening socket on HOST PORT; for each client: accept4,
 * shutdown(SHUT_WR) (a server with nothing to send says so at once, as a
 * netcat whose stdin is /dev/null does), read until EOF, close.  No poll,
 * no stdout, no option.  The rate a client reaches against it is about
 * the most a keep-open server can reach with that client on the same
 * machine: what is left is the kernel's work (the handshake, the FINs, the
 * wake-ups) and the client's own.
 *
 * It prints "listening on HOST:PORT" on stderr once it listens (PORT 0:
 * the kernel picks one), and stops on SIGTERM or SIGINT (default action),
 * or after -t BOUND seconds (default 600) whatever happens.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

static void
usage(FILE *f)
{
	fprintf(f,
"usage: sc-accept-floor [-t BOUND] HOST PORT\n"
"A keep-open TCP server that only accepts, half-closes, reads to EOF and\n"
"closes.\n"
"\n"
"  -t BOUND    exit after BOUND seconds (default 600)\n");
}

static int
floor_listen(const char *host, const char *port)
{
	struct addrinfo	 hints, *res;
	char		 h[NI_MAXHOST], s[NI_MAXSERV];
	struct sockaddr_storage ss;
	socklen_t	 len = sizeof ss;
	int		 fd, one = 1, err;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	err = getaddrinfo(host, port, &hints, &res);
	if (err != 0) {
		fprintf(stderr, "sc-accept-floor: %s %s: %s\n", host, port,
		    gai_strerror(err));
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, 4096) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) == -1 ||
	    getnameinfo((struct sockaddr *)&ss, len, h, sizeof h, s, sizeof s,
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		fprintf(stderr, "sc-accept-floor: %s %s: %s\n", host, port,
		    strerror(errno));
		freeaddrinfo(res);
		if (fd != -1)
			close(fd);
		return -1;
	}
	freeaddrinfo(res);
	fprintf(stderr, "listening on %s:%s\n", h, s);
	return fd;
}

int
main(int argc, char **argv)
{
	static char	buf[65536];
	double		bound = 600;
	ssize_t		n;
	int		c, lfd, fd;

	while ((c = getopt(argc, argv, "ht:")) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 't':
			if (bench_parse_num(optarg, 1, 86400, &bound) == 0)
				break;
			fprintf(stderr, "sc-accept-floor: -t '%s': bad value\n",
			    optarg);
			return 64;
		default:
			usage(stderr);
			return 64;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 64;
	}
	lfd = floor_listen(argv[optind], argv[optind + 1]);
	if (lfd == -1)
		return 69;
	alarm((unsigned int)bound);
	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("sc-accept-floor: accept4");
			return 1;
		}
		shutdown(fd, SHUT_WR);
		do
			n = read(fd, buf, sizeof buf);
		while (n > 0 || (n == -1 && errno == EINTR));
		close(fd);
	}
}
