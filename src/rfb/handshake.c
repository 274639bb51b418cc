/* The handshake (rfbproto 7.1, 7.2, 7.3): protocol version, security,
 * VNC authentication, ClientInit/ServerInit.  Each parser returns bytes
 * consumed, 0 when more input is needed, -1 after closing the client. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "rfb/auth.h"
#include "rfb/internal.h"
#include "util/log.h"

enum { SEC_INVALID = 0, SEC_NONE = 1, SEC_VNCAUTH = 2 };

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

static bool have_passwd(const struct rfb_client *c)
{
	return c->srv->opts.passwd || c->srv->opts.view_passwd;
}

static void send_challenge(struct rfb_client *c)
{
	if (rfb_random(c->challenge, sizeof(c->challenge)) < 0) {
		rfb_client_close(c, "no random numbers for a challenge");
		return;
	}
	buf_append(&c->out, c->challenge, sizeof(c->challenge));
	c->state = RFB_CS_VNCAUTH;
}

/* Security type agreed: VNC auth sends a challenge; None goes on to
 * SecurityResult (3.8) or straight to ClientInit (3.3, 3.7). */
static void start_security(struct rfb_client *c, int type)
{
	if (type == SEC_VNCAUTH) {
		send_challenge(c);
	} else {
		if (c->minor >= 8)
			buf_put_u32(&c->out, 0);
		c->state = RFB_CS_INIT;
	}
	rfb_client_flush(c);
}

/* rfbproto 7.1.1 ProtocolVersion.  3.4-3.6 (and odd ones like 3.889
 * from UltraVNC-alikes above 3.8) are answered as the nearest version we
 * speak: 3.3 below 3.7, 3.8 above. */
static ssize_t parse_version(struct rfb_client *c, const uint8_t *p,
			     size_t len)
{
	unsigned minor;

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
	if (c->minor == 3) {
		buf_put_u32(&c->out, have_passwd(c) ? SEC_VNCAUTH : SEC_NONE);
		start_security(c, have_passwd(c) ? SEC_VNCAUTH : SEC_NONE);
	} else {
		buf_put_u8(&c->out, 1);
		buf_put_u8(&c->out, have_passwd(c) ? SEC_VNCAUTH : SEC_NONE);
		c->state = RFB_CS_SECTYPE;
		rfb_client_flush(c);
	}
	return 12;
}

/* rfbproto 7.1.2: the client's choice must be the one type we offered. */
static ssize_t parse_sectype(struct rfb_client *c, const uint8_t *p,
			     size_t len)
{
	int offered = have_passwd(c) ? SEC_VNCAUTH : SEC_NONE;

	if (len < 1)
		return 0;
	if (p[0] != offered) {
		char reason[80];

		snprintf(reason, sizeof(reason),
			 "security type %u was not offered", p[0]);
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
	start_security(c, offered);
	return 1;
}

static void auth_failed(struct rfb_client *c)
{
	static const char reason[] = "Authentication failed";

	buf_put_u32(&c->out, 1);
	if (c->minor >= 8) {
		buf_put_u32(&c->out, sizeof(reason) - 1);
		buf_append(&c->out, reason, sizeof(reason) - 1);
	}
	log_warn("%s: authentication failed", c->conn->peer);
	rfb_client_finish(c);
}

/* rfbproto 7.2.2: check the response against both passwords. */
static ssize_t parse_vncauth(struct rfb_client *c, const uint8_t *p,
			     size_t len)
{
	const struct rfb_server_opts *o = &c->srv->opts;

	if (len < 16)
		return 0;
	if (o->passwd && rfb_auth_vnc_check(o->passwd, c->challenge, p)) {
		c->viewonly = o->viewonly;
	} else if (o->view_passwd &&
		   rfb_auth_vnc_check(o->view_passwd, c->challenge, p)) {
		c->viewonly = true;
	} else {
		auth_failed(c);
		return -1;
	}
	buf_put_u32(&c->out, 0);
	c->state = RFB_CS_INIT;
	rfb_client_flush(c);
	return 16;
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
	if (!c->viewonly)
		c->viewonly = c->srv->opts.viewonly;
	buf_put_u16(&c->out, (uint16_t)c->srv->fb.width);
	buf_put_u16(&c->out, (uint16_t)c->srv->fb.height);
	rfb_pixfmt_write(&c->out, &rfb_pixfmt_server);
	buf_put_u32(&c->out, nlen);
	buf_append(&c->out, name, nlen);
	c->state = RFB_CS_NORMAL;
	rfb_server_client_ready(c->srv, c, p[0] != 0);
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
	case RFB_CS_VNCAUTH:
		return parse_vncauth(c, p, len);
	case RFB_CS_INIT:
		return parse_clientinit(c, p, len);
	default:
		return -1;
	}
}
