/* Physical keys of the QEMU Extended Key Event: XT (scan code set 1)
 * codes as rfbproto carries them, the 0xe0 prefix folded into the high
 * bit (0xe0 0x4d, Right, is 0xcd).  Pure.  Internal to src/x11/. */
#ifndef XRFB_X11_XTKEYS_H
#define XRFB_X11_XTKEYS_H

#include <stdint.h>

/* The Linux input code (KEY_*) of an XT code, 0 if not a known key.  X
 * servers using evdev keycodes (Xorg with evdev or libinput, Xvfb, Xvnc)
 * number their keys evdev + 8. */
unsigned x11_xt_to_evdev(uint32_t xt);

#endif
