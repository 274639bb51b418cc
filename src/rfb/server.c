/* The client set: accepting, sharing policy, fanning desktop changes
 * (damage, bell, clipboard, resize) out to every client, and reaping
 * closed ones. */
#include <stdlib.h>
#include <string.h>

#include "rfb/internal.h"
#include "util/log.h"

static void server_prepare(void *data);

struct rfb_server *rfb_server_new(struct loop *loop,
				  const struct rfb_server_opts *opts,
				  struct rfb_desktop desk)
{
	struct rfb_server *srv = calloc(1, sizeof(*srv));

	if (!srv)
		return NULL;
	srv->loop = loop;
	srv->opts = *opts;
	srv->desk = desk;
	srv->leds = -1;
	if (!srv->opts.name)
		srv->opts.name = "xrfbshare";
	if (!srv->opts.max_cuttext)
		srv->opts.max_cuttext = RFB_DEFAULT_MAX_CUTTEXT;
	if (!srv->opts.max_plain)
		srv->opts.max_plain = RFB_DEFAULT_MAX_PLAIN;
	if (!srv->opts.max_queue)
		srv->opts.max_queue = RFB_DEFAULT_MAX_QUEUE;
	if (srv->opts.handshake_ms <= 0)
		srv->opts.handshake_ms = RFB_DEFAULT_HANDSHAKE_MS;
	if (!srv->opts.auth_fail_delay_ms)
		srv->opts.auth_fail_delay_ms = RFB_DEFAULT_AUTH_FAIL_DELAY_MS;
	if (srv->opts.message_ms <= 0)
		srv->opts.message_ms = RFB_DEFAULT_MESSAGE_MS;
	if (srv->opts.max_preauth <= 0)
		srv->opts.max_preauth = RFB_DEFAULT_MAX_PREAUTH;
	srv->pool = pool_new(loop, srv->opts.threads);
	if (srv->pool)
		log_info("encoding on %d threads", srv->opts.threads);
	srv->throttle = rfb_throttle_new();
	if (!srv->throttle || loop_add_prepare(loop, server_prepare, srv) < 0) {
		pool_destroy(srv->pool);
		rfb_throttle_free(srv->throttle);
		free(srv);
		return NULL;
	}
	return srv;
}

/* Free closed clients; tell the desktop and main when the count of
 * normal-phase clients changed. */
static void reap(struct rfb_server *srv)
{
	struct rfb_client **pp = &srv->clients, *c;
	bool normal_left = srv->normal_left, any = false;
	int left = 0;

	while ((c = *pp)) {
		/* One whose update is still being encoded goes once the
		 * job is done: the job uses its encoder state. */
		if (c->state != RFB_CS_CLOSED || c->job_busy) {
			pp = &c->next;
			left += c->state != RFB_CS_CLOSED;
			continue;
		}
		*pp = c->next;
		rfb_client_free(c);
		any = true;
	}
	if (normal_left)
		srv->desk.ops->clients_changed(srv->desk.ctx, srv->nnormal);
	if (!any)
		return;
	srv->normal_left = false;
	if (srv->leave_cb)
		srv->leave_cb(srv->leave_data, normal_left, left);
}

static void server_prepare(void *data)
{
	struct rfb_server *srv = data;

	/* The capture allowed in this round is done. */
	if (srv->capturing) {
		int ms = (int)(loop_now_ms() - srv->capture_ms);

		srv->capture_cost_ms = (3 * srv->capture_cost_ms + ms + 3) / 4;
		srv->capturing = false;
	}

	for (struct rfb_client *c = srv->clients; c; c = c->next)
		rfb_update_maybe_send(c);
	reap(srv);
}

void rfb_server_destroy(struct rfb_server *srv)
{
	struct rfb_client *c, *next;

	if (!srv)
		return;
	loop_del_prepare(srv->loop, server_prepare, srv);
	pool_destroy(srv->pool); /* every job done */
	for (c = srv->clients; c; c = next) {
		next = c->next;
		rfb_client_close(c, "server shutting down");
		rfb_client_free(c);
	}
	free(srv->cursor.pixels);
	free(srv->clip);
	rfb_throttle_free(srv->throttle);
	free(srv);
}

static int count_preauth(struct rfb_server *srv, const char *host)
{
	int n = 0;

	for (struct rfb_client *c = srv->clients; c; c = c->next)
		if (c->state < RFB_CS_NORMAL && !strcmp(c->host, host))
			n++;
	return n;
}

