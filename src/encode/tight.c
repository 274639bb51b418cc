/* Tight encoding (rfbproto "Tight Encoding").  Each rectangle, split to
 * the sizes decoders accept, is sent as the first of these that fits:
 * FillCompression (one colour), BasicCompression with the palette filter
 * (2 colours at 1 bit per pixel; up to 256 at 1 byte), JpegCompression
 * (many colours, when the client allows loss), or BasicCompression with
 * the copy filter.  Basic data goes through one of four zlib streams,
 * chosen by the kind of data, that last as long as the connection. */
#include "encode/encoder.h"

#include <stdlib.h>
#include <string.h>

#include "encode/tight_jpeg.h"
#include "encode/zstream.h"

/* The spec caps the width.  The area cap is the decoders': libvncclient
 * converts JPEG rectangles through a 640x480-byte buffer at 3 bytes per
 * pixel, and TightVNC-derived servers never send more than 65536 pixels. */
#define TIGHT_MAX_WIDTH 2048
#define TIGHT_MAX_AREA 65536
#define TIGHT_MIN_TO_COMPRESS 12 /* smaller data is sent as is */
#define TIGHT_MAX_LEN 4194303	 /* largest compact length */

#define TIGHT_MAX_PAL 256
/* With JPEG allowed, an area with more colours than this is taken for a
 * photo; fewer (text, antialiased or not, icons) stay lossless.  At low
 * compression levels fewer, as counting colours costs time. */
#define TIGHT_JPEG_MAX_PAL 96
#define TIGHT_JPEG_MAX_PAL_FAST 24
/* Below this many pixels JPEG's headers cost more than it saves. */
#define TIGHT_JPEG_MIN_AREA 1024
#define TIGHT_HASH_BITS 10 /* 1024 slots: at most a quarter full */
#define TIGHT_HASH (1u << TIGHT_HASH_BITS)
#define TIGHT_DEFAULT_LEVEL 6

/* compression-control byte */
#define TIGHT_CTL_FILL 0x80
#define TIGHT_CTL_JPEG 0x90
#define TIGHT_CTL_FILTER 0x40 /* a filter-id byte follows */
#define TIGHT_FILTER_PALETTE 1

/* Stream roles as TightVNC assigns them; the fourth (gradient) is unused
 * because we do not implement the optional gradient filter. */
enum tight_stream {
	TIGHT_S_FULL = 0,
	TIGHT_S_MONO = 1,
	TIGHT_S_INDEXED = 2,
	TIGHT_NSTREAMS = 4,
};

enum tight_kind {
	TIGHT_FILL,
	TIGHT_MONO,
	TIGHT_INDEXED,
	TIGHT_FULL,
	TIGHT_JPEG
};

struct tight_state {
	struct enc_zstream zs[TIGHT_NSTREAMS];
	unsigned active;	     /* bit i: zs[i] initialised */
	struct enc_tight_jpeg *jpeg; /* created on first use */
	struct buf raw;		     /* one subrectangle's filtered data */
	struct buf z;		     /* and compressed */
	/* one subrectangle in client pixel values, and its colours */
	uint32_t px[TIGHT_MAX_AREA];
	uint32_t pal[TIGHT_MAX_PAL];
	int npal;		   /* the cap + 1 once there are too many */
	uint16_t slot[TIGHT_HASH]; /* palette index + 1; 0 is empty */
};

/* rfbproto TPIXEL: 3 bytes R, G, B for true-colour 32 bpp depth 24 formats
 * with 8-bit channels, otherwise the client's PIXEL. */
static bool tight_rgb24(const struct rfb_pixfmt *f)
{
	return f->true_colour && f->bpp == 32 && f->depth == 24 &&
	       f->rmax == 255 && f->gmax == 255 && f->bmax == 255;
}

static unsigned tight_tpixel_bytes(const struct rfb_pixconv *pc)
{
	return tight_rgb24(&pc->fmt) ? 3 : pc->bytes;
}

