/*
 * sc-reaper: run a server so that all of the CPU time it causes can be
 * counted from /proc.
 *
 * A server's own utime and stime, and the cutime and cstime of the
 * children it has waited for, are in /proc/PID/stat.  A process it forks
 * and then leaves behind is not: when the handler of a connection forks a
 * helper and exits first (ncat --sh-exec: ncat's child, sh, ncat; redir's
 * double fork), the helper is re-parented to init and its time is lost.
 * sc-reaper makes itself a child subreaper (prctl PR_SET_CHILD_SUBREAPER),
 * so such orphans are re-parented to it instead, and it reaps them: their
 * time ends up in its own cutime and cstime.  The CPU of sc-reaper's
 * process tree (bench/proc.py cpu) is then everything the server did;
 * sc-reaper itself only sleeps in sigwaitinfo.
 *
 * It runs CMD as its child, passes SIGTERM, SIGINT and SIGHUP on to it,
 * stops it after -t BOUND seconds (SIGTERM, SIGKILL 2 s later), reaps
 * every descendant that ends, and once CMD has ended and nothing is left
 * to reap, exits with CMD's status (128+N for a signal N).  Orphans still
 * running 3 s after CMD ended get SIGKILL, each by its PID.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static void
usage(FILE *f)
{
	fprintf(f,
"usage: sc-reaper [-t BOUND] CMD [ARGS...]\n"
"Run CMD as a child subreaper's child: every process it leaves behind is\n"
"reaped here, so its CPU time counts in this process's cutime/cstime.\n"
"\n"
"  -t BOUND    stop CMD after BOUND seconds (default 600)\n");
}

/* Send SIG to each of our children, by PID. */
static void
reaper_kill_children(int sig)
{
	char	 path[64], buf[4096], *p, *end;
	FILE	*f;
	long	 pid;

	snprintf(path, sizeof path, "/proc/%ld/task/%ld/children",
	    (long)getpid(), (long)getpid());
	f = fopen(path, "r");
	if (f == NULL)
		return;
	while (fgets(buf, sizeof buf, f) != NULL) {
		for (p = buf;; p = end) {
			pid = strtol(p, &end, 10);
			if (end == p)
				break;
			if (pid > 1)
				kill((pid_t)pid, sig);
		}
	}
	fclose(f);
}

/* Reap what has ended; 1 when no child is left at all. */
static int
reaper_reap(pid_t main_pid, int *main_status, int *main_done)
{
	pid_t	pid;
	int	status;

	for (;;) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid == 0)
			return 0;
		if (pid == -1)
			return errno == ECHILD;
		if (pid == main_pid) {
			*main_status = status;
			*main_done = 1;
		}
	}
}

int
main(int argc, char **argv)
{
	struct timespec	 ts = { 0, 200000000 };
	sigset_t	 set, old;
	double		 bound = 600, start, ended = 0, termed = 0;
	pid_t		 main_pid;
	int		 c, sig, status = 0, done = 0, none;

	while ((c = getopt(argc, argv, "+ht:")) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 't':
			if (bench_parse_num(optarg, 0.001, 86400, &bound) == 0)
				break;
			fprintf(stderr, "sc-reaper: -t '%s': bad value\n", optarg);
			return 64;
		default:
			usage(stderr);
			return 64;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 64;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == -1) {
		perror("sc-reaper: prctl(PR_SET_CHILD_SUBREAPER)");
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old);
	main_pid = fork();
	if (main_pid == -1) {
		perror("sc-reaper: fork");
		return 1;
	}
	if (main_pid == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "sc-reaper: %s: %s\n", argv[optind],
		    strerror(errno));
		_exit(127);
	}
	start = bench_now_sec();
	for (;;) {
		sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP) {
			if (!done)
				kill(main_pid, sig);
			else
				reaper_kill_children(sig);
		}
		none = reaper_reap(main_pid, &status, &done);
		if (done && none)
			break;
		if (done && ended == 0)
			ended = bench_now_sec();
		if (done && bench_now_sec() - ended > 3)
			reaper_kill_children(SIGKILL);
		if (!done && bench_now_sec() - start > bound) {
			if (termed == 0) {
				kill(main_pid, SIGTERM);
				termed = bench_now_sec();
			} else if (bench_now_sec() - termed > 2)
				kill(main_pid, SIGKILL);
		}
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
