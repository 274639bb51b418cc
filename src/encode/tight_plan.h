/* How the Tight encoder cuts an area into rectangles (rfbproto "Tight
 * Encoding"), and the colour sets it counts with.  Kept apart from the
 * wire format in tight.c: this part only looks at server pixels. */
#ifndef XRFB_ENCODE_TIGHT_PLAN_H
#define XRFB_ENCODE_TIGHT_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "rfb/desktop.h"

/* The spec caps the width.  The area cap is the decoders': libvncclient
 * converts JPEG rectangles through a 640x480-byte buffer at 3 bytes per
 * pixel, and TightVNC-derived servers never send more than 65536 pixels. */
#define TIGHT_MAX_WIDTH 2048
#define TIGHT_MAX_AREA 65536
#define TIGHT_MAX_PAL 256

/* ---- colour sets: an open-addressing hash over a palette ---- */

#define TIGHT_HASH_BITS 10 /* 1024 slots: at most a quarter full */
#define TIGHT_HASH (1u << TIGHT_HASH_BITS)

struct tight_colours {
	uint32_t pal[TIGHT_MAX_PAL]; /* in order of first appearance */
	int n;			     /* colours in pal */
	uint16_t slot[TIGHT_HASH];   /* palette index + 1 ... */
	uint16_t stamp[TIGHT_HASH];  /* ... valid when stamp == gen */
	uint16_t gen;
};

/* Empty the set (costs nothing but once per 65535 calls). */
void tight_colours_reset(struct tight_colours *c);

/* The hash slot holding `v`, or the empty one where it would go. */
static inline unsigned tight_colours_slot(const struct tight_colours *c,
					  uint32_t v)
{
	unsigned h = (v * 2654435761u) >> (32 - TIGHT_HASH_BITS);

	while (c->stamp[h] == c->gen && c->pal[c->slot[h] - 1] != v)
		h = (h + 1) & (TIGHT_HASH - 1);
	return h;
}

/* Add `v`; returns its palette index, or -1 if it is new and the set
 * already holds `cap` colours (cap <= TIGHT_MAX_PAL). */
static inline int tight_colours_add(struct tight_colours *c, uint32_t v,
				    int cap)
{
	unsigned h = tight_colours_slot(c, v);

	if (c->stamp[h] == c->gen)
		return c->slot[h] - 1;
	if (c->n == cap)
		return -1;
	c->pal[c->n++] = v;
	c->stamp[h] = c->gen;
	c->slot[h] = c->n;
	return c->n - 1;
}

/* ---- the plan ---- */

/* What a piece's pixels look like, as far as choosing its kind goes. */
enum tight_class {
	TIGHT_C_FILL,	 /* one colour, c[0] */
	TIGHT_C_MONO,	 /* two colours, c[0] and c[1] */
	TIGHT_C_INDEXED, /* `npal` colours, 3 or more */
	TIGHT_C_MANY,	 /* more than the palette cap */
};

struct tight_piece {
	struct rfb_rect r;
	enum tight_class cls;
	int npal;
	uint32_t c[2]; /* server pixels */
};

struct tight_plan {
	struct tight_colours col;
	int tile;	/* the side of the squares looked at */
	size_t row_cap; /* tiles in a row that open and next have room for */
	struct tight_piece *pieces;
	size_t n, cap;
	/* pieces that may grow downwards: the last row's, and this row's;
	 * the colours of those that are indexed, TIGHT_MAX_PAL each */
	size_t *open, *next;
	uint32_t *open_pal, *next_pal;
	struct tight_colours run; /* the colours of an indexed run */
};

/* Zero-initialised is ready; fini frees. */
void tight_plan_fini(struct tight_plan *pl);

/* Cut `r` (inside fb, not empty) into pieces no wider than
 * TIGHT_MAX_WIDTH nor larger than TIGHT_MAX_AREA, each of one class, with
 * palettes of at most `max_pal` colours, looking at `tile` x `tile`
 * squares (a multiple of 32, at most 256).  -1 on OOM. */
int tight_plan_make(struct tight_plan *pl, const struct rfb_fb *fb,
		    const struct rfb_rect *r, int max_pal, int tile);

#endif
