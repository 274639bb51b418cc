/* Tight encoding (rfbproto "Tight Encoding").  Each rectangle is cut into
 * pieces of one look each (tight_plan.c), and each piece is sent as the
 * first of these that fits: FillCompression (one colour),
 * BasicCompression with the palette filter (2 colours at 1 bit per pixel;
 * up to 256 at 1 byte), JpegCompression (many colours, when the client
 * allows loss), or BasicCompression with the copy filter.  Basic data
 * goes through one of four zlib streams, chosen by the kind of data, that
 * last as long as the connection.
 *
 * A large update may be cut into groups encoded at once on several
 * threads (encode_group): group k of n then owns streams k*4/n ..
 * (k+1)*4/n - 1 alone and its own scratch space, so the groups share
 * nothing, and the decoder, which keeps one inflate state per stream id,
 * sees each stream's data in the order it was compressed once the groups'
 * outputs are sent in group order. */
#include "encode/encoder.h"

#include <stdlib.h>
#include <string.h>

#include "encode/tight_jpeg.h"
#include "encode/tight_plan.h"
#include "encode/zstream.h"

#define TIGHT_MIN_TO_COMPRESS 12 /* smaller data is sent as is */
#define TIGHT_MAX_LEN 4194303	 /* largest compact length */

/* With JPEG allowed, an area with more colours than this is taken for a
 * photo; fewer (text, antialiased or not, icons) stay lossless.  At low
 * compression levels fewer, as counting colours costs time. */
#define TIGHT_JPEG_MAX_PAL 96
#define TIGHT_JPEG_MAX_PAL_FAST 24
/* Below this many pixels JPEG's headers cost more than it saves. */
#define TIGHT_JPEG_MIN_AREA 1024
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

/* What one thread needs to encode a subrectangle. */
struct tight_work {
	struct enc_tight_jpeg *jpeg; /* created on first use */
	struct buf raw;		     /* one subrectangle's filtered data */
	struct buf z;		     /* and compressed */
	struct tight_plan plan;	     /* the pieces of one rectangle */
	/* One piece's pixel values: with 3-byte TPIXELs the framebuffer's
	 * own (a TPIXEL is then R, G, B whatever the client's shifts), else
	 * the client's, converted into px.  Its colours, and how many:
	 * the cap + 1 once there are too many. */
	const uint32_t *src;
	size_t stride;
	struct tight_colours col;
	int npal;
	bool indexed; /* w->raw holds the indices of all w->npal colours */
	bool noisy;   /* and they look like a photo's: see tight_zlib_params */
	uint32_t px[TIGHT_MAX_AREA];
};

struct tight_state {
	struct enc_zstream zs[TIGHT_NSTREAMS];
	/* zs[i] initialised; bytes, not bits, as groups set theirs at once */
	bool active[TIGHT_NSTREAMS];
	/* scratch for group k; [0] also for whole updates; others on use */
	struct tight_work *work[TIGHT_NSTREAMS];
};

