/*
 * sock.h: sockets and every setsockopt.  All Linux-only socket calls
 * (TCP_KEEP*, abstract Unix names, IPV6_V6ONLY handling) live in sock.c.
 */
#ifndef SC_SOCK_H
#define SC_SOCK_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <stdint.h>

#include "status.h"

struct acl;

/*
 * One step of a client's connect (dial.c), for a command that wants to
 * log it (-v): modules say what happened, commands decide what to print.
 */
enum sock_attempt_what {
	SOCK_ATTEMPT_START,	/* a connect to addr begins */
	SOCK_ATTEMPT_FAIL,	/* it failed: err, reason */
	SOCK_ATTEMPT_LOST,	/* it was closed: winner connected first */
	SOCK_ATTEMPT_OK		/* it connected */
};

struct sock_attempt {
	enum sock_attempt_what	 what;
	const char		*addr;		/* "[::1]:8009", or a Unix path */
	int			 err;		/* FAIL: errno (ETIMEDOUT at -w) */
	const char		*reason;	/* FAIL: "addr: what went wrong" */
	const char		*winner;	/* LOST: who connected */
	size_t			 n, of;		/* attempt n (from 1) of `of` */
};

typedef void (*sock_attempt_cb)(void *arg, const struct sock_attempt *a);

/* The shared network options of SPEC's table, filled by opt_net(). */
struct sock_opts {
	int		 socktype;	/* SOCK_STREAM or SOCK_DGRAM (command) */
	const char	*proto;		/* "tcp" or "udp": service names */
	int		 family;	/* AF_UNSPEC, AF_INET (-4), AF_INET6 (-6) */
	int		 port_set;	/* a local port was given */
	uint16_t	 port;		/* -p or the PORT operand */
	const char	*bind;		/* -b ADDR */
	const char	*source;	/* -s ADDR */
	int		 source_port_set;
	uint16_t	 source_port;	/* --source-port */
	uint16_t	 remote_port;	/* a client's PORT operand */
	int		 numeric;	/* -n */
	int64_t		 timeout_ms;	/* -w; -1: none */
	int64_t		 idle_ms;	/* -i; -1: none */
	int		 reuseaddr;	/* 1 by default */
	int		 reuseport;
	int		 keepalive;
	int		 ka_idle, ka_intvl, ka_cnt;	/* 0: kernel's */
	int		 nodelay;
	int		 rcvbuf, sndbuf;		/* 0: kernel's */
	const char	*unix_path;	/* -U PATH */
	int		 seqpacket;	/* --seqpacket (with -U) */
	int		 broadcast;	/* udp-send --broadcast: SO_BROADCAST */
	int		 ttl;		/* udp-send --ttl: 0 kernel's, 1-255 */
	sock_attempt_cb	 attempt;	/* told of each connect attempt */
	void		*attempt_arg;
	int		 activate;	/* a listener that serves a socket
					   inherited by socket activation */
	struct acl	*acl;		/* --allow/--deny, the command's (a
					   listener's), or NULL: everyone */
};

/* A bound (and, for streams, listening) socket. */
struct sock_listener {
	int		 fd;
	int		 family;
	int		 socktype;
	int		 have_path;	/* we created this Unix socket file */
	char		 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t		 dev;		/* its identity, so we remove only it */
	ino_t		 ino;
};

/* Defaults: no timeouts, SO_REUSEADDR on, kernel buffer sizes. */
void	sock_opts_init(struct sock_opts *o, int socktype, const char *proto);

/* The effective socket type: SOCK_SEQPACKET with -U --seqpacket. */
int	sock_type(const struct sock_opts *o);

/*
 * Create the local socket of a listener: dual-stack [::] by default
 * (IPV6_V6ONLY off, falling back to 0.0.0.0 without IPv6), -4/-6/-b as
 * asked, or a Unix socket at -U PATH (a stale socket file is replaced, a
 * live one or a non-socket is an error).  Streams also get listen().
 * With o->activate, an inherited socket (sock_activation_present()) is
 * served instead: it must be of the command's type, and of -p's port
 * when -p was given (64 otherwise); the activation variables are removed
 * from the environment either way, so that children do not see them.
 * Returns 0, or -1 with st (71 bind, 77 permission, 68 -b not resolved).
 */
int	sock_listen(const struct sock_opts *o, struct sock_listener *l,
	    struct status *st);

/*
 * Socket activation (systemd's LISTEN_PID and LISTEN_FDS): is there an
 * inherited listening socket on fd 3 meant for this process?
 */
int	sock_activation_present(void);

/* Close the listener and remove its socket file if it is still ours. */
void	sock_listener_close(struct sock_listener *l);

/*
 * Wait up to timeout_ms (-1: forever) for a connection and accept it
 * (non-blocking and close-on-exec, the command's socket options applied).
 * A peer that o->acl refuses is reset at once (the acl's callback is
 * told) and the wait goes on, within the same timeout.
 * Returns the fd, or -1: st 75 on timeout; errno EINTR when a signal
 * arrived (st code 1).
 */
int	sock_accept(const struct sock_listener *l, const struct sock_opts *o,
	    int64_t timeout_ms, struct sockaddr_storage *peer,
	    socklen_t *peerlen, struct status *st);

/*
 * Connect to host:o->remote_port or to -U PATH: dial_blocking() (dial.h),
 * kept here as the name the one-shot commands know.  Happy Eyeballs over
 * every resolved address, all within -w, -s/--source-port bound first,
 * the socket options applied, o->attempt told of each attempt; a Unix
 * datagram client is bound to an autobind abstract name so that it can
 * be answered.  Returns a blocking fd, or -1 with st (68, 69, 71, 75, 77).
 */
int	sock_connect(const struct sock_opts *o, const char *host,
	    struct status *st);

/* The socket options of o that apply to a socket of this family/type. */
int	sock_apply(int fd, const struct sock_opts *o, int family, int listener,
	    struct status *st);

/*
 * Join the multicast group (struct sockaddr_in or sockaddr_in6) on the
 * interface ifindex (0: the kernel picks by route) on fd, a datagram
 * socket of family fd_family (an IPv4 group on a dual-stack IPv6 socket
 * works).  Returns 0, or -1 with st (71; 64 for an IPv6 group on an IPv4
 * socket).
 */
int	sock_join_group(int fd, int fd_family, const struct sockaddr *group,
	    unsigned int ifindex, struct status *st);

/* getsockname/getpeername formatted as in SPEC ("[::1]:8009"). */
const char *sock_local_str(int fd, char *buf, size_t size);
const char *sock_peer_str(int fd, char *buf, size_t size);

/*
 * SO_RCVTIMEO: a blocking receive on fd fails with EAGAIN after ms
 * milliseconds without data (0 is taken as 1 ms, not as "forever").
 */
int	sock_set_rcvtimeo(int fd, int64_t ms, struct status *st);

/*
 * Make the next close() of a TCP socket reset the connection (SO_LINGER
 * with a zero timeout) instead of ending it with a FIN.  Best effort: a
 * Unix socket has no reset, its peer sees EOF.
 */
void	sock_reset(int fd);

/* Set or clear O_NONBLOCK; -1 with errno on failure. */
int	sock_set_nonblock(int fd, int on);

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t	sock_now_ms(void);

/* A poll timeout for a deadline (-1: none), clamped to int. */
int	sock_poll_ms(int64_t deadline);

#endif
