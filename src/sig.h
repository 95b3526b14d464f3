/*
 * sig.h: SIGINT/SIGTERM as a flag, so a listener can remove its socket
 * file and stop cleanly; SIGPIPE ignored so EPIPE ends a direction.
 */
#ifndef SC_SIG_H
#define SC_SIG_H

/* Ignore SIGPIPE; catch SIGINT and SIGTERM without SA_RESTART. */
void	sig_setup(void);

/* The stop signal that arrived (SIGINT, SIGTERM), or 0. */
int	sig_pending(void);

/* Die by the pending signal with its default action (after cleanup). */
void	sig_reraise(void) __attribute__((noreturn));

#endif
