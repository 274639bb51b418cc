/* Extended Clipboard (rfbproto 7.8.22): UTF-8 text in negative-length
 * cut text messages carrying caps, request, peek, notify and provide
 * actions; provided data travels as a zlib stream.  We announce text only,
 * tell viewers when the desktop's clipboard changes (notify) and send it
 * when asked (provide); a viewer's notify is answered with a request. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "rfb/internal.h"
#include "util/log.h"

#define CLIP_TEXT (1u << 0)
#define CLIP_FORMATS 0xffffu
#define CLIP_CAPS (1u << 24)
#define CLIP_REQUEST (1u << 25)
#define CLIP_PEEK (1u << 26)
#define CLIP_NOTIFY (1u << 27)
#define CLIP_PROVIDE (1u << 28)
#define CLIP_ACTIONS 0xff000000u
/* Compressed data may exceed the text a little; headers and sizes too. */
#define CLIP_OVERHEAD 65536

static void send_ext(struct rfb_client *c, uint32_t flags,
		     const uint8_t *data, size_t n)
{
	buf_put_u8(&c->out, 3); /* ServerCutText */
	buf_put_zeros(&c->out, 3);
	buf_put_u32(&c->out, (uint32_t)-(int32_t)(4 + n));
	buf_put_u32(&c->out, flags);
	buf_append(&c->out, data, n);
	rfb_client_flush(c);
}

/* Sent on every SetEncodings that names the extension. */
void rfb_clipboard_send_caps(struct rfb_client *c)
{
	uint8_t size[4];
	uint32_t max = (uint32_t)c->srv->opts.max_cuttext;

	size[0] = (uint8_t)(max >> 24);
	size[1] = (uint8_t)(max >> 16);
	size[2] = (uint8_t)(max >> 8);
	size[3] = (uint8_t)max;
	send_ext(c, CLIP_CAPS | CLIP_TEXT | CLIP_REQUEST | CLIP_PEEK |
			    CLIP_NOTIFY | CLIP_PROVIDE,
		 size, 4);
}

void rfb_clipext_notify(struct rfb_client *c)
{
	send_ext(c, CLIP_NOTIFY | (c->srv->clip_len ? CLIP_TEXT : 0), NULL, 0);
}

/* The desktop's text as the extension wants it: CRLF line ends and a
 * terminating NUL, behind its u32 size, all deflated. */
static void send_provide(struct rfb_client *c)
{
	const char *t = c->srv->clip;
	size_t n = c->srv->clip_len;
	struct buf raw, z;
	uLongf zlen;

	buf_init(&raw);
	buf_put_u32(&raw, 0);
	for (size_t i = 0; i < n; i++) {
		if (t[i] == '\n')
			buf_put_u8(&raw, '\r');
		buf_put_u8(&raw, (uint8_t)t[i]);
	}
	buf_put_u8(&raw, 0);
	buf_set_u32(&raw, 0, (uint32_t)(raw.len - 4));
	buf_init(&z);
	zlen = compressBound(raw.len);
	if (!raw.failed && buf_reserve(&z, zlen) == 0 &&
	    compress(z.data, &zlen, raw.data, raw.len) == Z_OK)
		send_ext(c, CLIP_PROVIDE | CLIP_TEXT, z.data, zlen);
	buf_free(&raw);
	buf_free(&z);
}

static const char too_big[] = "data inflates past -maxcuttext";

/* Inflate at most `cap` bytes; NULL if the stream is broken or longer
 * (*why is then too_big). */
static uint8_t *inflate_capped(const uint8_t *in, size_t n, size_t cap,
			       size_t *outlen, const char **why)
{
	z_stream zs = { .next_in = (Bytef *)in, .avail_in = (uInt)n };
	size_t size = n * 4 < cap ? n * 4 + 64 : cap + 1;
	uint8_t *out = malloc(size);
	int r = Z_OK;

	if (!out || inflateInit(&zs) != Z_OK) {
		free(out);
		*why = "out of memory";
		return NULL;
	}
	zs.next_out = out;
	zs.avail_out = (uInt)size;
	while (r == Z_OK) {
		if (zs.avail_out == 0) {
			uint8_t *bigger;

			if (size > cap) {
				*why = too_big;
				goto err;
			}
			size = size * 2 > cap + 1 ? cap + 1 : size * 2;
			bigger = realloc(out, size);
			if (!bigger) {
				*why = "out of memory";
				goto err;
			}
			out = bigger;
			zs.next_out = out + zs.total_out;
			zs.avail_out = (uInt)(size - zs.total_out);
		}
		r = inflate(&zs, Z_NO_FLUSH);
	}
	if (r != Z_STREAM_END || zs.total_out > cap) {
		*why = zs.total_out > cap ? too_big : "broken zlib data";
		goto err;
	}
	*outlen = zs.total_out;
	inflateEnd(&zs);
	return out;
err:
	inflateEnd(&zs);
	free(out);
	return NULL;
}