void rfb_server_add_client(struct rfb_server *srv, struct net_conn *conn)
{
	struct rfb_client *c;
	char host[64];

	rfb_peer_host(conn->peer, host, sizeof(host));
	if (count_preauth(srv, host) >= srv->opts.max_preauth) {
		log_warn("%s: refused: %d connections from %s are already "
			 "in the handshake", conn->peer, srv->opts.max_preauth,
			 host);
		net_conn_destroy(conn);
		return;
	}
	c = rfb_client_new(srv, conn);
	if (!c) {
		log_warn("%s: out of memory for a new client", conn->peer);
		net_conn_destroy(conn);
		return;
	}
	memcpy(c->host, host, sizeof(c->host));
	log_info("%s: connected", conn->peer);
	c->next = srv->clients;
	srv->clients = c;
	rfb_handshake_start(c);
}

void rfb_server_set_leave_cb(struct rfb_server *srv,
			     void (*cb)(void *data, bool viewer, int nleft),
			     void *data)
{
	srv->leave_cb = cb;
	srv->leave_data = data;
}

int rfb_server_nclients(const struct rfb_server *srv)
{
	return srv->nnormal;
}

/* rfbproto 7.3.1: under -noshared a client asking for exclusive access
 * disconnects the others, or with -dontdisconnect is itself refused when
 * there are others; under -shared the flag is ignored.  False if `c` was
 * refused. */
static bool apply_sharing(struct rfb_server *srv, struct rfb_client *c,
			  bool shared)
{
	if (shared || srv->opts.shared || srv->nnormal == 0)
		return true;
	if (srv->opts.dont_disconnect) {
		rfb_client_close(c, "refused: asked for exclusive access while "
				    "%d viewer(s) are connected "
				    "(-dontdisconnect)", srv->nnormal);
		return false;
	}
	for (struct rfb_client *o = srv->clients; o; o = o->next)
		if (o != c && o->state == RFB_CS_NORMAL)
			rfb_client_close(o, "%s asked for exclusive access",
					 c->conn->peer);
	return true;
}

bool rfb_server_client_ready(struct rfb_server *srv, struct rfb_client *c,
			     bool shared)
{
	/* Checked at the start too, where the refusal can carry a reason;
	 * this catches handshakes that overlapped. */
	if (rfb_server_full(srv)) {
		rfb_client_close(c, "refused: %d viewers connected "
				    "(-maxclients)", srv->nnormal);
		return false;
	}
	if (!apply_sharing(srv, c, shared))
		return false;
	srv->nnormal++;
	log_info("%s: RFB 3.%d session started%s", c->conn->peer, c->minor,
		 c->viewonly ? " (view-only)" : "");
	srv->desk.ops->clients_changed(srv->desk.ctx, srv->nnormal);
	return true;
}

/* -maxclients: are there seats left?  Checked when a client starts its
 * handshake, where a refusal can still carry a reason. */
bool rfb_server_full(const struct rfb_server *srv)
{
	return srv->opts.max_clients > 0 &&
	       srv->nnormal >= srv->opts.max_clients;
}

/* A resized framebuffer: each client learns the new size the way it can
 * (rfbproto 7.8.2, 7.8.9), or is closed if it cannot follow. */
static void client_resized(struct rfb_server *srv, struct rfb_client *c)
{
	struct rfb_size_event e = { .w = (uint16_t)srv->fb.width,
				    .h = (uint16_t)srv->fb.height };

	rfb_copy_flatten(c);
	pixman_region32_clear(&c->copied);
	pixman_region32_clear(&c->lossy);
	pixman_region32_intersect_rect(&c->cu_area, &c->cu_area, 0, 0,
				       (unsigned)srv->fb.width,
				       (unsigned)srv->fb.height);
	if (c->caps & RFB_CAP_EXT_DESKTOP_SIZE) {
		e.reason = !srv->resizer ? 0 : srv->resizer == c ? 1 : 2;
		if (srv->resizer == c && srv->resize_nscreens) {
			e.screens = malloc(srv->resize_nscreens * 16u);
			if (e.screens) {
				memcpy(e.screens, srv->resize_screens,
				       srv->resize_nscreens * 16u);
				e.nscreens = (uint8_t)srv->resize_nscreens;
			}
		}
		rfb_ext_queue_size(c, &e);
	} else if (c->caps & RFB_CAP_DESKTOP_SIZE) {
		c->size_changed = true;
	} else {
		rfb_client_close(c, "desktop resized to %dx%d and the viewer "
				    "cannot follow (no DesktopSize support)",
				 srv->fb.width, srv->fb.height);
	}
}

void rfb_server_set_fb(struct rfb_server *srv, const struct rfb_fb *fb)
{
	bool resized = srv->fb.pixels && (fb->width != srv->fb.width ||
					  fb->height != srv->fb.height);

	srv->fb = *fb;
	if (resized)
		log_info("desktop is now %dx%d", fb->width, fb->height);
	for (struct rfb_client *c = srv->clients; c; c = c->next) {
		if (c->state != RFB_CS_NORMAL)
			continue;
		if (resized)
			client_resized(srv, c);
		pixman_region32_union_rect(&c->damage, &c->damage, 0, 0,
					   (unsigned)fb->width,
					   (unsigned)fb->height);
		pixman_region32_intersect_rect(&c->damage, &c->damage, 0, 0,
					       (unsigned)fb->width,
					       (unsigned)fb->height);
	}
	if (resized && srv->resizer)
		srv->resize_answered = true;
}

