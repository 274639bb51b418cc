/* Per-client congestion control: how much may be on its way to a viewer
 * before the next update is built.  Bytes the viewer has not received yet
 * (our queue, the kernel's, the network's) are only latency: a slow link
 * gets fewer, larger updates, each carrying everything that changed,
 * instead of a queue of stale ones.  Pure arithmetic on samples the
 * caller takes, so tests drive it with a fake clock and a fake link. */
#ifndef XRFB_RFB_CONGESTION_H
#define XRFB_RFB_CONGESTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Never less than this may be in flight (one modest update). */
#define RFB_CC_MIN_WINDOW (128u << 10)
/* Until the link's rate is known. */
#define RFB_CC_START_WINDOW (4u << 20)
/* Queueing delay accepted on top of the round trip. */
#define RFB_CC_QUEUE_MS 40
/* Delivery-rate samples are taken over at least this long. */
#define RFB_CC_SAMPLE_MS 10

struct rfb_cc {
	uint64_t sent;	      /* bytes handed to the connection, ever */
	uint64_t acked;	      /* of which the viewer has them */
	uint64_t sample_ms;   /* the last rate sample: when, */
	uint64_t sample_acked; /* what was delivered by then, */
	bool sample_backlog;   /* and whether bytes were waiting */
	bool sampled;
	uint32_t rate;	      /* bytes per ms the link delivers; 0 unknown */
	uint32_t rtt_ms;      /* smallest round trip seen; 0 unknown */
	bool have_rtt;
};

void rfb_cc_init(struct rfb_cc *cc);
/* `n` more bytes went to the connection. */
void rfb_cc_sent(struct rfb_cc *cc, size_t n);
/* At `now`, `queued` of the bytes sent are not yet with the viewer (the
 * socket's send queue, unacknowledged data included). */
void rfb_cc_queued(struct rfb_cc *cc, uint64_t now, size_t queued);
/* A round trip to the viewer took `ms` (a Fence, or TCP's estimate). */
void rfb_cc_rtt(struct rfb_cc *cc, uint32_t ms);
/* Bytes that may be in flight: what the link delivers in one round trip
 * plus RFB_CC_QUEUE_MS, at least RFB_CC_MIN_WINDOW. */
size_t rfb_cc_window(const struct rfb_cc *cc);
/* Sent but not delivered, as of the last sample. */
size_t rfb_cc_in_flight(const struct rfb_cc *cc);
/* May an update be built, with `unsent` bytes still in our own queue? */
bool rfb_cc_may_send(const struct rfb_cc *cc, size_t unsent);

#endif
