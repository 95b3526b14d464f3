/*
 * sock.c: creating, binding, accepting and connecting sockets, and every
 * setsockopt.  The Linux-only calls (TCP_KEEP*, abstract Unix names,
 * IPV6_V6ONLY) live here and nowhere else.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acl.h"
#include "addr.h"
#include "dial.h"
#include "sig.h"
#include "sock.h"

void
sock_opts_init(struct sock_opts *o, int socktype, const char *proto)
{
	memset(o, 0, sizeof *o);
	o->socktype = socktype;
	o->proto = proto;
	o->family = AF_UNSPEC;
	o->timeout_ms = -1;
	o->idle_ms = -1;
	o->reuseaddr = -1;	/* default: on for stream listeners */
}

int
sock_type(const struct sock_opts *o)
{
	if (o->unix_path != NULL && o->seqpacket)
		return SOCK_SEQPACKET;
	return o->socktype;
}

int64_t
sock_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
sock_poll_ms(int64_t deadline)
{
	int64_t	left;

	if (deadline < 0)
		return -1;
	left = deadline - sock_now_ms();
	if (left < 0)
		return 0;
	return left > 0x7fffffff ? 0x7fffffff : (int)left;
}

int
sock_set_nonblock(int fd, int on)
{
	int	fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl);
}

void
sock_reset(int fd)
{
	struct linger	lg = { .l_onoff = 1, .l_linger = 0 };

	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
}

static int
sock_setint(int fd, int level, int name, int value, const char *what,
    struct status *st)
{
	if (setsockopt(fd, level, name, &value, sizeof value) < 0) {
		char	subject[64];

		snprintf(subject, sizeof subject, "setsockopt %s", what);
		return status_errno(st, errno, SC_EX_OSERR, subject);
	}
	return 0;
}

/* udp-send's --broadcast and --ttl (unicast TTL and multicast hops). */
static int
sock_apply_dgram(int fd, const struct sock_opts *o, int family,
    struct status *st)
{
	int	v6 = family == AF_INET6;

	/* Without SO_BROADCAST, connect() to a broadcast address is EACCES. */
	if (o->broadcast && sock_setint(fd, SOL_SOCKET, SO_BROADCAST, 1,
	    "SO_BROADCAST", st) < 0)
		return -1;
	if (o->ttl <= 0)
		return 0;
	if (sock_setint(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
	    v6 ? IPV6_UNICAST_HOPS : IP_TTL, o->ttl,
	    v6 ? "IPV6_UNICAST_HOPS" : "IP_TTL", st) < 0)
		return -1;
	return sock_setint(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
	    v6 ? IPV6_MULTICAST_HOPS : IP_MULTICAST_TTL, o->ttl,
	    v6 ? "IPV6_MULTICAST_HOPS" : "IP_MULTICAST_TTL", st);
}

int
sock_apply(int fd, const struct sock_opts *o, int family, int listener,
    struct status *st)
{
	int	tcp = (family == AF_INET || family == AF_INET6) &&
		    o->socktype == SOCK_STREAM;

	/*
	 * SO_REUSEADDR is on by default for stream listeners (TIME_WAIT must
	 * not block a restart).  On datagram sockets it would let two
	 * receivers share a port silently, so there it is set only on request.
	 */
	if (listener && (o->reuseaddr == 1 ||
	    (o->reuseaddr == -1 && o->socktype == SOCK_STREAM)))
		if (sock_setint(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR",
		    st) < 0)
			return -1;
	if (listener && o->reuseport &&
	    sock_setint(fd, SOL_SOCKET, SO_REUSEPORT, 1, "SO_REUSEPORT",
	    st) < 0)
		return -1;
	if (o->rcvbuf > 0 && sock_setint(fd, SOL_SOCKET, SO_RCVBUF, o->rcvbuf,
	    "SO_RCVBUF", st) < 0)
		return -1;
	if (o->sndbuf > 0 && sock_setint(fd, SOL_SOCKET, SO_SNDBUF, o->sndbuf,
	    "SO_SNDBUF", st) < 0)
		return -1;
	if (o->socktype == SOCK_DGRAM && (family == AF_INET ||
	    family == AF_INET6) && sock_apply_dgram(fd, o, family, st) < 0)
		return -1;
	if (!tcp)
		return 0;
	if (o->nodelay && sock_setint(fd, IPPROTO_TCP, TCP_NODELAY, 1,
	    "TCP_NODELAY", st) < 0)
		return -1;
	if (!o->keepalive)
		return 0;
	if (sock_setint(fd, SOL_SOCKET, SO_KEEPALIVE, 1, "SO_KEEPALIVE",
	    st) < 0)
		return -1;
	if (o->ka_idle > 0 && sock_setint(fd, IPPROTO_TCP, TCP_KEEPIDLE,
	    o->ka_idle, "TCP_KEEPIDLE", st) < 0)
		return -1;
	if (o->ka_intvl > 0 && sock_setint(fd, IPPROTO_TCP, TCP_KEEPINTVL,
	    o->ka_intvl, "TCP_KEEPINTVL", st) < 0)
		return -1;
	if (o->ka_cnt > 0 && sock_setint(fd, IPPROTO_TCP, TCP_KEEPCNT,
	    o->ka_cnt, "TCP_KEEPCNT", st) < 0)
		return -1;
	return 0;
}

