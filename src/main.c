/* xrfbshare: argv -> config, build the modules, run the loop. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "config.h"
#include "net/listen.h"
#include "rfb/auth.h"
#include "rfb/server.h"
#include "util/log.h"
#include "util/loop.h"
#include "x11/backend.h"
#include "x11/create.h"

struct app {
	struct config cfg;
	struct loop *loop;
	struct x11_create *created;
	struct x11_backend *backend;
	struct rfb_server *srv;
	struct net_listener *listener;
	char passwd[9], view_passwd[9];
	int sigfd;
};

static void on_signal(void *data, int fd, unsigned events)
{
	struct app *app = data;
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	log_info("signal %u: shutting down", si.ssi_signo);
	loop_quit(app->loop, 0);
}

/* SIGINT/SIGTERM arrive through the loop; SIGPIPE never kills us. */
static int setup_signals(struct app *app)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	app->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (app->sigfd < 0)
		return -1;
	return loop_add_fd(app->loop, app->sigfd, LOOP_IN, on_signal, app);
}

static void on_accept(void *data, struct net_conn *conn)
{
	struct app *app = data;

	rfb_server_add_client(app->srv, conn);
}

static void on_leave(void *data, int nleft)
{
	struct app *app = data;

	if (app->cfg.once && nleft == 0) {
		log_info("-once: the viewer left, exiting");
		loop_quit(app->loop, 0);
	}
}

/* Without credentials only this machine may connect, unless -nopw. */
static bool loopback_only(const struct config *cfg)
{
	if (cfg->localhost)
		return true;
	if (cfg->rfbauth || cfg->nopw)
		return false;
	log_warn("no password set: listening on localhost only. Set one with "
		 "'xrfbshare -storepasswd FILE' and '-rfbauth FILE', or allow "
		 "unauthenticated network access with -nopw");
	return true;
}

/* The port asked for; without -rfbport, 5900 or the next free one. */
static int start_listening(struct app *app)
{
	const struct config *cfg = &app->cfg;
	bool lo = loopback_only(cfg);
	int port = cfg->rfbport, last = cfg->port_given ? port : 5999;

	if (cfg->nopw && !cfg->rfbauth && !lo)
		log_warn("-nopw: ANYONE who can reach this machine can see and "
			 "control the desktop without a password");
	for (; port <= last; port++) {
		app->listener = net_listen_tcp(app->loop, port, lo, on_accept,
					       app);
		if (app->listener || errno != EADDRINUSE)
			break;
	}
	if (!app->listener) {
		log_error("cannot listen on TCP port %d: %s%s", cfg->rfbport,
			  strerror(errno),
			  errno == EADDRINUSE ? "; pick another with -rfbport" :
						"");
		return -1;
	}
	port = net_listener_port(app->listener);
	printf("PORT=%d\n", port);
	fflush(stdout);
	log_info("listening on %s port %d; connect with: vncviewer %s::%d",
		 lo ? "localhost" : "all addresses", port,
		 lo ? "localhost" : "HOST", port);
	return 0;
}

static int load_passwords(struct app *app)
{
	const char *why;

	if (!app->cfg.rfbauth)
		return 0;
	if (rfb_passwd_read(app->cfg.rfbauth, app->passwd, app->view_passwd,
			    &why) < 0) {
		log_error("cannot use password file %s: %s", app->cfg.rfbauth,
			  why);
		return -1;
	}
	return 0;
}

static int start_server(struct app *app)
{
	const struct config *cfg = &app->cfg;
	struct rfb_server_opts o = {
		.name = cfg->desktop_name ? cfg->desktop_name :
					    x11_backend_name(app->backend),
		.passwd = app->passwd[0] ? app->passwd : NULL,
		.view_passwd = app->view_passwd[0] ? app->view_passwd : NULL,
		.viewonly = cfg->viewonly,
		.shared = cfg->shared,
		.max_cuttext = cfg->max_cuttext,
		.max_queue = cfg->max_queue,
	};

	if (cfg->rfbauth && !o.passwd && !o.view_passwd) {
		log_error("password file %s holds an empty password",
			  cfg->rfbauth);
		return -1;
	}
	app->srv = rfb_server_new(app->loop, &o,
				  x11_backend_desktop(app->backend));
	if (!app->srv)
		return -1;
	rfb_server_set_leave_cb(app->srv, on_leave, app);
	return x11_backend_start(app->backend, app->srv);
}

