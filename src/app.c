#include "app.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "front.h"
#include "net/connect.h"
#include "net/fault.h"
#include "net/listen.h"
#include "net/systemd.h"
#include "rfb/server.h"
#include "security.h"
#include "util/log.h"
#include "util/loop.h"
#include "util/pool.h"
#include "x11/backend.h"
#include "x11/create.h"

#define REVERSE_DEFAULT_PORT 5500
#define DEFAULT_HTTPDIR "/usr/share/novnc"

struct app {
	struct config *cfg;
	struct loop *loop;
	struct x11_create *created;
	struct x11_backend *backend;
	struct security *security;
	struct rfb_server *srv;
	struct front *front;
	struct net_listener *listener;
	struct net_connector *dialers[CONFIG_MAX_CONNECT];
	int ndialers;
	struct loop_timer *timeout;
	bool had_client;
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

	front_accept(app->front, net_fault_wrap(conn));
}

static void on_dialled(void *data, struct net_conn *conn)
{
	struct app *app = data;

	front_rfb(app->front, net_fault_wrap(conn));
}

static void on_leave(void *data, bool viewer, int nleft)
{
	struct app *app = data;

	app->had_client |= viewer;
	if (app->cfg->inetd && nleft == 0) {
		log_info("-inetd: the viewer left, exiting");
		loop_quit(app->loop, 0);
	} else if (app->cfg->once && viewer &&
		   rfb_server_nclients(app->srv) == 0) {
		log_info("-once: the viewer left, exiting");
		loop_quit(app->loop, 0);
	}
}

/* -timeout N: nobody came within N seconds of start. */
static void on_timeout(void *data)
{
	struct app *app = data;

	app->timeout = NULL;
	if (app->had_client || rfb_server_nclients(app->srv) > 0)
		return;
	log_info("-timeout: no viewer connected within %d s, exiting",
		 app->cfg->timeout_s);
	loop_quit(app->loop, 0);
}

static bool is_loopback(const char *addr)
{
	return !strcmp(addr, "localhost") || !strncmp(addr, "127.", 4) ||
	       !strcmp(addr, "::1") || !strcmp(addr, "[::1]");
}

/* Without a login only this machine may connect, unless -nopw. */
static int check_exposure(struct app *app, bool *loopback)
{
	const struct config *cfg = app->cfg;

	*loopback = cfg->localhost;
	if (security_requires_login(app->security))
		return 0;
	if (cfg->nopw) {
		if (!cfg->localhost)
			log_warn("-nopw: ANYONE who can reach this machine can "
				 "see and control the desktop without a "
				 "password");
		return 0;
	}
	for (int i = 0; i < cfg->nlisten; i++)
		if (!is_loopback(cfg->listen[i])) {
			log_error("refusing to listen on %s without a password:"
				  " set one with -rfbauth FILE (write it with "
				  "-storepasswd), or add -nopw",
				  cfg->listen[i]);
			return -1;
		}
	if (!*loopback && cfg->nlisten == 0 && cfg->rfbport >= 0)
		log_warn("no password set: listening on localhost only. Set "
			 "one with 'xrfbshare -storepasswd FILE' and '-rfbauth "
			 "FILE', or allow unauthenticated network access with "
			 "-nopw");
	*loopback = true;
	return 0;
}

/* Bind every TCP address at `port`; -1 with errno (all-or-nothing). */
static int listen_tcp(struct app *app, int port, bool loopback)
{
	const struct config *cfg = app->cfg;

	if (cfg->nlisten == 0)
		return net_listener_add_tcp(app->listener,
					    loopback ? "localhost" : NULL,
					    port);
	for (int i = 0; i < cfg->nlisten; i++)
		if (net_listener_add_tcp(app->listener, cfg->listen[i],
					 port) < 0) {
			log_error("cannot listen on %s port %d: %s",
				  cfg->listen[i], port, strerror(errno));
			return -1;
		}
	return 0;
}

