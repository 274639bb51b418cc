/* Keysyms and Unicode.  Viewers send a character beyond Latin-1 as a
 * Unicode keysym (0x01000000 | code point) while layouts name most of
 * them with the legacy keysyms of X11R6 (Cyrillic_pe, EuroSign); these
 * conversions let the two meet.  Pure functions.  Internal to src/x11/. */
#ifndef XRFB_X11_KEYSYMS_H
#define XRFB_X11_KEYSYMS_H

#include <stdbool.h>
#include <stdint.h>

#define X11_KEYSYM_UNICODE 0x01000000u

/* The character a keysym types, or 0 for keysyms that are not characters
 * (function keys, modifiers, dead keys). */
uint32_t x11_keysym_to_ucs(uint32_t keysym);

/* The keysym a layout most likely uses for `ucs`: the Latin-1 or legacy
 * keysym where one exists, else the Unicode keysym. */
uint32_t x11_ucs_to_keysym(uint32_t ucs);

/* `a` and `b` type the same thing: equal, or the same character. */
bool x11_keysym_same(uint32_t a, uint32_t b);

#endif