/* The text entry of a provide: u32 size + data per format, in bit order;
 * the text is cleaned as any text from a client (the terminating NUL
 * goes with the others). */
static int deliver_text(struct rfb_client *c, uint32_t flags,
			const uint8_t *d, size_t n)
{
	struct rd r;
	uint32_t size;
	char *text;
	size_t len;

	rd_init(&r, d, n);
	if (!(flags & CLIP_TEXT))
		return 0;
	size = rd_u32(&r);
	if (r.overrun || size > rd_left(&r))
		return -1;
	text = rfb_clipboard_clean_utf8(rd_bytes(&r, size), size, &len);
	if (!text)
		return -1;
	c->srv->desk.ops->cut_text(c->srv->desk.ctx, text, len);
	free(text);
	return 0;
}

static int on_provide(struct rfb_client *c, uint32_t flags,
		      const uint8_t *z, size_t n)
{
	const char *why = NULL;
	size_t len;
	uint8_t *d;

	if (c->viewonly)
		return 0;
	d = inflate_capped(z, n, c->srv->opts.max_cuttext + 8, &len, &why);
	if (!d && why == too_big) {
		/* A viewer may well have more than we take (TigerVNC drops
		 * it the same way); the connection is fine. */
		log_info("%s: clipboard text over the -maxcuttext cap %zu: "
			 "ignored", c->conn->peer, c->srv->opts.max_cuttext);
		return 0;
	}
	if (!d || deliver_text(c, flags, d, len) < 0) {
		rfb_client_close(c, "extended clipboard provide: %s",
				 why ? why : "sizes do not match the data");
		free(d);
		return -1;
	}
	free(d);
	return 0;
}

/* caps: remember how much text the viewer takes unasked. */
static int on_caps(struct rfb_client *c, uint32_t flags, const uint8_t *p,
		   size_t n)
{
	int formats = __builtin_popcount(flags & CLIP_FORMATS);

	if (n < 4u * (size_t)formats) {
		rfb_client_close(c, "extended clipboard caps shorter than its "
				    "%d formats", formats);
		return -1;
	}
	c->clip_text_max = (flags & CLIP_TEXT) ?
				   ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
				    (uint32_t)p[2] << 8 | p[3]) :
				   0;
	return 0;
}

static int on_action(struct rfb_client *c, uint32_t flags,
		     const uint8_t *p, size_t n)
{
	switch (flags & CLIP_ACTIONS) {
	case CLIP_REQUEST:
		if ((flags & CLIP_TEXT) && c->srv->clip_len)
			send_provide(c);
		return 0;
	case CLIP_PEEK:
		rfb_clipext_notify(c);
		return 0;
	case CLIP_NOTIFY:
		if ((flags & CLIP_TEXT) && !c->viewonly)
			send_ext(c, CLIP_REQUEST | CLIP_TEXT, NULL, 0);
		return 0;
	case CLIP_PROVIDE:
		return on_provide(c, flags, p, n);
	default:
		rfb_client_close(c, "extended clipboard message with actions "
				    "0x%08x", flags & CLIP_ACTIONS);
		return -1;
	}
}

/* A ClientCutText whose length was negative: `len` bytes follow the
 * 8-byte header (rfbproto 7.8.22). */
ssize_t rfb_clipext_input(struct rfb_client *c, struct rd *r, int64_t len)
{
	const uint8_t *p;
	uint32_t flags;
	int ok;

	if (len < 4) {
		rfb_client_close(c, "extended clipboard message of %lld bytes",
				 (long long)len);
		return -1;
	}
	if (len > (int64_t)c->srv->opts.max_cuttext + CLIP_OVERHEAD) {
		/* Like plain cut text over the cap: skipped unbuffered. */
		log_info("%s: extended clipboard message of %lld bytes over "
			 "the -maxcuttext cap: ignored", c->conn->peer,
			 (long long)len);
		c->skip = (size_t)len;
		return 8;
	}
	if (!rd_has(r, (size_t)len))
		return 0;
	p = rd_bytes(r, (size_t)len);
	flags = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | p[3];
	if (flags & CLIP_CAPS)
		ok = on_caps(c, flags, p + 4, (size_t)len - 4);
	else
		ok = on_action(c, flags, p + 4, (size_t)len - 4);
	return ok < 0 ? -1 : 8 + (ssize_t)len;
}
