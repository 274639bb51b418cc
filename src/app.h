/* The running program: the X backend, the RFB server, and every way in
 * (listeners, systemd sockets, inetd, reverse connections). */
#ifndef XRFB_APP_H
#define XRFB_APP_H

#include "config.h"

/* Run until a signal, -once, -timeout or the display going away; returns
 * the exit status (see the man page's EXIT STATUS). */
int app_run(struct config *cfg);

#endif
