/*
 * sc-stall.c: an LD_PRELOAD library for the tests.  It holds sockcat up
 * just before its first blocking call of one kind, so that a test can send
 * a stop signal at the one moment a program cannot look at a flag: after
 * its last look and before the call.
 *
 *   SC_STALL_FN    the call to hold: recvmmsg, accept4, poll (the first
 *                  with a timeout other than 0), read (of fd 0, also
 *                  as __read_chk), or
 *                  epoll_pwait
 *   SC_STALL_MS    how long to hold it (default 300)
 *   SC_STALL_MARK  a file created when the hold starts: the test waits for
 *                  it, then sends the signal
 *
 * Signals that come during the hold run their handlers and are otherwise
 * ignored: the hold lasts its whole time, then the real call is made.
 * Without SC_STALL_FN, or after the first hold, every call goes straight
 * to the C library.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int stall_done;

/* Hold once if NAME is the call to hold; errno comes back unchanged. */
static void
stall(const char *name)
{
	const char	*fn = getenv("SC_STALL_FN");
	const char	*ms = getenv("SC_STALL_MS");
	const char	*mark = getenv("SC_STALL_MARK");
	struct timespec	 left;
	long		 n = ms != NULL ? strtol(ms, NULL, 10) : 300;
	int		 saved = errno, fd;

	if (stall_done || fn == NULL || strcmp(fn, name) != 0)
		return;
	stall_done = 1;
	if (mark != NULL) {
		fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
	}
	left.tv_sec = n / 1000;
	left.tv_nsec = n % 1000 * 1000000L;
	while (nanosleep(&left, &left) < 0 && errno == EINTR)
		;
	errno = saved;
}

/* The C library's NAME; a test helper may simply stop when it is gone. */
static void *
real(const char *name)
{
	void	*p = dlsym(RTLD_NEXT, name);

	if (p == NULL)
		abort();
	return p;
}

int
recvmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags,
    struct timespec *t)
{
	int (*f)(int, struct mmsghdr *, unsigned int, int,
	    struct timespec *) = real("recvmmsg");

	stall("recvmmsg");
	return f(fd, v, n, flags, t);
}

int
accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	int (*f)(int, struct sockaddr *, socklen_t *, int) = real("accept4");

	stall("accept4");
	return f(fd, sa, len, flags);
}

int
poll(struct pollfd *p, nfds_t n, int ms)
{
	int (*f)(struct pollfd *, nfds_t, int) = real("poll");

	if (ms != 0)
		stall("poll");
	return f(p, n, ms);
}

ssize_t
read(int fd, void *buf, size_t n)
{
	ssize_t (*f)(int, void *, size_t) = real("read");

	if (fd == 0)
		stall("read");
	return f(fd, buf, n);
}

/* The same read, when _FORTIFY_SOURCE knows the buffer's size. */
ssize_t	__read_chk(int, void *, size_t, size_t);

ssize_t
__read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	ssize_t (*f)(int, void *, size_t, size_t) = real("__read_chk");

	if (fd == 0)
		stall("read");
	return f(fd, buf, n, buflen);
}

int
epoll_pwait(int ep, struct epoll_event *ev, int max, int ms,
    const sigset_t *mask)
{
	int (*f)(int, struct epoll_event *, int, int, const sigset_t *) =
	    real("epoll_pwait");

	stall("epoll_pwait");
	return f(ep, ev, max, ms, mask);
}
