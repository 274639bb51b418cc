/* -storepasswd [PASS] [FILE]: write PASS (asked for on the terminal when
 * omitted) to FILE (default ~/.vnc/passwd) in vncpasswd format, mode
 * 0600.  Returns the exit status. */
#ifndef XRFB_STOREPASSWD_H
#define XRFB_STOREPASSWD_H

#include "config.h"

int storepasswd_run(const struct config *cfg);

#endif
