/* util/loop timers: a stopped timer neither fires nor makes the loop
 * wake for it, and fires again once re-armed. */
#include "unit.h"
#include "util/loop.h"

static int fired;

static void count_cb(void *data)
{
	fired++;
}

static void quit_cb(void *data)
{
	loop_quit(data, 0);
}

static void test_stopped_timer_sleeps(void)
{
	struct loop *l = loop_new();
	struct loop_timer *t;
	uint64_t start;

	fired = 0;
	t = loop_timer_add(l, 1, true, count_cb, NULL);
	loop_timer_stop(l, t);
	loop_timer_add(l, 50, false, quit_cb, l);
	start = loop_now_ms();
	CHECK_EQ(loop_run(l), 0);
	CHECK_EQ(fired, 0);
	/* Woken by the quit timer only, not early for the stopped one. */
	CHECK(loop_now_ms() - start >= 50);

	loop_timer_rearm(l, t, 0);
	loop_timer_add(l, 20, false, quit_cb, l);
	CHECK_EQ(loop_run(l), 0);
	CHECK(fired >= 1);
	loop_timer_del(l, t);
	loop_destroy(l);
}

int main(void)
{
	UNIT_RUN(test_stopped_timer_sleeps);
	return UNIT_DONE();
}
