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

/* Rows of a tile are checked this many pixels at a time. */
#define TIGHT_CHUNK 32

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
	free(pl->pieces);
	free(pl->open);
	free(pl->next);
	free(pl->open_pal);
	free(pl->next_pal);
	memset(pl, 0, sizeof(*pl));
}

/* Room for a row of `nx` tiles and their open pieces. */
static int tight_plan_reserve_row(struct tight_plan *pl, size_t nx)
{
	size_t *o, *n;
	uint32_t *op, *np;

	if (nx <= pl->row_cap)
		return 0;
	o = realloc(pl->open, nx * sizeof(*o));
	if (o)
		pl->open = o;
	n = realloc(pl->next, nx * sizeof(*n));
	if (n)
		pl->next = n;
	/* old contents are not needed: a plan starts with no open piece */
	free(pl->open_pal);
	free(pl->next_pal);
	op = pl->open_pal = malloc(nx * TIGHT_MAX_PAL * sizeof(*op));
	np = pl->next_pal = malloc(nx * TIGHT_MAX_PAL * sizeof(*np));
	if (!o || !n || !op || !np)
		return -1;
	pl->row_cap = nx;
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

/* Whether all `w` pixels of a row are a or b, w a multiple of
 * TIGHT_CHUNK: branch-free chunks the compiler makes a few vector
 * instructions each. */
static bool tight_row_in(const uint32_t *row, int w, uint32_t a, uint32_t b)
{
	uint32_t other = 0;
	int x, k;

	for (x = 0; x < w && !other; x += TIGHT_CHUNK)
		for (k = 0; k < TIGHT_CHUNK; k++)
			other |= (row[x + k] != a) & (row[x + k] != b);
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
		if (t->r.w % TIGHT_CHUNK == 0 && c->n <= 2 &&
		    tight_row_in(row, t->r.w, c->pal[0], c->pal[c->n - 1]))
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

/* Whether fills or two-colour pieces a and b have the same colours. */
static bool tight_same_colours(const struct tight_piece *a,
			       const struct tight_piece *b)
{
	if (a->cls == TIGHT_C_FILL)
		return a->c[0] == b->c[0];
	return (a->c[0] == b->c[0] && a->c[1] == b->c[1]) ||
	       (a->c[0] == b->c[1] && a->c[1] == b->c[0]);
}

/* Add the n colours `pal` to the run's if together they are no more than
 * `cap`; false (and the run's unchanged) otherwise. */
static bool tight_run_union(struct tight_plan *pl, const uint32_t *pal, int n,
			    int cap)
{
	int i, more = 0;

	for (i = 0; i < n; i++) {
		unsigned h = tight_colours_slot(&pl->run, pal[i]);

		more += pl->run.stamp[h] != pl->run.gen;
	}
	if (pl->run.n + more > cap)
		return false;
	for (i = 0; i < n; i++)
		tight_colours_add(&pl->run, pal[i], cap);
	return true;
}

/* Whether `run` can take in the tile `t` just classed (its colours in
 * pl->col) and stay of its class; if so it has. */
static bool tight_run_takes(struct tight_plan *pl, struct tight_piece *run,
			    const struct tight_piece *t, int cap)
{
	int w = run->r.w + t->r.w;

	if (w > TIGHT_MAX_WIDTH || (size_t)w * t->r.h > TIGHT_MAX_AREA ||
	    run->cls != t->cls)
		return false;
	if (run->cls == TIGHT_C_INDEXED) {
		if (!tight_run_union(pl, pl->col.pal, pl->col.n, cap))
			return false;
		run->npal = pl->run.n;
	} else if (run->cls != TIGHT_C_MANY && !tight_same_colours(run, t)) {
		return false;
	}
	run->r.w = w;
	return true;
}

/* A finished run: it extends the open piece above it, if one of the same
 * span and class can take it, or starts a piece; either way that piece
 * is open for the next row. */
static int tight_run_end(struct tight_plan *pl, const struct tight_piece *run,
			 size_t nopen, size_t *nnext, int cap)
{
	struct tight_piece *p;
	size_t i, k;

	for (i = 0; i < nopen; i++) {
		p = &pl->pieces[pl->open[i]];
		if (p->r.x != run->r.x || p->r.w != run->r.w ||
		    (size_t)p->r.w * (p->r.h + run->r.h) > TIGHT_MAX_AREA ||
		    p->cls != run->cls)
			continue;
		if (p->cls == TIGHT_C_INDEXED) {
			if (!tight_run_union(pl,
					     pl->open_pal + i * TIGHT_MAX_PAL,
					     p->npal, cap))
				continue;
			p->npal = pl->run.n;
		} else if (p->cls != TIGHT_C_MANY &&
			   !tight_same_colours(p, run)) {
			continue;
		}
		p->r.h += run->r.h;
		k = pl->open[i];
		goto open;
	}
	if (tight_plan_append(pl, run) < 0)
		return -1;
	k = pl->n - 1;
open:
	if (run->cls == TIGHT_C_INDEXED)
		memcpy(pl->next_pal + *nnext * TIGHT_MAX_PAL, pl->run.pal,
		       pl->run.n * sizeof(*pl->run.pal));
	pl->next[(*nnext)++] = k;
	return 0;
}

/* One row of tiles, each classed and joined to the run on its left or
 * starting one; runs extend pieces of the row above or start new ones.
 * Returns the number of open pieces. */
static int tight_plan_row(struct tight_plan *pl, const struct rfb_fb *fb,
			  const struct rfb_rect *r, int y, int h, size_t nopen,
			  int cap)
{
	struct tight_piece run, t;
	size_t nnext = 0;
	uint32_t *swap_pal;
	size_t *swap;
	int x;

	for (x = r->x; x < r->x + r->w; x += pl->tile) {
		t.r = (struct rfb_rect){ x, y, pl->tile, h };
		if (x + pl->tile > r->x + r->w)
			t.r.w = r->x + r->w - x;
		tight_tile_class(&pl->col, fb, &t, cap);
		if (x > r->x && tight_run_takes(pl, &run, &t, cap))
			continue;
		if (x > r->x && tight_run_end(pl, &run, nopen, &nnext, cap) < 0)
			return -1;
		run = t;
		if (t.cls == TIGHT_C_INDEXED) {
			tight_colours_reset(&pl->run);
			tight_run_union(pl, pl->col.pal, pl->col.n, cap);
		}
	}
	if (tight_run_end(pl, &run, nopen, &nnext, cap) < 0)
		return -1;
	swap = pl->open;
	pl->open = pl->next;
	pl->next = swap;
	swap_pal = pl->open_pal;
	pl->open_pal = pl->next_pal;
	pl->next_pal = swap_pal;
	return (int)nnext;
}

int tight_plan_make(struct tight_plan *pl, const struct rfb_fb *fb,
		    const struct rfb_rect *r, int max_pal, int tile)
{
	size_t nx = ((size_t)r->w + tile - 1) / tile;
	int y, h, nopen = 0;

	pl->n = 0;
	pl->tile = tile;
	if (tight_plan_reserve_row(pl, nx) < 0)
		return -1;
	for (y = r->y; y < r->y + r->h; y += tile) {
		h = r->y + r->h - y < tile ? r->y + r->h - y : tile;
		nopen = tight_plan_row(pl, fb, r, y, h, nopen, max_pal);
		if (nopen < 0)
			return -1;
	}
	return 0;
}
