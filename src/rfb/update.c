/* FramebufferUpdate (rfbproto 7.6.1): what each client is owed, which
 * encoder it gets, building the message, and the lossless refresh of
 * areas that were sent lossily. */
#include <stdlib.h>
#include <string.h>

#include "rfb/internal.h"
#include "util/log.h"

/* rfbproto 7.7.x pseudo-encoding ranges */
#define ENC_COMPRESS_LEVEL_0 (-256)
#define ENC_COMPRESS_LEVEL_9 (-247)
#define ENC_QUALITY_LEVEL_0 (-32)
#define ENC_QUALITY_LEVEL_9 (-23)

static const struct {
	int32_t enc;
	unsigned cap;
} pseudo_caps[] = {
	{ ENC_COPYRECT, RFB_CAP_COPYRECT },
	{ ENC_PSEUDO_DESKTOP_SIZE, RFB_CAP_DESKTOP_SIZE },
	{ ENC_PSEUDO_EXT_DESKTOP_SIZE, RFB_CAP_EXT_DESKTOP_SIZE },
	{ ENC_PSEUDO_LAST_RECT, RFB_CAP_LAST_RECT },
	{ ENC_PSEUDO_CURSOR, RFB_CAP_CURSOR },
	{ ENC_PSEUDO_XCURSOR, RFB_CAP_XCURSOR },
	{ ENC_PSEUDO_CURSOR_ALPHA, RFB_CAP_CURSOR_ALPHA },
	{ ENC_PSEUDO_POINTER_POS, RFB_CAP_POINTER_POS },
	{ ENC_PSEUDO_DESKTOP_NAME, RFB_CAP_DESKTOP_NAME },
	{ ENC_PSEUDO_FENCE, RFB_CAP_FENCE },
	{ ENC_PSEUDO_CONTINUOUS_UPDATES, RFB_CAP_CONTINUOUS },
	{ ENC_PSEUDO_QEMU_KEY, RFB_CAP_QEMU_KEY },
	{ ENC_PSEUDO_QEMU_LED, RFB_CAP_LED },
	{ ENC_PSEUDO_EXT_MOUSE, RFB_CAP_EXT_MOUSE },
	{ ENC_PSEUDO_EXT_CLIPBOARD, RFB_CAP_EXT_CLIPBOARD },
};

void rfb_update_init(struct rfb_client *c)
{
	pixman_region32_init(&c->damage);
	pixman_region32_init(&c->requested);
	pixman_region32_init(&c->copied);
	pixman_region32_init(&c->lossy);
	pixman_region32_init(&c->cu_area);
	pace_init(&c->pace, c->srv->opts.fps);
	rfb_cc_init(&c->cc);
	c->reply_ms = -1;
}

void rfb_update_fini(struct rfb_client *c)
{
	pixman_region32_fini(&c->damage);
	pixman_region32_fini(&c->requested);
	pixman_region32_fini(&c->copied);
	pixman_region32_fini(&c->lossy);
	pixman_region32_fini(&c->cu_area);
	if (c->refresh_timer)
		loop_timer_del(c->srv->loop, c->refresh_timer);
	if (c->pace_timer)
		loop_timer_del(c->srv->loop, c->pace_timer);
	if (c->cc_timer)
		loop_timer_del(c->srv->loop, c->cc_timer);
	rfb_ext_clear_sizes(c);
	for (int i = 0; i < RFB_MAX_ENC_STATES; i++)
		if (c->enc_states[i].ops && c->enc_states[i].state)
			c->enc_states[i].ops->state_free(
				c->enc_states[i].state);
}

static unsigned cap_of(int32_t e)
{
	for (size_t i = 0; i < sizeof(pseudo_caps) / sizeof(pseudo_caps[0]);
	     i++)
		if (pseudo_caps[i].enc == e)
			return pseudo_caps[i].cap;
	return 0;
}

