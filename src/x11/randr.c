#include "x11/randr.h"

#include <stdio.h>
#include <string.h>

#include "rfb/desktop.h"
#include "util/log.h"

/* The one active CRTC of a virtual display, and what it shows. */
struct randr_monitor {
	RRCrtc crtc;
	XRRCrtcInfo *info;
};

void x11_randr_init(struct x11_randr *r, struct x11_display *disp)
{
	*r = (struct x11_randr){ .disp = disp, .made = None };
	if (disp->have_randr)
		XRRSelectInput(disp->dpy, disp->root, RRScreenChangeNotifyMask);
	else
		log_info("RandR 1.2 missing: viewers cannot resize the "
			 "desktop, and resizes of the screen are not seen");
}

/* Keep the physical size's ratio to pixels, so the DPI stays; 96 DPI
 * when the server reports no physical size. */
static void randr_size_mm(struct x11_display *d, int w, int h, int *mmw,
			  int *mmh)
{
	int cur_mmw = DisplayWidthMM(d->dpy, d->screen);
	int cur_mmh = DisplayHeightMM(d->dpy, d->screen);

	*mmw = cur_mmw > 0 ? (int)((long)cur_mmw * w / d->width)
			   : (int)((long)w * 254 / 960);
	*mmh = cur_mmh > 0 ? (int)((long)cur_mmh * h / d->height)
			   : (int)((long)h * 254 / 960);
	*mmw = *mmw > 0 ? *mmw : 1;
	*mmh = *mmh > 0 ? *mmh : 1;
}

static int randr_check_range(struct x11_display *d, int w, int h)
{
	int minw, minh, maxw, maxh, ok, err;
	struct x11_trap trap;

	x11_trap_begin(&trap, d->dpy);
	ok = XRRGetScreenSizeRange(d->dpy, d->root, &minw, &minh, &maxw, &maxh);
	err = x11_trap_end(&trap);
	if (!ok || err) {
		log_warn("resize to %dx%d refused: the X server gives no "
			 "screen size range (error %d)",
			 w, h, err);
		return RFB_RESIZE_PROHIBITED;
	}
	if (w < minw || h < minh || w > maxw || h > maxh) {
		log_info("resize to %dx%d refused: the X screen can be "
			 "%dx%d to %dx%d",
			 w, h, minw, minh, maxw, maxh);
		return RFB_RESIZE_INVALID;
	}
	return RFB_RESIZE_OK;
}

static const XRRModeInfo *randr_mode(const XRRScreenResources *res, RRMode id)
{
	for (int i = 0; i < res->nmode; i++)
		if (res->modes[i].id == id)
			return &res->modes[i];
	return NULL;
}

/* A virtual monitor: the only active CRTC, unrotated at 0,0 over the
 * whole screen, in a mode without a pixel clock (no monitor is driven
 * by it).  Returns false, with nothing to free, for anything else. */
static bool randr_find_virtual(struct x11_randr *r, XRRScreenResources *res,
			       struct randr_monitor *mon)
{
	struct x11_display *d = r->disp;
	const XRRModeInfo *mode;
	int active = 0;

	mon->info = NULL;
	mon->crtc = None;
	for (int i = 0; i < res->ncrtc; i++) {
		XRRCrtcInfo *ci = XRRGetCrtcInfo(d->dpy, res, res->crtcs[i]);

		if (!ci)
			continue;
		if (ci->mode != None && active++ == 0) {
			mon->crtc = res->crtcs[i];
			mon->info = ci;
			continue;
		}
		XRRFreeCrtcInfo(ci);
	}
	if (!mon->info)
		return false;
	mode = randr_mode(res, mon->info->mode);
	if (active == 1 && mode && !mode->dotClock && !mon->info->x &&
	    !mon->info->y && mon->info->rotation == RR_Rotate_0 &&
	    (int)mon->info->width == d->width &&
	    (int)mon->info->height == d->height && mon->info->noutput > 0)
		return true;
	XRRFreeCrtcInfo(mon->info);
	mon->info = NULL;
	return false;
}

