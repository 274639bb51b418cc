#include "x11/backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <X11/XKBlib.h>

#include "util/log.h"
#include "x11/capture.h"
#include "x11/clipboard.h"
#include "x11/cursor.h"
#include "x11/damage.h"
#include "x11/display.h"
#include "x11/input.h"
#include "x11/leds.h"
#include "x11/randr.h"

struct x11_backend {
	struct loop *loop;
	const struct config *cfg;
	struct rfb_server *srv;
	struct x11_display disp;
	struct x11_capture cap;
	struct x11_damage dmg;
	struct x11_input input;
	struct x11_leds leds;
	struct x11_clipboard clip;
	struct x11_cursor cursor;
	struct x11_randr randr;
	bool watching; /* X fd and prepare hook are in the loop */
	char name[320];
};

/* --- rfb/desktop.h operations --- */

static void backend_key(void *ctx, uint32_t keysym, bool down)
{
	struct x11_backend *b = ctx;

	x11_input_key(&b->input, keysym, down);
}

static void backend_key_code(void *ctx, uint32_t keysym, uint32_t xt, bool down)
{
	struct x11_backend *b = ctx;

	x11_input_key_code(&b->input, keysym, xt, down);
}

static void backend_pointer(void *ctx, int x, int y, uint16_t buttons)
{
	struct x11_backend *b = ctx;

	x11_input_pointer(&b->input, x, y, buttons);
	x11_cursor_active(&b->cursor);
}

static void backend_cut_text(void *ctx, const char *utf8, size_t len)
{
	struct x11_backend *b = ctx;

	x11_clipboard_set(&b->clip, utf8, len);
}

static void backend_clients_changed(void *ctx, int nclients)
{
	struct x11_backend *b = ctx;

	if (nclients <= 0)
		x11_input_release_all(&b->input);
	x11_damage_set_clients(&b->dmg, nclients);
	x11_cursor_set_clients(&b->cursor, nclients);
}

static int backend_setup_fb(struct x11_backend *b);

/* The engine has checked the request's layout; the X server checks the
 * size.  The new framebuffer is the engine's before we return. */
static int backend_resize(void *ctx, int width, int height)
{
	struct x11_backend *b = ctx;
	int status = x11_randr_set_size(&b->randr, width, height);

	if (status != RFB_RESIZE_OK)
		return status;
	b->disp.width = width;
	b->disp.height = height;
	if (backend_setup_fb(b))
		return RFB_RESIZE_NO_RESOURCES;
	return RFB_RESIZE_OK;
}

static void backend_want_pointer_pos(void *ctx, bool on)
{
	struct x11_backend *b = ctx;

	x11_cursor_want_pos(&b->cursor, on);
}

static bool backend_ready(void *ctx)
{
	struct x11_backend *b = ctx;

	return x11_damage_ready(&b->dmg);
}

static const struct rfb_desktop_ops backend_ops = {
	.key = backend_key,
	.key_code = backend_key_code,
	.pointer = backend_pointer,
	.cut_text = backend_cut_text,
	.clients_changed = backend_clients_changed,
	.resize = backend_resize,
	.want_pointer_pos = backend_want_pointer_pos,
	.ready = backend_ready,
};

struct rfb_desktop x11_backend_desktop(struct x11_backend *b)
{
	return (struct rfb_desktop){ &backend_ops, b };
}

/* --- X events --- */

/* Someone else resized the screen (xrandr, a monitor plugged in), or we
 * did and this is the echo.  The pending capture tick, if any, then
 * grabs within the new size.  Same size: the grab of an earlier resize
 * may have raced a further one and failed, so compare everything. */
static void backend_screen_changed(struct x11_backend *b)
{
	int w, h;

	x11_randr_root_size(&b->randr, &w, &h);
	if (!b->srv)
		return;
	if (w == b->cap.fb.width && h == b->cap.fb.height) {
		x11_damage_full(&b->dmg);
		return;
	}
	log_info("the X screen is now %dx%d", w, h);
	b->disp.width = w;
	b->disp.height = h;
	backend_setup_fb(b);
}

static void backend_event(struct x11_backend *b, XEvent *ev)
{
	XkbEvent *xkb = (XkbEvent *)ev;

	if (x11_damage_event(&b->dmg, ev) ||
	    x11_clipboard_event(&b->clip, ev) ||
	    x11_cursor_event(&b->cursor, ev))
		return;
	if (x11_randr_event(&b->randr, ev)) {
		backend_screen_changed(b);
		return;
	}
	if (b->disp.have_xkb && ev->type == b->disp.xkb_event) {
		if (xkb->any.xkb_type == XkbBellNotify && b->srv)
			rfb_server_bell(b->srv);
		x11_input_xkb_event(&b->input, xkb);
		x11_leds_event(&b->leds, xkb);
		return;
	}
	/* Keep Xlib's keysym <-> keycode tables in step with the server. */
	if (ev->type == MappingNotify)
		XRefreshKeyboardMapping(&ev->xmapping);
}

/* XPending flushes our requests, then takes events from the socket and
 * from XCB's buffer.  The buffer matters: events that arrive while Xlib
 * waits for a reply are read off the socket and parked there, so the fd
 * never becomes readable for them, and XEventsQueued(QueuedAlready) does
 * not see them either.  Hence the drain in the prepare hook too. */
