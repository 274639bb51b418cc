/* From the security options (-rfbauth, -securitytypes, -cert/-key,
 * -plainusers) to what the RFB engine offers and what it needs: password,
 * TLS credentials, a Plain checker. */
#ifndef XRFB_SECURITY_H
#define XRFB_SECURITY_H

#include <stdbool.h>

#include "config.h"
#include "net/tls.h"
#include "rfb/server.h"

struct security;

/* Fill o's security fields; NULL after logging what is wrong and how to
 * fix it.  The result must outlive the server. */
struct security *security_new(const struct config *cfg,
			      struct rfb_server_opts *o);
void security_free(struct security *s);

/* Whether logging in takes a password (else: loopback unless -nopw). */
bool security_requires_login(const struct security *s);
/* TLS credentials, made when a TLS type is offered or -cert is given;
 * NULL otherwise (wss:// then unavailable). */
struct net_tls_creds *security_tls(struct security *s);

#endif
