/* Protocol extensions a client opts into with pseudo-encodings: Fence
 * (rfbproto 7.5.8/7.6.5), ContinuousUpdates (7.5.7/7.6.6) and
 * SetDesktopSize (7.5.9) with its ExtendedDesktopSize answers. */
#include <stdlib.h>
#include <string.h>

#include "rfb/internal.h"
#include "util/log.h"

#define MSG_END_OF_CU 150
#define MSG_SERVER_FENCE 248

enum {
	FENCE_BLOCK_BEFORE = 1u << 0,
	FENCE_BLOCK_AFTER = 1u << 1,
	FENCE_SYNC_NEXT = 1u << 2,
	FENCE_REQUEST = 1u << 31,
	FENCE_KNOWN = FENCE_BLOCK_BEFORE | FENCE_BLOCK_AFTER | FENCE_SYNC_NEXT,
};

#define FENCE_MAX_PAYLOAD 64
/* Our RTT Fences carry this and the time they were sent. */
#define PING_MAGIC "xrCC"
#define PING_LEN 8

static void send_fence(struct rfb_client *c, uint32_t flags,
		       const uint8_t *payload, uint8_t len)
{
	buf_put_u8(&c->out, MSG_SERVER_FENCE);
	buf_put_zeros(&c->out, 3);
	buf_put_u32(&c->out, flags);
	buf_put_u8(&c->out, len);
	buf_append(&c->out, payload, len);
	rfb_client_flush(c);
}

static void send_end_of_cu(struct rfb_client *c)
{
	buf_put_u8(&c->out, MSG_END_OF_CU);
	rfb_client_flush(c);
}

/* rfbproto 7.8.10/7.8.11: the first SetEncodings with Fence or
 * ContinuousUpdates is answered so the client knows we have them. */
void rfb_ext_announce(struct rfb_client *c, unsigned newcaps)
{
	if (newcaps & RFB_CAP_FENCE)
		send_fence(c, FENCE_REQUEST | FENCE_KNOWN, NULL, 0);
	if (newcaps & RFB_CAP_CONTINUOUS)
		send_end_of_cu(c);
}

/* BlockBefore: the viewer answers once it has processed everything sent
 * before, the update included (rfbproto 7.6.5). */
void rfb_ext_ping(struct rfb_client *c)
{
	uint8_t p[PING_LEN];
	uint32_t now = (uint32_t)loop_now_ms();

	if (!(c->caps & RFB_CAP_FENCE) || !(c->caps & RFB_CAP_CONTINUOUS) ||
	    c->no_pings)
		return;
	memcpy(p, PING_MAGIC, 4);
	p[4] = (uint8_t)(now >> 24);
	p[5] = (uint8_t)(now >> 16);
	p[6] = (uint8_t)(now >> 8);
	p[7] = (uint8_t)now;
	if (!c->pings_out)
		c->ping_ms = loop_now_ms();
	c->pings_out++;
	send_fence(c, FENCE_REQUEST | FENCE_BLOCK_BEFORE, p, PING_LEN);
}

static void ping_answered(struct rfb_client *c, const uint8_t *p)
{
	uint32_t sent = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 |
			(uint32_t)p[6] << 8 | p[7];

	if (c->pings_out > 0)
		c->pings_out--;
	c->ping_ms = loop_now_ms();
	rfb_cc_rtt(&c->cc, (uint32_t)c->ping_ms - sent);
}

/* rfbproto 7.5.8 ClientFence.  We handle messages strictly in order and
 * answer at once, which satisfies every flag; a response to our own
 * request is an RTT sample. */
ssize_t rfb_ext_fence(struct rfb_client *c, struct rd *r)
{
	uint32_t flags;
	uint8_t len;

	if (!rd_has(r, 9))
		return 0;
	rd_skip(r, 4);
	flags = rd_u32(r);
	len = rd_u8(r);
	if (len > FENCE_MAX_PAYLOAD) {
		rfb_client_close(c, "fence payload of %u bytes (limit %d)",
				 len, FENCE_MAX_PAYLOAD);
		return -1;
	}
	if (!rd_has(r, len))
		return 0;
	if (flags & FENCE_REQUEST) {
		send_fence(c, flags & FENCE_KNOWN, rd_bytes(r, len), len);
	} else if (len == PING_LEN) {
		const uint8_t *p = rd_bytes(r, len);

		if (!memcmp(p, PING_MAGIC, 4))
			ping_answered(c, p);
	}
	return 9 + len;
}

/* rfbproto 7.5.7 EnableContinuousUpdates */
ssize_t rfb_ext_enable_cu(struct rfb_client *c, struct rd *r)
{
	struct rfb_rect a;
	unsigned enable;

	if (!rd_has(r, 10))
		return 0;
	rd_skip(r, 1);
	enable = rd_u8(r);
	rfb_msg_read_rect(r, &c->srv->fb, &a);
	if (!enable) {
		c->cu_enabled = false;
		send_end_of_cu(c);
		return 10;
	}
	c->cu_enabled = true;
	pixman_region32_fini(&c->cu_area);
	pixman_region32_init_rect(&c->cu_area, a.x, a.y, (unsigned)a.w,
				  (unsigned)a.h);
	return 10;
}

