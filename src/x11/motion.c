#include "x11/motion.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Candidate offsets come from probes: short horizontal segments of the
 * new image that changed and are not flat, looked up in the old image
 * through a rolling hash.  Offsets that several probes agree on are
 * verified pixel by pixel, keeping the largest rectangle that matches
 * exactly; nothing is reported on the strength of a hash alone.
 *
 * The old image is hashed at every column but only every MOTION_STACK-th
 * row; each probe is a stack of segments in as many consecutive rows, so
 * whatever the vertical offset, one of them lands on a hashed row.
 *
 * Those rows are hashed a quarter first, spread over the height: where
 * content moved, some probes are found there already, while a rectangle
 * whose content is all new (a page switched, a video) finds none and the
 * other three quarters are skipped.  A moved part holding a fraction f
 * of the probes is then missed with odds about exp(-32 f) (probes in it,
 * a quarter of them found): 2 % at f = 1/8; it is sent as pixels. */
#define MOTION_SEG 16	/* pixels in a segment */
#define MOTION_STACK 4	/* segments in a probe, and old-row stride */
#define MOTION_BANDS 32 /* probes are spread over this many bands */
#define MOTION_PARTS 4	/* and each band across this many parts */
#define MOTION_SEGS (MOTION_BANDS * MOTION_PARTS * MOTION_STACK)
#define MOTION_SLOTS 1024      /* segment hash table: a power of two */
#define MOTION_FILTER_BITS 16  /* a bitmap of segment hashes, seen first */
#define MOTION_HITS 4	       /* a segment found more often is ambiguous */
#define MOTION_VOTE_SLOTS 4096 /* > MOTION_SEGS * MOTION_HITS */
#define MOTION_CANDIDATES 2    /* offsets verified, most votes first */
#define MOTION_MIN_VOTES 2
#define MOTION_BASE 0x9e3779b97f4a7c15ull /* odd, so no bits are lost */
#define MOTION_PASSES 4 /* the hashed rows come in this many passes */

struct motion_seg {
	uint64_t hash;
	int x, y;
	int nhits; /* old positions holding the same pixels */
	int hx[MOTION_HITS], hy[MOTION_HITS];
};

struct motion_vote {
	int dx, dy, votes; /* votes 0: a free slot */
};

struct motion {
	const uint32_t *old, *cur;
	int os, ns, w, h;
	uint64_t pow; /* MOTION_BASE ** (MOTION_SEG - 1) */
	struct motion_seg seg[MOTION_SEGS];
	int nsegs;
	long hits;		     /* old positions found, all segments */
	uint16_t slot[MOTION_SLOTS]; /* segment index + 1; 0: empty */
	uint64_t filter[(1 << MOTION_FILTER_BITS) / 64];
	struct motion_vote vote[MOTION_VOTE_SLOTS];
	int *heights, *stack; /* w + 1 each, for the rectangle search */
	int lift;	      /* added to heights[] */
	struct x11_motion *out;
	int n, max;
};

static const uint32_t *motion_new_at(const struct motion *m, int x, int y)
{
	return m->cur + (size_t)y * (size_t)m->ns + (size_t)x;
}

static const uint32_t *motion_old_at(const struct motion *m, int x, int y)
{
	return m->old + (size_t)y * (size_t)m->os + (size_t)x;
}

static uint64_t motion_hash(const uint32_t *p)
{
	uint64_t h = 0;

	for (int i = 0; i < MOTION_SEG; i++)
		h = h * MOTION_BASE + p[i];
	return h;
}

/* The top bits of a polynomial hash depend on every pixel. */
static unsigned motion_slot(uint64_t hash)
{
	return (unsigned)(hash >> 54) % MOTION_SLOTS;
}

/* Other bits than the slot's: most old positions are turned away by one
 * bit test. */
static unsigned motion_filter(uint64_t hash)
{
	return (unsigned)(hash >> 32) & ((1u << MOTION_FILTER_BITS) - 1);
}

/* Flat segments (blank lines, plain backgrounds) match almost anywhere
 * and would only produce noise. */
static bool motion_busy(const uint32_t *p)
{
	int changes = 0;

	for (int i = 1; i < MOTION_SEG; i++)
		changes += p[i] != p[i - 1];
	return changes >= 3;
}

static bool motion_changed(const struct motion *m, int x, int y)
{
	return memcmp(motion_new_at(m, x, y), motion_old_at(m, x, y),
		      MOTION_SEG * sizeof(uint32_t)) != 0;
}

