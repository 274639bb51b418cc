/* Cutting an area for Tight.  Screens mix large solid areas, text in two
 * colours, icons in a few and photos in many; a rectangle that crosses
 * several of them must be sent as the costliest (a strip across text and
 * a photo goes all JPEG, or 8 bits per pixel through zlib).  So the area
 * is looked at in small tiles, each classed by its colours, and
 * neighbouring tiles of the same class are joined again, first along a
 * row of tiles, then downwards, as far as the decoders' limits allow:
 * few rectangles, each as cheap as its content lets it be. */
#include "encode/tight_plan.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Small enough that a photo's edge costs little JPEG, large enough that
 * classing costs little per pixel. */
#define TIGHT_TILE 32

void tight_colours_reset(struct tight_colours *c)
{
	c->n = 0;
	if (++c->gen == 0) {
		memset(c->stamp, 0, sizeof(c->stamp));
		c->gen = 1;
	}
}

void tight_plan_fini(struct tight_plan *pl)
{
	free(pl->tiles);
	free(pl->pieces);
	free(pl->open);
	free(pl->next);
	memset(pl, 0, sizeof(*pl));
}

/* Room for a row of `nx` tiles and their open pieces. */
static int tight_plan_reserve_row(struct tight_plan *pl, size_t nx)
{
	struct tight_piece *t;
	size_t *o, *n;

	if (nx <= pl->tiles_cap)
		return 0;
	t = realloc(pl->tiles, nx * sizeof(*t));
	if (t)
		pl->tiles = t;
	o = realloc(pl->open, nx * sizeof(*o));
	if (o)
		pl->open = o;
	n = realloc(pl->next, nx * sizeof(*n));
	if (n)
		pl->next = n;
	if (!t || !o || !n)
		return -1;
	pl->tiles_cap = nx;
	return 0;
}

static int tight_plan_append(struct tight_plan *pl, const struct tight_piece *p)
{
	struct tight_piece *np;
	size_t cap;

	if (pl->n == pl->cap) {
		cap = pl->cap ? pl->cap * 2 : 64;
		np = realloc(pl->pieces, cap * sizeof(*np));
		if (!np)
			return -1;
		pl->pieces = np;
		pl->cap = cap;
	}
	pl->pieces[pl->n++] = *p;
	return 0;
}

/* Whether all `TIGHT_TILE` pixels of a row are a or b: branch-free, so
 * the compiler makes it a few vector instructions. */
static bool tight_row_in(const uint32_t *row, uint32_t a, uint32_t b)
{
	uint32_t other = 0;
	int x;

	for (x = 0; x < TIGHT_TILE; x++)
		other |= (row[x] != a) & (row[x] != b);
	return !other;
}

/* Class one tile by counting its colours, giving up past `cap`, or past
 * one colour for every 4 pixels in a small tile (a palette would not pay
 * there).  Rows of one colour and pixels that alternate between two (text
 * on a background) are the common cases, and cheap. */
static void tight_tile_class(struct tight_colours *c, const struct rfb_fb *fb,
			     struct tight_piece *t, int cap)
{
	const uint32_t *row = fb->pixels + (size_t)t->r.y * fb->stride + t->r.x;
	uint32_t last = row[0], prev = row[0], v;
	int x, y, quarter = t->r.w * t->r.h / 4;

	if (quarter < cap)
		cap = quarter < 2 ? 2 : quarter;
	tight_colours_reset(c);
	tight_colours_add(c, last, cap);
	for (y = 0; y < t->r.h; y++, row += fb->stride) {
		if (t->r.w == TIGHT_TILE && c->n <= 2 &&
		    tight_row_in(row, c->pal[0], c->pal[c->n - 1]))
			continue;
		for (x = 0; x < t->r.w; x++) {
			v = row[x];
			if (v == last)
				continue;
			if (v == prev) { /* seen: counted */
				prev = last;
				last = v;
				continue;
			}
			prev = last;
			last = v;
			if (tight_colours_add(c, v, cap) < 0) {
				t->cls = TIGHT_C_MANY;
				t->npal = cap + 1;
				return;
			}
		}
	}
	t->npal = c->n;
	t->c[0] = c->pal[0];
	t->c[1] = c->n > 1 ? c->pal[1] : c->pal[0];
	if (c->n == 1)
		t->cls = TIGHT_C_FILL;
	else if (c->n == 2)
		t->cls = TIGHT_C_MONO;
	else
		t->cls = TIGHT_C_INDEXED;
}

