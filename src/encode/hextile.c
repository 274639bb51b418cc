/* Hextile encoding (rfbproto "Hextile Encoding"): 16x16 tiles, each raw or
 * a background with subrectangles in one foreground colour or coloured
 * individually, whichever is smaller.  Background and foreground carry
 * over from tile to tile when the spec allows, and are then not resent.
 * No state beyond one rectangle. */
#include "encode/encoder.h"

#include "encode/subrect.h"

#define HEXTILE 16

enum {
	HT_RAW = 1,
	HT_BG = 2,	 /* BackgroundSpecified */
	HT_FG = 4,	 /* ForegroundSpecified */
	HT_ANY = 8,	 /* AnySubrects */
	HT_COLOURED = 16, /* SubrectsColoured */
};

/* What the client remembers between tiles of one rectangle. */
struct hextile_carry {
	bool bg_valid, fg_valid;
	uint32_t bg, fg;
};

/* One tile: its pixels, background, and subrectangles. */
struct hextile_tile {
	int w, h;
	uint32_t px[HEXTILE * HEXTILE];
	uint8_t done[HEXTILE * HEXTILE];
	struct enc_subrect sr[HEXTILE * HEXTILE];
	int nsr;
	uint32_t bg;
	bool mono; /* two colours: every subrectangle is the foreground */
};

static void hextile_put_pixel(struct buf *out, const struct rfb_pixconv *pc,
			      uint32_t v)
{
	if (buf_reserve(out, pc->bytes) < 0)
		return;
	rfb_pixconv_put(pc, out->data + out->len, v);
	out->len += pc->bytes;
}

static void hextile_load(struct hextile_tile *t, const struct enc_params *p,
			 const struct rfb_rect *tr)
{
	const uint32_t *src;
	int x, y;

	t->w = tr->w;
	t->h = tr->h;
	src = p->fb->pixels + (size_t)tr->y * p->fb->stride + tr->x;
	for (y = 0; y < tr->h; y++, src += p->fb->stride)
		for (x = 0; x < tr->w; x++)
			t->px[y * tr->w + x] = rfb_pixconv_pixel(p->pc, src[x]);
}

/* Background and subrectangles; whether they all share one colour. */
static void hextile_analyse(struct hextile_tile *t)
{
	struct enc_cover cv;
	size_t n = (size_t)t->w * t->h;

	t->bg = enc_subrect_background(t->px, n);
	t->nsr = 0;
	t->mono = true;
	enc_cover_init(&cv, t->px, t->w, t->h, t->bg, t->done);
	/* the background covers a pixel, so at most 255 subrectangles:
	 * the count fits its byte */
	while (enc_cover_next(&cv, &t->sr[t->nsr])) {
		if (t->sr[t->nsr].px != t->sr[0].px)
			t->mono = false;
		t->nsr++;
	}
}

/* The mask for the tile as subrectangles, and its size in bytes. */
static unsigned hextile_mask(const struct hextile_tile *t,
			     const struct hextile_carry *cr, unsigned bytes,
			     size_t *size)
{
	unsigned mask = 0;

	*size = 1;
	if (!cr->bg_valid || cr->bg != t->bg) {
		mask |= HT_BG;
		*size += bytes;
	}
	if (!t->nsr)
		return mask;
	mask |= HT_ANY;
	*size += 1 + 2 * (size_t)t->nsr;
	if (!t->mono) {
		mask |= HT_COLOURED;
		*size += (size_t)t->nsr * bytes;
	} else if (!cr->fg_valid || cr->fg != t->sr[0].px) {
		mask |= HT_FG;
		*size += bytes;
	}
	return mask;
}

static void hextile_put_subrects(struct buf *out, const struct hextile_tile *t,
				 const struct rfb_pixconv *pc, bool coloured)
{
	const struct enc_subrect *sr;
	int i;

	buf_put_u8(out, t->nsr);
	for (i = 0; i < t->nsr; i++) {
		sr = &t->sr[i];
		if (coloured)
			hextile_put_pixel(out, pc, sr->px);
		buf_put_u8(out, sr->x << 4 | sr->y);
		buf_put_u8(out, (sr->w - 1) << 4 | (sr->h - 1));
	}
}

/* rfbproto: bg may not carry over a raw tile; fg may not carry over a
 * raw or SubrectsColoured one, but does over a plain background tile. */
static void hextile_put(struct buf *out, const struct hextile_tile *t,
			const struct rfb_pixconv *pc,
			struct hextile_carry *cr)
{
	size_t raw = 1 + (size_t)t->w * t->h * pc->bytes, size, i;
	unsigned mask = hextile_mask(t, cr, pc->bytes, &size);

	if (size >= raw) {
		buf_put_u8(out, HT_RAW);
		for (i = 0; i < (size_t)t->w * t->h; i++)
			hextile_put_pixel(out, pc, t->px[i]);
		cr->bg_valid = false;
		cr->fg_valid = false;
		return;
	}
	buf_put_u8(out, mask);
	if (mask & HT_BG)
		hextile_put_pixel(out, pc, t->bg);
	if (mask & HT_FG)
		hextile_put_pixel(out, pc, t->sr[0].px);
	if (mask & HT_ANY)
		hextile_put_subrects(out, t, pc, mask & HT_COLOURED);
	cr->bg_valid = true;
	cr->bg = t->bg;
	if (mask & HT_COLOURED) {
		cr->fg_valid = false;
	} else if (mask & HT_FG) {
		cr->fg_valid = true;
		cr->fg = t->sr[0].px;
	}
}

static int hextile_encode(void *state, const struct enc_params *p,
			  const struct rfb_rect *r, struct buf *out)
{
	struct hextile_carry cr = { false, false, 0, 0 };
	struct hextile_tile t;
	struct rfb_rect tr;

	enc_put_rect_header(out, r, ENC_HEXTILE);
	for (tr.y = r->y; tr.y < r->y + r->h; tr.y += HEXTILE) {
		tr.h = r->y + r->h - tr.y;
		if (tr.h > HEXTILE)
			tr.h = HEXTILE;
		for (tr.x = r->x; tr.x < r->x + r->w; tr.x += HEXTILE) {
			tr.w = r->x + r->w - tr.x;
			if (tr.w > HEXTILE)
				tr.w = HEXTILE;
			hextile_load(&t, p, &tr);
			hextile_analyse(&t);
			hextile_put(out, &t, p->pc, &cr);
		}
	}
	return out->failed ? -1 : 1;
}

const struct enc_ops enc_hextile_ops = {
	.type = ENC_HEXTILE,
	.name = "hextile",
	.encode = hextile_encode,
};