/* Whether every active CRTC lies inside w x h. */
static bool randr_crtcs_fit(struct x11_display *d, XRRScreenResources *res,
			    int w, int h)
{
	bool fit = true;

	for (int i = 0; i < res->ncrtc && fit; i++) {
		XRRCrtcInfo *ci = XRRGetCrtcInfo(d->dpy, res, res->crtcs[i]);

		if (!ci)
			continue;
		fit = ci->mode == None || (ci->x + (int)ci->width <= w &&
					   ci->y + (int)ci->height <= h);
		XRRFreeCrtcInfo(ci);
	}
	return fit;
}

/* A mode of exactly w x h: one the server has (Xvfb's own, or ours from
 * before), else a new one. */
static RRMode randr_get_mode(struct x11_randr *r, XRRScreenResources *res,
			     int w, int h)
{
	XRRModeInfo info;
	char name[48];

	for (int i = 0; i < res->nmode; i++)
		if ((int)res->modes[i].width == w &&
		    (int)res->modes[i].height == h && !res->modes[i].dotClock)
			return res->modes[i].id;
	snprintf(name, sizeof(name), "%dx%d-xrfbshare", w, h);
	memset(&info, 0, sizeof(info));
	info.width = info.hSyncStart = info.hSyncEnd = info.hTotal =
		(unsigned)w;
	info.height = info.vSyncStart = info.vSyncEnd = info.vTotal =
		(unsigned)h;
	info.name = name;
	info.nameLength = (unsigned)strlen(name);
	return XRRCreateMode(r->disp->dpy, r->disp->root, &info);
}

static void randr_drop_mode(struct x11_randr *r, const XRRCrtcInfo *ci,
			    RRMode mode)
{
	struct x11_trap trap;

	x11_trap_begin(&trap, r->disp->dpy);
	for (int i = 0; i < ci->noutput; i++)
		XRRDeleteOutputMode(r->disp->dpy, ci->outputs[i], mode);
	XRRDestroyMode(r->disp->dpy, mode);
	x11_trap_end(&trap);
}

static void randr_screen_size(struct x11_display *d, int w, int h)
{
	int mmw, mmh;

	randr_size_mm(d, w, h, &mmw, &mmh);
	XRRSetScreenSize(d->dpy, d->root, w, h, mmw, mmh);
}

/* Under a server grab, so that nobody sees the steps: a CRTC must fit in
 * the screen at every step, so the screen first grows to cover both the
 * old and the new size, then the monitor changes, then the screen
 * shrinks to the new size. */
static int randr_switch(struct x11_randr *r, XRRScreenResources *res,
			const struct randr_monitor *mon, RRMode mode, int w,
			int h)
{
	struct x11_display *d = r->disp;
	const XRRCrtcInfo *ci = mon->info;
	int bw = w > d->width ? w : d->width,
	    bh = h > d->height ? h : d->height;
	struct x11_trap trap;
	Status st;
	int err;

	x11_trap_begin(&trap, d->dpy);
	for (int i = 0; i < ci->noutput; i++)
		XRRAddOutputMode(d->dpy, ci->outputs[i], mode);
	XGrabServer(d->dpy);
	if (bw != d->width || bh != d->height)
		randr_screen_size(d, bw, bh);
	st = XRRSetCrtcConfig(d->dpy, res, mon->crtc, CurrentTime, 0, 0, mode,
			      ci->rotation, ci->outputs, ci->noutput);
	if (bw != w || bh != h)
		randr_screen_size(d, w, h);
	XUngrabServer(d->dpy);
	err = x11_trap_end(&trap);
	if (!err && st == RRSetConfigSuccess)
		return RFB_RESIZE_OK;
	log_warn("resize to %dx%d refused by the X server (error %d, "
		 "status %d)",
		 w, h, err, st);
	return err == BadAlloc ? RFB_RESIZE_NO_RESOURCES
			       : RFB_RESIZE_PROHIBITED;
}