static void tight_put_tpixels(struct buf *b, const struct rfb_pixconv *pc,
			      const uint32_t *px, size_t n)
{
	const struct rfb_pixfmt *f = &pc->fmt;
	unsigned tb = tight_tpixel_bytes(pc);
	uint8_t *o;
	size_t i;

	if (buf_reserve(b, n * tb) < 0)
		return;
	o = b->data + b->len;
	for (i = 0; i < n; i++, o += tb) {
		if (tb == 3) {
			o[0] = px[i] >> f->rshift;
			o[1] = px[i] >> f->gshift;
			o[2] = px[i] >> f->bshift;
		} else {
			rfb_pixconv_put(pc, o, px[i]);
		}
	}
	b->len += n * tb;
}

/* rfbproto "Tight Encoding": 7 bits per byte, low bits first, the top bit
 * saying another byte follows; the third byte carries 8 bits. */
static void tight_put_compact_len(struct buf *b, size_t len)
{
	buf_put_u8(b, (len & 0x7f) | (len > 0x7f ? 0x80 : 0));
	if (len <= 0x7f)
		return;
	buf_put_u8(b, ((len >> 7) & 0x7f) | (len > 0x3fff ? 0x80 : 0));
	if (len > 0x3fff)
		buf_put_u8(b, len >> 14);
}

/* ---- colours ---- */

/* The hash slot holding v, or the empty slot where it would go. */
static unsigned tight_slot(const struct tight_state *st, uint32_t v)
{
	unsigned h = (v * 2654435761u) >> (32 - TIGHT_HASH_BITS);

	while (st->slot[h] && st->pal[st->slot[h] - 1] != v)
		h = (h + 1) & (TIGHT_HASH - 1);
	return h;
}

static unsigned tight_index(const struct tight_state *st, uint32_t v)
{
	return st->slot[tight_slot(st, v)] - 1;
}

/* Count the distinct colours of px[0..n), stopping past `cap`. */
static void tight_count_colours(struct tight_state *st, size_t n, int cap)
{
	unsigned h;
	size_t i;

	st->npal = 0;
	memset(st->slot, 0, sizeof(st->slot));
	for (i = 0; i < n; i++) {
		if (i && st->px[i] == st->px[i - 1])
			continue; /* runs are common and cost one compare */
		h = tight_slot(st, st->px[i]);
		if (st->slot[h])
			continue;
		if (st->npal == cap) {
			st->npal++;
			return;
		}
		st->pal[st->npal++] = st->px[i];
		st->slot[h] = st->npal;
	}
}

static void tight_load(struct tight_state *st, const struct enc_params *p,
		       const struct rfb_rect *r)
{
	const uint32_t *src = p->fb->pixels + (size_t)r->y * p->fb->stride;
	uint32_t *dst = st->px;
	int x, y;

	for (y = 0; y < r->h; y++, src += p->fb->stride, dst += r->w)
		for (x = 0; x < r->w; x++)
			dst[x] = rfb_pixconv_pixel(p->pc, src[r->x + x]);
}

/* rfbproto: JpegCompression needs a quality level from the client and 16
 * or 32 bits per pixel. */
static bool tight_jpeg_allowed(const struct enc_params *p, size_t n)
{
	const struct rfb_pixfmt *f = &p->pc->fmt;

	return p->quality >= 0 && f->true_colour &&
	       (f->bpp == 16 || f->bpp == 32) && n >= TIGHT_JPEG_MIN_AREA;
}

/* The most colours a palette may have before JPEG takes over, if it may. */
static int tight_max_pal(const struct enc_params *p, size_t n)
{
	if (!tight_jpeg_allowed(p, n))
		return TIGHT_MAX_PAL;
	if (p->compress_level >= 0 && p->compress_level < 2)
		return TIGHT_JPEG_MAX_PAL_FAST;
	return TIGHT_JPEG_MAX_PAL;
}

/* Count colours as far as the choice needs, then pick the kind whose data
 * is smallest before zlib (JPEG wins whenever an area looks like a photo):
 * a palette costs its TPIXELs and pays off by shrinking every pixel. */