/* A segment must have changed (else it only votes for "no motion"), and
 * so must the one on its left: the first changed segment of a row often
 * straddles the edge of what moved, and then matches nothing. */
static bool motion_add_seg(struct motion *m, int x, int y)
{
	const uint32_t *p = motion_new_at(m, x, y);
	unsigned s, f;
	uint64_t h;

	if (x < MOTION_SEG || !motion_busy(p) || !motion_changed(m, x, y) ||
	    !motion_changed(m, x - MOTION_SEG, y))
		return false;
	h = motion_hash(p);
	for (s = motion_slot(h); m->slot[s]; s = (s + 1) % MOTION_SLOTS)
		if (m->seg[m->slot[s] - 1].hash == h)
			return false; /* those pixels are looked for already */
	m->seg[m->nsegs] = (struct motion_seg){ .hash = h, .x = x, .y = y };
	m->slot[s] = (uint16_t)++m->nsegs;
	f = motion_filter(h);
	m->filter[f / 64] |= 1ull << (f % 64);
	return true;
}

/* The first usable segment in rows y1..y2, columns x1..x2, and the ones
 * below it; rows where nothing changed there cost one comparison. */
static void motion_probe_part(struct motion *m, int y1, int y2, int x1, int x2)
{
	int from = x1 < MOTION_SEG ? MOTION_SEG : x1;
	int to = x2 + MOTION_SEG > m->w ? m->w : x2 + MOTION_SEG;
	size_t span = (size_t)(to - from + MOTION_SEG) * sizeof(uint32_t);

	for (int y = y1; y < y2; y++) {
		if (!memcmp(motion_new_at(m, from - MOTION_SEG, y),
			    motion_old_at(m, from - MOTION_SEG, y), span))
			continue;
		for (int x = from; x < x2 && x + MOTION_SEG <= m->w;
		     x += MOTION_SEG) {
			if (!motion_add_seg(m, x, y))
				continue;
			for (int i = 1; i < MOTION_STACK && y + i < m->h; i++)
				motion_add_seg(m, x, y + i);
			return;
		}
	}
}

/* Probes spread over bands down the whole height and parts across the
 * width, so that motion in any part of the rectangle is seen. */
static void motion_pick_probes(struct motion *m)
{
	int bands = m->h < MOTION_BANDS ? m->h : MOTION_BANDS;
	int parts = m->w / (4 * MOTION_SEG);

	parts = parts < 1 ? 1 : parts > MOTION_PARTS ? MOTION_PARTS : parts;
	for (int b = 0; b < bands; b++) {
		for (int p = 0; p < parts; p++) {
			int x1 = m->w * p / parts / MOTION_SEG * MOTION_SEG;
			int x2 = m->w * (p + 1) / parts;

			motion_probe_part(m, m->h * b / bands,
					  m->h * (b + 1) / bands, x1, x2);
		}
	}
}

static void motion_lookup(struct motion *m, uint64_t h, int x, int y)
{
	for (unsigned s = motion_slot(h); m->slot[s];
	     s = (s + 1) % MOTION_SLOTS) {
		struct motion_seg *p = &m->seg[m->slot[s] - 1];

		if (p->hash != h ||
		    memcmp(motion_new_at(m, p->x, p->y), motion_old_at(m, x, y),
			   MOTION_SEG * sizeof(uint32_t)))
			continue;
		if (p->nhits < MOTION_HITS) {
			p->hx[p->nhits] = x;
			p->hy[p->nhits] = y;
		}
		p->nhits++;
		m->hits++;
		return;
	}
}

static long motion_rows_hashed;

/* Every segment of old rows y and z (z < 0: none), hashed incrementally.
 * Two rows at once: each hash depends on the one before it, so a second
 * row's chain runs in the first one's shadow. */
static void motion_scan_rows(struct motion *m, int y, int z)
{
	const uint32_t *p = motion_old_at(m, 0, y);
	const uint32_t *q = motion_old_at(m, 0, z < 0 ? y : z);
	uint64_t h = motion_hash(p), g = motion_hash(q);

	motion_rows_hashed += z < 0 ? 1 : 2;
	for (int x = 0;; x++) {
		unsigned f = motion_filter(h), e = motion_filter(g);

		if (m->filter[f / 64] & (1ull << (f % 64)))
			motion_lookup(m, h, x, y);
		if (z >= 0 && (m->filter[e / 64] & (1ull << (e % 64))))
			motion_lookup(m, g, x, z);
		if (x + MOTION_SEG >= m->w)
			break;
		h = (h - p[x] * m->pow) * MOTION_BASE + p[x + MOTION_SEG];
		g = (g - q[x] * m->pow) * MOTION_BASE + q[x + MOTION_SEG];
	}
}

