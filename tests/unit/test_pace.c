/* Frame pacing decisions (-fps) against a fake clock. */
#include "unit.h"
#include "util/pace.h"

static void test_first_frame_at_once(void)
{
	struct pace p;

	pace_init(&p, 60);
	CHECK_EQ(p.interval_ms, 16);
	CHECK_EQ(pace_delay(&p, 12345), 0);
}

static void test_burst_is_paced(void)
{
	struct pace p;

	pace_init(&p, 60);
	pace_mark(&p, 1000);
	CHECK_EQ(pace_delay(&p, 1000), 16);
	CHECK_EQ(pace_delay(&p, 1004), 12);
	CHECK_EQ(pace_delay(&p, 1014), 2);
	/* One ms of slack for the whole-ms clock. */
	CHECK_EQ(pace_delay(&p, 1015), 0);
	CHECK_EQ(pace_delay(&p, 1016), 0);
}

static void test_quiet_spell(void)
{
	struct pace p;

	pace_init(&p, 30);
	pace_mark(&p, 5000);
	/* Long after the last frame: the next goes without waiting. */
	CHECK_EQ(pace_delay(&p, 9000), 0);
	pace_mark(&p, 9000);
	CHECK_EQ(pace_delay(&p, 9010), 23);
}

static void test_limits(void)
{
	struct pace p;

	pace_init(&p, 0);
	CHECK_EQ(p.interval_ms, 1000 / PACE_DEFAULT_FPS);
	pace_init(&p, 100000);
	CHECK_EQ(p.interval_ms, 1);
	pace_mark(&p, 10);
	CHECK_EQ(pace_delay(&p, 10), 0);
	pace_init(&p, 1);
	pace_mark(&p, 10);
	CHECK_EQ(pace_delay(&p, 510), 500);
	/* A clock that went backwards never stalls frames. */
	CHECK_EQ(pace_delay(&p, 5), 0);
}

int main(void)
{
	UNIT_RUN(test_first_frame_at_once);
	UNIT_RUN(test_burst_is_paced);
	UNIT_RUN(test_quiet_spell);
	UNIT_RUN(test_limits);
	return UNIT_DONE();
}