/* React to the pseudo-encodings that changed: resend the cursor to a
 * client that newly draws it, drop copies it can no longer take, and
 * make the first-time announcements. */
static void caps_changed(struct rfb_client *c, unsigned old)
{
	unsigned added = c->caps & ~old;
	unsigned first = c->caps & ~c->caps_seen;

	c->caps_seen |= c->caps;
	if (!(c->caps & RFB_CAP_COPYRECT))
		rfb_copy_flatten(c);
	if (added & RFB_CAP_ANY_CURSOR)
		c->cursor_serial = 0;
	if (added & RFB_CAP_DESKTOP_NAME)
		c->name_pending = true;
	/* rfbproto 7.8.14, 7.8.20: an empty rectangle says "send them";
	 * the LED state is owed afresh. */
	c->owed |= added & (RFB_CAP_QEMU_KEY | RFB_CAP_EXT_MOUSE);
	if (added & RFB_CAP_LED)
		c->led_sent = -1;
	rfb_ext_announce(c, first);
	if (c->caps & RFB_CAP_EXT_CLIPBOARD)
		rfb_clipboard_send_caps(c);
	rfb_server_caps_changed(c->srv, c, old);
}

/* rfbproto 7.5.2: the first encoding we implement is the preferred one;
 * pseudo-encodings switch features on. */
void rfb_update_set_encodings(struct rfb_client *c, const int32_t *encs,
			      size_t n)
{
	unsigned old = c->caps;
	bool have_enc = false;

	c->caps = 0;
	c->compress_level = -1;
	c->quality = -1;
	c->enc = ENC_RAW;
	for (size_t i = 0; i < n; i++) {
		int32_t e = encs[i];

		if (cap_of(e)) {
			c->caps |= cap_of(e);
		} else if (!have_enc && enc_find(e)) {
			c->enc = e;
			have_enc = true;
		} else if (e >= ENC_COMPRESS_LEVEL_0 &&
			   e <= ENC_COMPRESS_LEVEL_9) {
			c->compress_level = e - ENC_COMPRESS_LEVEL_0;
		} else if (e >= ENC_QUALITY_LEVEL_0 &&
			   e <= ENC_QUALITY_LEVEL_9) {
			c->quality = e - ENC_QUALITY_LEVEL_0;
		}
	}
	if (c->srv->opts.noclipboard)
		c->caps &= ~(unsigned)RFB_CAP_EXT_CLIPBOARD;
	caps_changed(c, old);
	log_debug("%s: %zu encodings, using %s", c->conn->peer, n,
		  enc_find(c->enc)->name);
}

/* Encoder states live for the whole connection (zlib streams, rfbproto
 * 7.7.4/7.7.6). */
int rfb_update_enc_state(struct rfb_client *c, const struct enc_ops *ops,
			 void **state)
{
	int i;

	*state = NULL;
	if (!ops->state_new)
		return 0;
	for (i = 0; i < RFB_MAX_ENC_STATES && c->enc_states[i].ops; i++)
		if (c->enc_states[i].ops == ops) {
			*state = c->enc_states[i].state;
			return 0;
		}
	if (i == RFB_MAX_ENC_STATES)
		return -1;
	*state = ops->state_new();
	if (!*state)
		return -1;
	c->enc_states[i].ops = ops;
	c->enc_states[i].state = *state;
	return 0;
}

/* Where the client wants updates: what it requested, plus the continuous
 * updates area, inside the screen. */
static void wanted_area(struct rfb_client *c, pixman_region32_t *area)
{
	const struct rfb_fb *fb = &c->srv->fb;

	pixman_region32_copy(area, &c->requested);
	if (c->cu_enabled)
		pixman_region32_union(area, area, &c->cu_area);
	pixman_region32_intersect_rect(area, area, 0, 0, (unsigned)fb->width,
				       (unsigned)fb->height);
}

static void refresh_cb(void *data)
{
	struct rfb_client *c = data;

	c->refresh_timer = NULL;
	rfb_update_maybe_send(c);
}