static void motion_vote(struct motion *m, int dx, int dy)
{
	unsigned s = ((unsigned)dx * 0x9e3779b1u ^ (unsigned)dy) * 0x85ebca6bu;

	for (s = (s >> 16) % MOTION_VOTE_SLOTS; m->vote[s].votes;
	     s = (s + 1) % MOTION_VOTE_SLOTS)
		if (m->vote[s].dx == dx && m->vote[s].dy == dy)
			break;
	m->vote[s].dx = dx;
	m->vote[s].dy = dy;
	m->vote[s].votes++;
}

/* Segments found too often (repeated lines, patterns) do not vote. */
static void motion_count_votes(struct motion *m)
{
	for (int i = 0; i < m->nsegs; i++) {
		const struct motion_seg *p = &m->seg[i];

		if (p->nhits > MOTION_HITS)
			continue;
		for (int k = 0; k < p->nhits; k++)
			motion_vote(m, p->x - p->hx[k], p->y - p->hy[k]);
	}
}

/* Take the offset with the most votes out of the table; false when none
 * has enough, or none leaves room for a copy big enough. */
static bool motion_next_candidate(struct motion *m, int *dx, int *dy)
{
	struct motion_vote *best = NULL;

	for (int i = 0; i < MOTION_VOTE_SLOTS; i++) {
		struct motion_vote *v = &m->vote[i];

		if (v->votes < MOTION_MIN_VOTES ||
		    abs(v->dx) > m->w - X11_MOTION_MIN_SIDE ||
		    abs(v->dy) > m->h - X11_MOTION_MIN_SIDE)
			continue;
		if (!best || v->votes > best->votes)
			best = v;
	}
	if (!best)
		return false;
	*dx = best->dx;
	*dy = best->dy;
	best->votes = 1; /* keeps the slot taken, never chosen again */
	return true;
}

/* Heights are kept relative to m->lift, which grows by one each row, so
 * that a row matching from end to end costs nothing per column. */
static void motion_zero(struct motion *m, int x1, int x2)
{
	x1 = x1 < 0 ? 0 : x1;
	x2 = x2 > m->w ? m->w : x2;
	for (int x = x1; x < x2; x++)
		m->heights[x] = -m->lift;
}

/* Whether an earlier copy's dst is on row y, or on its source row. */
static bool motion_row_excluded(const struct motion *m, int dy, int y)
{
	for (int i = 0; i < m->n; i++) {
		const struct rfb_rect *d = &m->out[i].dst;

		if ((y >= d->y && y < d->y + d->h) ||
		    (y - dy >= d->y && y - dy < d->y + d->h))
			return true;
	}
	return false;
}

/* A copy may neither land on an earlier copy's dst nor read from it: the
 * viewer has applied the earlier copy by then. */
static void motion_exclude(struct motion *m, int dx, int dy, int y)
{
	for (int i = 0; i < m->n; i++) {
		const struct rfb_rect *d = &m->out[i].dst;

		if (y >= d->y && y < d->y + d->h)
			motion_zero(m, d->x, d->x + d->w);
		if (y - dy >= d->y && y - dy < d->y + d->h)
			motion_zero(m, d->x + dx, d->x + d->w + dx);
	}
}

/* Row y matches cur[y][x] == old[y-dy][x-dx] wherever the source is
 * inside, with no exclusion: the histogram of row y is that of row y-1
 * one taller. */
static bool motion_row_whole(const struct motion *m, int dx, int dy, int y)
{
	int x1 = dx > 0 ? dx : 0, x2 = dx < 0 ? m->w + dx : m->w;

	return y - dy >= 0 && y - dy < m->h &&
	       !memcmp(motion_new_at(m, x1, y),
		       motion_old_at(m, x1 - dx, y - dy),
		       (size_t)(x2 - x1) * sizeof(uint32_t)) &&
	       !motion_row_excluded(m, dy, y);
}

