/* The rate is measured only when bytes were waiting at both ends of a
 * sample (the link, not we, was the limit); an app-limited sample can
 * only show that the link is at least that fast.  The window is the
 * bandwidth-delay product plus a little queue, so the delay an update
 * waits behind earlier ones stays near one round trip. */
#include "rfb/congestion.h"

void rfb_cc_init(struct rfb_cc *cc)
{
	*cc = (struct rfb_cc){ 0 };
}

void rfb_cc_sent(struct rfb_cc *cc, size_t n)
{
	cc->sent += n;
}

static void rate_sample(struct rfb_cc *cc, uint64_t now, bool backlog)
{
	uint64_t dt = now - cc->sample_ms;
	uint64_t r = (cc->acked - cc->sample_acked) / dt;

	if (r > UINT32_MAX)
		r = UINT32_MAX;
	if (cc->sample_backlog && backlog)
		cc->rate = cc->rate ? (uint32_t)((3 * (uint64_t)cc->rate + r) / 4) :
				      (uint32_t)r;
	else if (r > cc->rate)
		cc->rate = (uint32_t)r;
	if (!cc->rate)
		cc->rate = 1;
}

void rfb_cc_queued(struct rfb_cc *cc, uint64_t now, size_t queued)
{
	bool backlog = queued > 0;

	cc->acked = queued < cc->sent ? cc->sent - queued : 0;
	if (!cc->sampled || now < cc->sample_ms) {
		cc->sampled = true;
	} else if (now - cc->sample_ms < RFB_CC_SAMPLE_MS) {
		/* Too short to measure; remember a backlog that ended. */
		cc->sample_backlog &= backlog;
		return;
	} else if (cc->acked > cc->sample_acked || backlog) {
		rate_sample(cc, now, backlog);
	}
	cc->sample_ms = now;
	cc->sample_acked = cc->acked;
	cc->sample_backlog = backlog;
}

void rfb_cc_rtt(struct rfb_cc *cc, uint32_t ms)
{
	if (!cc->have_rtt || ms < cc->rtt_ms)
		cc->rtt_ms = ms;
	cc->have_rtt = true;
}

size_t rfb_cc_window(const struct rfb_cc *cc)
{
	uint64_t w;

	if (!cc->rate)
		return RFB_CC_START_WINDOW;
	w = (uint64_t)cc->rate * (cc->rtt_ms + RFB_CC_QUEUE_MS);
	if (w < RFB_CC_MIN_WINDOW)
		w = RFB_CC_MIN_WINDOW;
	return w > SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)w;
}

size_t rfb_cc_in_flight(const struct rfb_cc *cc)
{
	return (size_t)(cc->sent - cc->acked);
}

bool rfb_cc_may_send(const struct rfb_cc *cc, size_t unsent)
{
	return rfb_cc_in_flight(cc) + unsent < rfb_cc_window(cc);
}
