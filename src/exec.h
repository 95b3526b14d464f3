/*
 * exec.h: --exec, /bin/sh -c CMD per connection, on the event loop.  A
 * CMD that is one program with plain words runs as the shell would run
 * "exec CMD", without the shell (see exec.c's exec_is_simple()).
 *
 * A child gets a connected descriptor as its stdin and stdout (the socket
 * itself when nothing sits between; no byte passes through sockcat) and
 * sockcat's stderr, runs in a process group of its own with the default
 * signal dispositions (SIGPIPE too) and an empty signal mask, and finds
 * its connection in SOCKCAT_PEER_ADDR, SOCKCAT_PEER_PORT,
 * SOCKCAT_LOCAL_ADDR, SOCKCAT_LOCAL_PORT and SOCKCAT_PROTO.  Socket
 * activation's LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES are left out of
 * its environment.  Every descriptor sockcat opens is close-on-exec, so
 * the child gets none of them; descriptors sockcat itself inherited
 * without close-on-exec are passed on, as a shell would.
 *
 * Who holds the connection: the module keeps its own descriptor while
 * the child runs, so the child's exit never closes the last one (a close
 * with unread bytes in the receive queue would send a reset and could
 * destroy what the child wrote last).  When the child has been reaped the
 * module half-closes (shutdown(SHUT_WR): the peer gets everything the
 * child wrote, then a FIN) and lingers: it reads and discards what the
 * peer still sends until the peer's EOF, or until the peer has been
 * silent for EXEC_LINGER_QUIET_MS, or at most EXEC_LINGER_MAX_MS after the
 * child's end (as Apache's lingering close does), and closes.
 *
 * A layer between the child and the connection (TLS): the child gets one
 * end of exec_socketpair() instead, and the relay engine (pair.h) relays
 * the other end with the TLS socket:
 *	exec_env_socket(&env, tls_fd, ...);	the real connection's names
 *	exec_socketpair(sv, st);
 *	pair_new(l, {sv[1], PAIR_SOCKET}, {tls_fd, PAIR_SOCKET, tls layer})
 *	at the end of the handshake: exec_start(x, sv[0], &env, ...)
 * The same EOF rules then hold end to end: the child's exit half-closes
 * sv[0], the pair reads EOF on sv[1] and sends close_notify and a FIN on
 * the TLS socket; the TLS peer's last bytes flow into sv[1] and are
 * drained on sv[0] until the pair half-closes sv[1] at the peer's EOF.
 * exec_start_layered() does all this, and closes sv[1] and tls_fd when
 * the pair is done.
 *
 * SIGCHLD reaches the loop through a signalfd: exec_new() blocks SIGCHLD
 * in the calling thread (threads started later inherit the mask; one
 * that unblocks SIGCHLD would take signals the loop then never sees).
 * Children are reaped as they end, with waitpid(-1): sockcat has no other
 * children, but what CMD leaves behind in the background, whose
 * subreaper (PR_SET_CHILD_SUBREAPER) sockcat becomes.
 *
 * Nothing here prints or exits: failures fill a struct status, what
 * happens to a child is told through the event callback.
 */
#ifndef SC_EXEC_H
#define SC_EXEC_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "loop.h"
#include "pair.h"
#include "status.h"

#define EXEC_SHELL		"/bin/sh"
#define EXEC_MAX_DEFAULT	100	/* listen -k -e: children at once */
#define EXEC_LINGER_QUIET_MS	2000	/* linger: the peer silent this long */
#define EXEC_LINGER_MAX_MS	30000	/* linger at most this long */
#define EXEC_STOP_GRACE_MS	3000	/* exec_stop(): SIGTERM, then SIGKILL */

/* What CMD is told about its connection (exec_env_socket() fills it). */
struct exec_env {
	char		 peer_addr[ADDR_STRLEN];
	char		 peer_port[8];
	char		 local_addr[ADDR_STRLEN];
	char		 local_port[8];
	const char	*proto;		/* "tcp" or "unix" */
};

/* A child and its connection; the public fields are read-only. */
struct exec_child {
	pid_t			 pid;
	int			 wstatus;	/* waitpid()'s, once ended */
	int			 ended;		/* reaped */
	int64_t			 start_ms;	/* spawned (sock_now_ms()) */
	int64_t			 end_ms;	/* reaped (sock_now_ms()) */
	char			 name[ADDR_STRLEN];	/* the peer, for
							   messages */
	int			 failed;	/* EXEC_FAILED: never ran */
	struct status		 err;		/* ... and why */
	/* exec.c's: */
	struct exec		*x;
	struct exec_child	*next;
	int			 fd;		/* the connection, or -1 */
	struct exec_relay	*relay;		/* exec_start_layered()'s */
	int64_t			 linger_until;	/* the hard bound */
	int64_t			 last_in;	/* the peer last sent */
	struct loop_timer	 timer;
};

