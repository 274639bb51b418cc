/* Congestion control against a fake clock and a fake link: the rate and
 * window it learns, and that a slow link gets fewer, larger updates with
 * a bounded queue where sending without it lets the queue grow. */
#include "engine_harness.h"
#include "rfb/internal.h"

/* A link delivering `rate` bytes per ms after a fixed delay; `queued` is
 * what the sender's socket would report as not yet delivered. */
struct link {
	uint64_t rate;
	uint64_t queued;
};

static void link_step(struct link *l, uint64_t ms)
{
	uint64_t d = l->rate * ms;

	l->queued = d >= l->queued ? 0 : l->queued - d;
}

struct run {
	int updates;
	uint64_t max_queued;
	uint64_t max_update;
};

/* 5 s of a screen changing every 16 ms; each update carries everything
 * changed since the last one (`per_frame` bytes a frame, at most a full
 * screen of `full` bytes). */
static struct run simulate(uint64_t rate, uint32_t rtt, bool controlled,
			   uint64_t per_frame, uint64_t full)
{
	struct rfb_cc cc;
	struct link l = { rate, 0 };
	struct run out = { 0 };
	uint64_t owed = 0;

	rfb_cc_init(&cc);
	for (uint64_t now = 0; now < 5000; now++) {
		link_step(&l, 1);
		if (now % 16 == 0)
			owed = owed + per_frame > full ? full : owed + per_frame;
		rfb_cc_queued(&cc, now, l.queued);
		rfb_cc_rtt(&cc, rtt);
		if (!owed || (controlled && !rfb_cc_may_send(&cc, 0)))
			continue;
		rfb_cc_sent(&cc, owed);
		l.queued += owed;
		out.updates++;
		if (owed > out.max_update)
			out.max_update = owed;
		owed = 0;
		if (l.queued > out.max_queued)
			out.max_queued = l.queued;
	}
	return out;
}

static void test_start(void)
{
	struct rfb_cc cc;

	rfb_cc_init(&cc);
	CHECK_EQ(rfb_cc_window(&cc), RFB_CC_START_WINDOW);
	CHECK(rfb_cc_may_send(&cc, 0));
	CHECK(!rfb_cc_may_send(&cc, RFB_CC_START_WINDOW));
}

/* A backlogged link's rate is measured; an idle one's only raised. */
static void test_rate(void)
{
	struct rfb_cc cc;

	rfb_cc_init(&cc);
	rfb_cc_sent(&cc, 10000000);
	rfb_cc_queued(&cc, 100, 10000000);
	rfb_cc_queued(&cc, 200, 9000000); /* 1 MB in 100 ms */
	CHECK_EQ(cc.rate, 10000);
	CHECK_EQ(rfb_cc_in_flight(&cc), 9000000);
	rfb_cc_rtt(&cc, 60);
	rfb_cc_rtt(&cc, 80); /* the smallest round trip counts */
	CHECK_EQ(rfb_cc_window(&cc), 10000 * (60 + RFB_CC_QUEUE_MS));
	CHECK(!rfb_cc_may_send(&cc, 0));
	/* Samples closer than RFB_CC_SAMPLE_MS are not rates. */
	rfb_cc_queued(&cc, 205, 8000000);
	CHECK_EQ(cc.rate, 10000);
	/* Drained: room again.  App-limited samples never lower it. */
	rfb_cc_queued(&cc, 400, 0);
	CHECK(rfb_cc_may_send(&cc, 0));
	rfb_cc_sent(&cc, 10);
	rfb_cc_queued(&cc, 1400, 0);
	CHECK(cc.rate >= 10000);
	/* A tiny window is never below one modest update. */
	cc.rate = 1;
	CHECK_EQ(rfb_cc_window(&cc), RFB_CC_MIN_WINDOW);
}

/* 2 MB/s, 50 ms round trip, 100 KB of change a frame in a 1 MB area.
 * Without control the queue (the delay) keeps growing; with it, it stays
 * within a window and one update, and the updates are fewer and carry
 * more each. */
