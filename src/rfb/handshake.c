/* The handshake (rfbproto 7.1, 7.2, 7.3): protocol version, security
 * types as configured (VeNCrypt in vencrypt.c), VNC authentication,
 * throttling, ClientInit/ServerInit.  Each parser returns bytes consumed,
 * 0 when more input is needed, -1 after closing the client. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "rfb/auth.h"
#include "rfb/internal.h"
#include "util/log.h"

static void handshake_timeout(void *data)
{
	struct rfb_client *c = data;

	c->hs_timer = NULL;
	rfb_client_close(c, "handshake not finished within %d s",
			 c->srv->opts.handshake_ms / 1000);
}

void rfb_handshake_start(struct rfb_client *c)
{
	static const char version[] = "RFB 003.008\n";

	buf_append(&c->out, version, 12);
	c->hs_timer = loop_timer_add(c->srv->loop, c->srv->opts.handshake_ms,
				     false, handshake_timeout, c);
	rfb_client_flush(c);
}

/* The top-level types we offer, in order: the configured list with the
 * VeNCrypt subtypes folded into one type 19. */
static int offered_types(const struct rfb_server_opts *o, uint8_t *types)
{
	int n = 0;
	bool vencrypt = false;

	if (o->nsecurity == 0) {
		types[0] = o->passwd || o->view_passwd ? RFB_SEC_VNCAUTH :
							 RFB_SEC_NONE;
		return 1;
	}
	for (int i = 0; i < o->nsecurity; i++) {
		if (o->security[i] < 256)
			types[n++] = (uint8_t)o->security[i];
		else if (!vencrypt)
			types[n++] = RFB_SEC_VENCRYPT;
		vencrypt |= o->security[i] >= 256;
	}
	return n;
}

/* A failure before the security type is agreed: 3.3 sends type 0, 3.7+
 * an empty type list, both followed by the reason (rfbproto 7.1.2). */
static ssize_t refuse(struct rfb_client *c, const char *reason)
{
	uint32_t len = (uint32_t)strlen(reason);

	if (c->minor == 3)
		buf_put_u32(&c->out, 0);
	else
		buf_put_u8(&c->out, 0);
	buf_put_u32(&c->out, len);
	buf_append(&c->out, reason, len);
	log_info("%s: refused: %s", c->conn->peer, reason);
	rfb_client_finish(c);
	return -1;
}

void rfb_handshake_send_challenge(struct rfb_client *c)
{
	if (rfb_random(c->challenge, sizeof(c->challenge)) < 0) {
		rfb_client_close(c, "no random numbers for a challenge");
		return;
	}
	buf_append(&c->out, c->challenge, sizeof(c->challenge));
	c->state = RFB_CS_VNCAUTH;
	rfb_client_flush(c);
}

/* rfbproto 7.1.3 SecurityResult: sent by 3.8, by 3.7 after VNC auth, and
 * always after VeNCrypt. */
void rfb_handshake_auth_ok(struct rfb_client *c, bool viewonly)
{
	rfb_throttle_ok(c->srv->throttle, c->host);
	c->viewonly = viewonly || c->srv->opts.viewonly;
	if (c->minor >= 8 || c->subtype || c->state == RFB_CS_VNCAUTH)
		buf_put_u32(&c->out, 0);
	c->state = RFB_CS_INIT;
	rfb_client_flush(c);
}

static void send_auth_failure(void *data)
{
	struct rfb_client *c = data;
	uint32_t len = (uint32_t)strlen(c->fail_reason);

	c->hs_timer = NULL;
	buf_put_u32(&c->out, 1);
	if (c->minor >= 8) {
		buf_put_u32(&c->out, len);
		buf_append(&c->out, c->fail_reason, len);
	}
	rfb_client_finish(c);
}

/* The failure is counted at once but told after a pause, so that each
 * guess costs time even before the address is blocked; the handshake
 * timeout no longer matters. */