enum exec_event {
	EXEC_STARTED,	/* the child runs (c->pid) */
	EXEC_ENDED,	/* the child has been reaped (c->wstatus) */
	EXEC_FAILED,	/* a layered connection ended before its child
			   could start (c->err says why; c->pid is 0) */
	EXEC_CLOSED	/* its connection is closed; c is freed after this */
};

/* Told about each child; c stays valid until after EXEC_CLOSED. */
typedef void (*exec_event_cb)(void *arg, enum exec_event ev,
	    const struct exec_child *c);

struct exec;
struct exec_relay;

struct relay_opts;

/*
 * Check --exec CMD as typed, with the relay's options and -i (idle_ms,
 * -1 when not given): an empty CMD is a usage error, and so is any of
 * those (they shape a relay, and with --exec there is none).  Returns 0,
 * or -1 with a usage status.
 */
int	exec_opts_check(const char *cmd, const struct relay_opts *ro,
	    int64_t idle_ms, struct status *st);

/*
 * Prepare to run cmd: make sure descriptors 0, 1 and 2 are open (with
 * /dev/null), so no socket takes their numbers and CMD's stderr is never
 * a connection; so call it before any other descriptor is opened.  Makes
 * the children's environment from environ, makes SIGCHLD's disposition
 * the default, blocks it and opens the signalfd.  Returns NULL with st
 * (71) on failure.
 */
struct exec *exec_new(const char *cmd, struct status *st);

/*
 * Watch for children's ends on loop l and tell cb(arg, ...).  Returns 0,
 * or -1 with st.
 */
int	exec_attach(struct exec *x, struct loop *l, exec_event_cb cb,
	    void *arg, struct status *st);

/*
 * The names of the connected socket fd into env (getsockname and
 * getpeername; addresses without brackets, an IPv4-mapped one as plain
 * IPv4; Unix: the path, "" when unnamed, and empty ports).
 */
void	exec_env_socket(struct exec_env *env, int fd);

/*
 * Run CMD with fd (a connected socket, blocking or not; it is made
 * blocking, as the child expects of its stdio) as stdin and stdout.  fd is
 * the module's from now on, also on failure (then closed).  name names
 * the peer in the owner's messages (copied).  *out gets the child;
 * EXEC_STARTED is told before the return.  Returns 0, or -1 with st (71:
 * the shell could not be started).
 */
int	exec_start(struct exec *x, int fd, const struct exec_env *env,
	    const char *name, struct exec_child **out, struct status *st);

/* Children not reaped yet. */
size_t	exec_running(const struct exec *x);

/* Connections still held: children running, connections lingering. */
size_t	exec_open(const struct exec *x);

/*
 * After the loop has stopped (a stop signal): send signo to the process
 * group of every child still running (what CMD started is in it too).
 * What is left in those groups EXEC_STOP_GRACE_MS later gets SIGKILL.
 * Waits for the children and their groups (bounded: another
 * EXEC_STOP_GRACE_MS), telling cb as the children end.  The connection of
 * a child that a signal killed is reset (its transfer was cut short),
 * that of one that exited is half-closed and closed; lingering ones are
 * closed.  Blocks, without the loop.
 */
void	exec_stop(struct exec *x, int signo);

/*
 * Close every connection left, forget the children (those still running
 * go on without us), free x; before the loop is freed.
 */
void	exec_free(struct exec *x);

/* A wait status as a shell's $?: the exit code, or 128 + the signal. */
int	exec_status_code(int wstatus);

/*
 * A layer between CMD and its connection (TLS): how to make one on a
 * connected fd (host: what a client verifies, NULL on a server; name: the
 * peer, for messages; ready(ready_arg) to be called once its handshake is
 * done) and free it, the engine's calls for it, and how long its
 * handshake may take.
 */
struct exec_layer {
	const struct pair_layer	*ops;
	void			*(*open)(void *arg, int fd, const char *host,
				    const char *name, void (*ready)(void *),
				    void *ready_arg, struct status *st);
	void			 (*close)(void *ctx);
	void			*arg;
	int64_t			 hs_ms;
};

/*
 * exec_start() for a connection fd that a layer sits on: CMD gets one end
 * of a socketpair, and the relay engine relays the other with fd through
 * the layer (see the top of this file).  CMD starts only once the layer's
 * handshake is done, so it never runs for a peer that failed
 * verification: EXEC_STARTED then, or EXEC_FAILED (with c->err) when the
 * connection ended first.  fd is the module's from now on, also on
 * failure.  EXEC_CLOSED comes once both CMD's end and the relay are
 * done; a relay that fails resets fd.  *out gets the child (not started
 * yet).  Returns 0, or -1 with st.
 */
int	exec_start_layered(struct exec *x, int fd, const struct exec_layer *ly,
	    const char *host, const struct exec_env *env, const char *name,
	    struct exec_child **out, struct status *st);

/*
 * A connected pair of Unix stream sockets, both close-on-exec: sv[0] for
 * the child (exec_start()), sv[1] for the relay engine, when a layer must
 * sit between the child and the connection (see the top of this file).
 * Returns 0, or -1 with st.
 */
int	exec_socketpair(int sv[2], struct status *st);

#endif