static void backend_drain(struct x11_backend *b)
{
	XEvent ev;

	while (XPending(b->disp.dpy)) {
		XNextEvent(b->disp.dpy, &ev);
		backend_event(b, &ev);
	}
}

static void backend_readable(void *data, int fd, unsigned events)
{
	struct x11_backend *b = data;

	backend_drain(b);
	/* A hang-up that reading did not notice: a round trip on a dead
	 * connection ends in the I/O error handler (exit status 3). */
	if (events & LOOP_ERR)
		XSync(b->disp.dpy, False);
}

/* Before the loop sleeps: nothing may wait in Xlib or XCB, and every
 * request made since (input, clipboard) must be on its way. */
static void backend_prepare(void *data)
{
	backend_drain(data);
}

/* --- lifecycle --- */

/* The bell, the lock LEDs, and keymap changes (setxkbmap). */
#define BACKEND_XKB_EVENTS                                                     \
	(XkbBellNotifyMask | XkbIndicatorStateNotifyMask | XkbMapNotifyMask |  \
	 XkbNewKeyboardNotifyMask)

static void backend_after_tick(void *data)
{
	struct x11_backend *b = data;

	x11_cursor_poll(&b->cursor);
}

/* "host:N" like the X display name, for the default desktop name; the
 * screen suffix (":0.0") is dropped. */
static void backend_make_name(struct x11_backend *b)
{
	const char *dpy = b->disp.name;
	char host[256] = "localhost";
	char *colon, *dot;

	gethostname(host, sizeof(host) - 1);
	if (dpy[0] == ':')
		snprintf(b->name, sizeof(b->name), "%s%s", host, dpy);
	else
		snprintf(b->name, sizeof(b->name), "%s", dpy);
	colon = strrchr(b->name, ':');
	dot = colon ? strchr(colon, '.') : NULL;
	if (dot)
		*dot = '\0';
}

struct x11_backend *x11_backend_new(struct loop *loop, const struct config *cfg)
{
	struct x11_backend *b = calloc(1, sizeof(*b));

	if (!b) {
		log_error("out of memory");
		return NULL;
	}
	b->loop = loop;
	b->cfg = cfg;
	if (x11_display_open(&b->disp, cfg->display))
		goto err_free;
	if (x11_capture_init(&b->cap, &b->disp, cfg->noshm))
		goto err_display;
	x11_damage_init(&b->dmg, &b->disp, &b->cap, loop, cfg->nodamage,
			cfg->poll_ms, cfg->fps);
	x11_input_init(&b->input, &b->disp, cfg->viewonly);
	x11_leds_init(&b->leds, &b->disp);
	x11_clipboard_init(&b->clip, &b->disp, cfg);
	x11_cursor_init(&b->cursor, &b->disp, loop);
	x11_randr_init(&b->randr, &b->disp);
	/* The pointer is looked at whenever the screen is: this catches
	 * warps, which make no raw motion. */
	b->dmg.after_tick = backend_after_tick;
	b->dmg.after_tick_data = b;
	if (b->disp.have_xkb)
		XkbSelectEvents(b->disp.dpy, XkbUseCoreKbd, BACKEND_XKB_EVENTS,
				BACKEND_XKB_EVENTS);
	else
		log_warn("XKEYBOARD extension missing: the bell, the lock "
			 "LEDs and layouts other than US are not handled");
	backend_make_name(b);
	return b;

err_display:
	x11_display_close(&b->disp);
err_free:
	free(b);
	return NULL;
}

/* Size the framebuffer to the screen, fill it and hand it to the engine.
 * Also the path for a screen resize: the old buffer is gone after it. */
static int backend_setup_fb(struct x11_backend *b)
{
	/* Encoders may be reading the old buffer in place. */
	rfb_server_fb_release(b->srv);
	if (x11_capture_resize(&b->cap, b->disp.width, b->disp.height)) {
		/* Capture keeps the old buffer; clamp input to it. */
		b->disp.width = b->cap.fb.width;
		b->disp.height = b->cap.fb.height;
		return -1;
	}
	rfb_server_set_fb(b->srv, &b->cap.fb);
	return 0;
}

int x11_backend_start(struct x11_backend *b, struct rfb_server *srv)
{
	b->srv = srv;
	b->cap.srv = srv;
	b->clip.srv = srv;
	b->cursor.srv = srv;
	x11_leds_start(&b->leds, srv);
	if (backend_setup_fb(b))
		return -1;
	if (loop_add_fd(b->loop, ConnectionNumber(b->disp.dpy), LOOP_IN,
			backend_readable, b))
		goto err;
	/* From here destroy unregisters both (a missing hook is fine). */
	b->watching = true;
	if (loop_add_prepare(b->loop, backend_prepare, b))
		goto err;
	return 0;

err:
	log_error("out of memory watching the X connection");
	return -1;
}

const char *x11_backend_name(struct x11_backend *b)
{
	return b->name;
}

void x11_backend_destroy(struct x11_backend *b)
{
	if (!b)
		return;
	if (b->watching) {
		loop_del_fd(b->loop, ConnectionNumber(b->disp.dpy));
		loop_del_prepare(b->loop, backend_prepare, b);
	}
	x11_input_fini(&b->input);
	x11_cursor_fini(&b->cursor);
	x11_clipboard_fini(&b->clip);
	x11_damage_fini(&b->dmg);
	x11_capture_fini(&b->cap);
	x11_display_close(&b->disp);
	free(b);
}