/* -rfbport, or 5900 and up to 5999 when it was not given. */
static int start_tcp(struct app *app, bool loopback)
{
	const struct config *cfg = app->cfg;
	int port = cfg->rfbport, last = cfg->port_given ? port : 5999;

	for (; port <= last; port++) {
		app->listener = net_listener_new(app->loop, on_accept, app);
		if (!app->listener)
			return -1;
		if (listen_tcp(app, port, loopback) == 0)
			return 0;
		net_listener_destroy(app->listener);
		app->listener = NULL;
		if (errno != EADDRINUSE)
			break;
	}
	log_error("cannot listen on TCP port %d: %s%s", cfg->rfbport,
		  strerror(errno),
		  errno == EADDRINUSE ? "; pick another with -rfbport" : "");
	return -1;
}

static int start_unix(struct app *app)
{
	const char *path = app->cfg->unixsock;

	if (!app->listener)
		app->listener = net_listener_new(app->loop, on_accept, app);
	if (!app->listener || net_listener_add_unix(app->listener, path) < 0) {
		log_error("cannot listen on unix socket %s: %s", path,
			  strerror(errno));
		return -1;
	}
	log_info("listening on unix socket %s", path);
	return 0;
}

/* Sockets handed over by systemd replace -rfbport and -listen; without a
 * login they too must be loopback only, unless -nopw. */
static int start_activated(struct app *app, const int *fds, int n)
{
	bool open = app->cfg->nopw ||
		    security_requires_login(app->security);

	for (int i = 0; i < n && !open; i++)
		if (!net_listener_fd_is_local(fds[i])) {
			log_error("refusing a socket from systemd that accepts "
				  "network connections without a password: "
				  "set one with -rfbauth FILE, listen on "
				  "127.0.0.1 in the .socket unit, or add -nopw");
			return -1;
		}
	app->listener = net_listener_new(app->loop, on_accept, app);
	if (!app->listener)
		return -1;
	for (int i = 0; i < n; i++)
		if (net_listener_add_fd(app->listener, fds[i]) < 0)
			return -1;
	log_info("serving %d socket(s) from systemd", n);
	return 0;
}

/* inetd: a log written to a stderr that is the viewer's socket would be
 * read as protocol, so stderr goes to /dev/null then, before anything is
 * logged. */
static void quiet_stderr_if_socket(void)
{
	struct stat in, err;
	int null;

	if (fstat(0, &in) == 0 && fstat(2, &err) == 0 &&
	    in.st_ino == err.st_ino && in.st_dev == err.st_dev &&
	    (null = open("/dev/null", O_WRONLY)) >= 0) {
		dup2(null, 2);
		close(null);
	}
}

static void start_inetd(struct app *app)
{
	struct net_conn *conn;

	conn = net_conn_new_stdio(dup(0), dup(1));
	if (conn)
		front_rfb(app->front, conn);
}

static int start_ways_in(struct app *app)
{
	const struct config *cfg = app->cfg;
	int fds[16], n = net_systemd_listen_fds(fds, 16);
	bool loopback = true;

	if (cfg->inetd) {
		start_inetd(app);
		return 0;
	}
	if (n == 0 && check_exposure(app, &loopback) < 0)
		return -1;
	if (n > 0 ? start_activated(app, fds, n) < 0 :
		    cfg->rfbport >= 0 && start_tcp(app, loopback) < 0)
		return -1;
	if (cfg->unixsock && start_unix(app) < 0)
		return -1;
	for (int i = 0; i < cfg->nconnect; i++) {
		app->dialers[i] = net_connect_start(app->loop, cfg->connect[i],
						    REVERSE_DEFAULT_PORT,
						    on_dialled, app);
		if (!app->dialers[i]) {
			log_error("-connect %s: not a HOST[:PORT]",
				  cfg->connect[i]);
			return -1;
		}
		app->ndialers++;
	}
	return 0;
}