/* Grow the column heights of exact matches by row y. */
static void motion_match_row(struct motion *m, int dx, int dy, int y,
			     bool whole)
{
	int x1 = dx > 0 ? dx : 0, x2 = dx < 0 ? m->w + dx : m->w;
	const uint32_t *n, *o;

	m->lift++;
	motion_zero(m, 0, x1);
	motion_zero(m, x2, m->w);
	if (whole)
		return;
	if (y - dy < 0 || y - dy >= m->h) {
		motion_zero(m, x1, x2);
		return;
	}
	n = motion_new_at(m, 0, y);
	o = motion_old_at(m, 0, y - dy);
	for (int x = x1; x < x2; x++)
		if (n[x] != o[x - dx])
			m->heights[x] = -m->lift;
	motion_exclude(m, dx, dy, y);
}

/* The largest rectangle, at least X11_MOTION_MIN_SIDE each way, under the
 * histogram of row y: the classic stack walk, which meets every maximal
 * rectangle once. */
static void motion_best_in_row(struct motion *m, int y, struct rfb_rect *best)
{
	const int *heights = m->heights;
	int *stack = m->stack, top = 0;

	for (int x = 0; x <= m->w; x++) {
		int start = x, hx = x < m->w ? heights[x] + m->lift : 0;

		/* A run of equal heights is pushed as its last column. */
		while (x + 1 < m->w && heights[x + 1] == heights[start])
			x++;
		while (top && heights[stack[top - 1]] + m->lift >= hx) {
			int h = heights[stack[--top]] + m->lift;
			int left = top ? stack[top - 1] + 1 : 0;
			int w = start - left;

			if (h >= X11_MOTION_MIN_SIDE &&
			    w >= X11_MOTION_MIN_SIDE &&
			    (long)w * h > (long)best->w * best->h)
				*best = (struct rfb_rect){ left, y - h + 1, w,
							   h };
		}
		stack[top++] = x;
	}
}

/* One pass over the rectangle: the largest exact rectangle for the
 * offset, if one is big enough.  A row's histogram is searched only when
 * the next row does not simply make all its rectangles taller.  One copy
 * per offset: a second would cost another pass, for cases (a scroll cut
 * by an edited line) that are rare. */
static void motion_verify(struct motion *m, int dx, int dy)
{
	struct rfb_rect best = { 0, 0, 0, 0 };

	m->lift = 0;
	memset(m->heights, 0, (size_t)m->w * sizeof(*m->heights));
	for (int y = 0; y < m->h; y++) {
		bool whole = motion_row_whole(m, dx, dy, y);

		if (y > 0 && !whole)
			motion_best_in_row(m, y - 1, &best);
		motion_match_row(m, dx, dy, y, whole);
	}
	motion_best_in_row(m, m->h - 1, &best);
	if (best.w)
		m->out[m->n++] = (struct x11_motion){ best, dx, dy };
}

static void motion_run(struct motion *m)
{
	int dx, dy;

	motion_pick_probes(m);
	if (!m->nsegs)
		return;
	m->pow = 1;
	for (int i = 1; i < MOTION_SEG; i++)
		m->pow *= MOTION_BASE;
	/* Pass k hashes the rows k * MOTION_STACK apart from the ones of
	 * the passes before it. */
	for (int k = 0; k < MOTION_PASSES; k++) {
		if (k == 1 && !m->hits)
			return;
		int step = MOTION_PASSES * MOTION_STACK;

		for (int y = k * MOTION_STACK; y < m->h; y += 2 * step)
			motion_scan_rows(m, y, y + step < m->h ? y + step : -1);
	}
	motion_count_votes(m);
	for (int c = 0; c < MOTION_CANDIDATES && m->n < m->max; c++) {
		if (!motion_next_candidate(m, &dx, &dy))
			break;
		motion_verify(m, dx, dy);
	}
}

int x11_motion_find(const uint32_t *old, int old_stride, const uint32_t *cur,
		    int cur_stride, int w, int h, struct x11_motion *out,
		    int max)
{
	struct motion *m;
	int n;

	motion_rows_hashed = 0;
	if (w < X11_MOTION_MIN_SIDE || h < X11_MOTION_MIN_SIDE || max <= 0)
		return 0;
	m = calloc(1, sizeof(*m));
	if (!m)
		return 0;
	m->heights = malloc(2 * ((size_t)w + 1) * sizeof(int));
	if (!m->heights) {
		free(m);
		return 0;
	}
	m->stack = m->heights + w + 1;
	m->old = old;
	m->cur = cur;
	m->os = old_stride;
	m->ns = cur_stride;
	m->w = w;
	m->h = h;
	m->out = out;
	m->max = max;
	motion_run(m);
	n = m->n;
	free(m->heights);
	free(m);
	return n;
}

long x11_motion_rows_hashed(void)
{
	return motion_rows_hashed;
}
