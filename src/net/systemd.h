/* The two systemd protocols a service needs, spoken directly so that
 * libsystemd is not required: socket activation (LISTEN_FDS) and
 * readiness notification (NOTIFY_SOCKET). */
#ifndef XRFB_NET_SYSTEMD_H
#define XRFB_NET_SYSTEMD_H

/* Sockets systemd passed to this process (fds 3, 4, ...), at most `max`;
 * the variables are removed so children do not inherit them.  Returns the
 * count, 0 when not socket-activated. */
int net_systemd_listen_fds(int *fds, int max);

/* Send `state` ("READY=1", "STOPPING=1", "STATUS=...") to the service
 * manager if NOTIFY_SOCKET is set; -1 only on a send error. */
int net_systemd_notify(const char *state);

#endif
