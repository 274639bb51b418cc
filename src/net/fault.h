/* Fault injection for testing: a connection layer that makes the layer
 * below look like a bad network -- short reads and writes, EAGAIN, EINTR,
 * resets, a full send buffer.  It is stacked on connections only when
 * the XRFBSHARE_FAULTS environment variable asks for it; otherwise it
 * is never created and costs nothing. */
#ifndef XRFB_NET_FAULT_H
#define XRFB_NET_FAULT_H

#include <stdbool.h>

#include "net/conn.h"

/* Read the settings from `spec` ("seed=N,short=P,eagain=P,eintr=P,
 * reset=P,full=P", each P a probability per call in [0,1]; NULL or ""
 * turns injection off).  -1 with a message in `why` if malformed. */
int net_fault_setup(const char *spec, char *why, size_t whylen);

/* Whether net_fault_setup() turned injection on. */
bool net_fault_enabled(void);

/* Stack the fault layer on `inner` when enabled; otherwise, or when out
 * of memory, `inner` itself.  Takes ownership of inner. */
struct net_conn *net_fault_wrap(struct net_conn *inner);

#endif