void rfb_handshake_auth_failed(struct rfb_client *c, const char *reason)
{
	rfb_handshake_auth_failed_log(c, reason, reason);
}

/* The same, logging `detail` (which may say more than the viewer is
 * told, e.g. which check refused which user) instead of `reason`. */
void rfb_handshake_auth_failed_log(struct rfb_client *c, const char *reason,
				   const char *detail)
{
	int delay = c->srv->opts.auth_fail_delay_ms;

	rfb_throttle_fail(c->srv->throttle, c->host, loop_now_ms());
	log_warn("%s: authentication failed: %s", c->conn->peer, detail);
	snprintf(c->fail_reason, sizeof(c->fail_reason), "%s", reason);
	c->state = RFB_CS_FAILING;
	if (c->hs_timer)
		loop_timer_del(c->srv->loop, c->hs_timer);
	c->hs_timer = NULL;
	if (delay > 0)
		c->hs_timer = loop_timer_add(c->srv->loop, delay, false,
					     send_auth_failure, c);
	if (!c->hs_timer)
		send_auth_failure(c);
}

/* Security type agreed (rfbproto 7.2). */
static void start_security(struct rfb_client *c, int type)
{
	if (type == RFB_SEC_VNCAUTH)
		rfb_handshake_send_challenge(c);
	else if (type == RFB_SEC_VENCRYPT)
		rfb_vencrypt_start(c);
	else
		rfb_handshake_auth_ok(c, false);
}

/* Before offering anything: a blocked address or a full house is told
 * why (the only place a 3.3 client can be given a reason). */
static bool admitted(struct rfb_client *c)
{
	struct rfb_server *srv = c->srv;
	uint64_t wait = rfb_throttle_blocked(srv->throttle, c->host,
					     loop_now_ms());
	char reason[160];

	if (wait) {
		snprintf(reason, sizeof(reason),
			 "Too many authentication failures from %s; try again "
			 "in %llu s", c->host,
			 (unsigned long long)(wait + 999) / 1000);
		refuse(c, reason);
		return false;
	}
	if (rfb_server_full(srv)) {
		snprintf(reason, sizeof(reason),
			 "Too many viewers: %d connected (-maxclients)",
			 srv->opts.max_clients);
		refuse(c, reason);
		return false;
	}
	return true;
}

/* RFB 3.3: the server picks, and only None or VNC auth can be picked. */
static void offer_33(struct rfb_client *c, const uint8_t *types, int n)
{
	for (int i = 0; i < n; i++)
		if (types[i] == RFB_SEC_NONE || types[i] == RFB_SEC_VNCAUTH) {
			buf_put_u32(&c->out, types[i]);
			start_security(c, types[i]);
			return;
		}
	refuse(c, "This server requires VeNCrypt (TLS), which RFB 3.3 "
		  "viewers cannot use");
}

/* rfbproto 7.1.1 ProtocolVersion.  3.4-3.6 are answered as 3.3 and
 * anything above 3.8 (Apple's 3.889) as 3.8, as viewers expect. */
static ssize_t parse_version(struct rfb_client *c, const uint8_t *p,
			     size_t len)
{
	uint8_t types[RFB_MAX_SECURITY];
	unsigned minor;
	int n;

	if (len < 12)
		return 0;
	if (memcmp(p, "RFB 003.", 8) != 0 || p[11] != '\n' ||
	    !isdigit(p[8]) || !isdigit(p[9]) || !isdigit(p[10])) {
		rfb_client_close(c, "not an RFB 3.x client");
		return -1;
	}
	minor = (unsigned)(p[8] - '0') * 100 + (unsigned)(p[9] - '0') * 10 +
		(unsigned)(p[10] - '0');
	c->minor = minor >= 8 ? 8 : minor == 7 ? 7 : 3;
	log_debug("%s: RFB 3.%u, speaking 3.%d", c->conn->peer, minor,
		  c->minor);
	if (!admitted(c))
		return -1;
	n = offered_types(&c->srv->opts, types);
	if (c->minor == 3) {
		offer_33(c, types, n);
		return 12;
	}
	buf_put_u8(&c->out, (uint8_t)n);
	buf_append(&c->out, types, (size_t)n);
	c->state = RFB_CS_SECTYPE;
	rfb_client_flush(c);
	return 12;
}

