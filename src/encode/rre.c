/* RRE encoding (rfbproto "RRE Encoding"): a background colour, the most
 * common one, then one-colour subrectangles from a greedy cover.  No
 * state.
 *
 * Noise is RRE's worst case: every pixel costs a subrectangle, 8 to 12
 * bytes instead of 1 to 4.  A piece whose subrectangles would outweigh
 * its raw pixels is split in two, so the clean parts stay RRE, and below
 * a minimum size is sent with the Raw encoding, which every client must
 * accept (rfbproto "Raw Encoding"). */
#include "encode/rre.h"

#include <stdlib.h>

#include "encode/subrect.h"

#define RRE_PIECE 512 /* bounds the scratch memory; coordinates > 255 */
#define RRE_MIN_SPLIT 64 /* pieces this small go raw when noisy */

struct rre_job {
	const struct enc_params *p;
	struct buf *out;
	int32_t type;
	uint32_t *px;  /* one piece in the client's format */
	uint8_t *done; /* enc_cover scratch */
};

static void rre_put_pixel(struct buf *out, const struct rfb_pixconv *pc,
			  uint32_t v)
{
	if (buf_reserve(out, pc->bytes) < 0)
		return;
	rfb_pixconv_put(pc, out->data + out->len, v);
	out->len += pc->bytes;
}

static void rre_put_subrect(struct rre_job *j, const struct enc_subrect *sr)
{
	rre_put_pixel(j->out, j->p->pc, sr->px);
	if (j->type == ENC_CORRE) {
		buf_put_u8(j->out, sr->x);
		buf_put_u8(j->out, sr->y);
		buf_put_u8(j->out, sr->w);
		buf_put_u8(j->out, sr->h);
	} else {
		buf_put_u16(j->out, sr->x);
		buf_put_u16(j->out, sr->y);
		buf_put_u16(j->out, sr->w);
		buf_put_u16(j->out, sr->h);
	}
}

static void rre_load(struct rre_job *j, const struct rfb_rect *r)
{
	const struct rfb_fb *fb = j->p->fb;
	const uint32_t *src = fb->pixels + (size_t)r->y * fb->stride + r->x;
	uint32_t *dst = j->px;
	int x, y;

	for (y = 0; y < r->h; y++, src += fb->stride, dst += r->w)
		for (x = 0; x < r->w; x++)
			dst[x] = rfb_pixconv_pixel(j->p->pc, src[x]);
}

/* One rectangle for the piece `r`; false (with nothing kept in the
 * output) if it would be bigger than the piece's raw pixels. */
static bool rre_try(struct rre_job *j, const struct rfb_rect *r)
{
	size_t n = (size_t)r->w * r->h, start = j->out->len, count_off;
	unsigned bytes = j->p->pc->bytes;
	size_t each = bytes + (j->type == ENC_CORRE ? 4 : 8);
	size_t budget = n * bytes, used = 4 + bytes, count = 0;
	struct enc_cover cv;
	struct enc_subrect sr;
	uint32_t bg = 0;

	rre_load(j, r);
	if (n)
		bg = enc_subrect_background(j->px, n);
	enc_put_rect_header(j->out, r, j->type);
	count_off = j->out->len;
	buf_put_u32(j->out, 0);
	rre_put_pixel(j->out, j->p->pc, bg);
	enc_cover_init(&cv, j->px, r->w, r->h, bg, j->done);
	while (enc_cover_next(&cv, &sr)) {
		used += each;
		if (used > budget) {
			j->out->len = start;
			return false;
		}
		rre_put_subrect(j, &sr);
		count++;
	}
	buf_set_u32(j->out, count_off, count);
	return true;
}

/* Rectangles written for the piece `r`. */
static int rre_piece(struct rre_job *j, const struct rfb_rect *r)
{
	struct rfb_rect a = *r, b = *r;
	int n;

	if (rre_try(j, r))
		return 1;
	if (r->w <= RRE_MIN_SPLIT && r->h <= RRE_MIN_SPLIT)
		return enc_raw_ops.encode(NULL, j->p, r, j->out);
	if (r->w >= r->h) {
		a.w = r->w / 2;
		b.x += a.w;
		b.w -= a.w;
	} else {
		a.h = r->h / 2;
		b.y += a.h;
		b.h -= a.h;
	}
	n = rre_piece(j, &a);
	return n < 0 ? -1 : n + rre_piece(j, &b);
}

static int rre_pieces(struct rre_job *j, const struct rfb_rect *r, int piece)
{
	struct rfb_rect pr;
	int count = 0, n;

	pr.y = r->y;
	do {
		pr.h = r->y + r->h - pr.y < piece ? r->y + r->h - pr.y : piece;
		pr.x = r->x;
		do {
			pr.w = r->x + r->w - pr.x < piece ? r->x + r->w - pr.x
							  : piece;
			n = rre_piece(j, &pr);
			if (n < 0 || j->out->failed)
				return -1;
			count += n;
			pr.x += pr.w;
		} while (pr.x < r->x + r->w);
		pr.y += pr.h;
	} while (pr.y < r->y + r->h);
	return count;
}

int enc_rre_rects(const struct enc_params *p, const struct rfb_rect *r,
		  struct buf *out, int32_t type, int piece)
{
	int w = r->w < piece ? r->w : piece, h = r->h < piece ? r->h : piece;
	size_t n = (size_t)w * h;
	struct rre_job j = { p, out, type, NULL, NULL };
	int count = -1;

	if (out->failed)
		return -1;
	j.px = malloc(n ? n * sizeof(*j.px) : 1);
	j.done = malloc(n ? n : 1);
	if (j.px && j.done)
		count = rre_pieces(&j, r, piece);
	free(j.px);
	free(j.done);
	return count;
}

static int rre_encode(void *state, const struct enc_params *p,
		      const struct rfb_rect *r, struct buf *out)
{
	return enc_rre_rects(p, r, out, ENC_RRE, RRE_PIECE);
}

const struct enc_ops enc_rre_ops = {
	.type = ENC_RRE,
	.name = "rre",
	.encode = rre_encode,
};
