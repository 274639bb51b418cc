/* Options into struct config.  Names follow x11vnc's where one exists;
 * a leading "--" is accepted as well as "-". */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/pace.h"
#include "util/pool.h"

#ifndef XRFB_VERSION
#define XRFB_VERSION "0.1.0"
#endif

void config_usage(void)
{
	/* --help output goes to stdout: it is the requested result. */
	fputs("usage: xrfbshare [options]\n"
"Share an existing X display with VNC viewers (RFB 3.3/3.7/3.8).\n"
"\n"
"Display\n"
"  -display DISP        X display to share (default: $DISPLAY)\n"
"  -create [WxH]        start a private virtual display (Xvfb with an\n"
"                       xterm, default 1280x800) and share that\n"
"  -desktop NAME        desktop name shown by viewers\n"
"  -noshm               read the screen with XGetImage, not MIT-SHM\n"
"  -noxdamage           poll the screen instead of using X DAMAGE\n"
"  -wait MS             screen poll interval without DAMAGE (default 100)\n"
"  -fps N               at most N screen updates a second per viewer\n"
"                       (default 60); the first change after a quiet\n"
"                       spell is always sent at once\n"
"  -threads N           encode updates on N worker threads (default: one\n"
"                       per core; 0 or 1: on the main loop)\n"
"\n"
"Listening and connecting\n"
"  -rfbport N           TCP port (default 5900, or the next free one up\n"
"                       to 5999; 0 any free port; -1 no TCP).  The port\n"
"                       is printed on stdout as PORT=N\n"
"  -listen ADDR         listen on this address only (IPv4, IPv6 or name;\n"
"                       repeatable)\n"
"  -localhost           accept connections from this machine only\n"
"  -unixsock PATH       also listen on a unix socket (mode 0600)\n"
"  -inetd               serve one viewer on stdin/stdout, then exit\n"
"  -connect HOST[:PORT] connect out to a listening viewer (default port\n"
"                       5500), retrying until it answers (repeatable)\n"
"  -httpdir DIR         web viewer files served on the VNC port; browsers\n"
"                       connect by WebSocket on the same port (default\n"
"                       /usr/share/novnc when installed)\n"
"  Sockets passed by systemd (LISTEN_FDS) replace -rfbport and -listen;\n"
"  readiness is reported to NOTIFY_SOCKET.\n"
"\n"
"Security\n"
"  -rfbauth FILE        require the VNC password stored in FILE; a second\n"
"                       password in FILE grants view-only access\n"
"  -storepasswd [PASS] [FILE]\n"
"                       write PASS (asked for when omitted) to FILE\n"
"                       (default ~/.vnc/passwd) in vncpasswd format, exit\n"
"  -viewpasswd PASS     with -storepasswd: also store a view-only password\n"
"  -securitytypes LIST  what to offer, in order, from None, VncAuth,\n"
"                       Plain, TLSNone, TLSVnc, TLSPlain, X509None,\n"
"                       X509Vnc, X509Plain (default: VncAuth with\n"
"                       -rfbauth, else None)\n"
"  -cert FILE, -key FILE  TLS certificate and key (PEM) for X509* and\n"
"                       wss://; without them a self-signed one is made\n"
"                       once in ~/.config/xrfbshare/\n"
"  -plainusers LIST     users allowed to log in with Plain (PAM); default\n"
"                       the user running xrfbshare\n"
"  -nopw                allow connections from the network without a\n"
"                       password (without one the default is to listen\n"
"                       on localhost only)\n"
"  -viewonly            viewers cannot send keyboard or mouse input\n"
"\n"
"Sessions\n"
"  -shared              always share the desktop between viewers (default)\n"
"  -noshared            a viewer asking for exclusive access disconnects\n"
"                       the others\n"
"  -dontdisconnect      with -noshared: refuse such a viewer instead\n"
"  -forever             keep serving after viewers leave (default)\n"
"  -once                exit when the first viewer disconnects\n"
"  -maxclients N        at most N viewers at once\n"
"  -timeout N           exit if no viewer connected within N seconds\n"
"  -handshaketimeout N  close a viewer that has not finished the\n"
"                       handshake (login included) within N seconds\n"
"                       (default 30)\n"
"  -noclipboard         no clipboard exchange with viewers at all\n"
"  -noprimary           leave the PRIMARY selection alone (CLIPBOARD\n"
"                       only)\n"
"  -maxcuttext BYTES    largest clipboard text accepted or sent\n"
"                       (default 1048576)\n"
"  -maxqueue BYTES      output queued for a viewer that is not reading\n"
"                       before it is dropped (default 67108864)\n"
"  -msgtimeout N        drop a viewer that stops N seconds in the middle\n"
"                       of a message (default 30)\n"
"\n"
"Other\n"
"  -v, -verbose         more log output (repeat for debug)\n"
"  -q, -quiet           errors only\n"
"  -h, -help            this text\n"
"  -version             print the version\n",
	      stdout);
}

