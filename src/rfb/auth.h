/* VNC Authentication (rfbproto 7.2.2) and the vncpasswd file format. */
#ifndef XRFB_RFB_AUTH_H
#define XRFB_RFB_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RFB_PASSWD_MAX 8 /* DES key size: longer passwords are truncated */

/* Fill buf with random bytes from the kernel; -1 if it has none. */
int rfb_random(void *buf, size_t n);

/* The response a client with `passwd` gives to `challenge`. */
void rfb_auth_vnc_response(const char *passwd, const uint8_t challenge[16],
			   uint8_t response[16]);

/* Constant-time check of a client's response. */
bool rfb_auth_vnc_check(const char *passwd, const uint8_t challenge[16],
			const uint8_t response[16]);

/* Read a vncpasswd file: the full-access password, then an optional
 * view-only one (TigerVNC's layout).  Each output holds up to 8 chars plus
 * NUL; view[0] == 0 when absent.  Refuses files other users can read or
 * that are not regular files owned by us; on -1, *why explains. */
int rfb_passwd_read(const char *path, char full[9], char view[9],
		    const char **why);

/* Write a vncpasswd file with mode 0600 (view may be NULL). */
int rfb_passwd_write(const char *path, const char *full, const char *view,
		     const char **why);

#endif
