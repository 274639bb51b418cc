/* Clipboard text on the X side: UTF-8 sanitising (NULs dropped, invalid
 * bytes replaced by U+FFFD), the Latin-1 conversions STRING needs, and
 * the reassembly of INCR chunks under the size cap. */
#include <stdlib.h>
#include <X11/Xatom.h>

#include "x11/incr.h"
#include "x11/utf8.h"

#include "unit.h"

#define FFFD "\xef\xbf\xbd"

/* x11_utf8_clean(in) == want, byte for byte. */
static void clean_is(const char *in, size_t len, const char *want)
{
	size_t n = 0;
	char *out = x11_utf8_clean(in, len, &n);

	if (!CHECK(out))
		return;
	CHECKF(n == strlen(want) && !memcmp(out, want, n),
	       "clean(\"%.*s\") gave \"%s\" (%zu bytes), want \"%s\"", (int)len,
	       in, out, n, want);
	CHECK_EQ(out[n], 0);
	free(out);
}

static void test_clean_valid(void)
{
	const char *s = "Hello äöüß € Привет \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf";

	clean_is(s, strlen(s), s);
	clean_is("", 0, "");
}

static void test_clean_nul(void)
{
	clean_is("a\0b\0", 4, "ab");
	clean_is("\0\0\0", 3, "");
}

static void test_clean_invalid(void)
{
	clean_is("a\xffz", 3, "a" FFFD "z");
	clean_is("\x80", 1, FFFD);
	/* Overlong '/', a surrogate, beyond U+10FFFF. */
	clean_is("\xc0\xaf", 2, FFFD FFFD);
	clean_is("\xed\xa0\x80", 3, FFFD FFFD FFFD);
	clean_is("\xf4\x90\x80\x80", 4, FFFD FFFD FFFD FFFD);
	/* Cut short, at the end and before an ASCII byte. */
	clean_is("x\xe2\x82", 3, "x" FFFD FFFD);
	clean_is("\xe2\x82y", 3, FFFD FFFD "y");
	/* Latin-1 sent as if it were UTF-8. */
	clean_is("gr\xfc\xdf", 4, "gr" FFFD FFFD);
}

static void test_latin1(void)
{
	size_t n;
	char *s = x11_latin1_to_utf8("gr\xfc\0\xdf", 5, &n);

	CHECK(s && n == 6 && !memcmp(s, "gr\xc3\xbc\xc3\x9f", 6));
	free(s);
	s = x11_utf8_to_latin1("\xc3\xa9t\xc3\xa9 \xd0\x9f\xe2\x82\xac", 11,
			       &n);
	CHECK(s && n == 6 && !memcmp(s, "\xe9t\xe9 ??", 6));
	free(s);
}

static void test_incr_chunks(void)
{
	struct x11_incr_recv r = { 0 };
	static char big[100000];

	memset(big, 'x', sizeof(big));
	/* Chunks before a start belong to nobody. */
	CHECK(!x11_incr_recv_chunk(&r, XA_STRING, "zz", 2));
	x11_incr_recv_start(&r, 1 << 20);
	CHECK(!x11_incr_recv_chunk(&r, 42, "abc", 3));
	CHECK(!x11_incr_recv_chunk(&r, 42, big, sizeof(big)));
	CHECK(!x11_incr_recv_chunk(&r, 42, "def", 3));
	CHECK(x11_incr_recv_chunk(&r, 42, NULL, 0));
	CHECK(!r.active);
	CHECK(!r.over);
	CHECK_EQ(r.type, 42);
	CHECK_EQ(r.len, sizeof(big) + 6);
	CHECK(r.buf && !memcmp(r.buf, "abc", 3) && r.buf[3] == 'x' &&
	      !memcmp(r.buf + r.len - 3, "def", 3));
	x11_incr_recv_reset(&r);
	CHECK(!r.buf && !r.len && !r.active);
}

/* Past the cap the rest is still taken (so the owner can finish) but
 * not kept; exactly the cap is fine. */
static void test_incr_cap(void)
{
	struct x11_incr_recv r = { 0 };

	x11_incr_recv_start(&r, 6);
	x11_incr_recv_chunk(&r, XA_STRING, "abc", 3);
	x11_incr_recv_chunk(&r, XA_STRING, "def", 3);
	CHECK(x11_incr_recv_chunk(&r, XA_STRING, "", 0));
	CHECK(!r.over && r.len == 6);
	x11_incr_recv_start(&r, 6);
	CHECK(!r.len && !r.over && r.active);
	x11_incr_recv_chunk(&r, XA_STRING, "abcd", 4);
	x11_incr_recv_chunk(&r, XA_STRING, "efg", 3);
	CHECK(r.over && !r.buf && !r.len);
	x11_incr_recv_chunk(&r, XA_STRING, "more", 4);
	CHECK(r.over && !r.buf);
	CHECK(x11_incr_recv_chunk(&r, XA_STRING, NULL, 0));
	CHECK(r.over);
	x11_incr_recv_reset(&r);
}

int main(void)
{
	UNIT_RUN(test_clean_valid);
	UNIT_RUN(test_clean_nul);
	UNIT_RUN(test_clean_invalid);
	UNIT_RUN(test_latin1);
	UNIT_RUN(test_incr_chunks);
	UNIT_RUN(test_incr_cap);
	return UNIT_DONE();
}