/* rfbproto 7.1.2: the client's choice must be one we offered. */
static ssize_t parse_sectype(struct rfb_client *c, const uint8_t *p,
			     size_t len)
{
	uint8_t types[RFB_MAX_SECURITY];
	int n = offered_types(&c->srv->opts, types);
	char reason[80];

	if (len < 1)
		return 0;
	for (int i = 0; i < n; i++)
		if (types[i] == p[0]) {
			start_security(c, p[0]);
			return 1;
		}
	snprintf(reason, sizeof(reason), "security type %u was not offered",
		 p[0]);
	/* 3.8 can carry a reason in SecurityResult. */
	if (c->minor >= 8) {
		buf_put_u32(&c->out, 1);
		buf_put_u32(&c->out, (uint32_t)strlen(reason));
		buf_append(&c->out, reason, strlen(reason));
	}
	log_info("%s: refused: %s", c->conn->peer, reason);
	rfb_client_finish(c);
	return -1;
}

/* rfbproto 7.2.2: check the response against both passwords. */
static ssize_t parse_vncauth(struct rfb_client *c, const uint8_t *p,
			     size_t len)
{
	const struct rfb_server_opts *o = &c->srv->opts;

	if (len < 16)
		return 0;
	if (o->passwd && rfb_auth_vnc_check(o->passwd, c->challenge, p))
		rfb_handshake_auth_ok(c, false);
	else if (o->view_passwd &&
		 rfb_auth_vnc_check(o->view_passwd, c->challenge, p))
		rfb_handshake_auth_ok(c, true);
	else
		rfb_handshake_auth_failed(c, "Authentication failed");
	return c->state == RFB_CS_CLOSED ? -1 : 16;
}

/* rfbproto 7.3.1 ClientInit, answered with 7.3.2 ServerInit. */
static ssize_t parse_clientinit(struct rfb_client *c, const uint8_t *p,
				size_t len)
{
	const char *name = c->srv->opts.name;
	uint32_t nlen = (uint32_t)strlen(name);

	if (len < 1)
		return 0;
	if (c->hs_timer) {
		loop_timer_del(c->srv->loop, c->hs_timer);
		c->hs_timer = NULL;
	}
	if (!rfb_server_client_ready(c->srv, c, p[0] != 0))
		return -1;
	c->state = RFB_CS_NORMAL;
	buf_put_u16(&c->out, (uint16_t)c->srv->fb.width);
	buf_put_u16(&c->out, (uint16_t)c->srv->fb.height);
	rfb_pixfmt_write(&c->out, &rfb_pixfmt_server);
	buf_put_u32(&c->out, nlen);
	buf_append(&c->out, name, nlen);
	rfb_client_flush(c);
	return 1;
}

ssize_t rfb_handshake_input(struct rfb_client *c, const uint8_t *p,
			    size_t len)
{
	switch (c->state) {
	case RFB_CS_VERSION:
		return parse_version(c, p, len);
	case RFB_CS_SECTYPE:
		return parse_sectype(c, p, len);
	case RFB_CS_VC_VERSION:
	case RFB_CS_VC_SUBTYPE:
	case RFB_CS_PLAIN:
		return rfb_vencrypt_input(c, p, len);
	case RFB_CS_VNCAUTH:
		return parse_vncauth(c, p, len);
	case RFB_CS_INIT:
		return parse_clientinit(c, p, len);
	case RFB_CS_TLS:
		rfb_client_close(c, "sent data before TLS started");
		return -1;
	default: /* RFB_CS_PLAIN_WAIT, RFB_CS_FAILING: nothing is expected */
		return 0;
	}
}