/* Read a line from the terminal without echo. */
static int ask(const char *prompt, char *out, size_t n)
{
	struct termios old, quiet;
	bool tty = tcgetattr(STDIN_FILENO, &old) == 0;
	size_t len;

	fputs(prompt, stderr);
	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
	}
	if (!fgets(out, (int)n, stdin))
		out[0] = 0;
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &old);
		fputc('\n', stderr);
	}
	len = strlen(out);
	if (len && out[len - 1] == '\n')
		out[len - 1] = 0;
	return out[0] ? 0 : -1;
}

/* -storepasswd [PASS] [FILE] */
static int store_passwd(const struct config *cfg)
{
	char pw[128], again[128], path[4096];
	const char *file = cfg->storepasswd_file, *why;

	if (!file) {
		const char *home = getenv("HOME");

		snprintf(path, sizeof(path), "%s/.vnc/passwd",
			 home ? home : ".");
		if (home) {
			snprintf(again, sizeof(again), "%s/.vnc", home);
			mkdir(again, 0700);
		}
		file = path;
	}
	if (cfg->storepasswd_pass) {
		snprintf(pw, sizeof(pw), "%s", cfg->storepasswd_pass);
	} else if (ask("Password: ", pw, sizeof(pw)) < 0 ||
		   ask("Verify:   ", again, sizeof(again)) < 0 ||
		   strcmp(pw, again) != 0) {
		log_error("passwords empty or different; nothing written");
		return 1;
	}
	if (!pw[0]) {
		log_error("the password must not be empty");
		return 1;
	}
	if (strlen(pw) > RFB_PASSWD_MAX)
		log_warn("VNC passwords are at most 8 characters; only the "
			 "first 8 count");
	if (rfb_passwd_write(file, pw, NULL, &why) < 0) {
		log_error("cannot write %s: %s", file, why);
		return 1;
	}
	log_info("password stored in %s", file);
	return 0;
}

static int app_start(struct app *app)
{
	struct config *cfg = &app->cfg;

	if (load_passwords(app) < 0 || setup_signals(app) < 0)
		return -1;
	if (cfg->create) {
		app->created = x11_create_new(cfg->create_geom);
		if (!app->created)
			return -1;
		cfg->display = x11_create_display(app->created);
	}
	app->backend = x11_backend_new(app->loop, cfg);
	if (!app->backend || start_server(app) < 0)
		return -1;
	return start_listening(app);
}

static void app_stop(struct app *app)
{
	net_listener_destroy(app->listener);
	rfb_server_destroy(app->srv);
	x11_backend_destroy(app->backend);
	x11_create_destroy(app->created);
	if (app->sigfd >= 0)
		close(app->sigfd);
	loop_destroy(app->loop);
}

/* Started with stdin/out/err closed, the X socket could become fd 2 and
 * log lines would go into the X connection. */
static void ensure_std_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

int main(int argc, char **argv)
{
	struct app app = { .sigfd = -1 };
	int r;

	ensure_std_fds();
	r = config_parse(&app.cfg, argc, argv);
	if (r != 0)
		return r > 0 ? 0 : 2;
	log_set_level(app.cfg.verbosity);
	if (app.cfg.storepasswd)
		return store_passwd(&app.cfg);
	app.loop = loop_new();
	if (!app.loop)
		return 1;
	r = app_start(&app) < 0 ? 1 : loop_run(app.loop);
	app_stop(&app);
	return r;
}
