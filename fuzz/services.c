/*
 * services.c: getservbyname() for the fuzz targets, from a fixed table.
 *
 * glibc's own asks the nscd cache over a Unix socket before it reads
 * /etc/services; a fuzz target opens no socket at all, and its answers
 * should not depend on the machine.  A definition in the program wins
 * over libc's.
 */
#include "config.h"

#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

static const struct {
	const char	*name;
	int		 port;
	int		 udp;	/* also for udp */
} fake_services[] = {
	{ "echo", 7, 1 }, { "discard", 9, 1 }, { "ssh", 22, 1 },
	{ "smtp", 25, 0 }, { "domain", 53, 1 }, { "http", 80, 1 },
	{ "ntp", 123, 1 }, { "https", 443, 1 }, { "syslog", 514, 1 },
	{ "http-alt", 8080, 1 },
};

struct servent *
getservbyname(const char *name, const char *proto)
{
	static struct servent	se;
	static char		*no_aliases[] = { NULL };
	size_t			 i;

	for (i = 0; i < sizeof fake_services / sizeof fake_services[0]; i++) {
		if (strcmp(fake_services[i].name, name) != 0)
			continue;
		if (proto != NULL && strcmp(proto, "tcp") != 0 &&
		    (strcmp(proto, "udp") != 0 || !fake_services[i].udp))
			return NULL;
		se.s_name = (char *)(uintptr_t)fake_services[i].name;
		se.s_aliases = no_aliases;
		se.s_port = (int)htons((uint16_t)fake_services[i].port);
		se.s_proto = (char *)(uintptr_t)(proto != NULL ? proto : "tcp");
		return &se;
	}
	return NULL;
}
