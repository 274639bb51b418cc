/* When to capture: XDamage tells which parts of the screen changed and a
 * capture tick grabs them; without DAMAGE the screen is polled.  Capture
 * idles while no client is connected.  Internal to src/x11/. */
#ifndef XRFB_X11_DAMAGE_H
#define XRFB_X11_DAMAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <X11/Xlib.h>
#include <X11/extensions/Xdamage.h>

#include "util/loop.h"
#include "util/pace.h"
#include "x11/capture.h"
#include "x11/display.h"

struct x11_damage {
	struct x11_display *disp;
	struct x11_capture *cap;
	struct loop *loop;
	Damage damage;	     /* 0 when polling */
	XserverRegion parts; /* receives the damage at each tick */
	bool pending;	     /* the server holds damage for us */
	bool full;	     /* next tick grabs the whole screen */
	bool deferred;	     /* a tick found no viewer ready: wait for one */
	bool catching_up;    /* the deferred tick is armed */
	int nclients;
	int poll_ms;
	struct loop_timer *timer; /* the next tick, if armed */
	/* Allocated once: re-arms a tick that could not be armed for lack
	 * of memory, or capture would stop for good. */
	struct loop_timer *retry;
	bool lost; /* a tick was due but could not be armed */
	struct pace pace;	  /* capture ticks, one per frame */
	loop_cb after_tick; /* if set, called after each capture */
	void *after_tick_data;
};

/* Subscribe to damage on the root window, or prepare to poll every
 * `poll_ms` (0: the default) when DAMAGE is missing or `nodamage`.  At
 * most `fps` captures a second (0: the default). */
void x11_damage_init(struct x11_damage *d, struct x11_display *disp,
		     struct x11_capture *cap, struct loop *loop, bool nodamage,
		     int poll_ms, int fps);
void x11_damage_fini(struct x11_damage *d);

/* Consume the event if it is a DamageNotify; returns true if it was. */
bool x11_damage_event(struct x11_damage *d, const XEvent *ev);

/* The number of clients changed: capture starts with a full grab on the
 * first and stops with the last. */
void x11_damage_set_clients(struct x11_damage *d, int nclients);

/* A viewer can take an update: run the tick that was deferred.  True
 * until that tick has run. */
bool x11_damage_ready(struct x11_damage *d);

/* Compare the whole screen at the next tick (soon), for changes that
 * damage does not report. */
void x11_damage_full(struct x11_damage *d);

#endif
