#include "x11/create.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/log.h"
#include "util/loop.h"

#define CREATE_GEOM "1280x800"
#define CREATE_MAX_SIDE 16384
/* Xvfb starts in well under a second; a loaded CI machine gets slack. */
#define CREATE_TIMEOUT_MS 15000
#define CREATE_STOP_MS 3000

struct x11_create {
	pid_t xvfb, xterm;
	char display[32];
	char auth[PATH_MAX];
};

static int create_geom(const char *geom, int *w, int *h)
{
	char *end;
	long lw, lh;

	lw = strtol(geom, &end, 10);
	if (*end != 'x')
		goto bad;
	lh = strtol(end + 1, &end, 10);
	if (*end || lw < 64 || lh < 64 || lw > CREATE_MAX_SIDE ||
	    lh > CREATE_MAX_SIDE)
		goto bad;
	*w = (int)lw;
	*h = (int)lh;
	return 0;
bad:
	log_error("bad -create geometry \"%s\": want WxH, each 64 to %d, "
		  "e.g. " CREATE_GEOM,
		  geom, CREATE_MAX_SIDE);
	return -1;
}

static void create_put16(FILE *f, size_t n)
{
	putc((int)(n >> 8) & 0xff, f);
	putc((int)n & 0xff, f);
}

/* An Xauthority file with one MIT-MAGIC-COOKIE-1 entry for any address
 * and display number (FamilyWild, empty number): the number is not known
 * before Xvfb picks it.  Without it, every local user could connect to
 * the new display and read or type into it. */
static int create_auth(struct x11_create *c)
{
	static const char name[] = "MIT-MAGIC-COOKIE-1";
	const char *tmp = getenv("TMPDIR");
	unsigned char cookie[16];
	FILE *f;
	int fd;

	snprintf(c->auth, sizeof(c->auth), "%s/xrfbshare-auth-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(c->auth); /* mode 0600 */
	if (fd < 0) {
		log_error("cannot create X authority file %s: %s", c->auth,
			  strerror(errno));
		c->auth[0] = '\0';
		return -1;
	}
	f = fdopen(fd, "wb");
	if (!f) {
		close(fd);
		goto err;
	}
	if (getrandom(cookie, sizeof(cookie), 0) != sizeof(cookie)) {
		fclose(f);
		goto err;
	}
	create_put16(f, 0xffff); /* FamilyWild */
	create_put16(f, 0);	 /* address */
	create_put16(f, 0);	 /* display number */
	create_put16(f, sizeof(name) - 1);
	fwrite(name, 1, sizeof(name) - 1, f);
	create_put16(f, sizeof(cookie));
	fwrite(cookie, 1, sizeof(cookie), f);
	if (fclose(f) == 0)
		return 0;
err:
	log_error("cannot write X authority file %s", c->auth);
	unlink(c->auth);
	c->auth[0] = '\0';
	return -1;
}

/* A close-on-exec pipe whose ends are above stdio: the child points its
 * stdio at /dev/null, which must not clobber them when we were started
 * with stdio closed. */
static int create_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC))
		return -1;
	for (int i = 0; i < 2; i++) {
		int fd = fds[i];

		if (fd > 2)
			continue;
		fds[i] = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		close(fd);
		if (fds[i] < 0) {
			close(fds[1 - i]);
			return -1;
		}
	}
	return 0;
}

/* In the child, before exec: a clean slate of signals and descriptors,
 * and death with the parent so a crash leaves no X server behind. */
static void create_child(char *const argv[], int keep_fd, int errfd,
			 pid_t parent)
{
	sigset_t none;
	int null, err;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
	/* Ignored signals survive exec: the xterm's shell needs SIGPIPE. */
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Listening sockets and clients must not leak into the children. */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC))
		for (int fd = 3; fd < 1024; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (keep_fd >= 0)
		fcntl(keep_fd, F_SETFD, 0);
	null = open("/dev/null", O_RDWR);
	dup2(null, 0);
	/* Only the log writes to our stderr, unless debugging. */
	if (log_get_level() < LOG_DEBUG) {
		dup2(null, 1);
		dup2(null, 2);
	}
	if (null > 2)
		close(null);
	execvp(argv[0], argv);
	err = errno;
	if (write(errfd, &err, sizeof(err)) < 0)
		_exit(126);
	_exit(127);
}

/* fork + exec.  Returns the pid, or -1 with errno telling why the exec
 * failed (ENOENT: not installed), learned through a close-on-exec pipe
 * that only carries news when exec did not happen. */
