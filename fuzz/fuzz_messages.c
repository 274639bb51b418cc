/* fuzz_messages: the normal-phase message stream against the real engine,
 * its real encoders and a fake desktop (fuzz/session.h), with desktop
 * events in between.  The handshake (3.8, None, shared) is done first;
 * then the input is a script:
 *   byte 0    bit 0 view-only, bit 1 no clipboard, bit 2 small caps,
 *             bit 3 encoding on two worker threads (-threads)
 *   then ops  op % 11, with its arguments (see run_op)
 * Client bytes may hold any message: SetPixelFormat, SetEncodings with
 * every encoding and pseudo-encoding, FramebufferUpdateRequest, keys,
 * pointer, cut text, Extended Clipboard, Fence, ContinuousUpdates,
 * SetDesktopSize, QEMU keys (fuzz/messages.dict lists their numbers). */
#include <string.h>

#include "session.h"

static const uint8_t hello[] = { 'R', 'F', 'B', ' ', '0', '0', '3', '.',
				 '0', '0', '8', '\n', 1, 1 };

/* A rectangle inside the current framebuffer from 4 input bytes. */
static struct rfb_rect fz_rect(struct fz_in *in)
{
	struct rfb_fb *fb = &srv->fb;
	struct rfb_rect r;

	r.x = fz_u8(in) % fb->width;
	r.y = fz_u8(in) % fb->height;
	r.w = 1 + fz_u8(in) % (fb->width - r.x);
	r.h = 1 + fz_u8(in) % (fb->height - r.y);
	return r;
}

/* Paint `r` with few colours, as text and flat areas are: the palette
 * and run paths of the encoders need them. */
static void paint(struct fz_in *in, const struct rfb_rect *r)
{
	static const uint32_t pal[8] = { 0xffffff, 0x000000, 0xd4d0c8,
					 0x0a246a, 0xe81123, 0x808080,
					 0x00ff00, 0x123456 };
	uint8_t kind = fz_u8(in), seed = fz_u8(in);
	struct rfb_fb *fb = &srv->fb;

	for (int y = r->y; y < r->y + r->h; y++)
		for (int x = r->x; x < r->x + r->w; x++) {
			uint32_t v = (uint32_t)(x * 7 + y * 13 + seed);

			fb->pixels[y * fb->stride + x] =
				kind % 3 == 0 ? pal[seed & 7] :
				kind % 3 == 1 ? pal[(v >> (kind >> 5)) & 7] :
						(v * 2654435761u) & 0xffffff;
		}
	rfb_server_damage(srv, r);
}

/* A move inside the framebuffer: dst and its source both inside. */
static void copy(struct fz_in *in)
{
	struct rfb_rect r = fz_rect(in);
	int dx = (int8_t)fz_u8(in), dy = (int8_t)fz_u8(in);
	struct rfb_fb *fb = &srv->fb;

	if (r.x - dx < 0 || r.y - dy < 0 || r.x - dx + r.w > fb->width ||
	    r.y - dy + r.h > fb->height)
		return;
	rfb_server_copy(srv, &r, dx, dy);
}

static void cursor(struct fz_in *in)
{
	static uint32_t argb[32 * 32];
	struct rfb_cursor cur;
	uint8_t seed;

	cur.width = 1 + fz_u8(in) % 32;
	cur.height = 1 + fz_u8(in) % 32;
	cur.hot_x = fz_u8(in) % cur.width;
	cur.hot_y = fz_u8(in) % cur.height;
	seed = fz_u8(in);
	for (int i = 0; i < cur.width * cur.height; i++) {
		/* Premultiplied: opaque, clear, or half see-through grey. */
		uint32_t k = (uint32_t)(i * 31 + seed) % 3;

		argb[i] = k == 0 ? 0xff000000 | (i * 0x10101u & 0xffffff) :
			  k == 1 ? 0 : 0x80404040;
	}
	cur.argb = argb;
	rfb_server_set_cursor(srv, &cur);
}

static void resize(struct fz_in *in)
{
	struct rfb_fb fb = { pixels, 1 + fz_u8(in) % 128, 1, 0 };

	fb.height = 1 + fz_u8(in) % (FB_MAX / fb.width < 96 ?
					     FB_MAX / fb.width : 96);
	fb.stride = fb.width;
	rfb_server_set_fb(srv, &fb);
}

static bool run_op(struct fz_in *in)
{
	uint8_t op = fz_u8(in) % 11;
	size_t n, got;
	const uint8_t *p;
	struct rfb_rect r;

	switch (op) {
	case 0: /* client bytes, short */
	case 10: /* client bytes, long */
		n = op == 0 ? fz_u8(in) + 1u : fz_u16(in) % 4096 + 1u;
		p = fz_bytes(in, n, &got);
		return fz_feed(p, got);
	case 1:
		r = fz_rect(in);
		rfb_server_damage(srv, &r);
		break;
	case 2:
		copy(in);
		break;
	case 3:
		r = fz_rect(in);
		paint(in, &r);
		break;
	case 4:
		cursor(in);
		break;
	case 5:
		resize(in);
		break;
	case 6:
		n = fz_u8(in);
		p = fz_bytes(in, n, &got);
		rfb_server_cut_text(srv, (const char *)p, got);
		break;
	case 7:
		rfb_server_bell(srv);
		break;
	case 8:
		rfb_server_led_state(srv, fz_u8(in) & 7);
		break;
	case 9:
		rfb_server_pointer_moved(srv, fz_u8(in) % srv->fb.width,
					 fz_u8(in) % srv->fb.height);
		break;
	}
	/* Let the engine send what the event caused. */
	return fz_feed(NULL, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct rfb_server_opts o = { 0 };
	uint8_t cfg = fz_u8(&in);

	o.shared = true;
	o.viewonly = cfg & 1;
	o.noclipboard = cfg & 2;
	o.threads = cfg & 8 ? 2 : 0;
	if (cfg & 4) {
		o.max_cuttext = 100;
		o.max_queue = 32768;
	}
	fz_start(o);
	if (fz_feed(hello, sizeof(hello)))
		while (in.n && run_op(&in))
			;
	fz_end();
	return 0;
}
