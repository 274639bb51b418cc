/* Encoding a FramebufferUpdate off the loop thread (-threads).  The loop
 * builds the update's head (pseudo-rectangles, CopyRects), lists the
 * rectangles to encode and copies their pixels; a worker encodes them
 * with the client's encoder state; back on the loop the bytes are put in
 * the client's output queue where the update was started, ahead of any
 * message queued meanwhile.  A client has at most one job at a time, so
 * its zlib streams see its rectangles in order, and nothing the loop does
 * meanwhile (capture, SetPixelFormat, SetEncodings) touches what the job
 * reads: the job reads the framebuffer in place while no capture may
 * write it (rfb_server_ready says no while such jobs run), or a copy of
 * its rectangles once a capture waits for them.
 *
 * A large update with an encoder that takes groups (Tight: one set of
 * zlib streams per group; ZRLE: one deflater per group) is cut into
 * horizontal bands of about equal area, one per worker or as many more
 * as the encoder asks; the bands are sub-jobs encoded at once, and the
 * update is put together in band order once the last one is done. */
#include <stdlib.h>
#include <string.h>

#include "rfb/internal.h"
#include "util/log.h"

/* Most groups an update is cut into. */
#define RFB_ENC_MAX_GROUPS 4
/* Below this many pixels an update is encoded in one piece. */
#define RFB_ENC_SPLIT_MIN_AREA (256 * 256)

struct rfb_enc_job;

/* One band of an update cut into groups. */
struct rfb_enc_group {
	struct pool_job base;
	struct rfb_enc_job *j;
	int first, n;		/* its rectangles in j->rects */
	struct buf out;		/* group 0 writes to j->out */
	int count;
	bool failed;
};

struct rfb_enc_job {
	struct pool_job base;
	struct rfb_client *c;
	const struct enc_ops *ops;
	void *state;
	struct rfb_fb fb;	/* the pixels the job reads */
	struct rfb_pixconv pc;	/* the client's format when it was built */
	int compress_level, quality;
	bool last_rect_ok;	/* the client takes LastRect */
	struct rfb_rect *rects;
	bool *lossy;		/* per rectangle, set by the encoder */
	int nrects, nlossless;	/* the last nlossless are refreshes */
	int cap;
	uint32_t *snap;		/* pixel copy, threaded only */
	size_t snap_len;
	bool in_place;		/* reads srv->fb: one of srv->fb_readers */
	struct buf out;		/* the whole update */
	int count;		/* rectangles in the head */
	bool failed;
	struct rfb_enc_group groups[RFB_ENC_MAX_GROUPS];
	int ngroups, pending;	/* groups, and those not done yet */
};

static int add_rects(struct rfb_enc_job *j, pixman_region32_t *reg)
{
	pixman_box32_t *boxes, ext;
	int n;

	boxes = pixman_region32_rectangles(reg, &n);
	if (n > RFB_MAX_UPDATE_RECTS) {
		ext = *pixman_region32_extents(reg);
		boxes = &ext;
		n = 1;
	}
	if (j->nrects + n > j->cap) {
		int cap = (j->nrects + n) * 2;
		struct rfb_rect *r = realloc(j->rects, cap * sizeof(*r));
		bool *l = r ? realloc(j->lossy, cap * sizeof(*l)) : NULL;

		if (r)
			j->rects = r;
		if (!l)
			return -1;
		j->lossy = l;
		j->cap = cap;
	}
	for (int i = 0; i < n; i++)
		j->rects[j->nrects++] = (struct rfb_rect){
			boxes[i].x1, boxes[i].y1, boxes[i].x2 - boxes[i].x1,
			boxes[i].y2 - boxes[i].y1 };
	return 0;
}

/* The job reads its own copy of the rectangles' pixels, at the same
 * coordinates, while the loop goes on capturing into the framebuffer. */
static int snapshot(struct rfb_enc_job *j, const struct rfb_fb *fb)
{
	size_t need = (size_t)fb->width * (size_t)fb->height;

	if (need > j->snap_len) {
		uint32_t *p = realloc(j->snap, need * sizeof(*p));

		if (!p)
			return -1;
		j->snap = p;
		j->snap_len = need;
	}
	j->fb = (struct rfb_fb){ j->snap, fb->width, fb->height, fb->width };
	for (int i = 0; i < j->nrects; i++) {
		const struct rfb_rect *r = &j->rects[i];

		for (int y = r->y; y < r->y + r->h; y++)
			memcpy(j->snap + (size_t)y * fb->width + r->x,
			       fb->pixels + (size_t)y * fb->stride + r->x,
			       (size_t)r->w * sizeof(uint32_t));
	}
	return 0;
}

/* Encode rectangles [first, first + n) as group `k` of `ngroups`. */
static int encode_rects(struct rfb_enc_job *j, int k, int first, int n,
			struct buf *out, bool *failed)
{
	int count = 0;

