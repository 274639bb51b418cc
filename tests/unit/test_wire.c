/* Wire helpers: the growable big-endian writer and the bounds-checked
 * reader cursor. */
#include "util/buf.h"

#include <stdint.h>

#include "unit.h"

static bool bytes_are(const struct buf *b, const uint8_t *want, size_t n)
{
	return b->len == n && !memcmp(b->data, want, n);
}

#define BYTES_ARE(b, ...)                                              \
	bytes_are(b, (const uint8_t[]){ __VA_ARGS__ },                  \
		  sizeof((const uint8_t[]){ __VA_ARGS__ }))

static void test_writers(void)
{
	struct buf b;

	buf_init(&b);
	CHECK(b.len == 0 && !b.failed);
	buf_put_u8(&b, 0xab);
	buf_put_u16(&b, 0x1234);
	buf_put_u32(&b, 0xdeadbeef);
	buf_append(&b, "xy", 2);
	buf_put_zeros(&b, 3);
	CHECK(BYTES_ARE(&b, 0xab, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 'x',
			'y', 0, 0, 0));
	buf_set_u16(&b, 1, 0xcafe);
	buf_set_u32(&b, 8, 0x01020304);
	CHECK(BYTES_ARE(&b, 0xab, 0xca, 0xfe, 0xde, 0xad, 0xbe, 0xef, 'x',
			0x01, 0x02, 0x03, 0x04));
	/* setters never write past the end */
	buf_set_u16(&b, 11, 0xffff);
	buf_set_u32(&b, 9, 0xffffffff);
	CHECK_EQ(b.len, 12);
	CHECK_EQ(b.data[11], 0x04);
	buf_append(&b, NULL, 0);
	buf_put_zeros(&b, 0);
	CHECK_EQ(b.len, 12);
	CHECK(!b.failed);
	buf_free(&b);
	CHECK(b.data == NULL && b.len == 0 && b.cap == 0);
}

static void test_growth(void)
{
	struct buf b;
	size_t i, bad = 0;

	buf_init(&b);
	for (i = 0; i < 100000; i++)
		buf_put_u8(&b, i * 7);
	CHECK_EQ(b.len, 100000);
	CHECK(b.cap >= b.len);
	for (i = 0; i < b.len; i++)
		bad += b.data[i] != (uint8_t)(i * 7);
	CHECK_EQ(bad, 0);
	CHECK_EQ(buf_reserve(&b, 5000000), 0);
	CHECK(b.cap >= b.len + 5000000);
	CHECK_EQ(b.len, 100000);
	buf_free(&b);
}

static void test_consume_clear(void)
{
	struct buf b;

	buf_init(&b);
	buf_append(&b, "abcdef", 6);
	buf_consume(&b, 2);
	CHECK(BYTES_ARE(&b, 'c', 'd', 'e', 'f'));
	buf_consume(&b, 0);
	CHECK_EQ(b.len, 4);
	buf_consume(&b, 4);
	CHECK_EQ(b.len, 0);
	buf_append(&b, "gh", 2);
	CHECK(BYTES_ARE(&b, 'g', 'h'));
	buf_consume(&b, 99);
	CHECK_EQ(b.len, 0);
	buf_append(&b, "ij", 2);
	buf_clear(&b);
	CHECK(b.len == 0 && !b.failed && b.cap > 0);
	buf_free(&b);
}

/* A failed reservation sticks: later writes are dropped until cleared. */
static void test_failed(void)
{
	struct buf b;

	buf_init(&b);
	buf_put_u16(&b, 0x0102);
	CHECK_EQ(buf_reserve(&b, SIZE_MAX), -1);
	CHECK(b.failed);
	CHECK_EQ(b.len, 2);
	buf_put_u32(&b, 1);
	buf_append(&b, "abc", 3);
	buf_put_zeros(&b, 4);
	buf_put_u8(&b, 9);
	CHECK_EQ(b.len, 2);
	CHECK_EQ(buf_reserve(&b, 1), -1);
	buf_set_u16(&b, 0, 0xffff);
	CHECK(b.data[0] == 1 && b.data[1] == 2);
	CHECK(b.failed);
	buf_clear(&b);
	CHECK(!b.failed);
	buf_put_u8(&b, 5);
	CHECK(BYTES_ARE(&b, 5));
	CHECK_EQ(buf_reserve(&b, SIZE_MAX / 2), -1);
	CHECK(b.failed);
	buf_free(&b);
	CHECK(!b.failed);
}

static void test_reader(void)
{
	static const uint8_t in[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
				      0x07, 0x08, 0x09, 0xfe, 0xff };
	const uint8_t *p;
	struct rd r;

	rd_init(&r, in, sizeof(in));
	CHECK_EQ(rd_left(&r), 11);
	CHECK(rd_has(&r, 11) && !rd_has(&r, 12));
	CHECK_EQ(rd_u8(&r), 0x01);
	CHECK_EQ(rd_u16(&r), 0x0203);
	CHECK_EQ(rd_u32(&r), 0x04050607);
	p = rd_bytes(&r, 2);
	CHECK(p == in + 7);
	rd_skip(&r, 1);
	CHECK_EQ(rd_left(&r), 1);
	CHECK(!r.overrun);
	/* u16 needs two bytes and one is left */
	CHECK_EQ(rd_u16(&r), 0);
	CHECK(r.overrun);
	CHECK_EQ(rd_left(&r), 0);
	CHECK_EQ(rd_u8(&r), 0);
	CHECK_EQ(rd_u32(&r), 0);
	CHECK(r.overrun);
}

static void test_reader_edges(void)
{
	static const uint8_t in[] = { 0xff, 0xfe, 0xfd, 0xfc, 0xfb };
	struct rd r;

	rd_init(&r, in, sizeof(in));
	CHECK(rd_u32(&r) == 0xfffefdfcu); /* no sign extension */
	CHECK(rd_bytes(&r, 0) != NULL);
	CHECK(rd_bytes(&r, 2) == NULL);
	CHECK(r.overrun);
	CHECK_EQ(rd_left(&r), 0);

	rd_init(&r, in, sizeof(in));
	CHECK(!r.overrun);
	CHECK_EQ(rd_u32(&r), 0xfffefdfc);
	CHECK_EQ(rd_u8(&r), 0xfb);
	CHECK(!r.overrun);
	CHECK(rd_bytes(&r, 1) == NULL);
	CHECK(r.overrun);

	rd_init(&r, in, 3);
	CHECK_EQ(rd_u32(&r), 0);
	CHECK(r.overrun);
	rd_init(&r, in, sizeof(in));
	rd_skip(&r, 6);
	CHECK(r.overrun);
	rd_init(&r, NULL, 0);
	CHECK_EQ(rd_u8(&r), 0);
	CHECK(r.overrun);
}

int main(void)
{
	UNIT_RUN(test_writers);
	UNIT_RUN(test_growth);
	UNIT_RUN(test_consume_clear);
	UNIT_RUN(test_failed);
	UNIT_RUN(test_reader);
	UNIT_RUN(test_reader_edges);
	return UNIT_DONE();
}
