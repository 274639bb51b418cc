/* The boundary between the RFB engine and whatever provides the desktop
 * (the X11 backend in production, a fake one in tests).  The engine never
 * sees Xlib; the backend never sees a client. */
#ifndef XRFB_RFB_DESKTOP_H
#define XRFB_RFB_DESKTOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The shared framebuffer, owned by the backend: 32-bit host-order words
 * 0x00RRGGBB (the top byte must be 0: Raw copies rows of a matching
 * client format straight through), `stride` pixels per row.  The engine reads it when encoding;
 * the backend writes it only from the event-loop thread. */
struct rfb_fb {
	uint32_t *pixels;
	int width, height;
	int stride;
};

struct rfb_rect {
	int x, y, w, h;
};

/* Calls from the engine into the backend, all on the loop thread.  Input
 * has already been filtered (view-only clients never reach these). */
struct rfb_desktop_ops {
	/* A key press or release as an X keysym, to be typed as that
	 * character whatever the desktop's layout. */
	void (*key)(void *ctx, uint32_t keysym, bool down);
	/* A key press or release by physical key (QEMU Extended Key Event):
	 * `xt` is the XT scancode as rfbproto encodes it (0xe0 prefix as the
	 * high bit, e.g. 0xcd Right); `keysym` is what the viewer thinks it
	 * types (0 if unknown), a fallback when the key has no X keycode.
	 * NULL: the engine falls back to key(). */
	void (*key_code)(void *ctx, uint32_t keysym, uint32_t xt, bool down);
	/* Pointer at (x, y) inside the framebuffer; bit n of `buttons` is
	 * button n+1 (1 left, 2 middle, 3 right, 4/5 wheel, 6/7 hwheel,
	 * 8 back, 9 forward). */
	void (*pointer)(void *ctx, int x, int y, uint16_t buttons);
	/* Clipboard text from a viewer, UTF-8, not NUL-terminated. */
	void (*cut_text)(void *ctx, const char *utf8, size_t len);
	/* The number of authenticated clients changed (capture can idle at
	 * zero). */
	void (*clients_changed)(void *ctx, int nclients);
	/* A viewer asked for a new framebuffer size (SetDesktopSize).  Return
	 * 0 after resizing, having called rfb_server_set_fb with the new
	 * framebuffer before returning; otherwise an ExtendedDesktopSize
	 * status: RFB_RESIZE_PROHIBITED, _NO_RESOURCES or _INVALID.  NULL:
	 * resizing is prohibited. */
	int (*resize)(void *ctx, int width, int height);
	/* Viewers want PointerPos: report pointer moves with
	 * rfb_server_pointer_moved while `on`. */
	void (*want_pointer_pos)(void *ctx, bool on);
	/* A viewer can take an update now: capture soon if changes wait.
	 * True while such a capture is coming, so the viewer is not sent
	 * pixels it would replace at once.  Called often, so it must be
	 * cheap when nothing waits.  NULL: the backend captures whenever
	 * the screen changes. */
	bool (*ready)(void *ctx);
};

/* ExtendedDesktopSize status codes (rfbproto 7.8.9). */
enum {
	RFB_RESIZE_OK = 0,
	RFB_RESIZE_PROHIBITED = 1,
	RFB_RESIZE_NO_RESOURCES = 2,
	RFB_RESIZE_INVALID = 3,
};

/* Largest framebuffer side we create or accept a request for. */
#define RFB_MAX_FB_SIDE 16384

/* A cursor image: width*height words 0xAARRGGBB with premultiplied alpha
 * (what XFixes gives), hotspot inside the image. */
struct rfb_cursor {
	int width, height;
	int hot_x, hot_y;
	const uint32_t *argb;
};

struct rfb_desktop {
	const struct rfb_desktop_ops *ops;
	void *ctx;
};

struct rfb_server;

/* Calls from the backend into the engine. */

/* Set (or replace, on resize) the framebuffer; everything is damaged. */
void rfb_server_set_fb(struct rfb_server *srv, const struct rfb_fb *fb);
/* True if a capture is worth making now (some viewer could use it) and
 * the framebuffer may be written (no encoder reads it in place).  Until
 * then a backend may leave changes where they are (the X server
 * accumulates damage for free) and capture once, later, when ready() is
 * called. */
bool rfb_server_ready(struct rfb_server *srv);
/* The backend is about to free or replace the framebuffer outside a
 * capture (a resize): returns once no encoder reads it any more. */
void rfb_server_fb_release(struct rfb_server *srv);
/* The framebuffer's pixels now live at `pixels` (same size and stride,
 * and what was reported so far): nothing is damaged by that.  Only in a
 * capture rfb_server_ready allowed, when no encoder reads them. */
void rfb_server_fb_moved(struct rfb_server *srv, uint32_t *pixels);
/* Pixels in `r` changed in the framebuffer. */
void rfb_server_damage(struct rfb_server *srv, const struct rfb_rect *r);
void rfb_server_bell(struct rfb_server *srv);
/* The desktop's clipboard changed; UTF-8 text. */
void rfb_server_cut_text(struct rfb_server *srv, const char *utf8,
			 size_t len);
/* The cursor shape changed; the engine copies the image (at most
 * RFB_MAX_CURSOR_SIDE on each side; larger ones are ignored). */
#define RFB_MAX_CURSOR_SIDE 256
void rfb_server_set_cursor(struct rfb_server *srv,
			   const struct rfb_cursor *cur);
/* Lock key LEDs (rfbproto 7.8.17 bits: 0 Scroll, 1 Num, 2 Caps) changed
 * on the desktop, or are first known. */
void rfb_server_led_state(struct rfb_server *srv, unsigned leds);
/* The pointer is now at (x, y) on the desktop (moved by anyone). */
void rfb_server_pointer_moved(struct rfb_server *srv, int x, int y);
/* Pixels moved: what is now in `dst` was at (dst.x - dx, dst.y - dy)
 * before this change (a scroll or a window move).  The framebuffer holds
 * the new pixels already.  Report copies of one capture before its other
 * damage; the engine sends them as CopyRect where the viewer allows. */
void rfb_server_copy(struct rfb_server *srv, const struct rfb_rect *dst,
		     int dx, int dy);

#endif