bool rfb_server_ready(struct rfb_server *srv)
{
	const struct rfb_client *c;

	for (c = srv->clients; c && !rfb_update_ready(c); c = c->next)
		;
	if (!c)
		return false;
	/* The capture waits for the jobs reading the framebuffer; those
	 * built meanwhile copy the pixels, so it waits for one job at
	 * most. */
	srv->capture_waiting = srv->fb_readers > 0;
	if (!srv->capture_waiting) {
		srv->capture_ms = loop_now_ms();
		srv->capturing = true;
	}
	return !srv->capture_waiting;
}

void rfb_server_fb_moved(struct rfb_server *srv, uint32_t *pixels)
{
	srv->fb.pixels = pixels;
}

void rfb_server_fb_release(struct rfb_server *srv)
{
	if (srv->fb_readers)
		pool_drain(srv->pool);
}

void rfb_server_damage(struct rfb_server *srv, const struct rfb_rect *r)
{
	for (struct rfb_client *c = srv->clients; c; c = c->next)
		if (c->state == RFB_CS_NORMAL)
			pixman_region32_union_rect(&c->damage, &c->damage,
						   r->x, r->y,
						   (unsigned)r->w,
						   (unsigned)r->h);
}

void rfb_server_copy(struct rfb_server *srv, const struct rfb_rect *dst,
		     int dx, int dy)
{
	for (struct rfb_client *c = srv->clients; c; c = c->next) {
		if (c->state != RFB_CS_NORMAL)
			continue;
		if (c->caps & RFB_CAP_COPYRECT)
			rfb_copy_add(c, dst, dx, dy);
		else
			pixman_region32_union_rect(&c->damage, &c->damage,
						   dst->x, dst->y,
						   (unsigned)dst->w,
						   (unsigned)dst->h);
	}
}

void rfb_server_set_cursor(struct rfb_server *srv,
			   const struct rfb_cursor *cur)
{
	size_t n = (size_t)cur->width * (size_t)cur->height;
	uint32_t *px;

	if (cur->width < 0 || cur->height < 0 ||
	    cur->width > RFB_MAX_CURSOR_SIDE ||
	    cur->height > RFB_MAX_CURSOR_SIDE)
		return;
	px = malloc(n ? n * sizeof(*px) : 1);
	if (!px)
		return;
	memcpy(px, cur->argb, n * sizeof(*px));
	free(srv->cursor.pixels);
	srv->cursor.pixels = px;
	srv->cursor.shape = *cur;
	srv->cursor.shape.argb = px;
	/* The hotspot must lie inside the image for every decoder. */
	if (srv->cursor.shape.hot_x >= cur->width)
		srv->cursor.shape.hot_x = cur->width ? cur->width - 1 : 0;
	if (srv->cursor.shape.hot_y >= cur->height)
		srv->cursor.shape.hot_y = cur->height ? cur->height - 1 : 0;
	if (++srv->cursor.serial == 0)
		srv->cursor.serial = 1;
}

void rfb_server_pointer_moved(struct rfb_server *srv, int x, int y)
{
	srv->pointer_x = x;
	srv->pointer_y = y;
	for (struct rfb_client *c = srv->clients; c; c = c->next)
		if (c->state == RFB_CS_NORMAL &&
		    (c->caps & RFB_CAP_POINTER_POS) &&
		    (x != c->px || y != c->py))
			c->pos_pending = true;
}

void rfb_server_led_state(struct rfb_server *srv, unsigned leds)
{
	srv->leds = (int)(leds & 7);
}

void rfb_server_caps_changed(struct rfb_server *srv, struct rfb_client *c,
			     unsigned old)
{
	bool was = old & RFB_CAP_POINTER_POS;
	bool is = c->caps & RFB_CAP_POINTER_POS;
	int before = srv->npos_clients;

	srv->npos_clients += is - was;
	if (!srv->desk.ops->want_pointer_pos ||
	    (before > 0) == (srv->npos_clients > 0))
		return;
	srv->desk.ops->want_pointer_pos(srv->desk.ctx,
					srv->npos_clients > 0);
}

/* rfbproto 7.6.3 Bell */
void rfb_server_bell(struct rfb_server *srv)
{
	for (struct rfb_client *c = srv->clients; c; c = c->next) {
		if (c->state != RFB_CS_NORMAL)
			continue;
		buf_put_u8(&c->out, 2);
		rfb_client_flush(c);
	}
}