/*
 * A bind that failed: 71, or 77 for permission.  ENOENT here means a
 * missing directory of a Unix path, not "no socket there" (69), which is
 * what it means when connecting.
 */
static int
sock_bind_error(struct status *st, int err, const char *name)
{
	status_errno(st, err, SC_EX_OSERR, name);
	if (err == ENOENT || err == ENOTDIR)
		st->code = SC_EX_OSERR;
	return -1;
}

/* Bind fd to sa and, for streams, listen; errors name the address. */
static int
sock_bind_listen(int fd, int socktype, const struct sockaddr *sa,
    socklen_t len, const char *name, struct status *st)
{
	char	buf[ADDR_STRLEN];

	if (name == NULL)
		name = addr_format(sa, len, buf, sizeof buf);
	if (bind(fd, sa, len) < 0)
		return sock_bind_error(st, errno, name);
	if (socktype != SOCK_DGRAM && listen(fd, SOMAXCONN) < 0)
		return status_errno(st, errno, SC_EX_OSERR, name);
	return 0;
}

/* One IP socket bound to sa; v6only -1 leaves IPV6_V6ONLY alone. */
static int
sock_listen_ip(const struct sock_opts *o, const struct sockaddr *sa,
    socklen_t len, int v6only, struct sock_listener *l, struct status *st)
{
	int	fd, saved;

	fd = socket(sa->sa_family, o->socktype | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return status_errno(st, errno, SC_EX_OSERR, "socket");
	if ((sa->sa_family == AF_INET6 && v6only >= 0 &&
	    sock_setint(fd, IPPROTO_IPV6, IPV6_V6ONLY, v6only, "IPV6_V6ONLY",
	    st) < 0) || sock_apply(fd, o, sa->sa_family, 1, st) < 0 ||
	    sock_bind_listen(fd, o->socktype, sa, len, NULL, st) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	l->fd = fd;
	l->family = sa->sa_family;
	return 0;
}

/* The wildcard: dual-stack [::] unless -4, falling back to 0.0.0.0. */
static int
sock_listen_any(const struct sock_opts *o, struct sock_listener *l,
    struct status *st)
{
	struct sockaddr_in6	in6;
	struct sockaddr_in	in;

	if (o->family != AF_INET) {
		memset(&in6, 0, sizeof in6);
		in6.sin6_family = AF_INET6;
		in6.sin6_addr = in6addr_any;
		in6.sin6_port = htons(o->port);
		if (sock_listen_ip(o, (struct sockaddr *)&in6, sizeof in6,
		    o->family == AF_INET6, l, st) == 0)
			return 0;
		/* No IPv6 here: use IPv4, unless -6 asked for IPv6. */
		if (o->family == AF_INET6 || (errno != EAFNOSUPPORT &&
		    errno != EADDRNOTAVAIL))
			return -1;
	}
	memset(&in, 0, sizeof in);
	in.sin_family = AF_INET;
	in.sin_addr.s_addr = htonl(INADDR_ANY);
	in.sin_port = htons(o->port);
	return sock_listen_ip(o, (struct sockaddr *)&in, sizeof in, -1, l, st);
}

/* -b ADDR: every address it resolves to, in order, until one binds. */
static int
sock_listen_addr(const struct sock_opts *o, struct sock_listener *l,
    struct status *st)
{
	struct addrinfo	*res, *ai;
	int		 rc = -1;

	if (addr_resolve(o->bind, o->port, o->family, o->socktype,
	    ADDR_PASSIVE | (o->numeric ? ADDR_NUMERIC : 0), &res, st) < 0)
		return -1;
	for (ai = res; ai != NULL && rc < 0; ai = ai->ai_next)
		rc = sock_listen_ip(o, ai->ai_addr, ai->ai_addrlen,
		    ai->ai_family == AF_INET6 ? 1 : -1, l, st);
	freeaddrinfo(res);
	return rc;
}

/* The listening flag of /proc/net/unix (__SO_ACCEPTCON). */
#define SOCK_PROC_LISTENING	0x10000UL

/*
 * Is a stream socket listening on the socket file at path (identity
 * *file)?  Asked of /proc/net/unix rather than by connecting, because a
 * listener without -k would accept the probe as its one session.  Returns
 * 1 yes, 0 no, -1 when the table cannot be read.
 */
static int
sock_unix_listening(const char *path, const struct stat *file)
{
	struct stat	 sb;
	unsigned long	 flags;
	char		 line[512], *name;
	size_t		 len;
	int		 found = 0, off;
	FILE		*fp;

	fp = fopen("/proc/net/unix", "re");
	if (fp == NULL)
		return -1;
	while (!found && fgets(line, sizeof line, fp) != NULL) {
		off = -1;
		/* The kernel's own hex: only overflow would go unreported. */
		/* NOLINTNEXTLINE(cert-err34-c) */
		if (sscanf(line, "%*s %*s %*s %lx %*s %*s %*s %n", &flags,
		    &off) < 1 || off < 0 || !(flags & SOCK_PROC_LISTENING))
			continue;
		name = line + off;
		len = strcspn(name, "\n");
		name[len] = '\0';
		if (len == 0 || name[0] == '@')
			continue;
		/* The same string, or another name of the same file. */
		found = strcmp(name, path) == 0 || (stat(name, &sb) == 0 &&
		    sb.st_dev == file->st_dev && sb.st_ino == file->st_ino);
	}
	fclose(fp);
	return found;
}

/*
 * A socket file is at path and bind said EADDRINUSE: is somebody still
 * using it?  Returns 1 when the file is a stale socket (its identity in
 * *stale, so only that file is removed), 0 with st set when it is live or
 * not a socket.  Datagram receivers are asked by connecting (harmless to
 * them); stream listeners through /proc/net/unix.
 */
static int
sock_unix_stale(const char *path, const struct sockaddr_un *sun,
    socklen_t len, int socktype, struct stat *stale, struct status *st)
{
	int	fd, rc, err;

	if (lstat(path, stale) < 0)
		return status_errno(st, errno, SC_EX_OSERR, path) + 1;
	if (!S_ISSOCK(stale->st_mode))
		return status_set(st, SC_EX_OSERR, "%s: File exists and is "
		    "not a socket", path) + 1;
	rc = socktype == SOCK_DGRAM ? -1 : sock_unix_listening(path, stale);
	if (rc == 0)
		return 1;
	if (rc < 0) {
		fd = socket(AF_UNIX, socktype | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return status_errno(st, errno, SC_EX_OSERR, "socket") +
			    1;
		rc = connect(fd, (const struct sockaddr *)sun, len);
		err = errno;
		close(fd);
		if (rc < 0 && err == ECONNREFUSED)
			return 1;
	}
	return status_set(st, SC_EX_OSERR, "%s: Address already in use",
	    path) + 1;
}

static int
sock_listen_unix(const struct sock_opts *o, struct sock_listener *l,
    struct status *st)
{
	struct sockaddr_un	sun;
	struct stat		sb, stale;
	socklen_t		len;
	int			fd, type = sock_type(o), saved;

	if (addr_unix(o->unix_path, &sun, &len, st) < 0)
		return -1;
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return status_errno(st, errno, SC_EX_OSERR, "socket");
	if (sock_apply(fd, o, AF_UNIX, 1, st) < 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sun, len) < 0) {
		if (errno != EADDRINUSE || o->unix_path[0] == '@') {
			sock_bind_error(st, errno, o->unix_path);
			goto fail;
		}
		/* A stale socket file from a dead listener is replaced. */
		if (sock_unix_stale(o->unix_path, &sun, len, type, &stale,
		    st) == 0)
			goto fail;
		/* Still that socket file, not something put there since? */
		if (lstat(o->unix_path, &sb) < 0 || sb.st_dev != stale.st_dev ||
		    sb.st_ino != stale.st_ino) {
			status_set(st, SC_EX_OSERR, "%s: replaced while being "
			    "checked", o->unix_path);
			goto fail;
		}
		if (unlink(o->unix_path) < 0 ||
		    bind(fd, (struct sockaddr *)&sun, len) < 0) {
			sock_bind_error(st, errno, o->unix_path);
			goto fail;
		}
	}
	if (o->unix_path[0] != '@' && lstat(o->unix_path, &sb) == 0) {
		l->have_path = 1;
		snprintf(l->path, sizeof l->path, "%s", o->unix_path);
		l->dev = sb.st_dev;
		l->ino = sb.st_ino;
	}
	if (type != SOCK_DGRAM && listen(fd, SOMAXCONN) < 0) {
		status_errno(st, errno, SC_EX_OSERR, o->unix_path);
		goto fail;
	}
	l->fd = fd;
	l->family = AF_UNIX;
	return 0;
fail:
	saved = errno;
	close(fd);
	l->fd = -1;
	sock_listener_close(l);
	errno = saved;
	return -1;
}

/* The socket systemd passes first (SD_LISTEN_FDS_START). */
#define SOCK_ACTIVATION_FD	3

int
sock_activation_present(void)
{
	const char	*pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	char		 mine[32];

	if (pid == NULL || fds == NULL || fds[0] < '1' || fds[0] > '9')
		return 0;
	snprintf(mine, sizeof mine, "%ld", (long)getpid());
	return strcmp(pid, mine) == 0 &&
	    fcntl(SOCK_ACTIVATION_FD, F_GETFD) >= 0;
}

/* The activation variables are this process's alone: not its children's. */
static void
sock_activation_forget(void)
{
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
}

/* Serve the inherited socket on fd 3 as l. */
static int
sock_listen_inherited(const struct sock_opts *o, struct sock_listener *l,
    struct status *st)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof ss;
	int			type = 0, fd = SOCK_ACTIVATION_FD;
	socklen_t		tlen = sizeof type;
	uint16_t		port = 0;

	memset(&ss, 0, sizeof ss);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return status_errno(st, errno, SC_EX_OSERR,
		    "inherited socket (fd 3)");
	if (type != l->socktype)
		return status_set(st, SC_EX_USAGE, "the inherited socket (fd "
		    "3) is a %s socket; this needs a %s one",
		    type == SOCK_DGRAM ? "datagram" : "stream",
		    l->socktype == SOCK_DGRAM ? "datagram" : "stream");
	if (ss.ss_family == AF_INET)
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else if (ss.ss_family == AF_INET6)
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	if (o->port_set && (ss.ss_family == AF_UNIX || port != o->port))
		return status_set(st, SC_EX_USAGE, "port %u does not match "
		    "the inherited socket (fd 3)", (unsigned)o->port);
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	l->fd = fd;
	l->family = ss.ss_family;
	return 0;
}

int
sock_listen(const struct sock_opts *o, struct sock_listener *l,
    struct status *st)
{
	int	inherited = o->activate && sock_activation_present();

	memset(l, 0, sizeof *l);
	l->fd = -1;
	l->socktype = sock_type(o);
	if (o->activate)
		sock_activation_forget();
	if (inherited)
		return sock_listen_inherited(o, l, st);
	if (o->unix_path != NULL)
		return sock_listen_unix(o, l, st);
	if (o->bind != NULL)
		return sock_listen_addr(o, l, st);
	return sock_listen_any(o, l, st);
}

void
sock_listener_close(struct sock_listener *l)
{
	struct stat	sb;

	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	/* Remove the file only if it is still the socket we bound. */
	if (l->have_path && lstat(l->path, &sb) == 0 && S_ISSOCK(sb.st_mode) &&
	    sb.st_dev == l->dev && sb.st_ino == l->ino)
		unlink(l->path);
	l->have_path = 0;
}

static int
sock_accept_transient(int err)
{
	switch (err) {
	case EAGAIN:
	case ECONNABORTED:
	case EPROTO:
	case ENETDOWN:
	case ENOPROTOOPT:
	case EHOSTDOWN:
	case ENONET:
	case EHOSTUNREACH:
	case EOPNOTSUPP:
	case ENETUNREACH:
		return 1;
	default:
		return 0;
	}
}

int
sock_accept(const struct sock_listener *l, const struct sock_opts *o,
    int64_t timeout_ms, struct sockaddr_storage *peer, socklen_t *peerlen,
    struct status *st)
{
	struct pollfd	pfd = { .fd = l->fd, .events = POLLIN };
	int64_t		deadline = timeout_ms < 0 ? -1 : sock_now_ms() +
			    timeout_ms;
	int		fd, n;

	for (;;) {
		/*
		 * Without a timeout, block in accept4 itself: a poll first
		 * would cost a call per connection (the listening socket is
		 * blocking; a stop signal still ends the wait with EINTR).
		 */
		n = timeout_ms < 0 ? 1 : poll(&pfd, 1, sock_poll_ms(deadline));
		if (n < 0 && errno == EINTR && sig_pending() == 0)
			continue;
		if (n < 0)
			return status_errno(st, errno, SC_EX_FAIL, "poll");
		if (n == 0)
			return status_set(st, SC_EX_TEMPFAIL, "accept timeout: "
			    "nobody connected within %lld.%03llds",
			    (long long)(timeout_ms / 1000),
			    (long long)(timeout_ms % 1000));
		*peerlen = sizeof *peer;
		fd = accept4(l->fd, (struct sockaddr *)peer, peerlen,
		    SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd >= 0 && !acl_check(o->acl, (struct sockaddr *)peer,
		    *peerlen)) {
			/* Refused: not a session; wait on, same deadline. */
			sock_reset(fd);
			close(fd);
			continue;
		}
		if (fd >= 0)
			break;
		/*
		 * The client left between poll and accept, or accept passed on
		 * a network error pending on the new socket (accept(2)): that
		 * connection is lost, the listener is fine: wait again.
		 */
		if (sock_accept_transient(errno) ||
		    (errno == EINTR && sig_pending() == 0))
			continue;
		if (errno == EINTR)
			return status_errno(st, errno, SC_EX_FAIL, "accept");
		return status_errno(st, errno, SC_EX_OSERR, "accept");
	}
	if (sock_apply(fd, o, l->family, 0, st) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* One implementation of a client's connect: the dialer's. */
int
sock_connect(const struct sock_opts *o, const char *host, struct status *st)
{
	return dial_blocking(o, host, o->remote_port, st);
}

int
sock_set_rcvtimeo(int fd, int64_t ms, struct status *st)
{
	struct timeval	tv;

	if (ms < 1)
		ms = 1;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0)
		return status_errno(st, errno, SC_EX_OSERR,
		    "setsockopt SO_RCVTIMEO");
	return 0;
}

int
sock_join_group(int fd, int fd_family, const struct sockaddr *group,
    unsigned int ifindex, struct status *st)
{
	char	host[INET6_ADDRSTRLEN], subject[INET6_ADDRSTRLEN + 8];
	int	err;

	if (group->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)group;
		struct ip_mreqn	mr;

		memset(&mr, 0, sizeof mr);
		mr.imr_multiaddr = in->sin_addr;
		mr.imr_ifindex = (int)ifindex;
		if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr,
		    sizeof mr) == 0)
			return 0;
	} else {
		struct ipv6_mreq mr;

		if (fd_family != AF_INET6)
			return status_usage(st, "--join: an IPv6 group needs "
			    "an IPv6 socket (not -4)");
		memset(&mr, 0, sizeof mr);
		mr.ipv6mr_multiaddr =
		    ((const struct sockaddr_in6 *)group)->sin6_addr;
		mr.ipv6mr_interface = ifindex;
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr,
		    sizeof mr) == 0)
			return 0;
	}
	err = errno;
	inet_ntop(group->sa_family, group->sa_family == AF_INET ?
	    (const void *)&((const struct sockaddr_in *)group)->sin_addr :
	    (const void *)&((const struct sockaddr_in6 *)group)->sin6_addr,
	    host, sizeof host);
	snprintf(subject, sizeof subject, "join %s", host);
	return status_errno(st, err, SC_EX_OSERR, subject);
}

static const char *
sock_name_str(int fd, int peer, char *buf, size_t size)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof ss;
	int			rc;

	rc = peer ? getpeername(fd, (struct sockaddr *)&ss, &len) :
	    getsockname(fd, (struct sockaddr *)&ss, &len);
	if (rc < 0) {
		snprintf(buf, size, "?");
		return buf;
	}
	return addr_format((struct sockaddr *)&ss, len, buf, size);
}

const char *
sock_local_str(int fd, char *buf, size_t size)
{
	return sock_name_str(fd, 0, buf, size);
}

const char *
sock_peer_str(int fd, char *buf, size_t size)
{
	return sock_name_str(fd, 1, buf, size);
}