static pid_t create_spawn(char *const argv[], int keep_fd)
{
	pid_t parent = getpid(), pid;
	int pipefd[2], err = 0;
	ssize_t n;

	if (create_pipe(pipefd))
		return -1;
	pid = fork();
	if (pid == 0)
		create_child(argv, keep_fd, pipefd[1], parent);
	close(pipefd[1]);
	if (pid < 0) {
		err = errno;
		close(pipefd[0]);
		errno = err;
		return -1;
	}
	do
		n = read(pipefd[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	if (n == (ssize_t)sizeof(err)) {
		waitpid(pid, NULL, 0);
		errno = err;
		return -1;
	}
	return pid;
}

static void create_died(pid_t pid)
{
	int status = 0;

	waitpid(pid, &status, 0);
	if (WIFSIGNALED(status))
		log_error("Xvfb was killed by signal %d before reporting its "
			  "display",
			  WTERMSIG(status));
	else
		log_error("Xvfb exited with status %d before reporting its "
			  "display; run with -v -v to see its "
			  "messages",
			  WEXITSTATUS(status));
}

/* Xvfb writes the display number it chose, then a newline, to -displayfd
 * once it accepts connections. */
static int create_wait(struct x11_create *c, int fd)
{
	uint64_t end = loop_now_ms() + CREATE_TIMEOUT_MS;
	char buf[16];
	size_t got = 0;
	ssize_t n;

	while (!memchr(buf, '\n', got)) {
		struct pollfd p = { fd, POLLIN, 0 };
		uint64_t now = loop_now_ms();

		if (now >= end || got == sizeof(buf) - 1) {
			log_error("Xvfb did not report a display within %d s",
				  CREATE_TIMEOUT_MS / 1000);
			return -1;
		}
		if (poll(&p, 1, (int)(end - now)) <= 0)
			continue;
		n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			create_died(c->xvfb);
			c->xvfb = 0;
			return -1;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	snprintf(c->display, sizeof(c->display), ":%d", atoi(buf));
	return 0;
}

static int create_xvfb(struct x11_create *c, int w, int h)
{
	char fdarg[16], screen[48];
	char *argv[] = { "Xvfb",  "-displayfd", fdarg,	     "-screen",
			 "0",	  screen,	"-nolisten", "tcp",
			 "-auth", c->auth,	NULL };
	int pipefd[2], err;

	if (create_pipe(pipefd)) {
		log_error("pipe: %s", strerror(errno));
		return -1;
	}
	snprintf(fdarg, sizeof(fdarg), "%d", pipefd[1]);
	snprintf(screen, sizeof(screen), "%dx%dx24", w, h);
	c->xvfb = create_spawn(argv, pipefd[1]);
	err = errno;
	close(pipefd[1]);
	if (c->xvfb < 0) {
		c->xvfb = 0;
		if (err == ENOENT)
			log_error("Xvfb not found: apt-get install xvfb");
		else
			log_error("cannot start Xvfb: %s", strerror(err));
		close(pipefd[0]);
		return -1;
	}
	err = create_wait(c, pipefd[0]);
	close(pipefd[0]);
	return err;
}

static void create_xterm(struct x11_create *c)
{
	char *argv[] = { "xterm", "-display", c->display, NULL };

	c->xterm = create_spawn(argv, -1);
	if (c->xterm > 0) {
		log_info("started xterm on %s", c->display);
		return;
	}
	c->xterm = 0;
	if (errno == ENOENT)
		log_warn("xterm not found (apt-get install xterm): the new "
			 "display starts empty");
	else
		log_warn("cannot start xterm: %s", strerror(errno));
}

struct x11_create *x11_create_new(const char *geom)
{
	struct x11_create *c;
	int w, h;

	if (create_geom(geom ? geom : CREATE_GEOM, &w, &h))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c) {
		log_error("out of memory");
		return NULL;
	}
	if (create_auth(c))
		goto err;
	if (create_xvfb(c, w, h))
		goto err;
	log_info("created X display %s (Xvfb %dx%d, pid %d, XAUTHORITY=%s)",
		 c->display, w, h, (int)c->xvfb, c->auth);
	setenv("XAUTHORITY", c->auth, 1);
	create_xterm(c);
	return c;

err:
	x11_create_destroy(c);
	return NULL;
}

const char *x11_create_display(const struct x11_create *c)
{
	return c->display;
}

static void create_stop(pid_t pid, const char *what)
{
	pid_t r;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int ms = 0; ms < CREATE_STOP_MS; ms += 10) {
		r = waitpid(pid, NULL, WNOHANG);
		if (r == pid || (r < 0 && errno == ECHILD))
			return;
		usleep(10000);
	}
	log_warn("%s did not exit on SIGTERM: killing it", what);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

void x11_create_destroy(struct x11_create *c)
{
	if (!c)
		return;
	create_stop(c->xterm, "xterm");
	create_stop(c->xvfb, "Xvfb");
	if (c->auth[0])
		unlink(c->auth);
	free(c);
}