/* Wake up when the lossy areas will have been quiet long enough. */
static void arm_refresh(struct rfb_client *c)
{
	uint64_t quiet = loop_now_ms() - c->lossy_ms;
	int ms = quiet >= RFB_REFRESH_MS ? 0 : RFB_REFRESH_MS - (int)quiet;

	if (!c->refresh_timer && pixman_region32_not_empty(&c->lossy))
		c->refresh_timer = loop_timer_add(c->srv->loop, ms, false,
						  refresh_cb, c);
}

/* Lossy areas that have been quiet for RFB_REFRESH_MS are owed a lossless
 * copy, so every viewer converges to the exact picture: `reg` gets the
 * part of them the client wants and that is not being resent anyway. */
static bool refresh_due(struct rfb_client *c, const pixman_region32_t *area,
			const pixman_region32_t *sending,
			pixman_region32_t *reg)
{
	if (!pixman_region32_not_empty(&c->lossy))
		return false;
	if (loop_now_ms() - c->lossy_ms < RFB_REFRESH_MS) {
		arm_refresh(c);
		return false;
	}
	pixman_region32_intersect(reg, &c->lossy, area);
	pixman_region32_subtract(reg, reg, sending);
	return pixman_region32_not_empty(reg);
}

static bool led_due(const struct rfb_client *c)
{
	return (c->caps & RFB_CAP_LED) && c->srv->leds >= 0 &&
	       c->led_sent != c->srv->leds;
}

static bool cursor_due(const struct rfb_client *c)
{
	return (c->caps & RFB_CAP_ANY_CURSOR) && c->srv->cursor.serial &&
	       c->cursor_serial != c->srv->cursor.serial;
}

static void begin_update(struct rfb_client *c, size_t *hdr)
{
	*hdr = c->out.len;
	buf_put_u8(&c->out, 0); /* FramebufferUpdate */
	buf_put_u8(&c->out, 0);
	buf_put_u16(&c->out, 0); /* count, patched by end_update */
}

/* rfbproto 7.5.3: the request is answered (with continuous updates, a
 * request is a one-off). */
static void request_answered(struct rfb_client *c)
{
	if (!c->cu_enabled || c->update_wanted) {
		pixman_region32_clear(&c->requested);
		c->update_wanted = false;
	}
}

/* The count is always known here; LastRect (rfbproto 7.8.4) is used
 * only when it does not fit the header, because some viewers announce
 * LastRect and then read it as a zero-size rectangle (vncsnapshot). */
static void end_update(struct rfb_client *c, size_t hdr, int count)
{
	if (count >= 0xffff && (c->caps & RFB_CAP_LAST_RECT)) {
		rfb_pseudo_last_rect(c);
		count = 0xffff;
	}
	buf_set_u16(&c->out, hdr + 2, (uint16_t)count);
	request_answered(c);
	rfb_client_flush(c);
}

/* Size changes travel alone: rfbproto 7.8.9 forbids framebuffer data in
 * the same update as ExtendedDesktopSize. */
static void send_size_update(struct rfb_client *c)
{
	size_t hdr;
	int count;

	begin_update(c, &hdr);
	if (c->nsize_events)
		count = rfb_pseudo_ext_sizes(c);
	else
		count = rfb_pseudo_desktop_size(c);
	c->size_changed = false;
	end_update(c, hdr, count);
}

/* Pseudo-rectangles that may share an update with pixel data. */
static int send_extras(struct rfb_client *c)
{
	int count = 0;

	if (cursor_due(c))
		count += rfb_pseudo_cursor(c);
	if (c->pos_pending)
		count += rfb_pseudo_pointer_pos(c);
	if (c->name_pending)
		count += rfb_pseudo_desktop_name(c);
	if (led_due(c))
		count += rfb_pseudo_led(c);
	count += rfb_pseudo_owed(c);
	return count;
}

