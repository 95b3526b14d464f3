/*
 * exec.c: --exec, a program per connection (see exec.h).
 *
 * Children are started with posix_spawn(3): glibc makes the child with
 * clone(CLONE_VM | CLONE_VFORK), so the parent's page tables are never
 * copied, and the attributes do in the child what it needs before exec:
 * its own process group, every signal back to its default, an empty mask,
 * the connection on 0 and 1.  signalfd(2) is Linux-only and lives here.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"
#include "relay.h"
#include "sock.h"

extern char **environ;

/* The variables set for each child, in this order in its environment. */
static const char *const exec_vars[] = {
	"SOCKCAT_PEER_ADDR=",
	"SOCKCAT_PEER_PORT=",
	"SOCKCAT_LOCAL_ADDR=",
	"SOCKCAT_LOCAL_PORT=",
	"SOCKCAT_PROTO="
};
#define EXEC_NVARS	(sizeof exec_vars / sizeof exec_vars[0])

/* Left out of the children's environment (socket activation's). */
static const char *const exec_dropped[] = {
	"LISTEN_PID=",
	"LISTEN_FDS=",
	"LISTEN_FDNAMES="
};

/*
 * Words that are not programs for a shell: its reserved words and its
 * builtins (dash's, and bash's for systems where /bin/sh is bash).
 */
static const char *const exec_shell_words[] = {
	"!", ".", ":", "[", "[[", "alias", "bg", "bind", "break", "builtin",
	"caller", "case", "cd", "chdir", "command", "compgen", "complete",
	"compopt", "continue", "coproc", "declare", "dirs", "disown", "do",
	"done", "echo", "elif", "else", "enable", "esac", "eval", "exec",
	"exit", "export", "false", "fc", "fg", "fi", "for", "function",
	"getopts", "hash", "help", "history", "if", "in", "jobs", "kill",
	"let", "local", "logout", "mapfile", "popd", "printf", "pushd", "pwd",
	"read", "readarray", "readonly", "return", "select", "set", "shift",
	"shopt", "source", "suspend", "test", "then", "time", "times", "trap",
	"true", "type", "typeset", "ulimit", "umask", "unalias", "unset",
	"until", "wait", "while", "{", "}"
};

#define EXEC_LINGER_BUF		(64 * 1024)
#define EXEC_LINGER_BUDGET	16	/* reads per wake-up */
#define EXEC_STOP_POLL_MS	100	/* exec_stop(): look at the groups */

struct exec {
	const char		*cmd;
	char			*script;	/* what sh -c runs: cmd, or
						   "exec cmd" */
	char			*words;		/* a plain cmd's words ... */
	char			**wargv;	/* ... as an argv, or NULL */
	struct loop		*loop;
	exec_event_cb		 cb;
	void			*arg;
	int			 sfd;		/* the signalfd */
	posix_spawnattr_t	 attr;
	int			 attr_ok;
	char			**envp;		/* environ's kept entries, then
						   EXEC_NVARS slots, NULL */
	size_t			 nbase;
	struct exec_child	*head;
	struct exec_child	*pending;	/* layered: CMD waits for the
						   handshake */
	size_t			 running, open;
	int			 stopping;
	char			*buf;		/* discarded bytes */
};

int
exec_opts_check(const char *cmd, const struct relay_opts *ro,
    int64_t idle_ms, struct status *st)
{
	const char	*other = ro->send_only ? "--send-only" :
			    ro->recv_only ? "--recv-only" :
			    ro->no_shutdown ? "--no-shutdown" :
			    ro->wait_stdin ? "--wait-stdin" :
			    idle_ms >= 0 ? "--idle-timeout" :
			    observe_wanted(&ro->obs) ? "-x, --stats, --progress, "
			    "--sha256, -C or --rate" : NULL;

	if (cmd[0] == '\0')
		return status_usage(st, "--exec '': empty command");
	/* They shape sockcat's relay: with --exec there is none. */
	if (other != NULL)
		return status_usage(st, "--exec does not go with %s: the "
		    "program reads and writes the connection itself", other);
	return 0;
}

