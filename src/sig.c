/* sig.c: stop signals as a flag that blocking calls notice via EINTR. */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sig.h"

static volatile sig_atomic_t sig_stop;

static void
sig_catch(int signo)
{
	sig_stop = signo;
}

void
sig_setup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);

	/* No SA_RESTART: a blocked poll/accept/read returns EINTR. */
	sa.sa_handler = sig_catch;
	sa.sa_flags = 0;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int
sig_pending(void)
{
	return sig_stop;
}

void
sig_reraise(void)
{
	int signo = sig_stop != 0 ? sig_stop : SIGTERM;

	signal(signo, SIG_DFL);
	raise(signo);
	_exit(128 + signo);
}
