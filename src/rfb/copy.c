/* CopyRect (rfbproto 7.7.2) bookkeeping per client.  A client holds one
 * pending copy region with one offset; it is sent before the update's
 * pixel data, so the copy acts on the picture the client already has.
 * Wherever that picture is stale (pending damage) or would be read after
 * being overwritten, the destination is sent as pixels instead. */
#include <stdlib.h>

#include "rfb/internal.h"

/* More pending copy rectangles than this are not worth their headers. */
#define COPY_MAX_RECTS 64

void rfb_copy_flatten(struct rfb_client *c)
{
	pixman_region32_union(&c->damage, &c->damage, &c->copied);
	pixman_region32_clear(&c->copied);
}

/* dst := (src ∩ what) moved by (dx, dy), clipped to `clip`. */
static void moved(pixman_region32_t *dst, pixman_region32_t *what,
		  pixman_region32_t *src, int dx, int dy,
		  pixman_region32_t *clip)
{
	pixman_region32_intersect(dst, what, src);
	pixman_region32_translate(dst, dx, dy);
	pixman_region32_intersect(dst, dst, clip);
}

/* Carry a per-client region across the copy: inside the destination it
 * now describes what came from the source. */
static void carry(pixman_region32_t *reg, pixman_region32_t *src,
		  pixman_region32_t *dst, int dx, int dy)
{
	pixman_region32_t m;

	pixman_region32_init(&m);
	moved(&m, reg, src, dx, dy, dst);
	pixman_region32_subtract(reg, reg, dst);
	pixman_region32_union(reg, reg, &m);
	pixman_region32_fini(&m);
}

void rfb_copy_add(struct rfb_client *c, const struct rfb_rect *r, int dx,
		  int dy)
{
	const struct rfb_fb *fb = &c->srv->fb;
	pixman_region32_t dst, src, chained;

	pixman_region32_init_rect(&dst, r->x, r->y, (unsigned)r->w,
				  (unsigned)r->h);
	pixman_region32_intersect_rect(&dst, &dst, 0, 0, (unsigned)fb->width,
				       (unsigned)fb->height);
	pixman_region32_intersect_rect(&dst, &dst, dx, dy,
				       (unsigned)fb->width,
				       (unsigned)fb->height);
	if (pixman_region32_not_empty(&c->copied) &&
	    (dx != c->copy_dx || dy != c->copy_dy))
		rfb_copy_flatten(c);
	c->copy_dx = dx;
	c->copy_dy = dy;
	/* A source inside an earlier pending copy would be read before that
	 * copy lands: send those destinations as pixels. */
	pixman_region32_init(&chained);
	pixman_region32_copy(&chained, &c->copied);
	pixman_region32_translate(&chained, dx, dy);
	pixman_region32_intersect(&chained, &chained, &dst);
	pixman_region32_subtract(&dst, &dst, &chained);
	pixman_region32_union(&c->damage, &c->damage, &chained);
	pixman_region32_init(&src);
	pixman_region32_copy(&src, &dst);
	pixman_region32_translate(&src, -dx, -dy);
	carry(&c->damage, &src, &dst, dx, dy);
	carry(&c->lossy, &src, &dst, dx, dy);
	/* Destinations whose source was stale are sent as pixels anyway. */
	pixman_region32_subtract(&dst, &dst, &c->damage);
	pixman_region32_union(&c->copied, &c->copied, &dst);
	if (pixman_region32_n_rects(&c->copied) > COPY_MAX_RECTS)
		rfb_copy_flatten(c);
	pixman_region32_fini(&src);
	pixman_region32_fini(&chained);
	pixman_region32_fini(&dst);
}

/* Copy destinations in an order that reads every source before it is
 * overwritten: against the direction of motion. */
static int copy_cmp(const void *a, const void *b, void *arg)
{
	const pixman_box32_t *p = a, *q = b;
	const struct rfb_client *c = arg;

	if (p->y1 != q->y1)
		return c->copy_dy > 0 ? q->y1 - p->y1 : p->y1 - q->y1;
	return c->copy_dx > 0 ? q->x1 - p->x1 : p->x1 - q->x1;
}

int rfb_copy_send(struct rfb_client *c)
{
	pixman_box32_t *boxes, *sorted;
	int n;

	boxes = pixman_region32_rectangles(&c->copied, &n);
	if (n == 0)
		return 0;
	sorted = malloc(sizeof(*sorted) * (size_t)n);
	if (!sorted) {
		rfb_copy_flatten(c);
		return 0;
	}
	for (int i = 0; i < n; i++)
		sorted[i] = boxes[i];
	qsort_r(sorted, (size_t)n, sizeof(*sorted), copy_cmp, c);
	for (int i = 0; i < n; i++) {
		struct rfb_rect r = { sorted[i].x1, sorted[i].y1,
				      sorted[i].x2 - sorted[i].x1,
				      sorted[i].y2 - sorted[i].y1 };

		enc_put_rect_header(&c->out, &r, ENC_COPYRECT);
		buf_put_u16(&c->out, (uint16_t)(r.x - c->copy_dx));
		buf_put_u16(&c->out, (uint16_t)(r.y - c->copy_dy));
	}
	free(sorted);
	pixman_region32_clear(&c->copied);
	return n;
}
