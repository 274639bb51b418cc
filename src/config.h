/* Command-line options parsed into one struct; no global option
 * variables. */
#ifndef XRFB_CONFIG_H
#define XRFB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_MAX_LISTEN 8
#define CONFIG_MAX_CONNECT 8

struct config {
	const char *display;	  /* -display, else $DISPLAY */
	int rfbport;		  /* -rfbport; 0 any free port, -1 no TCP */
	bool port_given;	  /* -rfbport was on the command line */
	bool localhost;		  /* -localhost */
	bool nopw;		  /* -nopw: network without a password */
	const char *rfbauth;	  /* -rfbauth FILE */
	bool viewonly;		  /* -viewonly */
	bool shared;		  /* -shared (default) / -noshared */
	bool once;		  /* -once / -forever (default) */
	bool create;		  /* -create */
	const char *create_geom;  /* -create WxH, default 1280x800 */
	const char *desktop_name; /* -desktop NAME */
	bool noshm;		  /* -noshm: XGetImage instead of XShm */
	bool nodamage;		  /* -noxdamage: poll instead of DAMAGE */
	int poll_ms;		  /* -wait MS: poll interval (0: default) */
	int fps;		  /* -fps N: updates a second at most */
	int threads;		  /* -threads N (-1: one per core) */
	size_t max_cuttext;	  /* -maxcuttext BYTES */
	bool noclipboard;	  /* -noclipboard: no clipboard either way */
	bool noprimary;		  /* -noprimary: leave PRIMARY alone */
	size_t max_queue;	  /* -maxqueue BYTES: per-client output cap */
	int msg_timeout_s;	  /* -msgtimeout N: rest of a message */
	int verbosity;		  /* -v raises, -quiet lowers */
	const char *listen[CONFIG_MAX_LISTEN]; /* -listen ADDR */
	int nlisten;
	const char *unixsock;	  /* -unixsock PATH */
	bool inetd;		  /* -inetd: one viewer on stdin/stdout */
	const char *connect[CONFIG_MAX_CONNECT]; /* -connect HOST[:PORT] */
	int nconnect;
	int max_clients;	  /* -maxclients N (0: no limit) */
	int timeout_s;		  /* -timeout N: exit if nobody connects */
	int handshake_s;	  /* -handshaketimeout N (0: default) */
	bool dont_disconnect;	  /* -dontdisconnect */
	const char *httpdir;	  /* -httpdir DIR */
	const char *cert, *key;	  /* -cert FILE, -key FILE */
	const char *securitytypes; /* -securitytypes LIST */
	const char *plainusers;	  /* -plainusers LIST */
	bool storepasswd;	  /* -storepasswd [PASS] FILE, then exit */
	const char *storepasswd_pass; /* NULL: ask on the terminal */
	const char *storepasswd_file;
	const char *viewpasswd;	  /* -viewpasswd PASS, with -storepasswd */
};

/* Defaults, then argv.  Returns 0 to go on, 1 when done (help, version),
 * -1 on a usage error (message already logged). */
int config_parse(struct config *cfg, int argc, char **argv);
void config_usage(void);

#endif