static void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->rfbport = 5900;
	cfg->shared = true;
	cfg->verbosity = LOG_INFO;
	cfg->create_geom = "1280x800";
	cfg->fps = PACE_DEFAULT_FPS;
	cfg->threads = -1; /* one per core */
}

static bool is_geometry(const char *s)
{
	unsigned w, h;
	char end;

	return s && sscanf(s, "%ux%u%c", &w, &h, &end) == 2 && w && h;
}

/* Parse a decimal in [min, max] into *out; -1 if it is not one. */
static int parse_num(const char *opt, const char *s, long long min,
		     long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		log_error("%s needs a number from %lld to %lld (got \"%s\")",
			  opt, min, max, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* Repeatable options collect into an array. */
static int add_to(const char *opt, const char **arr, int *n, int max,
		  const char *v)
{
	if (*n == max) {
		log_error("-%s given more than %d times", opt, max);
		return -1;
	}
	arr[(*n)++] = v;
	return 0;
}

static int parse_num_opt(struct config *cfg, const char *o, const char *a)
{
	long long v;

	if (!strcmp(o, "rfbport")) {
		if (parse_num("-rfbport", a, -1, 65535, &v) < 0)
			return -1;
		cfg->rfbport = (int)v;
		cfg->port_given = true;
	} else if (!strcmp(o, "wait")) {
		if (parse_num("-wait", a, 1, 10000, &v) < 0)
			return -1;
		cfg->poll_ms = (int)v;
	} else if (!strcmp(o, "fps")) {
		if (parse_num("-fps", a, 1, PACE_MAX_FPS, &v) < 0)
			return -1;
		cfg->fps = (int)v;
	} else if (!strcmp(o, "threads")) {
		if (parse_num("-threads", a, 0, POOL_MAX_THREADS, &v) < 0)
			return -1;
		cfg->threads = (int)v;
	} else if (!strcmp(o, "maxcuttext")) {
		if (parse_num("-maxcuttext", a, 0, 1LL << 30, &v) < 0)
			return -1;
		cfg->max_cuttext = (size_t)v;
	} else if (!strcmp(o, "maxqueue")) {
		if (parse_num("-maxqueue", a, 1 << 20, 1LL << 32, &v) < 0)
			return -1;
		cfg->max_queue = (size_t)v;
	} else if (!strcmp(o, "msgtimeout")) {
		if (parse_num("-msgtimeout", a, 1, 3600, &v) < 0)
			return -1;
		cfg->msg_timeout_s = (int)v;
	} else if (!strcmp(o, "maxclients")) {
		if (parse_num("-maxclients", a, 1, 1000, &v) < 0)
			return -1;
		cfg->max_clients = (int)v;
	} else if (!strcmp(o, "timeout")) {
		if (parse_num("-timeout", a, 1, 86400 * 365, &v) < 0)
			return -1;
		cfg->timeout_s = (int)v;
	} else if (!strcmp(o, "handshaketimeout")) {
		if (parse_num("-handshaketimeout", a, 1, 3600, &v) < 0)
			return -1;
		cfg->handshake_s = (int)v;
	}
	return 0;
}

/* Options taking one argument; returns 0, or -1 on a usage error. */
static int parse_arg_opt(struct config *cfg, const char *o, const char *a)
{
	const struct {
		const char *name;
		const char **field;
	} strs[] = {
		{ "display", &cfg->display },	{ "rfbauth", &cfg->rfbauth },
		{ "desktop", &cfg->desktop_name }, { "unixsock", &cfg->unixsock },
		{ "httpdir", &cfg->httpdir },	{ "cert", &cfg->cert },
		{ "key", &cfg->key },		{ "securitytypes", &cfg->securitytypes },
		{ "plainusers", &cfg->plainusers },
		{ "viewpasswd", &cfg->viewpasswd },
	};

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (!strcmp(o, strs[i].name)) {
			*strs[i].field = a;
			return 0;
		}
	if (!strcmp(o, "listen"))
		return add_to(o, cfg->listen, &cfg->nlisten, CONFIG_MAX_LISTEN,
			      a);
	if (!strcmp(o, "connect"))
		return add_to(o, cfg->connect, &cfg->nconnect,
			      CONFIG_MAX_CONNECT, a);
	return parse_num_opt(cfg, o, a);
}

static const char *const arg_opts[] = {
	"display",    "rfbport",  "rfbauth",  "desktop", "wait",
	"maxcuttext", "maxqueue", "listen",   "unixsock", "connect",
	"maxclients", "timeout",  "httpdir",  "cert",	 "key",
	"securitytypes", "plainusers", "viewpasswd", "fps", "threads",
	"handshaketimeout", "msgtimeout", NULL
};

static bool takes_arg(const char *o)
{
	for (int i = 0; arg_opts[i]; i++)
		if (!strcmp(o, arg_opts[i]))
			return true;
	return false;
}

/* Flags; returns 0 if known, 1 for help/version (done), -1 if unknown. */
static int parse_flag(struct config *cfg, const char *o)
{
	struct {
		const char *name;
		bool *field;
		bool value;
	} flags[] = {
		{ "localhost", &cfg->localhost, true },
		{ "nopw", &cfg->nopw, true },
		{ "viewonly", &cfg->viewonly, true },
		{ "shared", &cfg->shared, true },
		{ "noshared", &cfg->shared, false },
		{ "forever", &cfg->once, false },
		{ "once", &cfg->once, true },
		{ "noshm", &cfg->noshm, true },
		{ "noxdamage", &cfg->nodamage, true },
		{ "nodamage", &cfg->nodamage, true },
		{ "inetd", &cfg->inetd, true },
		{ "noclipboard", &cfg->noclipboard, true },
		{ "noprimary", &cfg->noprimary, true },
		{ "dontdisconnect", &cfg->dont_disconnect, true },
	};

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (!strcmp(o, flags[i].name)) {
			*flags[i].field = flags[i].value;
			return 0;
		}
	if (!strcmp(o, "v") || !strcmp(o, "verbose"))
		cfg->verbosity++;
	else if (!strcmp(o, "q") || !strcmp(o, "quiet"))
		cfg->verbosity = LOG_ERROR;
	else if (!strcmp(o, "h") || !strcmp(o, "help"))
		return config_usage(), 1;
	else if (!strcmp(o, "version"))
		return puts("xrfbshare " XRFB_VERSION), 1;
	else
		return -1;
	return 0;
}

/* -storepasswd [PASS] [FILE]: the words up to the next option. */
static int parse_storepasswd(struct config *cfg, int argc, char **argv,
			     int i)
{
	int n = 0;

	cfg->storepasswd = true;
	while (i + 1 + n < argc && argv[i + 1 + n][0] != '-' && n < 2)
		n++;
	if (n == 2) {
		cfg->storepasswd_pass = argv[i + 1];
		cfg->storepasswd_file = argv[i + 2];
	} else if (n == 1) {
		cfg->storepasswd_file = argv[i + 1];
	}
	return n;
}

static int unknown_opt(const char *arg)
{
	log_error("unknown option \"%s\"; see xrfbshare -help", arg);
	return -1;
}

int config_parse(struct config *cfg, int argc, char **argv)
{
	config_defaults(cfg);
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		int r;

		if (o[0] != '-' || !o[1])
			return unknown_opt(argv[i]);
		o += o[1] == '-' ? 2 : 1;
		if (takes_arg(o)) {
			if (i + 1 >= argc) {
				log_error("option -%s needs a value", o);
				return -1;
			}
			if (parse_arg_opt(cfg, o, argv[++i]) < 0)
				return -1;
		} else if (!strcmp(o, "create")) {
			cfg->create = true;
			if (is_geometry(i + 1 < argc ? argv[i + 1] : NULL))
				cfg->create_geom = argv[++i];
		} else if (!strcmp(o, "storepasswd")) {
			i += parse_storepasswd(cfg, argc, argv, i);
		} else if ((r = parse_flag(cfg, o)) != 0) {
			return r > 0 ? 1 : unknown_opt(argv[i]);
		}
	}
	return 0;
}