/* The head of the update (pseudo-rectangles and CopyRects) is built here
 * into the job's buffer; the job encodes the rest, maybe on a worker. */
static void send_data_update(struct rfb_client *c, pixman_region32_t *reg,
			     pixman_region32_t *refresh)
{
	struct rfb_enc_job *j = rfb_encjob_begin(c);
	struct buf saved;
	size_t hdr;
	int count;

	if (!j) {
		rfb_client_close(c, "out of memory for an update");
		return;
	}
	saved = c->out;
	c->out = *rfb_encjob_out(j);
	begin_update(c, &hdr);
	count = send_extras(c);
	count += rfb_copy_send(c);
	*rfb_encjob_out(j) = c->out;
	c->out = saved;
	pixman_region32_subtract(&c->damage, &c->damage, reg);
	request_answered(c);
	if (rfb_encjob_submit(c, j, reg, refresh, count) < 0)
		rfb_client_close(c, "out of memory for an update");
}

void rfb_update_sent(struct rfb_client *c)
{
	c->sent_ms = loop_now_ms();
	arm_refresh(c);
	rfb_ext_ping(c);
}

static void pace_cb(void *data)
{
	struct rfb_client *c = data;

	c->pace_timer = NULL;
	rfb_update_maybe_send(c);
}

/* -fps: true if an update may be built now; otherwise a timer brings us
 * back when it may.  A change after a quiet spell goes at once. */
static bool pace_allows(struct rfb_client *c)
{
	int ms = pace_delay(&c->pace, loop_now_ms());

	if (!ms)
		return true;
	if (!c->pace_timer)
		c->pace_timer = loop_timer_add(c->srv->loop, ms, false,
					       pace_cb, c);
	return false;
}

static void cc_cb(void *data)
{
	struct rfb_client *c = data;

	c->cc_timer = NULL;
	rfb_update_maybe_send(c);
}

static bool can_send(const struct rfb_client *c)
{
	return c->state == RFB_CS_NORMAL && !c->job_busy &&
	       c->out.len < RFB_OUT_LOW_WATER && c->srv->fb.pixels &&
	       (c->update_wanted || c->cu_enabled);
}

/* Whether captures for the client overlap the encoding of its update
 * (its jobs then copy the pixels): when there is no round trip to hide
 * a capture in, with continuous updates or a viewer whose requests come
 * back sooner than a capture takes. */
bool rfb_update_overlap(const struct rfb_client *c)
{
	return c->cu_enabled ||
	       (c->reply_ms >= 0 && c->reply_ms < c->srv->capture_cost_ms);
}

/* A capture is worth making for a client whose link has room and which
 * either could take an update now or holds no captured change yet while
 * its last update travels and is decoded (its next request is on the
 * way): the capture then overlaps that, and a client never makes us
 * capture twice for one update.  Not while its update is encoded, unless
 * captures overlap that: the job may read the framebuffer in place, and
 * the capture is fresher once the job is done. */
bool rfb_update_ready(const struct rfb_client *c)
{
	if (c->state != RFB_CS_NORMAL || !rfb_cc_may_send(&c->cc, c->out.len) ||
	    c->pings_out >= RFB_CC_MAX_PINGS ||
	    (c->job_busy && !rfb_update_overlap(c)))
		return false;
	return !pixman_region32_not_empty(&c->damage) || can_send(c);
}

/* Fence round trips, if the viewer answers them: it has not fallen more
 * than RFB_CC_MAX_PINGS updates behind. */
static bool pings_allow(struct rfb_client *c, uint64_t now)
{
	if (c->pings_out < RFB_CC_MAX_PINGS)
		return true;
	if (now - c->ping_ms < RFB_CC_PING_TIMEOUT_MS)
		return false;
	log_info("%s: no answer to Fence for %d ms: congestion control "
		 "goes by the socket alone", c->conn->peer,
		 RFB_CC_PING_TIMEOUT_MS);
	c->no_pings = true;
	c->pings_out = 0;
	return true;
}

