/* Encoding a FramebufferUpdate off the loop thread (-threads).  The loop
 * builds the update's head (pseudo-rectangles, CopyRects), lists the
 * rectangles to encode and copies their pixels; a worker encodes them
 * with the client's encoder state; back on the loop the bytes are put in
 * the client's output queue where the update was started, ahead of any
 * message queued meanwhile.  A client has at most one job at a time, so
 * its zlib streams see its rectangles in order, and nothing the loop does
 * meanwhile (capture, SetPixelFormat, SetEncodings) touches what the job
 * reads. */
#include <stdlib.h>
#include <string.h>

#include "rfb/internal.h"
#include "util/log.h"

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
	struct buf out;		/* the whole update */
	int count;		/* rectangles in the head */
	bool failed;
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

/* rfbproto 7.6.1: the count is patched in once known; LastRect only when
 * it does not fit (see end_update in update.c). */
static void job_run(struct pool_job *base)
{
	struct rfb_enc_job *j = (struct rfb_enc_job *)base;
	int count = j->count;

	for (int i = 0; i < j->nrects && !j->failed; i++) {
		bool lossless = i >= j->nrects - j->nlossless;
		struct enc_params p = { &j->fb, &j->pc, j->compress_level,
					lossless ? -1 : j->quality,
					&j->lossy[i] };
		int k;

		j->lossy[i] = false;
		k = j->ops->encode(j->state, &p, &j->rects[i], &j->out);
		if (k < 0)
			j->failed = true;
		count += k;
	}
	if (count >= 0xffff && j->last_rect_ok) {
		enc_put_rect_header(&j->out, &(struct rfb_rect){ 0, 0, 0, 0 },
				    ENC_PSEUDO_LAST_RECT);
		count = 0xffff;
	}
	buf_set_u16(&j->out, 2, (uint16_t)count);
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

struct rfb_enc_job *rfb_encjob_begin(struct rfb_client *c)
{
	struct rfb_enc_job *j = c->job;

	if (!j) {
		j = calloc(1, sizeof(*j));
		if (!j)
			return NULL;
		buf_init(&j->out);
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
	if (srv->pool && snapshot(j, &srv->fb) < 0)
		return -1;
	c->job_busy = true;
	c->out_hold = c->out.len;
	pool_submit(srv->pool, &j->base);
	return 0;
}

void rfb_encjob_free(struct rfb_enc_job *j)
{
	if (!j)
		return;
	buf_free(&j->out);
	free(j->rects);
	free(j->lossy);
	free(j->snap);
	free(j);
}