	for (int i = first; i < first + n && !*failed; i++) {
		bool lossless = i >= j->nrects - j->nlossless;
		struct enc_params p = { &j->fb, &j->pc, j->compress_level,
					lossless ? -1 : j->quality,
					&j->lossy[i], i == first };
		int c;

		j->lossy[i] = false;
		if (j->ngroups > 1)
			c = j->ops->encode_group(j->state, k, j->ngroups, &p,
						 &j->rects[i], out);
		else
			c = j->ops->encode(j->state, &p, &j->rects[i], out);
		if (c < 0)
			*failed = true;
		else
			count += c;
	}
	return count;
}

/* rfbproto 7.6.1: the count is patched in once known; LastRect only when
 * it does not fit (see end_update in update.c). */
static void finish_count(struct rfb_enc_job *j, int count)
{
	if (count >= 0xffff && j->last_rect_ok) {
		enc_put_rect_header(&j->out, &(struct rfb_rect){ 0, 0, 0, 0 },
				    ENC_PSEUDO_LAST_RECT);
		count = 0xffff;
	}
	buf_set_u16(&j->out, 2, (uint16_t)count);
}

static void job_run(struct pool_job *base)
{
	struct rfb_enc_job *j = (struct rfb_enc_job *)base;

	finish_count(j, j->count + encode_rects(j, 0, 0, j->nrects, &j->out,
						&j->failed));
}

static void group_run(struct pool_job *base)
{
	struct rfb_enc_group *g = (struct rfb_enc_group *)base;
	struct rfb_enc_job *j = g->j;
	int k = (int)(g - j->groups);

	g->count = encode_rects(j, k, g->first, g->n, k ? &g->out : &j->out,
				&g->failed);
}

/* Keep the lossy region in step with what each rectangle was sent as. */
static void apply_lossy(struct rfb_client *c, struct rfb_enc_job *j)
{
	for (int i = 0; i < j->nrects; i++) {
		const struct rfb_rect *r = &j->rects[i];

		if (j->lossy[i]) {
			pixman_region32_union_rect(&c->lossy, &c->lossy, r->x,
						   r->y, (unsigned)r->w,
						   (unsigned)r->h);
			c->lossy_ms = loop_now_ms();
		} else {
			pixman_region32_t done;

			pixman_region32_init_rect(&done, r->x, r->y,
						  (unsigned)r->w,
						  (unsigned)r->h);
			pixman_region32_subtract(&c->lossy, &c->lossy, &done);
			pixman_region32_fini(&done);
		}
	}
}

static void job_done(struct pool_job *base)
{
	struct rfb_enc_job *j = (struct rfb_enc_job *)base;
	struct rfb_client *c = j->c;
	size_t at = c->out_hold;

	c->job_busy = false;
	c->out_hold = SIZE_MAX;
	if (j->in_place) {
		j->in_place = false;
		c->srv->fb_readers--;
	}
	if (c->state == RFB_CS_CLOSED)
		return; /* the reaper frees it now */
	if (j->failed || j->out.failed) {
		rfb_client_close(c, "encoding an update failed");
		return;
	}
	apply_lossy(c, j);
	if (at >= c->out.len && !c->out.len) {
		struct buf t = c->out; /* the common case: nothing queued */

		c->out = j->out;
		j->out = t;
	} else {
		buf_insert(&c->out, at < c->out.len ? at : c->out.len,
			   j->out.data, j->out.len);
	}
	rfb_client_flush(c);
	rfb_update_sent(c);
}

/* On the loop: when the last group is done, the bands in order. */
static void group_done(struct pool_job *base)
{
	struct rfb_enc_group *g = (struct rfb_enc_group *)base;
	struct rfb_enc_job *j = g->j;
	int count = j->count;

	if (--j->pending)
		return;
	for (int k = 0; k < j->ngroups; k++) {
		g = &j->groups[k];
		if (g->failed || g->out.failed)
			j->failed = true;
		if (k)
			buf_append(&j->out, g->out.data, g->out.len);
		count += g->count;
	}
	if (!j->failed)
		finish_count(j, count);
	job_done(&j->base);
}

/* Cut the rectangles into `n` runs of about equal area, cutting a
 * rectangle across a band's edge into two, top and bottom.  The order
 * (and so the refreshes last) stays. */
