/*
 * sig.h: SIGINT/SIGTERM/SIGHUP as a flag, so a listener can remove its socket
 * file and stop cleanly; SIGPIPE ignored so EPIPE ends a direction.
 */
#ifndef SC_SIG_H
#define SC_SIG_H

#include <signal.h>

/*
 * Ignore SIGPIPE; catch SIGINT, SIGTERM and SIGHUP (the stop signals)
 * without SA_RESTART.  After the
 * first of them, a timer signal (SIGRTMIN) interrupts every blocking call
 * until exit, so a signal that came just before a call still stops it.
 */
void	sig_setup(void);

/* Add the stop signals to set (for a mask that blocks them). */
void	sig_stop_set(sigset_t *set);

/* The stop signal that arrived (SIGINT, SIGTERM, SIGHUP), or 0. */
int	sig_pending(void);

/*
 * Wait until fd is ready for events: for a non-blocking stdin or stdout
 * that said EAGAIN.  Returns 0 (then try the call again), or -1 with errno
 * EINTR when a stop signal is pending.
 */
int	sig_poll_fd(int fd, short events);

/* Die by the pending signal with its default action (after cleanup). */
void	sig_reraise(void) __attribute__((noreturn));

#endif