/* Where a group's subrectangle goes. */
struct tight_ctx {
	struct tight_state *st;
	struct tight_work *w;
	int group, ngroups;
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

/* n pixel values as TPIXELs: see tight_work.src for what they are. */
static void tight_put_tpixels(struct buf *b, const struct rfb_pixconv *pc,
			      const uint32_t *px, size_t n)
{
	unsigned tb = tight_tpixel_bytes(pc);
	uint8_t *o;
	size_t i;

	if (buf_reserve(b, n * tb) < 0)
		return;
	o = b->data + b->len;
	for (i = 0; i < n; i++, o += tb) {
		if (tb == 3) {
			o[0] = px[i] >> 16;
			o[1] = px[i] >> 8;
			o[2] = px[i];
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

/* Count the piece's colours and write their indices (the PaletteFilter's
 * data at one byte per pixel) into w->raw in one pass, stopping past
 * `cap` colours.  Runs, the common case, cost one compare a pixel and
 * look their colour up once.  On the way, see whether most pixels differ
 * from both their left and upper neighbours (w->noisy). */
static void tight_index(struct tight_work *w, const struct rfb_rect *r, int cap)
{
	const uint32_t *row = w->src;
	uint32_t last = row[0];
	size_t noise = 0;
	int x, y, idx;
	uint8_t *o;

	buf_clear(&w->raw);
	tight_colours_reset(&w->col);
	idx = tight_colours_add(&w->col, last, cap);
	w->npal = cap + 1;
	if (buf_reserve(&w->raw, (size_t)r->w * r->h) < 0)
		return;
	o = w->raw.data;
	w->noisy = false;
	for (y = 0; y < r->h; y++, row += w->stride) {
		for (x = 0; x < r->w; x++) {
			if (row[x] != last) {
				last = row[x];
				noise += y && last != row[x - (long)w->stride];
				idx = tight_colours_add(&w->col, last, cap);
				if (idx < 0)
					return;
			}
			*o++ = idx;
		}
	}
	w->raw.len = (size_t)r->w * r->h;
	w->npal = w->col.n;
	w->noisy = noise > w->raw.len / 2;
}

/* Point w->src at the piece's pixel values (see struct tight_work). */
static void tight_load(struct tight_work *w, const struct enc_params *p,
		       const struct rfb_rect *r)
{
	const uint32_t *src = p->fb->pixels + (size_t)r->y * p->fb->stride;
	uint32_t *dst = w->px;
	int x, y;

	if (tight_tpixel_bytes(p->pc) == 3) {
		w->src = src + r->x;
		w->stride = p->fb->stride;
		return;
	}
	for (y = 0; y < r->h; y++, src += p->fb->stride, dst += r->w)
		for (x = 0; x < r->w; x++)
			dst[x] = rfb_pixconv_pixel(p->pc, src[r->x + x]);
	w->src = w->px;
	w->stride = r->w;
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

/* The palette cap for a whole plan: pieces as large as JPEG takes. */
static int tight_plan_cap(const struct enc_params *p)
{
	return tight_max_pal(p, TIGHT_JPEG_MIN_AREA);
}

/* The squares a plan looks at: 32 pixels, small enough that a photo's
 * edge or a few colours in text cost little; with JPEG 64, as there a
 * photo's smoother parts are best sent with the rest of it, and larger
 * squares have more colours (3 recorded 1080p pages, quality 8: 179 ->
 * 148 KB and 15% fewer instructions; lossless gains nothing). */
static int tight_plan_tile(const struct enc_params *p)
{
	return tight_jpeg_allowed(p, TIGHT_JPEG_MIN_AREA) ? 64 : 32;
}

/* Count colours as far as the choice needs, then pick the kind whose data
 * is smallest before zlib (JPEG wins whenever an area looks like a photo):
 * a palette costs its TPIXELs and pays off by shrinking every pixel.
 * With the framebuffer's own values the plan's class, where it is exact,
 * saves counting again; counting writes the indices as it goes. */
static enum tight_kind tight_choose(struct tight_work *w,
				    const struct enc_params *p,
				    const struct tight_piece *pc)
{
	const struct rfb_rect *r = &pc->r;
	size_t n = (size_t)r->w * r->h, tb = tight_tpixel_bytes(p->pc);
	size_t full = n * tb, mono = (size_t)r->h * ((r->w + 7) / 8);
	int max_pal = tight_max_pal(p, n);

	w->indexed = false;
	if (w->src == w->px || pc->cls == TIGHT_C_INDEXED ||
	    (pc->cls == TIGHT_C_MANY && max_pal > tight_plan_cap(p))) {
		tight_index(w, r, max_pal);
		w->indexed = w->npal <= max_pal;
	} else if (pc->cls == TIGHT_C_MANY) {
		w->npal = max_pal + 1;
	} else {
		w->npal = pc->cls == TIGHT_C_FILL ? 1 : 2;
		w->col.pal[0] = pc->c[0];
		w->col.pal[1] = pc->c[1];
	}
	if (w->npal == 1)
		return TIGHT_FILL;
	if (w->npal == 2 && 1 + 2 * tb + mono < full)
		return TIGHT_MONO;
	if (w->npal > max_pal && tight_jpeg_allowed(p, n))
		return TIGHT_JPEG;
	if (w->npal <= max_pal && 1 + w->npal * tb + n < full)
		return TIGHT_INDEXED;
	return TIGHT_FULL;
}

/* ---- filters: the pixel data before zlib ---- */

/* PaletteFilter with 2 colours: 1 bit per pixel, most significant bit
 * leftmost, each row starting on a byte. */
static void tight_filter_mono(struct tight_work *w, int width, int h)
{
	size_t rowlen = (width + 7) / 8;
	const uint32_t *row = w->src;
	uint32_t bg = w->col.pal[0];
	unsigned acc;
	uint8_t *o;
	int x, y, k;

	if (buf_reserve(&w->raw, rowlen * h) < 0)
		return;
	o = w->raw.data + w->raw.len;
	for (y = 0; y < h; y++, row += w->stride) {
		for (x = 0; x + 8 <= width; x += 8) /* unrolled: 2x faster */
			*o++ = (row[x] != bg) << 7 | (row[x + 1] != bg) << 6 |
			       (row[x + 2] != bg) << 5 |
			       (row[x + 3] != bg) << 4 |
			       (row[x + 4] != bg) << 3 |
			       (row[x + 5] != bg) << 2 |
			       (row[x + 6] != bg) << 1 | (row[x + 7] != bg);
		if (x < width) {
			acc = 0;
			for (k = x; k < width; k++)
				acc = acc << 1 | (row[k] != bg);
			*o++ = acc << (8 - width % 8);
		}
	}
	w->raw.len += rowlen * h;
}

static void tight_filter(struct tight_work *w, const struct enc_params *p,
			 const struct rfb_rect *r, enum tight_kind kind)
{
	const uint32_t *row = w->src;
	int y;

	if (kind == TIGHT_INDEXED && w->indexed)
		return; /* done while counting */
	buf_clear(&w->raw);
	if (kind == TIGHT_MONO)
		tight_filter_mono(w, r->w, r->h);
	else if (kind == TIGHT_INDEXED)
		tight_index(w, r, w->npal); /* not reached: see choose */
	else
		for (y = 0; y < r->h; y++, row += w->stride)
			tight_put_tpixels(&w->raw, p->pc, row, r->w);
}

/* ---- zlib ---- */

/* Palette data is small and compresses well, so it gets the level asked
 * for; full-colour data is larger and gains less, so about half. */
static int tight_zlib_level(int want, enum tight_kind kind)
{
	int level = want < 0 ? TIGHT_DEFAULT_LEVEL : want > 9 ? 9 : want;

	return kind == TIGHT_FULL && level > 1 ? level / 2 + 1 : level;
}

/* The stream for `kind` in the context's group: TightVNC's roles for a
 * whole update; in a group, its first stream for full colour and its
 * second, if it has two, for palettes. */
static int tight_sid(const struct tight_ctx *x, enum tight_kind kind)
{
	static const int roles[] = { [TIGHT_MONO] = TIGHT_S_MONO,
				     [TIGHT_INDEXED] = TIGHT_S_INDEXED,
				     [TIGHT_FULL] = TIGHT_S_FULL };
	int per = TIGHT_NSTREAMS / x->ngroups;

	if (x->ngroups == 1)
		return roles[kind];
	return x->group * per + (per > 1 && kind != TIGHT_FULL);
}

/* Make stream `sid` ready.  A stream starts when first used, and its
 * reset bit goes out with it: the client's decoder may hold an older
 * stream if this state is not the first the connection had. */
static int tight_stream(struct tight_state *st, int sid, unsigned *resets)
{
	if (st->active[sid])
		return 0;
	if (enc_zstream_init(&st->zs[sid]) < 0)
		return -1;
	st->active[sid] = true;
	*resets |= 1u << sid;
	return 0;
}

/* Indices of a photo, each pixel unlike its neighbours, hold few of the
 * repeats deflate looks for: on a 1080p benchmark photo, level 2 took 18
 * ms for 344 -> 282 KB, Huffman coding alone 5 ms for 330 KB, stored
 * blocks 0.5 ms for 344 KB.  So at the fast levels (up to 5: viewers ask
 * 1 to 3) such data is Huffman-coded, or stored when its palette has
 * over 128 colours and coding could not save 1 bit in 8. */
static void tight_zlib_params(const struct tight_work *w, enum tight_kind kind,
			      int *level, int *strategy)
{
	*strategy = Z_DEFAULT_STRATEGY;
	if (kind != TIGHT_INDEXED || !w->noisy || *level > 5)
		return;
	if (w->npal > 128)
		*level = 0;
	else
		*strategy = Z_HUFFMAN_ONLY;
}

/* w->raw through stream `sid` into w->z, ending on a sync flush so the
 * client can decode the rectangle with what it has received.  What a
 * level change emits belongs to the stream, so it goes first. */
static int tight_compress(struct tight_state *st, struct tight_work *w, int sid,
			  int level, int strategy)
{
	buf_clear(&w->z);
	if (enc_zstream_set_params(&st->zs[sid], level, strategy, &w->z) < 0 ||
	    enc_zstream_write(&st->zs[sid], w->raw.data, w->raw.len,
			      Z_SYNC_FLUSH, &w->z) < 0)
		return -1;
	return w->z.len <= TIGHT_MAX_LEN ? 0 : -1;
}

/* ---- subencodings ---- */

static int tight_put_basic(const struct tight_ctx *x,
			   const struct enc_params *p, enum tight_kind kind,
			   struct buf *out)
{
	struct tight_work *w = x->w;
	int sid = tight_sid(x, kind);
	int level = tight_zlib_level(p->compress_level, kind), strategy;
	bool zlib = w->raw.len >= TIGHT_MIN_TO_COMPRESS;
	unsigned resets = 0;

	tight_zlib_params(w, kind, &level, &strategy);
	if (w->raw.failed ||
	    (zlib && (tight_stream(x->st, sid, &resets) < 0 ||
		      tight_compress(x->st, w, sid, level, strategy) < 0)))
		return -1;
	if (kind == TIGHT_FULL) {
		/* no filter-id byte: the copy filter */
		buf_put_u8(out, resets | sid << 4);
	} else {
		buf_put_u8(out, resets | sid << 4 | TIGHT_CTL_FILTER);
		buf_put_u8(out, TIGHT_FILTER_PALETTE);
		buf_put_u8(out, w->npal - 1);
		tight_put_tpixels(out, p->pc, w->col.pal, w->npal);
	}
	if (!zlib) {
		buf_append(out, w->raw.data, w->raw.len);
		return 0;
	}
	tight_put_compact_len(out, w->z.len);
	buf_append(out, w->z.data, w->z.len);
	return 0;
}

static int tight_put_jpeg(struct tight_work *w, const struct enc_params *p,
			  const struct rfb_rect *r, struct buf *out)
{
	const uint8_t *data;
	size_t len;

	if (!w->jpeg)
		w->jpeg = enc_tight_jpeg_new();
	if (!w->jpeg ||
	    enc_tight_jpeg_compress(w->jpeg, p->fb, r, p->quality, &data,
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

/* One piece: a rectangle no larger than the decoders' limits. */
static int tight_piece(const struct tight_ctx *x, const struct enc_params *p,
		       const struct tight_piece *pc, struct buf *out)
{
	struct tight_work *w = x->w;
	enum tight_kind kind;

	tight_load(w, p, &pc->r);
	kind = tight_choose(w, p, pc);
	enc_put_rect_header(out, &pc->r, ENC_TIGHT);
	switch (kind) {
	case TIGHT_FILL:
		buf_put_u8(out, TIGHT_CTL_FILL);
		tight_put_tpixels(out, p->pc, w->col.pal, 1);
		return 0;
	case TIGHT_JPEG:
		return tight_put_jpeg(w, p, &pc->r, out);
	default:
		tight_filter(w, p, &pc->r, kind);
		return tight_put_basic(x, p, kind, out);
	}
}

static struct tight_work *tight_work_new(void)
{
	struct tight_work *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	buf_init(&w->raw);
	buf_init(&w->z);
	return w;
}

static void tight_work_free(struct tight_work *w)
{
	if (!w)
		return;
	enc_tight_jpeg_free(w->jpeg);
	tight_plan_fini(&w->plan);
	buf_free(&w->raw);
	buf_free(&w->z);
	free(w);
}

static int tight_encode_group(void *state, int group, int ngroups,
			      const struct enc_params *p,
			      const struct rfb_rect *r, struct buf *out)
{
	struct tight_ctx x = { state, NULL, group, ngroups };
	struct tight_plan *pl;
	size_t i;

	if (!x.st || out->failed || ngroups < 1 || ngroups > TIGHT_NSTREAMS ||
	    group < 0 || group >= ngroups)
		return -1;
	if (!x.st->work[group])
		x.st->work[group] = tight_work_new();
	x.w = x.st->work[group];
	if (!x.w)
		return -1;
	if (r->w <= 0 || r->h <= 0)
		return 0;
	pl = &x.w->plan;
	if (tight_plan_make(pl, p->fb, r, tight_plan_cap(p),
			    tight_plan_tile(p)) < 0)
		return -1;
	for (i = 0; i < pl->n; i++)
		if (tight_piece(&x, p, &pl->pieces[i], out) < 0)
			return -1;
	return out->failed ? -1 : (int)pl->n;
}

static int tight_encode(void *state, const struct enc_params *p,
			const struct rfb_rect *r, struct buf *out)
{
	return tight_encode_group(state, 0, 1, p, r, out);
}

static void *tight_state_new(void)
{
	struct tight_state *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->work[0] = tight_work_new();
	if (!st->work[0]) {
		free(st);
		return NULL;
	}
	return st;
}

static void tight_state_free(void *state)
{
	struct tight_state *st = state;
	int i;

	if (!st)
		return;
	for (i = 0; i < TIGHT_NSTREAMS; i++) {
		if (st->active[i])
			enc_zstream_fini(&st->zs[i]);
		tight_work_free(st->work[i]);
	}
	free(st);
}

const struct enc_ops enc_tight_ops = {
	.type = ENC_TIGHT,
	.name = "tight",
	.state_new = tight_state_new,
	.state_free = tight_state_free,
	.encode = tight_encode,
	.encode_group = tight_encode_group,
	.max_groups = TIGHT_NSTREAMS,
};