static int split_groups(struct rfb_enc_job *j, int n, uint64_t area)
{
	uint64_t per = (area + n - 1) / n, room = per;
	int k = 0, cap = j->nrects + n;
	struct rfb_rect *r = malloc(cap * sizeof(*r));
	bool *l = malloc(cap * sizeof(*l));
	int m = 0, nl = 0;

	if (!r || !l) {
		free(r);
		free(l);
		return -1;
	}
	j->groups[0].first = 0;
	for (int i = 0; i < j->nrects; i++) {
		struct rfb_rect rest = j->rects[i];
		bool lossless = i >= j->nrects - j->nlossless;

		while (rest.h > 0) {
			struct rfb_rect piece = rest;
			uint64_t rows = (room + rest.w - 1) / rest.w;

			if (k < n - 1 && rows < (uint64_t)rest.h)
				piece.h = (int)rows;
			rest.y += piece.h;
			rest.h -= piece.h;
			r[m++] = piece;
			nl += lossless;
			room = room > (uint64_t)piece.w * piece.h ?
				       room - (uint64_t)piece.w * piece.h : 0;
			if (!room && k < n - 1) {
				j->groups[k].n = m - j->groups[k].first;
				j->groups[++k].first = m;
				room = per;
			}
			if (m == cap && (rest.h > 0 || i + 1 < j->nrects)) {
				/* at most one cut per band edge: not reached */
				free(r);
				free(l);
				return -1;
			}
		}
	}
	j->groups[k].n = m - j->groups[k].first;
	free(j->rects);
	free(j->lossy);
	j->rects = r;
	j->lossy = l;
	j->nrects = m;
	j->cap = cap;
	j->nlossless = nl;
	j->ngroups = k + 1;
	return 0;
}

/* How many groups to cut this update into: 1 unless it is large, a pool
 * runs it and the encoder takes groups; then its groups_per_thread per
 * worker. */
static int want_groups(struct rfb_enc_job *j, int nthreads, uint64_t *area)
{
	int n = nthreads * (j->ops->groups_per_thread > 1 ?
				    j->ops->groups_per_thread : 1);

	*area = 0;
	for (int i = 0; i < j->nrects; i++)
		*area += (uint64_t)j->rects[i].w * j->rects[i].h;
	if (!j->ops->encode_group || *area <= RFB_ENC_SPLIT_MIN_AREA)
		return 1;
	if (n > j->ops->max_groups)
		n = j->ops->max_groups;
	return n > RFB_ENC_MAX_GROUPS ? RFB_ENC_MAX_GROUPS : n < 1 ? 1 : n;
}

struct rfb_enc_job *rfb_encjob_begin(struct rfb_client *c)
{
	struct rfb_enc_job *j = c->job;

	if (!j) {
		j = calloc(1, sizeof(*j));
		if (!j)
			return NULL;
		buf_init(&j->out);
		for (int k = 0; k < RFB_ENC_MAX_GROUPS; k++) {
			j->groups[k].j = j;
			j->groups[k].base.run = group_run;
			j->groups[k].base.done = group_done;
			buf_init(&j->groups[k].out);
		}
		j->base.run = job_run;
		j->base.done = job_done;
		j->c = c;
		c->job = j;
	}
	buf_clear(&j->out);
	j->out.failed = false;
	j->nrects = j->nlossless = 0;
	j->failed = false;
	return j;
}

struct buf *rfb_encjob_out(struct rfb_enc_job *j)
{
	return &j->out;
}

int rfb_encjob_submit(struct rfb_client *c, struct rfb_enc_job *j,
		      pixman_region32_t *reg, pixman_region32_t *refresh,
		      int head_count)
{
	struct rfb_server *srv = c->srv;
	int n;

	j->ops = enc_find(c->enc);
	j->pc = c->pc;
	j->compress_level = c->compress_level;
	j->quality = c->quality;
	j->last_rect_ok = c->caps & RFB_CAP_LAST_RECT;
	j->count = head_count;
	j->fb = srv->fb;
	if (rfb_update_enc_state(c, j->ops, &j->state) < 0 ||
	    add_rects(j, reg) < 0)
		return -1;
	n = j->nrects;
	if (add_rects(j, refresh) < 0)
		return -1;
	j->nlossless = j->nrects - n;
	j->ngroups = 1;
	if (srv->pool) {
		uint64_t area;
		int ng = want_groups(j, srv->opts.threads, &area);

		bool copy = srv->capture_waiting || rfb_update_overlap(c);

		if ((copy && snapshot(j, &srv->fb) < 0) ||
		    (ng > 1 && split_groups(j, ng, area) < 0))
			return -1;
		j->in_place = !copy;
		srv->fb_readers += j->in_place;
	}
	c->job_busy = true;
	c->out_hold = c->out.len;
	if (j->ngroups == 1) {
		pool_submit(srv->pool, &j->base);
		return 0;
	}
	log_debug("%s: update of %d rectangles in %d groups", c->conn->peer,
		  j->nrects, j->ngroups);
	j->pending = j->ngroups;
	for (int k = 0; k < j->ngroups; k++) {
		struct rfb_enc_group *g = &j->groups[k];

		buf_clear(&g->out);
		g->out.failed = false;
		g->failed = false;
		g->count = 0;
		pool_submit(srv->pool, &g->base);
	}
	return 0;
}

void rfb_encjob_free(struct rfb_enc_job *j)
{
	if (!j)
		return;
	buf_free(&j->out);
	for (int k = 0; k < RFB_ENC_MAX_GROUPS; k++)
		buf_free(&j->groups[k].out);
	free(j->rects);
	free(j->lossy);
	free(j->snap);
	free(j);
}