/*
 * Is cmd one program with plain words, nothing the shell would expand,
 * redirect or run itself: "cat", "/usr/bin/tr a-z A-Z"?  Then sockcat
 * runs it as the shell would run "exec cmd": the program itself, found
 * on PATH, with these words as its arguments, in place of the shell
 * (dash forks for the last command of -c, and its own start costs as much
 * again: twice the connections per second without both).  Its exit status
 * and its death by a signal are the same.  Where it cannot be run the
 * shell is run after all, to say why (or to run a script without #!).
 */
static int
exec_is_simple(const char *cmd)
{
	static const char	 plain[] = "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				    "_./:,+@=- \t";
	size_t			 i, len;

	cmd += strspn(cmd, " \t");
	len = strcspn(cmd, " \t");
	/* No word, an option to exec, an assignment, or more than plain. */
	if (len == 0 || cmd[0] == '-' || memchr(cmd, '=', len) != NULL ||
	    cmd[strspn(cmd, plain)] != '\0')
		return 0;
	for (i = 0; i < sizeof exec_shell_words / sizeof exec_shell_words[0];
	    i++)
		if (strlen(exec_shell_words[i]) == len &&
		    strncmp(cmd, exec_shell_words[i], len) == 0)
			return 0;
	return 1;
}

/* A plain cmd as an argv: "tr a-z A-Z" is {"tr", "a-z", "A-Z", NULL}. */
static int
exec_words(struct exec *x, const char *cmd, struct status *st)
{
	char	*w, *save = NULL;
	size_t	 n = 0;

	x->words = strdup(cmd);
	/* At most one word per two bytes, and the NULL. */
	x->wargv = calloc(strlen(cmd) / 2 + 2, sizeof *x->wargv);
	if (x->words == NULL || x->wargv == NULL)
		return status_errno(st, ENOMEM, SC_EX_OSERR, "--exec");
	for (w = strtok_r(x->words, " \t", &save); w != NULL;
	    w = strtok_r(NULL, " \t", &save))
		x->wargv[n++] = w;
	return 0;
}

/* Descriptors 0-2 open, with /dev/null where one is closed. */
static int
exec_stdio_reserve(struct status *st)
{
	int	fd, nfd;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* The lowest free number: fd itself. */
		nfd = open("/dev/null", O_RDWR);
		if (nfd < 0)
			return status_errno(st, errno, SC_EX_OSERR,
			    "/dev/null");
		if (nfd != fd) {
			dup2(nfd, fd);
			close(nfd);
		}
	}
	return 0;
}

static int
exec_name_in(const char *entry, const char *const *names, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strncmp(entry, names[i], strlen(names[i])) == 0)
			return 1;
	return 0;
}

/* environ without our variables and socket activation's, plus room. */
static int
exec_env_base(struct exec *x, struct status *st)
{
	size_t	n = 0, i;

	while (environ != NULL && environ[n] != NULL)
		n++;
	x->envp = calloc(n + EXEC_NVARS + 1, sizeof *x->envp);
	if (x->envp == NULL)
		return status_errno(st, ENOMEM, SC_EX_OSERR, "environment");
	for (i = 0; i < n; i++) {
		if (exec_name_in(environ[i], exec_vars, EXEC_NVARS) ||
		    exec_name_in(environ[i], exec_dropped,
		    sizeof exec_dropped / sizeof exec_dropped[0]))
			continue;
		x->envp[x->nbase++] = environ[i];
	}
	return 0;
}

/*
 * The attributes every child gets: a process group of its own (so a stop
 * reaches whatever CMD started), every signal at its default (SIGPIPE is
 * ignored in sockcat, and an ignored signal stays ignored across exec),
 * an empty mask (SIGCHLD and the stop signals are blocked here).
 */
static int
exec_attr_init(struct exec *x, struct status *st)
{
	sigset_t	all, none;
	int		err;

	sigfillset(&all);
	sigemptyset(&none);
	err = posix_spawnattr_init(&x->attr);
	if (err != 0)
		return status_errno(st, err, SC_EX_OSERR, "posix_spawnattr");
	x->attr_ok = 1;
	if ((err = posix_spawnattr_setflags(&x->attr, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)) != 0 ||
	    (err = posix_spawnattr_setpgroup(&x->attr, 0)) != 0 ||
	    (err = posix_spawnattr_setsigdefault(&x->attr, &all)) != 0 ||
	    (err = posix_spawnattr_setsigmask(&x->attr, &none)) != 0)
		return status_errno(st, err, SC_EX_OSERR, "posix_spawnattr");
	return 0;
}