/* Whether b may join a: same class and, joined, still of that class. */
static bool tight_joins(const struct tight_piece *a,
			const struct tight_piece *b, int cap)
{
	if (a->cls != b->cls)
		return false;
	switch (a->cls) {
	case TIGHT_C_FILL:
		return a->c[0] == b->c[0];
	case TIGHT_C_MONO:
		return (a->c[0] == b->c[0] && a->c[1] == b->c[1]) ||
		       (a->c[0] == b->c[1] && a->c[1] == b->c[0]);
	case TIGHT_C_INDEXED:
		/* a bound: counting the union would cost another pass */
		return a->npal + b->npal <= cap;
	default:
		return true;
	}
}

static void tight_join(struct tight_piece *a, const struct tight_piece *b)
{
	if (a->cls == TIGHT_C_INDEXED)
		a->npal += b->npal;
}

/* The piece of the last row that the run `run` can extend downwards. */
static struct tight_piece *tight_below(struct tight_plan *pl, size_t nopen,
				       const struct tight_piece *run, int cap,
				       size_t *which)
{
	struct tight_piece *p;
	size_t i;

	for (i = 0; i < nopen; i++) {
		p = &pl->pieces[pl->open[i]];
		if (p->r.x == run->r.x && p->r.w == run->r.w &&
		    (size_t)p->r.w * (p->r.h + run->r.h) <= TIGHT_MAX_AREA &&
		    tight_joins(p, run, cap)) {
			*which = pl->open[i];
			return p;
		}
	}
	return NULL;
}

/* One row of tiles, classed, into runs, each extending a piece of the
 * row above or starting a new one.  Returns the number of open pieces. */
static int tight_plan_row(struct tight_plan *pl, const struct rfb_fb *fb,
			  const struct rfb_rect *r, int y, int h, size_t nopen,
			  int cap)
{
	size_t nx = 0, i, j, nnext = 0, k;
	struct tight_piece run, *p;
	size_t *swap;
	int x;

	for (x = r->x; x < r->x + r->w; x += TIGHT_TILE, nx++) {
		struct tight_piece *t = &pl->tiles[nx];

		t->r = (struct rfb_rect){ x, y, TIGHT_TILE, h };
		if (x + TIGHT_TILE > r->x + r->w)
			t->r.w = r->x + r->w - x;
		tight_tile_class(&pl->col, fb, t, cap);
	}
	for (i = 0; i < nx; i = j) {
		run = pl->tiles[i];
		for (j = i + 1; j < nx; j++) {
			int w = run.r.w + pl->tiles[j].r.w;

			if (w > TIGHT_MAX_WIDTH ||
			    (size_t)w * h > TIGHT_MAX_AREA ||
			    !tight_joins(&run, &pl->tiles[j], cap))
				break;
			run.r.w = w;
			tight_join(&run, &pl->tiles[j]);
		}
		p = tight_below(pl, nopen, &run, cap, &k);
		if (p) {
			p->r.h += h;
			tight_join(p, &run);
		} else {
			if (tight_plan_append(pl, &run) < 0)
				return -1;
			k = pl->n - 1;
		}
		pl->next[nnext++] = k;
	}
	swap = pl->open;
	pl->open = pl->next;
	pl->next = swap;
	return (int)nnext;
}

int tight_plan_make(struct tight_plan *pl, const struct rfb_fb *fb,
		    const struct rfb_rect *r, int max_pal)
{
	size_t nx = ((size_t)r->w + TIGHT_TILE - 1) / TIGHT_TILE;
	int y, h, nopen = 0;

	pl->n = 0;
	if (tight_plan_reserve_row(pl, nx) < 0)
		return -1;
	for (y = r->y; y < r->y + r->h; y += TIGHT_TILE) {
		h = r->y + r->h - y < TIGHT_TILE ? r->y + r->h - y : TIGHT_TILE;
		nopen = tight_plan_row(pl, fb, r, y, h, nopen, max_pal);
		if (nopen < 0)
			return -1;
	}
	return 0;
}