/* Congestion control: true if the link has room for another update;
 * otherwise look again soon (a Fence answer also brings us back). */
static bool cc_allows(struct rfb_client *c)
{
	uint64_t now = loop_now_ms();
	int rtt = net_conn_rtt_ms(c->conn);

	rfb_cc_queued(&c->cc, now, net_conn_unacked(c->conn));
	if (rtt >= 0)
		rfb_cc_rtt(&c->cc, (uint32_t)rtt);
	if (rfb_cc_may_send(&c->cc, c->out.len) && pings_allow(c, now))
		return true;
	if (!c->cc_timer)
		c->cc_timer = loop_timer_add(c->srv->loop, RFB_CC_POLL_MS,
					     false, cc_cb, c);
	return false;
}

/* The client holds captured changes it wants. */
static bool holds_changes(struct rfb_client *c)
{
	pixman_region32_t area;
	bool any;

	if (pixman_region32_not_empty(&c->copied))
		return true;
	pixman_region32_init(&area);
	wanted_area(c, &area);
	pixman_region32_intersect(&area, &area, &c->damage);
	any = pixman_region32_not_empty(&area);
	pixman_region32_fini(&area);
	return any;
}

/* The last capture is recent enough (RFB_HELD_FRAMES frames) that what
 * a client holds from it is worth sending without a fresher one. */
static bool capture_recent(const struct rfb_client *c)
{
	return loop_now_ms() - c->srv->capture_ms <
	       (uint64_t)RFB_HELD_FRAMES * (uint64_t)c->pace.interval_ms;
}

/* The backend may be holding changes until someone can take them: ask
 * for them.  True if the update should wait for that capture: only when
 * the client holds no captured change yet, or only stale ones (a viewer
 * slower than a few frames).  Recent ones (captured ahead, while its
 * last update travelled and was decoded) go at once; what came since is
 * captured while this update travels. */
static bool wait_for_capture(struct rfb_client *c)
{
	struct rfb_server *srv = c->srv;

	if (c->state != RFB_CS_NORMAL || !srv->desk.ops->ready ||
	    srv->fb_readers)
		return false;
	if (can_send(c) &&
	    (!cc_allows(c) || (capture_recent(c) && holds_changes(c))))
		return false;
	return rfb_update_ready(c) && srv->desk.ops->ready(srv->desk.ctx);
}

/* A request came after the last update went out: how long it took. */
static void note_reply(struct rfb_client *c)
{
	int ms = (int)(loop_now_ms() - c->sent_ms);

	c->reply_ms = c->reply_ms < 0 ? ms : (3 * c->reply_ms + ms + 3) / 4;
	c->sent_ms = 0;
}

void rfb_update_maybe_send(struct rfb_client *c)
{
	pixman_region32_t area, reg, refresh;

	if (c->sent_ms && c->update_wanted && !c->cu_enabled)
		note_reply(c);

	if (wait_for_capture(c))
		return;
	if (!can_send(c))
		return;
	if (c->nsize_events || c->size_changed) {
		send_size_update(c);
		return;
	}
	pixman_region32_init(&area);
	pixman_region32_init(&reg);
	pixman_region32_init(&refresh);
	wanted_area(c, &area);
	pixman_region32_intersect(&reg, &c->damage, &area);
	refresh_due(c, &area, &reg, &refresh);
	if ((pixman_region32_not_empty(&reg) ||
	     pixman_region32_not_empty(&refresh) ||
	     pixman_region32_not_empty(&c->copied) || cursor_due(c) ||
	     c->pos_pending || c->name_pending || led_due(c) || c->owed) &&
	    pace_allows(c) && cc_allows(c)) {
		pace_mark(&c->pace, loop_now_ms());
		send_data_update(c, &reg, &refresh);
	}
	pixman_region32_fini(&refresh);
	pixman_region32_fini(&reg);
	pixman_region32_fini(&area);
}