static enum tight_kind tight_choose(struct tight_state *st,
				    const struct enc_params *p,
				    const struct rfb_rect *r)
{
	size_t n = (size_t)r->w * r->h, tb = tight_tpixel_bytes(p->pc);
	size_t full = n * tb, mono = (size_t)r->h * ((r->w + 7) / 8);
	int max_pal = tight_max_pal(p, n);

	tight_count_colours(st, n, max_pal);
	if (st->npal == 1)
		return TIGHT_FILL;
	if (st->npal == 2 && 1 + 2 * tb + mono < full)
		return TIGHT_MONO;
	if (st->npal > max_pal && tight_jpeg_allowed(p, n))
		return TIGHT_JPEG;
	if (st->npal <= max_pal && 1 + st->npal * tb + n < full)
		return TIGHT_INDEXED;
	return TIGHT_FULL;
}

/* ---- filters: the pixel data before zlib ---- */

/* PaletteFilter with 2 colours: 1 bit per pixel, most significant bit
 * leftmost, each row starting on a byte. */
static void tight_filter_mono(struct tight_state *st, int w, int h)
{
	const uint32_t *row = st->px;
	unsigned acc;
	int x, y;

	for (y = 0; y < h; y++, row += w) {
		acc = 0;
		for (x = 0; x < w; x++) {
			acc = acc << 1 | (row[x] != st->pal[0]);
			if (x % 8 == 7) {
				buf_put_u8(&st->raw, acc);
				acc = 0;
			}
		}
		if (w % 8)
			buf_put_u8(&st->raw, acc << (8 - w % 8));
	}
}

static void tight_filter_indexed(struct tight_state *st, size_t n)
{
	size_t i;

	if (buf_reserve(&st->raw, n) < 0)
		return;
	for (i = 0; i < n; i++)
		st->raw.data[st->raw.len + i] = tight_index(st, st->px[i]);
	st->raw.len += n;
}

static void tight_filter(struct tight_state *st, const struct enc_params *p,
			 const struct rfb_rect *r, enum tight_kind kind)
{
	size_t n = (size_t)r->w * r->h;

	buf_clear(&st->raw);
	if (kind == TIGHT_MONO)
		tight_filter_mono(st, r->w, r->h);
	else if (kind == TIGHT_INDEXED)
		tight_filter_indexed(st, n);
	else
		tight_put_tpixels(&st->raw, p->pc, st->px, n);
}

/* ---- zlib ---- */

/* Palette data is small and compresses well, so it gets the level asked
 * for; full-colour data is larger and gains less, so about half. */
static int tight_zlib_level(int want, int sid)
{
	int level = want < 0 ? TIGHT_DEFAULT_LEVEL : want > 9 ? 9 : want;

	return sid == TIGHT_S_FULL && level > 1 ? level / 2 + 1 : level;
}

/* Make stream `sid` ready.  A stream starts when first used, and its
 * reset bit goes out with it: the client's decoder may hold an older
 * stream if this state is not the first the connection had. */
static int tight_stream(struct tight_state *st, int sid, unsigned *resets)
{
	if (st->active & (1u << sid))
		return 0;
	if (enc_zstream_init(&st->zs[sid]) < 0)
		return -1;
	st->active |= 1u << sid;
	*resets |= 1u << sid;
	return 0;
}

/* st->raw through stream `sid` into st->z, ending on a sync flush so the
 * client can decode the rectangle with what it has received.  What a
 * level change emits belongs to the stream, so it goes first. */
static int tight_compress(struct tight_state *st, int sid, int level)
{
	buf_clear(&st->z);
	if (enc_zstream_set_level(&st->zs[sid], level, &st->z) < 0 ||
	    enc_zstream_write(&st->zs[sid], st->raw.data, st->raw.len,
			      Z_SYNC_FLUSH, &st->z) < 0)
		return -1;
	return st->z.len <= TIGHT_MAX_LEN ? 0 : -1;
}

/* ---- subencodings ---- */

static int tight_put_basic(struct tight_state *st, const struct enc_params *p,
			   enum tight_kind kind, struct buf *out)
{
	static const int streams[] = { [TIGHT_MONO] = TIGHT_S_MONO,
				       [TIGHT_INDEXED] = TIGHT_S_INDEXED,
				       [TIGHT_FULL] = TIGHT_S_FULL };
	int sid = streams[kind];
	int level = tight_zlib_level(p->compress_level, sid);
	bool zlib = st->raw.len >= TIGHT_MIN_TO_COMPRESS;
	unsigned resets = 0;

