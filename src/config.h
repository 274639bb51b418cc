/* Command-line options parsed into one struct; no global option
 * variables. */
#ifndef XRFB_CONFIG_H
#define XRFB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct config {
	const char *display;	  /* -display, else $DISPLAY */
	int rfbport;		  /* -rfbport; 0 picks a free port */
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
	size_t max_cuttext;	  /* -maxcuttext BYTES */
	size_t max_queue;	  /* -maxqueue BYTES: per-client output cap */
	int verbosity;		  /* -v raises, -quiet lowers */
	bool storepasswd;	  /* -storepasswd [PASS] FILE, then exit */
	const char *storepasswd_pass; /* NULL: ask on the terminal */
	const char *storepasswd_file;
};

/* Defaults, then argv.  Returns 0 to go on, 1 when done (help, version),
 * -1 on a usage error (message already logged). */
int config_parse(struct config *cfg, int argc, char **argv);
void config_usage(void);

#endif
