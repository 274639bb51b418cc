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
	if (!srv->opts.name)
		srv->opts.name = "xrfbshare";
	if (!srv->opts.max_cuttext)
		srv->opts.max_cuttext = RFB_DEFAULT_MAX_CUTTEXT;
	if (!srv->opts.max_queue)
		srv->opts.max_queue = RFB_DEFAULT_MAX_QUEUE;
	if (srv->opts.handshake_ms <= 0)
		srv->opts.handshake_ms = RFB_DEFAULT_HANDSHAKE_MS;
	if (loop_add_prepare(loop, server_prepare, srv) < 0) {
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

	while ((c = *pp)) {
		if (c->state != RFB_CS_CLOSED) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		rfb_client_free(c);
	}
	if (!srv->normal_left)
		return;
	srv->normal_left = false;
	srv->desk.ops->clients_changed(srv->desk.ctx, srv->nnormal);
	if (srv->leave_cb)
		srv->leave_cb(srv->leave_data, srv->nnormal);
}

static void server_prepare(void *data)
{
	struct rfb_server *srv = data;

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
	for (c = srv->clients; c; c = next) {
		next = c->next;
		rfb_client_close(c, "server shutting down");
		rfb_client_free(c);
	}
	free(srv);
}

void rfb_server_add_client(struct rfb_server *srv, struct net_conn *conn)
{
	struct rfb_client *c = rfb_client_new(srv, conn);

	if (!c) {
		log_warn("%s: out of memory for a new client", conn->peer);
		net_conn_destroy(conn);
		return;
	}
	log_info("%s: connected", conn->peer);
	c->next = srv->clients;
	srv->clients = c;
	rfb_handshake_start(c);
}

void rfb_server_set_leave_cb(struct rfb_server *srv,
			     void (*cb)(void *data, int nleft), void *data)
{
	srv->leave_cb = cb;
	srv->leave_data = data;
}

int rfb_server_nclients(const struct rfb_server *srv)
{
	return srv->nnormal;
}

/* rfbproto 7.3.1: a client asking for exclusive access disconnects the
 * others, unless -shared says the desktop is always shared. */
static void apply_sharing(struct rfb_server *srv, struct rfb_client *c,
			  bool shared)
{
	if (shared || srv->opts.shared)
		return;
	for (struct rfb_client *o = srv->clients; o; o = o->next)
		if (o != c && o->state == RFB_CS_NORMAL)
			rfb_client_close(o, "%s asked for exclusive access",
					 c->conn->peer);
}

void rfb_server_client_ready(struct rfb_server *srv, struct rfb_client *c,
			     bool shared)
{
	apply_sharing(srv, c, shared);
	srv->nnormal++;
	log_info("%s: RFB 3.%d session started%s", c->conn->peer, c->minor,
		 c->viewonly ? " (view-only)" : "");
	srv->desk.ops->clients_changed(srv->desk.ctx, srv->nnormal);
}

void rfb_server_set_fb(struct rfb_server *srv, const struct rfb_fb *fb)
{
	bool resized = srv->fb.pixels &&
		       (fb->width != srv->fb.width ||
			fb->height != srv->fb.height);

	srv->fb = *fb;
	for (struct rfb_client *c = srv->clients; c; c = c->next) {
		if (c->state != RFB_CS_NORMAL)
			continue;
		if (resized && !c->want_desktop_size) {
			rfb_client_close(c, "desktop resized to %dx%d and the "
					    "viewer cannot follow (no "
					    "DesktopSize support)",
					 fb->width, fb->height);
			continue;
		}
		c->size_changed |= resized;
		pixman_region32_union_rect(&c->damage, &c->damage, 0, 0,
					   (unsigned)fb->width,
					   (unsigned)fb->height);
	}
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