void rfb_ext_clear_sizes(struct rfb_client *c)
{
	for (int i = 0; i < c->nsize_events; i++)
		free(c->size_events[i].screens);
	c->nsize_events = 0;
}

int rfb_ext_queue_size(struct rfb_client *c, const struct rfb_size_event *e)
{
	if (c->nsize_events == RFB_MAX_SIZE_EVENTS) {
		free(e->screens);
		rfb_client_close(c, "too many desktop size requests unanswered");
		return -1;
	}
	c->size_events[c->nsize_events++] = *e;
	return 0;
}

/* rfbproto 7.5.9: the layout must fit the new size, with screens that are
 * non-empty, distinct and not overlapping. */
static int check_layout(unsigned w, unsigned h, const uint8_t *screens,
			unsigned n)
{
	struct rd r;
	struct {
		uint32_t id;
		unsigned x, y, w, h;
	} s[255];

	if (w < 1 || h < 1 || w > RFB_MAX_FB_SIDE || h > RFB_MAX_FB_SIDE ||
	    n < 1)
		return RFB_RESIZE_INVALID;
	rd_init(&r, screens, n * 16u);
	for (unsigned i = 0; i < n; i++) {
		s[i].id = rd_u32(&r);
		s[i].x = rd_u16(&r);
		s[i].y = rd_u16(&r);
		s[i].w = rd_u16(&r);
		s[i].h = rd_u16(&r);
		rd_skip(&r, 4);
		if (!s[i].w || !s[i].h || s[i].x + s[i].w > w ||
		    s[i].y + s[i].h > h)
			return RFB_RESIZE_INVALID;
		for (unsigned j = 0; j < i; j++)
			if (s[j].id == s[i].id ||
			    (s[i].x < s[j].x + s[j].w &&
			     s[j].x < s[i].x + s[i].w &&
			     s[i].y < s[j].y + s[j].h && s[j].y < s[i].y + s[i].h))
				return RFB_RESIZE_INVALID;
	}
	return RFB_RESIZE_OK;
}

static const char *resize_status_name(int status)
{
	switch (status) {
	case RFB_RESIZE_OK:
		return "done";
	case RFB_RESIZE_PROHIBITED:
		return "refused (prohibited)";
	case RFB_RESIZE_NO_RESOURCES:
		return "refused (out of resources)";
	default:
		return "refused (invalid for this screen)";
	}
}

/* Ask the desktop; on success it has called rfb_server_set_fb, which
 * answered everyone (see server.c). */
static int apply_resize(struct rfb_client *c, unsigned w, unsigned h,
			const uint8_t *screens, unsigned n)
{
	struct rfb_server *srv = c->srv;
	int status;

	if (c->viewonly || !srv->desk.ops->resize)
		return RFB_RESIZE_PROHIBITED;
	if ((int)w == srv->fb.width && (int)h == srv->fb.height)
		return RFB_RESIZE_OK;
	srv->resizer = c;
	srv->resize_screens = screens;
	srv->resize_nscreens = n;
	srv->resize_answered = false;
	status = srv->desk.ops->resize(srv->desk.ctx, (int)w, (int)h);
	srv->resizer = NULL;
	log_info("%s: asked for a %ux%u desktop: %s", c->conn->peer, w, h,
		 resize_status_name(status));
	return status;
}

/* rfbproto 7.5.9 SetDesktopSize */
ssize_t rfb_ext_set_desktop_size(struct rfb_client *c, struct rd *r)
{
	struct rfb_size_event e = { .reason = 1 };
	const uint8_t *screens;
	unsigned w, h, n;

	if (!rd_has(r, 8))
		return 0;
	rd_skip(r, 2);
	w = rd_u16(r);
	h = rd_u16(r);
	n = rd_u8(r);
	rd_skip(r, 1);
	if (!rd_has(r, n * 16u))
		return 0;
	screens = rd_bytes(r, n * 16u);
	if (!(c->caps & RFB_CAP_EXT_DESKTOP_SIZE)) {
		rfb_client_close(c, "SetDesktopSize without announcing "
				    "ExtendedDesktopSize");
		return -1;
	}
	e.status = (uint8_t)check_layout(w, h, screens, n);
	if (e.status == RFB_RESIZE_OK)
		e.status = (uint8_t)apply_resize(c, w, h, screens, n);
	if (e.status == RFB_RESIZE_OK && c->srv->resize_answered)
		return 8 + n * 16;
	if (e.status != RFB_RESIZE_OK) {
		/* The spec leaves the other fields undefined on failure; the
		 * current layout keeps viewers from resizing to a refused
		 * size. */
		e.w = (uint16_t)c->srv->fb.width;
		e.h = (uint16_t)c->srv->fb.height;
	} else {
		e.w = (uint16_t)w;
		e.h = (uint16_t)h;
		e.nscreens = (uint8_t)n;
		e.screens = n ? malloc(n * 16u) : NULL;
		if (n && !e.screens)
			e.nscreens = 0;
		else if (n)
			memcpy(e.screens, screens, n * 16u);
	}
	if (rfb_ext_queue_size(c, &e) < 0)
		return -1;
	return 8 + n * 16;
}