static void announce(struct app *app)
{
	int port = app->listener ? net_listener_port(app->listener) : -1;

	if (port > 0) {
		printf("PORT=%d\n", port);
		fflush(stdout);
		log_info("listening on port %d; connect with: vncviewer "
			 "HOST::%d", port, port);
	}
	net_systemd_notify("READY=1");
}

static const char *httpdir(const struct config *cfg)
{
	struct stat st;

	if (cfg->httpdir)
		return cfg->httpdir;
	return stat(DEFAULT_HTTPDIR "/vnc.html", &st) == 0 ? DEFAULT_HTTPDIR :
							     NULL;
}

static int start_server(struct app *app)
{
	const struct config *cfg = app->cfg;
	struct rfb_server_opts o = {
		.viewonly = cfg->viewonly,
		.shared = cfg->shared,
		.dont_disconnect = cfg->dont_disconnect,
		.noclipboard = cfg->noclipboard,
		.max_cuttext = cfg->max_cuttext,
		.max_queue = cfg->max_queue,
		.message_ms = cfg->msg_timeout_s * 1000,
		.max_clients = cfg->max_clients,
		.fps = cfg->fps,
		.handshake_ms = cfg->handshake_s * 1000,
		.threads = cfg->threads < 0 ? pool_default_threads() :
					      cfg->threads,
	};
	struct front_opts fo = { .httpdir = httpdir(cfg) };

	app->security = security_new(cfg, &o);
	if (!app->security)
		return -1;
	o.name = cfg->desktop_name ? cfg->desktop_name :
				     x11_backend_name(app->backend);
	app->srv = rfb_server_new(app->loop, &o,
				  x11_backend_desktop(app->backend));
	if (!app->srv)
		return -1;
	rfb_server_set_leave_cb(app->srv, on_leave, app);
	fo.srv = app->srv;
	fo.tls = security_tls(app->security);
	app->front = front_new(app->loop, &fo);
	if (!app->front)
		return -1;
	return x11_backend_start(app->backend, app->srv);
}

/* Tests make the network misbehave through the environment; see
 * net/fault.h and doc/reliability.md. */
static int setup_faults(void)
{
	const char *spec = getenv("XRFBSHARE_FAULTS");
	char why[128];

	if (net_fault_setup(spec, why, sizeof(why)) < 0) {
		log_error("XRFBSHARE_FAULTS: %s", why);
		return -1;
	}
	if (net_fault_enabled())
		log_warn("fault injection on every connection: %s", spec);
	return 0;
}

static int app_start(struct app *app)
{
	struct config *cfg = app->cfg;

	if (setup_faults() < 0)
		return -1;
	if (cfg->inetd)
		quiet_stderr_if_socket();
	if (setup_signals(app) < 0)
		return -1;
	if (cfg->create) {
		app->created = x11_create_new(cfg->create_geom);
		if (!app->created)
			return -1;
		cfg->display = x11_create_display(app->created);
	}
	app->backend = x11_backend_new(app->loop, cfg);
	if (!app->backend || start_server(app) < 0 || start_ways_in(app) < 0)
		return -1;
	if (cfg->timeout_s)
		app->timeout = loop_timer_add(app->loop, cfg->timeout_s * 1000,
					      false, on_timeout, app);
	announce(app);
	return 0;
}

static void app_stop(struct app *app)
{
	net_systemd_notify("STOPPING=1");
	for (int i = 0; i < app->ndialers; i++)
		net_connector_destroy(app->dialers[i]);
	net_listener_destroy(app->listener);
	rfb_server_destroy(app->srv);
	front_destroy(app->front);
	security_free(app->security);
	x11_backend_destroy(app->backend);
	x11_create_destroy(app->created);
	if (app->sigfd >= 0)
		close(app->sigfd);
	loop_destroy(app->loop);
}

int app_run(struct config *cfg)
{
	struct app app = { .cfg = cfg, .sigfd = -1 };
	int r;

	app.loop = loop_new();
	if (!app.loop)
		return 1;
	r = app_start(&app) < 0 ? 1 : loop_run(app.loop);
	app_stop(&app);
	return r;
}
