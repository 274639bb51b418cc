#include "x11/damage.h"

#include <stdlib.h>
#include <X11/extensions/Xfixes.h>

#include "util/log.h"

/* At most one capture per frame (-fps): drawing bursts coalesce into one
 * grab instead of a round trip per drawing request. */
#define DAMAGE_POLL_MS 100
/* How soon a tick lost to a memory shortage is tried again. */
#define DAMAGE_RETRY_MS 500

static void damage_tick(void *data);

static void damage_arm(struct x11_damage *d, int ms)
{
	d->timer = loop_timer_add(d->loop, ms, false, damage_tick, d);
	d->lost = !d->timer;
	if (!d->lost)
		return;
	log_error("out of memory arming the capture timer; retrying");
	if (d->retry)
		loop_timer_rearm(d->loop, d->retry, DAMAGE_RETRY_MS);
}

/* Stopped unless a tick was lost, so that idle nothing wakes us; with
 * no client the first one to come arms a tick anyway. */
static void damage_retry(void *data)
{
	struct x11_damage *d = data;

	if (d->lost && !d->timer && d->nclients > 0)
		damage_arm(d, 0);
	if (!d->lost || d->nclients <= 0)
		loop_timer_stop(d->loop, d->retry);
}

/* Arm a tick for pending damage.  After a quiet spell the tick is
 * immediate, so the first change is never delayed; during a burst ticks
 * are spaced one frame apart. */
static void damage_schedule(struct x11_damage *d)
{
	if (!d->pending || !d->nclients || d->timer)
		return;
	damage_arm(d, pace_delay(&d->pace, loop_now_ms()));
}

/* Move the server's accumulated damage into a region of our own; the
 * next change after the subtraction raises a new DamageNotify. */
static void damage_fetch(struct x11_damage *d, pixman_region32_t *region)
{
	Display *dpy = d->disp->dpy;
	pixman_box32_t *boxes;
	XRectangle *r;
	int n = 0;

	XDamageSubtract(dpy, d->damage, None, d->parts);
	d->pending = false;
	r = XFixesFetchRegion(dpy, d->parts, &n);
	boxes = calloc((size_t)n + 1, sizeof(*boxes));
	if (boxes) {
		for (int i = 0; i < n; i++)
			boxes[i] = (pixman_box32_t){ r[i].x, r[i].y,
						     r[i].x + r[i].width,
						     r[i].y + r[i].height };
		pixman_region32_init_rects(region, boxes, n);
	} else {
		/* Grab everything rather than lose the damage. */
		pixman_region32_init_rect(region, 0, 0,
					  (unsigned)d->cap->fb.width,
					  (unsigned)d->cap->fb.height);
	}
	free(boxes);
	if (r)
		XFree(r);
}

static void damage_grab_full(struct x11_damage *d)
{
	/* Forget what the server accumulated: the full grab covers it. */
	if (d->damage) {
		XDamageSubtract(d->disp->dpy, d->damage, None, None);
		d->pending = false;
	}
	d->full = false;
	x11_capture_all(d->cap);
}

static void damage_tick(void *data)
{
	struct x11_damage *d = data;
	pixman_region32_t region;

	/* One-shot: the loop frees it after this callback. */
	d->timer = NULL;
	d->catching_up = false;
	/* Nobody can take an update: capturing now would be work thrown
	 * away by the next capture.  The X server keeps the damage. */
	if (d->cap->srv && !rfb_server_ready(d->cap->srv)) {
		d->deferred = true;
		return;
	}
	pace_mark(&d->pace, loop_now_ms());
	if (d->full || !d->damage) {
		damage_grab_full(d);
	} else {
		damage_fetch(d, &region);
		x11_capture_region(d->cap, &region);
		pixman_region32_fini(&region);
	}
	if (!d->damage)
		damage_arm(d, d->poll_ms);
	if (d->after_tick)
		d->after_tick(d->after_tick_data);
}

bool x11_damage_ready(struct x11_damage *d)
{
	if (d->deferred && !d->timer && d->nclients) {
		d->deferred = false;
		damage_arm(d, pace_delay(&d->pace, loop_now_ms()));
		d->catching_up = d->timer != NULL;
	}
	return d->catching_up;
}

bool x11_damage_event(struct x11_damage *d, const XEvent *ev)
{
	if (!d->damage || ev->type != d->disp->damage_event + XDamageNotify)
		return false;
	d->pending = true;
	damage_schedule(d);
	return true;
}

void x11_damage_set_clients(struct x11_damage *d, int nclients)
{
	int was = d->nclients;

	d->nclients = nclients;
	if (nclients > 0 && was <= 0) {
		/* The framebuffer went stale while nobody watched.  The grab
		 * runs from the loop, not inside the engine's callback. */
		d->full = true;
		if (d->timer)
			loop_timer_del(d->loop, d->timer);
		damage_arm(d, 0);
	} else if (nclients <= 0 && was > 0 && d->timer) {
		/* Damage keeps accumulating in the server meanwhile; the
		 * next first client starts with a full grab anyway. */
		loop_timer_del(d->loop, d->timer);
		d->timer = NULL;
		d->catching_up = false;
	}
}

void x11_damage_full(struct x11_damage *d)
{
	d->full = true;
	if (d->nclients > 0 && !d->timer)
		damage_arm(d, 0);
}

void x11_damage_init(struct x11_damage *d, struct x11_display *disp,
		     struct x11_capture *cap, struct loop *loop, bool nodamage,
		     int poll_ms, int fps)
{
	*d = (struct x11_damage){ .disp = disp, .cap = cap, .loop = loop };
	pace_init(&d->pace, fps);
	d->poll_ms = poll_ms > 0 ? poll_ms : DAMAGE_POLL_MS;
	d->retry = loop_timer_add(loop, DAMAGE_RETRY_MS, true, damage_retry, d);
	if (d->retry)
		loop_timer_stop(loop, d->retry);
	if (nodamage || !disp->have_damage) {
		log_info("%s: polling the screen every %d ms",
			 nodamage ? "-noxdamage" : "DAMAGE or XFIXES missing",
			 d->poll_ms);
		return;
	}
	/* NonEmpty rather than raw rectangles: one event per quiet-to-busy
	 * transition, and the exact region fetched once per tick. */
	d->damage = XDamageCreate(disp->dpy, disp->root, XDamageReportNonEmpty);
	d->parts = XFixesCreateRegion(disp->dpy, NULL, 0);
}

void x11_damage_fini(struct x11_damage *d)
{
	if (d->timer)
		loop_timer_del(d->loop, d->timer);
	d->timer = NULL;
	loop_timer_del(d->loop, d->retry);
	d->retry = NULL;
	if (d->damage) {
		XDamageDestroy(d->disp->dpy, d->damage);
		XFixesDestroyRegion(d->disp->dpy, d->parts);
		d->damage = 0;
	}
}
