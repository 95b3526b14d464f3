/* sig.c: stop signals as a flag that blocking calls notice via EINTR. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sig.h"

static volatile sig_atomic_t sig_stop;
static int sig_kick_ok;		/* the timer exists */
static timer_t sig_kick_timer;
static long sig_kick_ns;	/* the next kick's delay, 0 before the first */

/* The first kick comes after 2 ms, each next one after twice as long. */
#define SIG_KICK_FIRST_NS	2000000L
#define SIG_KICK_MAX_NS		512000000L

/*
 * A stop signal that lands between a look at the flag and the blocking
 * call after it is not seen by that call, which may then wait forever.
 * So the first stop signal also starts a one-shot timer whose signal
 * (the "kick") interrupts any call that blocks from then on: no
 * SA_RESTART, so EINTR, and every EINTR path looks at the flag.  Each
 * kick arms the next one, twice as late (up to 0.5 s): when running the
 * handler takes longer than the delay (valgrind), a fixed period would
 * always find the next kick already pending at the call's start, which
 * then runs the handler and starts the call again, without end.
 */
static void
sig_kick_arm(void)
{
	struct itimerspec	its = { .it_interval = { 0, 0 } };

	its.it_value.tv_sec = sig_kick_ns / 1000000000L;
	its.it_value.tv_nsec = sig_kick_ns % 1000000000L;
	timer_settime(sig_kick_timer, 0, &its, NULL);
	if (sig_kick_ns < SIG_KICK_MAX_NS)
		sig_kick_ns *= 2;
}

static void
sig_kick(int signo)
{
	int	saved = errno;

	(void)signo;
	sig_kick_arm();
	errno = saved;
}

static void
sig_catch(int signo)
{
	int	saved = errno;

	sig_stop = signo;
	if (sig_kick_ok && sig_kick_ns == 0) {
		sig_kick_ns = SIG_KICK_FIRST_NS;
		sig_kick_arm();
	}
	errno = saved;
}

void
sig_setup(void)
{
	struct sigaction	sa;
	struct sigevent		sev;
	int			kick = SIGRTMIN;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);

	/*
	 * No SA_RESTART: a blocked poll/accept/read returns EINTR.  The
	 * handlers keep each other out: only one touches the timer at once.
	 */
	sa.sa_flags = 0;
	sig_stop_set(&sa.sa_mask);
	sigaddset(&sa.sa_mask, kick);
	sa.sa_handler = sig_kick;
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = kick;
	if (sigaction(kick, &sa, NULL) == 0 &&
	    timer_create(CLOCK_MONOTONIC, &sev, &sig_kick_timer) == 0)
		sig_kick_ok = 1;
	sa.sa_handler = sig_catch;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

void
sig_stop_set(sigset_t *set)
{
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

int
sig_pending(void)
{
	return sig_stop;
}

int
sig_poll_fd(int fd, short events)
{
	struct pollfd	pfd = { .fd = fd, .events = events };

	for (;;) {
		if (sig_stop != 0) {
			errno = EINTR;
			return -1;
		}
		/* Any other failure: the call that follows reports it. */
		if (poll(&pfd, 1, -1) >= 0 || errno != EINTR)
			return 0;
	}
}

void
sig_reraise(void)
{
	int signo = sig_stop != 0 ? sig_stop : SIGTERM;

	signal(signo, SIG_DFL);
	raise(signo);
	_exit(128 + signo);
}