	if (st->raw.failed || (zlib && (tight_stream(st, sid, &resets) < 0 ||
					tight_compress(st, sid, level) < 0)))
		return -1;
	if (kind == TIGHT_FULL) {
		/* no filter-id byte: the copy filter */
		buf_put_u8(out, resets | sid << 4);
	} else {
		buf_put_u8(out, resets | sid << 4 | TIGHT_CTL_FILTER);
		buf_put_u8(out, TIGHT_FILTER_PALETTE);
		buf_put_u8(out, st->npal - 1);
		tight_put_tpixels(out, p->pc, st->pal, st->npal);
	}
	if (!zlib) {
		buf_append(out, st->raw.data, st->raw.len);
		return 0;
	}
	tight_put_compact_len(out, st->z.len);
	buf_append(out, st->z.data, st->z.len);
	return 0;
}

static int tight_put_jpeg(struct tight_state *st, const struct enc_params *p,
			  const struct rfb_rect *r, struct buf *out)
{
	const uint8_t *data;
	size_t len;

	if (!st->jpeg)
		st->jpeg = enc_tight_jpeg_new();
	if (!st->jpeg ||
	    enc_tight_jpeg_compress(st->jpeg, p->fb, r, p->quality, &data,
				    &len) < 0 ||
	    len > TIGHT_MAX_LEN)
		return -1;
	buf_put_u8(out, TIGHT_CTL_JPEG);
	tight_put_compact_len(out, len);
	buf_append(out, data, len);
	if (p->lossy)
		*p->lossy = true;
	return 0;
}

/* One rectangle no larger than the decoders' limits. */
static int tight_subrect(struct tight_state *st, const struct enc_params *p,
			 const struct rfb_rect *r, struct buf *out)
{
	enum tight_kind kind;

	tight_load(st, p, r);
	kind = tight_choose(st, p, r);
	enc_put_rect_header(out, r, ENC_TIGHT);
	switch (kind) {
	case TIGHT_FILL:
		buf_put_u8(out, TIGHT_CTL_FILL);
		tight_put_tpixels(out, p->pc, st->px, 1);
		return 0;
	case TIGHT_JPEG:
		return tight_put_jpeg(st, p, r, out);
	default:
		tight_filter(st, p, r, kind);
		return tight_put_basic(st, p, kind, out);
	}
}

static int tight_min(int a, int b)
{
	return a < b ? a : b;
}

/* Tiles as wide as allowed and as tall as the area cap lets them be. */
static int tight_encode(void *state, const struct enc_params *p,
			const struct rfb_rect *r, struct buf *out)
{
	struct tight_state *st = state;
	int tw = tight_min(r->w, TIGHT_MAX_WIDTH);
	int th, count = 0;
	struct rfb_rect sr;

	if (!st || out->failed)
		return -1;
	if (r->w <= 0 || r->h <= 0)
		return 0;
	th = TIGHT_MAX_AREA / tw;
	for (sr.y = r->y; sr.y < r->y + r->h; sr.y += th) {
		sr.h = tight_min(th, r->y + r->h - sr.y);
		for (sr.x = r->x; sr.x < r->x + r->w; sr.x += tw) {
			sr.w = tight_min(tw, r->x + r->w - sr.x);
			if (tight_subrect(st, p, &sr, out) < 0)
				return -1;
			count++;
		}
	}
	return out->failed ? -1 : count;
}

static void *tight_state_new(void)
{
	struct tight_state *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	buf_init(&st->raw);
	buf_init(&st->z);
	return st;
}

static void tight_state_free(void *state)
{
	struct tight_state *st = state;
	int i;

	if (!st)
		return;
	for (i = 0; i < TIGHT_NSTREAMS; i++)
		if (st->active & (1u << i))
			enc_zstream_fini(&st->zs[i]);
	enc_tight_jpeg_free(st->jpeg);
	buf_free(&st->raw);
	buf_free(&st->z);
	free(st);
}

const struct enc_ops enc_tight_ops = {
	.type = ENC_TIGHT,
	.name = "tight",
	.state_new = tight_state_new,
	.state_free = tight_state_free,
	.encode = tight_encode,
};
