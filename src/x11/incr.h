/* INCR transfers (ICCCM 2.7.2): selection text too large for one
 * property goes in chunks, the receiver deleting each to ask for the
 * next and a zero-length chunk ending it.  Both sides, for clipboard.c.
 * Internal to src/x11/. */
#ifndef XRFB_X11_INCR_H
#define XRFB_X11_INCR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <X11/Xlib.h>

/* Transfers served at once; the oldest gives way to a new one. */
#define X11_INCR_SENDS 8

struct x11_incr_send {
	Window win; /* the requestor's window; 0: slot unused */
	Atom prop, type;
	long old_mask; /* our event mask on `win` before the transfer */
	char *data;
	size_t len, off;
	uint64_t last_ms; /* last progress */
};

struct x11_incr_server {
	Display *dpy;
	Atom incr;
	size_t chunk; /* largest property we write at once */
	struct x11_incr_send send[X11_INCR_SENDS];
};

void x11_incr_server_init(struct x11_incr_server *s, Display *dpy, Atom incr);
void x11_incr_server_fini(struct x11_incr_server *s);

/* Serve `len` bytes of `data` (malloc'ed; ours from now on, freed on
 * failure too) to property `prop` of `win` as an INCR transfer.  Call it
 * before the SelectionNotify that names the property.  False if the
 * requestor is gone. */
bool x11_incr_serve(struct x11_incr_server *s, Window win, Atom prop, Atom type,
		    char *data, size_t len);

/* A PropertyNotify on some window: true if it belongs to a transfer
 * (the requestor took a chunk; the next one is written). */
bool x11_incr_server_event(struct x11_incr_server *s, const XPropertyEvent *ev);

/* Receiving: the chunks of one selection, kept while within `max`
 * bytes; beyond it the rest is still taken (so the owner finishes) but
 * dropped. */
struct x11_incr_recv {
	bool active;
	bool over; /* went past `max` */
	Atom type; /* of the first chunk */
	char *buf;
	size_t len, cap, max;
};

void x11_incr_recv_start(struct x11_incr_recv *r, size_t max);
/* Add a chunk (`n` 0 ends the transfer).  Returns true when it ended:
 * then r->buf holds r->len bytes unless r->over, until the next start
 * or reset. */
bool x11_incr_recv_chunk(struct x11_incr_recv *r, Atom type, const char *data,
			 size_t n);
void x11_incr_recv_reset(struct x11_incr_recv *r);

#endif