/*
 * SIGCHLD as a descriptor: its disposition the default (one inherited as
 * ignored would have the kernel reap the children, and waitpid would
 * never see their statuses), blocked, read through a signalfd.
 */
static int
exec_sigchld_init(struct exec *x, struct status *st)
{
	struct sigaction	sa;
	sigset_t		set;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return status_errno(st, errno, SC_EX_OSERR, "sigprocmask");
	x->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (x->sfd < 0)
		return status_errno(st, errno, SC_EX_OSERR, "signalfd");
	/*
	 * What CMD leaves behind when it ends becomes our child, not
	 * init's: reaped here as it ends (no zombie waits for an init that
	 * may be slow to reap), and its end wakes exec_stop().  Best effort.
	 */
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	return 0;
}

struct exec *
exec_new(const char *cmd, struct status *st)
{
	struct exec	*x;
	int		 simple;

	if (exec_stdio_reserve(st) < 0)
		return NULL;
	x = calloc(1, sizeof *x);
	if (x == NULL) {
		status_errno(st, ENOMEM, SC_EX_OSERR, "--exec");
		return NULL;
	}
	x->cmd = cmd;
	x->sfd = -1;
	x->buf = malloc(EXEC_LINGER_BUF);
	x->script = malloc(strlen(cmd) + sizeof "exec ");
	if (x->buf == NULL || x->script == NULL) {
		status_errno(st, ENOMEM, SC_EX_OSERR, "--exec");
		exec_free(x);
		return NULL;
	}
	simple = exec_is_simple(cmd);
	snprintf(x->script, strlen(cmd) + sizeof "exec ", "%s%s",
	    simple ? "exec " : "", cmd);
	/* Without PATH the shell's default path is not glibc's. */
	if (simple && getenv("PATH") != NULL && exec_words(x, cmd, st) < 0) {
		exec_free(x);
		return NULL;
	}
	if (exec_env_base(x, st) < 0 || exec_attr_init(x, st) < 0 ||
	    exec_sigchld_init(x, st) < 0) {
		exec_free(x);
		return NULL;
	}
	return x;
}

/* ------------------------------------------------------------ the end */

