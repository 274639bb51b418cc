/* The RFB engine: the set of clients, their handshakes and messages, and
 * update scheduling.  Transport-agnostic (takes struct net_conn) and
 * desktop-agnostic (talks to an rfb_desktop). */
#ifndef XRFB_RFB_SERVER_H
#define XRFB_RFB_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/conn.h"
#include "rfb/desktop.h"
#include "util/loop.h"

/* Caps on client-controlled sizes, checked before any allocation. */
#define RFB_DEFAULT_MAX_CUTTEXT (1u << 20)
#define RFB_DEFAULT_MAX_QUEUE (64u << 20)
#define RFB_DEFAULT_HANDSHAKE_MS 30000
#define RFB_DEFAULT_AUTH_FAIL_DELAY_MS 500
/* A normal-phase message begun but not finished: the longest wait for
 * its next bytes. */
#define RFB_DEFAULT_MESSAGE_MS 30000
/* Connections from one address still in the handshake at a time. */
#define RFB_DEFAULT_MAX_PREAUTH 64

/* Security types (rfbproto 7.2) and VeNCrypt subtypes (7.2.19). */
enum {
	RFB_SEC_NONE = 1,
	RFB_SEC_VNCAUTH = 2,
	RFB_SEC_VENCRYPT = 19,
	RFB_VENCRYPT_PLAIN = 256,
	RFB_VENCRYPT_TLSNONE = 257,
	RFB_VENCRYPT_TLSVNC = 258,
	RFB_VENCRYPT_TLSPLAIN = 259,
	RFB_VENCRYPT_X509NONE = 260,
	RFB_VENCRYPT_X509VNC = 261,
	RFB_VENCRYPT_X509PLAIN = 262,
};

#define RFB_MAX_SECURITY 10
/* Longest Plain user name or password accepted by default. */
#define RFB_DEFAULT_MAX_PLAIN 1024

/* Room for the log-only reason a Plain check gives. */
#define RFB_PLAIN_WHY 160

struct rfb_server_opts {
	const char *name;	/* desktop name in ServerInit */
	const char *passwd;	/* VNC auth full-access password, or NULL */
	const char *view_passwd; /* VNC auth view-only password, or NULL */
	bool viewonly;		/* all clients view-only */
	bool shared;		/* ignore exclusive requests (-shared) */
	size_t max_cuttext;	/* ClientCutText bytes accepted */
	size_t max_queue;	/* output bytes queued before a drop */
	uint32_t max_plain;	/* Plain user name / password bytes, each */
	int handshake_ms;	/* time allowed to reach the normal phase */
	int auth_fail_delay_ms;	/* before a failed login is told; 0:
				 * default, < 0: none */
	int message_ms;		/* wait for the rest of a started message */
	int max_preauth;	/* handshakes at once from one address */
	int max_clients;	/* normal-phase clients at once; 0: no limit */
	bool dont_disconnect;	/* -noshared: refuse, don't evict */
	bool noclipboard;	/* no clipboard either way, nothing offered */
	int fps;		/* updates a second per client; 0: default */
	int threads;		/* encoder threads; 0 or 1: on the loop */
	/* Security offered, in this order: RFB_SEC_NONE, RFB_SEC_VNCAUTH
	 * and VeNCrypt subtypes (offered together as type 19 where the
	 * first of them stands).  nsecurity 0: VNC auth when a password is
	 * set, else None. */
	uint32_t security[RFB_MAX_SECURITY];
	int nsecurity;
	/* Start TLS over `inner` (X.509 or anonymous), taking ownership of
	 * it; NULL (inner still ours) if TLS cannot be had.  Needed for the
	 * TLS and X509 subtypes. */
	struct net_conn *(*tls_wrap)(void *ctx, struct net_conn *inner,
				     bool x509);
	void *tls_ctx;
	/* Check a Plain user name and password; may block (PAM), so it runs
	 * on a thread of its own.  Needed for the Plain subtypes.  A refusal
	 * may say why, for the log only, in `why` (RFB_PLAIN_WHY bytes). */
	bool (*check_plain)(void *ctx, const char *user, const char *pass,
			    char *why);
	void *plain_ctx;
};

struct rfb_server *rfb_server_new(struct loop *loop,
				  const struct rfb_server_opts *opts,
				  struct rfb_desktop desk);
/* Closes every client. */
void rfb_server_destroy(struct rfb_server *srv);

/* Serve a new connection; the server owns `conn` from here. */
void rfb_server_add_client(struct rfb_server *srv, struct net_conn *conn);

/* Called whenever connections went away: `viewer` if one of them had
 * reached the normal phase, `nleft` the connections remaining (for -once
 * and -inetd). */
void rfb_server_set_leave_cb(struct rfb_server *srv,
			     void (*cb)(void *data, bool viewer, int nleft),
			     void *data);

int rfb_server_nclients(const struct rfb_server *srv);

#endif