static void test_slow_link(void)
{
	struct run free_ = simulate(2000, 50, false, 100000, 1000000);
	struct run cc = simulate(2000, 50, true, 100000, 1000000);

	printf("uncontrolled: %d updates, queue up to %llu; controlled: %d "
	       "updates, queue up to %llu, largest update %llu\n",
	       free_.updates, (unsigned long long)free_.max_queued,
	       cc.updates, (unsigned long long)cc.max_queued,
	       (unsigned long long)cc.max_update);
	CHECK(free_.max_queued > 20000000);
	CHECK(cc.max_queued <= 2000 * (50 + RFB_CC_QUEUE_MS) + 1000000);
	CHECK(cc.updates < free_.updates / 2);
	CHECK(cc.max_update > 100000);
}

/* A fast link is not held back: every frame goes. */
static void test_fast_link(void)
{
	struct run r = simulate(1000000, 0, true, 3000000, 6000000);

	CHECK_EQ(r.updates, 5000 / 16 + 1);
	CHECK_EQ(r.max_update, 3000000);
}

static void send_encodings(int fd, const int32_t *e, int n)
{
	uint8_t m[4 + 4 * 8] = { 2, 0, 0, (uint8_t)n };

	for (int i = 0; i < n; i++) {
		m[4 + 4 * i] = (uint8_t)(e[i] >> 24);
		m[5 + 4 * i] = (uint8_t)(e[i] >> 16);
		m[6 + 4 * i] = (uint8_t)(e[i] >> 8);
		m[7 + 4 * i] = (uint8_t)e[i];
	}
	send_bytes(fd, m, 4 + 4 * (size_t)n);
}

/* One changed pixel: its Raw update, then our Fence request; returns
 * the Fence's 8-byte payload in `ping`. */
static bool change_and_read(int fd, uint8_t *ping)
{
	struct rfb_rect r = { 1, 1, 1, 1 };
	uint8_t m[16 + 4 + 9];

	pixels[FB_W + 1] ^= 0x123456;
	rfb_server_damage(srv, &r);
	pump();
	if (!CHECK(recv_bytes(fd, m, sizeof(m))))
		return false;
	CHECK(m[0] == 0 && m[3] == 1); /* one rectangle */
	CHECK_EQ(m[20], 248);
	CHECK(be32(m + 24) >> 31); /* a request */
	CHECK_EQ(m[28], 8);
	return CHECK(recv_bytes(fd, ping, 8)) && CHECK(!memcmp(ping, "xrCC", 4));
}

/* A viewer with Fence and ContinuousUpdates gets a Fence after each
 * update; with RFB_CC_MAX_PINGS unanswered it gets no more updates until
 * it answers one. */
static void test_fence_pings(void)
{
	static const int32_t encs[] = { ENC_RAW, ENC_PSEUDO_FENCE,
					ENC_PSEUDO_CONTINUOUS_UPDATES };
	uint8_t m[16], pings[RFB_CC_MAX_PINGS][8];
	uint8_t cu[10] = { 150, 1, 0, 0, 0, 0, 0, FB_W, 0, FB_H };
	uint8_t answer[9 + 8] = { 248, 0, 0, 0, 0, 0, 0, 1, 8 };
	int fd;

	new_server(NULL, false, 0);
	fd = normal_client();
	send_encodings(fd, encs, 3);
	CHECK(recv_bytes(fd, m, 9 + 1)); /* Fence announce, EndOfCU */
	send_bytes(fd, cu, sizeof(cu));
	for (int i = 0; i < RFB_CC_MAX_PINGS; i++)
		if (!change_and_read(fd, pings[i]))
			goto out;
	pixels[FB_W + 1] ^= 0x123456;
	rfb_server_damage(srv, &(struct rfb_rect){ 1, 1, 1, 1 });
	pump();
	pump();
	CHECK(recv(fd, m, 1, MSG_DONTWAIT) < 0); /* held back */
	memcpy(answer + 9, pings[0], 8);
	send_bytes(fd, answer, sizeof(answer));
	CHECK(recv_bytes(fd, m, 16) && m[0] == 0);
out:
	close(fd);
	free_server();
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	UNIT_RUN(test_fence_pings);
	UNIT_RUN(test_start);
	UNIT_RUN(test_rate);
	UNIT_RUN(test_slow_link);
	UNIT_RUN(test_fast_link);
	return UNIT_DONE();
}