/* The monitor follows the screen; the mode we made for the previous
 * size goes once unused, so that resizing often leaves no trail. */
static int randr_resize_virtual(struct x11_randr *r, XRRScreenResources *res,
				const struct randr_monitor *mon, int w, int h)
{
	RRMode mode = randr_get_mode(r, res, w, h);
	bool made = !randr_mode(res, mode);
	int status;

	if (mode == None) {
		log_warn("resize to %dx%d refused: no mode could be made", w,
			 h);
		return RFB_RESIZE_NO_RESOURCES;
	}
	status = randr_switch(r, res, mon, mode, w, h);
	if (status != RFB_RESIZE_OK) {
		if (made)
			randr_drop_mode(r, mon->info, mode);
		return status;
	}
	if (r->made != None && r->made != mode)
		randr_drop_mode(r, mon->info, r->made);
	if (made || r->made != mode)
		r->made = made ? mode : None;
	return RFB_RESIZE_OK;
}

/* Monitors that fit stay as they are, like `xrandr --fb WxH`. */
static int randr_resize_screen(struct x11_display *d, int w, int h)
{
	struct x11_trap trap;
	int err;

	x11_trap_begin(&trap, d->dpy);
	randr_screen_size(d, w, h);
	err = x11_trap_end(&trap);
	if (!err)
		return RFB_RESIZE_OK;
	log_warn("resize to %dx%d refused by the X server (error %d)", w, h,
		 err);
	return err == BadAlloc ? RFB_RESIZE_NO_RESOURCES
			       : RFB_RESIZE_PROHIBITED;
}

int x11_randr_set_size(struct x11_randr *r, int w, int h)
{
	struct x11_display *d = r->disp;
	struct randr_monitor mon;
	XRRScreenResources *res;
	int status;

	if (!d->have_randr) {
		log_info("resize to %dx%d refused: no RandR 1.2", w, h);
		return RFB_RESIZE_PROHIBITED;
	}
	if (w < 1 || h < 1 || w > RFB_MAX_FB_SIDE || h > RFB_MAX_FB_SIDE) {
		log_info("resize to %dx%d refused: sides are 1 to %d", w, h,
			 RFB_MAX_FB_SIDE);
		return RFB_RESIZE_INVALID;
	}
	status = randr_check_range(d, w, h);
	if (status != RFB_RESIZE_OK)
		return status;
	res = XRRGetScreenResourcesCurrent(d->dpy, d->root);
	if (!res) {
		log_warn("resize to %dx%d refused: no screen resources", w, h);
		return RFB_RESIZE_PROHIBITED;
	}
	if (randr_find_virtual(r, res, &mon)) {
		status = randr_resize_virtual(r, res, &mon, w, h);
		XRRFreeCrtcInfo(mon.info);
	} else if (randr_crtcs_fit(d, res, w, h)) {
		status = randr_resize_screen(d, w, h);
	} else {
		log_info("resize to %dx%d refused: a monitor would not fit, "
			 "and real monitors' modes are left alone",
			 w, h);
		status = RFB_RESIZE_PROHIBITED;
	}
	XRRFreeScreenResources(res);
	return status;
}

bool x11_randr_event(struct x11_randr *r, XEvent *ev)
{
	struct x11_display *d = r->disp;

	if (!d->have_randr || ev->type != d->randr_event + RRScreenChangeNotify)
		return false;
	XRRUpdateConfiguration(ev);
	return true;
}

void x11_randr_root_size(struct x11_randr *r, int *w, int *h)
{
	struct x11_display *d = r->disp;
	unsigned rw = 0, rh = 0, border, depth;
	Window root;
	int x, y;

	if (!XGetGeometry(d->dpy, d->root, &root, &x, &y, &rw, &rh, &border,
			  &depth)) {
		rw = (unsigned)d->width;
		rh = (unsigned)d->height;
	}
	*w = (int)rw;
	*h = (int)rh;
}