/* Take c off the list (a walk: at most -m running, and those lingering). */
static void
exec_unlink(struct exec *x, struct exec_child *c)
{
	struct exec_child	**pp;

	for (pp = &x->head; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	c->next = NULL;
}

/* Take c, whose CMD has not started, off x's pending list. */
static void
exec_pending_unlink(struct exec *x, struct exec_child *c)
{
	struct exec_child	**pp;

	for (pp = &x->pending; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	c->next = NULL;
}

/* A layered child's relay: its end of the socketpair, the connection. */
struct exec_relay {
	struct exec_child	*c;
	struct pair		*pair;
	int			 sv0;		/* CMD's end, until it starts */
	int			 sv1;		/* the engine's end */
	int			 fd;		/* the real connection */
	struct exec_env		 env;		/* CMD's, for its start */
	void			*lctx;
	void			 (*lclose)(void *ctx);
	int			 done;
};

/* Stop c's relay at once and close its descriptors (reset: cut short). */
static void
exec_relay_free(struct exec_relay *r, int reset)
{
	if (r->pair != NULL) {
		if (reset)
			pair_reset(r->pair, 1);
		pair_free(r->pair);
		r->pair = NULL;
	} else if (reset && r->fd >= 0)
		sock_reset(r->fd);
	if (r->sv0 >= 0)
		close(r->sv0);
	if (r->sv1 >= 0)
		close(r->sv1);
	if (r->lctx != NULL)
		r->lclose(r->lctx);
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}

/* Close c's connection (reset: a transfer cut short), tell, free c. */
static void
exec_close(struct exec *x, struct exec_child *c, int reset)
{
	if (x->loop != NULL)
		loop_timer_stop(x->loop, &c->timer);
	if (c->fd >= 0) {
		if (x->loop != NULL)
			loop_del(x->loop, c->fd);
		if (reset)
			sock_reset(c->fd);
		close(c->fd);
		c->fd = -1;
		x->open--;
	}
	/*
	 * A relay still moving CMD's last bytes towards the connection: the
	 * end waits for it.  Once they have all gone, what the peer may still
	 * send has nowhere to go: the relay ends with the linger.
	 */
	if (c->relay != NULL && !c->relay->done && !x->stopping &&
	    !reset && x->cb != NULL && !pair_counts(c->relay->pair)->eof[0])
		return;
	if (c->relay != NULL)
		exec_relay_free(c->relay, reset && !c->relay->done);
	c->relay = NULL;
	exec_unlink(x, c);
	if (x->cb != NULL)
		x->cb(x->arg, EXEC_CLOSED, c);
	free(c);
}

/*
 * c's connection is over and its CMD never ran (a failed handshake, or it
 * could not be started): tell EXEC_FAILED with why, then EXEC_CLOSED.
 */
static void
exec_not_started(struct exec *x, struct exec_child *c,
    const struct status *st)
{
	exec_pending_unlink(x, c);
	if (!c->failed) {
		c->err = *st;
		if (c->err.code == SC_EX_OK)
			status_set(&c->err, SC_EX_PROTOCOL, "closed before "
			    "the program could start");
	}
	c->failed = 1;
	exec_relay_free(c->relay, 0);
	c->relay = NULL;
	if (x->cb != NULL) {
		x->cb(x->arg, EXEC_FAILED, c);
		x->cb(x->arg, EXEC_CLOSED, c);
	}
	free(c);
}

/* The relay of a layered child is over; so is c once its end is too. */
static void
exec_relay_done(struct pair *p, void *arg, const struct status *st)
{
	struct exec_relay	*r = arg;
	struct exec_child	*c = r->c;

	(void)p;
	r->done = 1;
	if (st->code != SC_EX_OK)
		sock_reset(r->fd);
	if (c->pid == 0) {
		/* Over before CMD could start: the handshake failed. */
		exec_not_started(c->x, c, st);
		return;
	}
	/* CMD's end closed already: this was the last thing it waited for. */
	if (c->fd < 0)
		exec_close(c->x, c, 0);
}

/* Linger's bounds: re-arm for the earlier one, or close when one is due. */
static void
exec_linger_arm(struct exec_child *c)
{
	struct exec	*x = c->x;
	struct status	 st;
	int64_t		 now = loop_now(x->loop);
	int64_t		 due = c->last_in + EXEC_LINGER_QUIET_MS;

	if (due > c->linger_until)
		due = c->linger_until;
	if (now >= due || loop_timer_at(x->loop, &c->timer, due, &st) < 0)
		exec_close(c->x, c, 0);
}

static void
exec_linger_timer_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	exec_linger_arm(arg);
}

/*
 * Read and drop what the peer still sends, so that no unread byte makes
 * the close a reset, until its EOF.  MSG_TRUNC makes TCP discard without
 * copying; a Unix socket ignores it and copies into the buffer.
 */
static void
exec_linger_cb(struct loop *l, int fd, int mask, void *arg)
{
	struct exec_child	*c = arg;
	ssize_t			 n;
	int			 i;

	(void)mask;
	for (i = 0; i < EXEC_LINGER_BUDGET; i++) {
		n = recv(fd, c->x->buf, EXEC_LINGER_BUF,
		    MSG_DONTWAIT | MSG_TRUNC);
		if (n > 0) {
			c->last_in = loop_now(l);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		/* EOF, or the peer has gone: nothing left to protect. */
		exec_close(c->x, c, 0);
		return;
	}
	exec_linger_arm(c);
}

/*
 * The child has ended: everything it wrote is queued on the socket.
 * Half-close, so the peer gets it and then EOF, and linger.  While
 * stopping there is no loop: close at once, with a reset when a signal
 * killed the child.
 */
static void
exec_child_end(struct exec *x, struct exec_child *c, int wstatus)
{
	struct status	 st;

	c->ended = 1;
	c->wstatus = wstatus;
	c->end_ms = sock_now_ms();
	x->running--;
	if (x->cb != NULL)
		x->cb(x->arg, EXEC_ENDED, c);
	if (x->stopping) {
		if (!WIFSIGNALED(wstatus))
			(void)shutdown(c->fd, SHUT_WR);
		exec_close(x, c, WIFSIGNALED(wstatus));
		return;
	}
	(void)shutdown(c->fd, SHUT_WR);
	c->last_in = loop_now(x->loop);
	c->linger_until = c->last_in + EXEC_LINGER_MAX_MS;
	if (loop_set(x->loop, c->fd, LOOP_READ, exec_linger_cb, c, &st) < 0) {
		exec_close(x, c, 0);
		return;
	}
	exec_linger_arm(c);
}

/* Reap every child that has ended. */
static void
exec_reap(struct exec *x)
{
	struct signalfd_siginfo	 si[8];
	struct exec_child	*c;
	pid_t			 pid;
	int			 ws;

	/*
	 * SIGCHLDs coalesce: the count means nothing, waitpid tells all.
	 * Orphans of CMD (we are their subreaper) are reaped and forgotten.
	 */
	while (read(x->sfd, si, sizeof si) > 0)
		;
	for (;;) {
		pid = waitpid(-1, &ws, WNOHANG);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			break;
		for (c = x->head; c != NULL; c = c->next)
			if (!c->ended && c->pid == pid)
				break;
		if (c != NULL)
			exec_child_end(x, c, ws);
	}
}

static void
exec_sigchld_cb(struct loop *l, int fd, int mask, void *arg)
{
	(void)l;
	(void)fd;
	(void)mask;
	exec_reap(arg);
}

int
exec_attach(struct exec *x, struct loop *l, exec_event_cb cb, void *arg,
    struct status *st)
{
	x->loop = l;
	x->cb = cb;
	x->arg = arg;
	return loop_set(l, x->sfd, LOOP_READ, exec_sigchld_cb, x, st);
}

/* ---------------------------------------------------------- the start */

void
exec_env_socket(struct exec_env *env, int fd)
{
	struct sockaddr_storage	ss;
	socklen_t		len;

	memset(env, 0, sizeof *env);
	memset(&ss, 0, sizeof ss);
	env->proto = "tcp";
	len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
		addr_format_parts((struct sockaddr *)&ss, len, env->local_addr,
		    sizeof env->local_addr, env->local_port,
		    sizeof env->local_port);
		if (ss.ss_family == AF_UNIX)
			env->proto = "unix";
	}
	len = sizeof ss;
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
		addr_format_parts((struct sockaddr *)&ss, len, env->peer_addr,
		    sizeof env->peer_addr, env->peer_port,
		    sizeof env->peer_port);
}

/* "NAME=value" strings of env, in the slots after the kept environ. */
struct exec_strings {
	char	s[EXEC_NVARS][sizeof "SOCKCAT_LOCAL_ADDR=" + ADDR_STRLEN];
};

static void
exec_env_fill(struct exec *x, const struct exec_env *env,
    struct exec_strings *es)
{
	const char	*val[EXEC_NVARS];
	size_t		 i;

	val[0] = env->peer_addr;
	val[1] = env->peer_port;
	val[2] = env->local_addr;
	val[3] = env->local_port;
	val[4] = env->proto != NULL ? env->proto : "";
	for (i = 0; i < EXEC_NVARS; i++) {
		snprintf(es->s[i], sizeof es->s[i], "%s%s", exec_vars[i],
		    val[i]);
		x->envp[x->nbase + i] = es->s[i];
	}
	x->envp[x->nbase + EXEC_NVARS] = NULL;
}

/* posix_spawn /bin/sh -c CMD on fd; returns 0 or an errno value. */
static int
exec_spawn(struct exec *x, int fd, const struct exec_env *env, pid_t *pid)
{
	posix_spawn_file_actions_t	fa;
	struct exec_strings		es;
	char				*argv[4];
	int				err;

	exec_env_fill(x, env, &es);
	argv[0] = (char *)(uintptr_t)"sh";
	argv[1] = (char *)(uintptr_t)"-c";
	argv[2] = x->script;
	argv[3] = NULL;
	err = posix_spawn_file_actions_init(&fa);
	if (err != 0)
		return err;
	/* fd itself is close-on-exec: the child keeps only 0 and 1. */
	if ((err = posix_spawn_file_actions_adddup2(&fa, fd, 0)) != 0 ||
	    (err = posix_spawn_file_actions_adddup2(&fa, fd, 1)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return err;
	}
	/* glibc reports a failed exec here, and has reaped that child. */
	if (x->wargv == NULL || posix_spawnp(pid, x->wargv[0], &fa,
	    &x->attr, x->wargv, x->envp) != 0)
		err = posix_spawn(pid, EXEC_SHELL, &fa, &x->attr, argv,
		    x->envp);
	posix_spawn_file_actions_destroy(&fa);
	return err;
}

/* Spawn CMD for c (allocated, named) on fd; fd is the module's. */
static int
exec_start_child(struct exec *x, struct exec_child *c, int fd,
    const struct exec_env *env, struct status *st)
{
	int	err;

	/* The child's stdio is blocking; linger reads with MSG_DONTWAIT. */
	if (sock_set_nonblock(fd, 0) < 0) {
		err = errno;
		close(fd);
		return status_errno(st, err, SC_EX_OSERR, "fcntl");
	}
	err = exec_spawn(x, fd, env, &c->pid);
	if (err != 0) {
		close(fd);
		return status_errno(st, err, SC_EX_OSERR, "cannot run "
		    EXEC_SHELL);
	}
	c->fd = fd;
	c->start_ms = sock_now_ms();
	c->next = x->head;
	x->head = c;
	x->running++;
	x->open++;
	if (x->cb != NULL)
		x->cb(x->arg, EXEC_STARTED, c);
	return 0;
}

/* A child not started yet, named name. */
static struct exec_child *
exec_child_new(struct exec *x, const char *name)
{
	struct exec_child	*c;

	if ((c = calloc(1, sizeof *c)) == NULL)
		return NULL;
	c->x = x;
	c->fd = -1;
	snprintf(c->name, sizeof c->name, "%s", name != NULL ? name : "");
	loop_timer_init(&c->timer, exec_linger_timer_cb, c);
	return c;
}

int
exec_start(struct exec *x, int fd, const struct exec_env *env,
    const char *name, struct exec_child **out, struct status *st)
{
	struct exec_child	*c;

	if ((c = exec_child_new(x, name)) == NULL) {
		close(fd);
		return status_errno(st, ENOMEM, SC_EX_OSERR, "--exec");
	}
	if (exec_start_child(x, c, fd, env, st) < 0) {
		free(c);
		return -1;
	}
	if (out != NULL)
		*out = c;
	return 0;
}

/*
 * The layer's handshake is done (the peer verified): now CMD may run, on
 * sv[0].  When it cannot, sv[0] is closed: the relay sees EOF from CMD's
 * side, ends the session, and exec_relay_done() tells EXEC_FAILED.
 */
static void
exec_relay_ready(void *arg)
{
	struct exec_relay	*r = arg;
	struct exec_child	*c = r->c;
	int			 fd = r->sv0;

	r->sv0 = -1;
	exec_pending_unlink(c->x, c);
	if (exec_start_child(c->x, c, fd, &r->env, &c->err) < 0)
		c->failed = 1;
}

int
exec_start_layered(struct exec *x, int fd, const struct exec_layer *ly,
    const char *host, const struct exec_env *env, const char *name,
    struct exec_child **out, struct status *st)
{
	struct pair_end_spec	 e[2];
	struct pair_opts	 po;
	struct exec_relay	*r;
	struct exec_child	*c;
	int			 sv[2];

	r = calloc(1, sizeof *r);
	c = exec_child_new(x, name);
	if (r == NULL || c == NULL) {
		free(r);
		free(c);
		close(fd);
		return status_errno(st, ENOMEM, SC_EX_OSERR, "--exec");
	}
	r->c = c;
	r->fd = fd;
	r->sv0 = r->sv1 = -1;
	r->lclose = ly->close;
	r->env = *env;
	if (exec_socketpair(sv, st) < 0)
		goto fail;
	r->sv0 = sv[0];
	r->sv1 = sv[1];
	if ((r->lctx = ly->open(ly->arg, fd, host, name, exec_relay_ready, r,
	    st)) == NULL)
		goto fail;
	memset(e, 0, sizeof e);
	memset(&po, 0, sizeof po);
	e[0].rfd = e[0].wfd = sv[1];
	e[0].flags = PAIR_SOCKET;
	e[0].rname = e[0].wname = name;
	e[1].rfd = e[1].wfd = fd;
	e[1].flags = PAIR_SOCKET;
	e[1].layer = ly->ops;
	e[1].layer_ctx = r->lctx;
	e[1].rname = e[1].wname = c->name;
	po.idle_ms = -1;
	po.hs_ms = ly->hs_ms;
	r->pair = pair_new(x->loop, &e[0], &e[1], &po, exec_relay_done, r, st);
	if (r->pair == NULL || pair_start(r->pair, st) < 0)
		goto fail;
	c->relay = r;
	c->next = x->pending;
	x->pending = c;
	if (out != NULL)
		*out = c;
	return 0;
fail:
	exec_relay_free(r, 1);
	free(c);
	return -1;
}

size_t
exec_running(const struct exec *x)
{
	return x->running;
}

size_t
exec_open(const struct exec *x)
{
	return x->open;
}

/* --------------------------------------------------------------- stop */

/*
 * The process groups of the children running when the stop began: kept
 * after the child is reaped, since what CMD started in the background is
 * in its group.  A group's id cannot be reused while a process is in it.
 */
struct exec_groups {
	pid_t	*id;
	size_t	 n;
};

static void
exec_groups_signal(const struct exec_groups *g, int signo)
{
	size_t	i;

	for (i = 0; i < g->n; i++)
		(void)kill(-g->id[i], signo);
}

/* Is any process left in any of the groups? */
static int
exec_groups_alive(const struct exec_groups *g)
{
	size_t	i;

	for (i = 0; i < g->n; i++)
		if (kill(-g->id[i], 0) == 0 || errno == EPERM)
			return 1;
	return 0;
}

/*
 * Reap children until they have ended and their groups are empty, or
 * until the deadline.  What a child left in its group is ours too once
 * the child has ended (a subreaper's), and raises SIGCHLD as it ends; a
 * descendant of that is looked at every EXEC_STOP_POLL_MS.
 */
static int
exec_stop_wait(struct exec *x, const struct exec_groups *g, int64_t deadline)
{
	struct pollfd	pfd = { .fd = x->sfd, .events = POLLIN };
	int		ms;

	for (;;) {
		exec_reap(x);
		if (x->running == 0 && !exec_groups_alive(g))
			return 0;
		ms = sock_poll_ms(deadline);
		if (ms == 0)
			return -1;
		if (x->running == 0 && ms > EXEC_STOP_POLL_MS)
			ms = EXEC_STOP_POLL_MS;
		/* EINTR: sig.c's kick, or another stop signal: go on. */
		(void)poll(&pfd, 1, ms);
	}
}

void
exec_stop(struct exec *x, int signo)
{
	struct exec_groups	 g = { NULL, 0 };
	struct exec_child	*c, *next;

	x->stopping = 1;
	for (c = x->head; c != NULL; c = next) {
		next = c->next;
		if (c->ended)
			exec_close(x, c, 0);
	}
	if (x->running > 0)
		g.id = calloc(x->running, sizeof *g.id);
	for (c = x->head; c != NULL; c = c->next) {
		if (g.id != NULL)
			g.id[g.n++] = c->pid;
		/* Not reaped: its pid, and so its group's id, is ours. */
		if (kill(-c->pid, signo) < 0)
			(void)kill(c->pid, signo);
	}
	if (exec_stop_wait(x, &g, sock_now_ms() + EXEC_STOP_GRACE_MS) < 0) {
		for (c = x->head; c != NULL; c = c->next)
			(void)kill(-c->pid, SIGKILL);
		exec_groups_signal(&g, SIGKILL);
		(void)exec_stop_wait(x, &g, sock_now_ms() +
		    EXEC_STOP_GRACE_MS);
	}
	free(g.id);
}

void
exec_free(struct exec *x)
{
	if (x == NULL)
		return;
	x->cb = NULL;
	while (x->head != NULL)
		exec_close(x, x->head, 0);
	while (x->pending != NULL) {
		struct exec_child	*c = x->pending;

		x->pending = c->next;
		exec_relay_free(c->relay, 1);
		free(c);
	}
	if (x->sfd >= 0) {
		if (x->loop != NULL)
			loop_del(x->loop, x->sfd);
		close(x->sfd);
	}
	if (x->attr_ok)
		posix_spawnattr_destroy(&x->attr);
	free(x->envp);
	free(x->buf);
	free(x->script);
	free(x->wargv);
	free(x->words);
	free(x);
}

int
exec_status_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return SC_EX_SOFTWARE;
}

int
exec_socketpair(int sv[2], struct status *st)
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return status_errno(st, errno, SC_EX_OSERR, "socketpair");
	return 0;
}
