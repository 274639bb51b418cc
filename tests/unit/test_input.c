/* Input and clipboard extensions against the fake desktop: QEMU Extended
 * Key Event, ExtendedMouseButtons, QEMU LED State, Extended Clipboard. */
#include <zlib.h>

#include "engine_harness.h"

#include "encode/encoder.h"

static void send_encs(int fd, const int32_t *e, int n)
{
	uint8_t m[4 + 4 * 8] = { 2, 0, 0, (uint8_t)n };

	for (int i = 0; i < n; i++) {
		uint32_t v = (uint32_t)e[i];

		m[4 + 4 * i] = (uint8_t)(v >> 24);
		m[5 + 4 * i] = (uint8_t)(v >> 16);
		m[6 + 4 * i] = (uint8_t)(v >> 8);
		m[7 + 4 * i] = (uint8_t)v;
	}
	send_bytes(fd, m, 4 + 4 * (size_t)n);
}

/* Read an update of pseudo-rectangles only; their encodings in encs,
 * a payload byte (LED) in *byte. */
static int read_pseudo(int fd, int32_t *encs, int max, uint8_t *byte)
{
	uint8_t h[12];
	int n;

	send_fbur(fd, true, 0, 0, 1, 1);
	if (!recv_bytes(fd, h, 4) || h[0] != 0)
		return -1;
	n = h[2] << 8 | h[3];
	for (int i = 0; i < n && i < max; i++) {
		if (!recv_bytes(fd, h, 12))
			return -1;
		encs[i] = (int32_t)be32(h + 8);
		if (encs[i] == ENC_PSEUDO_QEMU_LED && !recv_bytes(fd, byte, 1))
			return -1;
	}
	return n;
}

static void send_qemu_key(int fd, uint32_t keysym, uint32_t xt, bool down)
{
	uint8_t m[12] = { 255, 0, 0, down,
			  keysym >> 24, keysym >> 16, keysym >> 8, keysym,
			  xt >> 24, xt >> 16, xt >> 8, xt };

	send_bytes(fd, m, 12);
}

/* rfbproto 7.8.14: announced by an empty rectangle; keys go to key_code
 * and what is held is released when the client goes. */
static void test_qemu_keys(void)
{
	static const int32_t encs[] = { ENC_RAW, ENC_PSEUDO_QEMU_KEY,
					ENC_PSEUDO_EXT_MOUSE };
	int32_t got[4];
	uint8_t bad[2] = { 255, 9 };
	int fd, other;

	new_server(NULL, false, 0);
	fd = normal_client();
	send_encs(fd, encs, 3);
	CHECK_EQ(read_pseudo(fd, got, 4, NULL), 2);
	CHECK(got[0] == ENC_PSEUDO_QEMU_KEY && got[1] == ENC_PSEUDO_EXT_MOUSE);
	send_qemu_key(fd, 'a', 0x1e, true);
	send_qemu_key(fd, 0xff53, 0xcd, true);
	send_qemu_key(fd, 0xff53, 0xcd, false);
	send_qemu_key(fd, 0, 0xb7, true); /* old Print */
	CHECK_EQ(fake.nxt, 2);
	CHECK(fake.xt_down[0] == 0x1e && fake.xt_down[1] == 0x54);
	close(fd);
	pump();
	CHECK_EQ(fake.nxt, 0);
	other = normal_client();
	send_bytes(other, bad, 2);
	CHECK(closed_by_server(other));
	close(other);
	free_server();
}

/* rfbproto 7.5.5: with the extension a set top bit adds a byte. */
static void test_ext_buttons(void)
{
	static const int32_t encs[] = { ENC_RAW, ENC_PSEUDO_EXT_MOUSE };
	uint8_t plain[6] = { 5, 0x80, 0, 1, 0, 1 };
	uint8_t ext[7] = { 5, 0x81, 0, 1, 0, 1, 0x02 };
	int32_t got[2];
	int fd;

	new_server(NULL, false, 0);
	fd = normal_client();
	send_bytes(fd, plain, 6); /* not announced: bit 7 is button 8 */
	CHECK_EQ(fake.buttons, 0x80);
	send_encs(fd, encs, 2);
	CHECK_EQ(read_pseudo(fd, got, 2, NULL), 1);
	send_bytes(fd, ext, 7); /* left + forward */
	CHECK_EQ(fake.buttons, 0x101);
	plain[1] = 0x04;
	send_bytes(fd, plain, 6);
	CHECK_EQ(fake.buttons, 0x04);
	close(fd);
	free_server();
}

/* rfbproto 7.8.17 */
static void test_leds(void)
{
	static const int32_t encs[] = { ENC_RAW, ENC_PSEUDO_QEMU_LED };
	int32_t got[2];
	uint8_t led = 0xff;
	int fd;

	new_server(NULL, false, 0);
	rfb_server_led_state(srv, 4);
	fd = normal_client();
	send_encs(fd, encs, 2);
	CHECK(read_pseudo(fd, got, 2, &led) == 1 && led == 4);
	rfb_server_led_state(srv, 4 | 2);
	CHECK(read_pseudo(fd, got, 2, &led) == 1 && led == 6);
	close(fd);
	free_server();
}

/* An extended ServerCutText: returns flags; the payload into p/n. */
static uint32_t read_ext_cut(int fd, uint8_t *p, size_t max, size_t *n)
{
	uint8_t h[12];
	int32_t len;

	if (!recv_bytes(fd, h, 8) || h[0] != 3)
		return 0;
	len = (int32_t)be32(h + 4);
	if (!CHECK(len <= -4) || !recv_bytes(fd, h + 8, 4))
		return 0;
	*n = (size_t)(-len - 4);
	if (*n > max || (*n && !recv_bytes(fd, p, *n)))
		return 0;
	return be32(h + 8);
}

static void send_ext_cut(int fd, uint32_t flags, const uint8_t *p, size_t n)
{
	uint8_t h[12] = { 6 };
	uint32_t len = (uint32_t)-(int32_t)(n + 4);

	h[4] = (uint8_t)(len >> 24), h[5] = (uint8_t)(len >> 16);
	h[6] = (uint8_t)(len >> 8), h[7] = (uint8_t)len;
	h[8] = (uint8_t)(flags >> 24), h[9] = (uint8_t)(flags >> 16);
	h[10] = (uint8_t)(flags >> 8), h[11] = (uint8_t)flags;
	send_bytes(fd, h, 12);
	if (n)
		send_bytes(fd, p, n);
}

/* size + text, deflated. */
static size_t provide(uint8_t *out, size_t max, const char *text, size_t n)
{
	uint8_t raw[512] = { 0, 0, (uint8_t)(n >> 8), (uint8_t)n };
	uLongf zlen = max;

	memcpy(raw + 4, text, n);
	compress(out, &zlen, raw, 4 + n);
	return zlen;
}

#define T_ (1u << 0)
#define CAPS_ (1u << 24)
#define REQUEST_ (1u << 25)
#define NOTIFY_ (1u << 27)
#define PROVIDE_ (1u << 28)

static void test_ext_clipboard(void)
{
	static const int32_t encs[] = { ENC_RAW, ENC_PSEUDO_EXT_CLIPBOARD };
	static const char utf8[] = "h\xc3\xa9llo\r\n\xe4\xbd\xa0\xe5\xa5\xbd\0";
	uint8_t buf[4096], out[512];
	size_t n;
	uLongf olen = sizeof(out);
	int fd;

	new_server(NULL, false, 4096);
	fd = normal_client();
	send_encs(fd, encs, 2);
	CHECK(read_ext_cut(fd, buf, sizeof(buf), &n) & CAPS_);
	CHECK(n == 4 && be32(buf) == 4096); /* the text size we take */
	n = provide(buf, sizeof(buf), utf8, sizeof(utf8) - 1);
	send_ext_cut(fd, PROVIDE_ | T_, buf, n);
	CHECK(fake.cutlen == 13 && !memcmp(fake.cut, "h\xc3\xa9llo\n", 7));
	send_ext_cut(fd, NOTIFY_ | T_, NULL, 0); /* viewer has new text */
	CHECK(read_ext_cut(fd, buf, sizeof(buf), &n) == (REQUEST_ | T_));
	rfb_server_cut_text(srv, "a\nb", 3); /* desktop text: notify */
	CHECK(read_ext_cut(fd, buf, sizeof(buf), &n) == (NOTIFY_ | T_));
	send_ext_cut(fd, REQUEST_ | T_, NULL, 0);
	CHECK(read_ext_cut(fd, buf, sizeof(buf), &n) == (PROVIDE_ | T_));
	CHECK(uncompress(out, &olen, buf, n) == Z_OK && olen == 4 + 5 &&
	      be32(out) == 5 && !memcmp(out + 4, "a\r\nb", 5));
	close(fd);
	free_server();
}

/* Ill-formed UTF-8, NULs and bare CRs in a provide never reach the
 * desktop: one U+FFFD per ill-formed sequence, CR and CR LF as LF. */
static void test_ext_clipboard_clean(void)
{
	static const int32_t encs[] = { ENC_RAW, ENC_PSEUDO_EXT_CLIPBOARD };
	static const char bad[] = "a\xff|\xc0\x80|\xed\xa0\x80|\xf4\x90\x80"
				  "\x80|b\0c\rd\r\ne\xe2\x82";
	static const char want[] = "a\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd|"
				   "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|"
				   "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
				   "\xef\xbf\xbd|bc\nd\ne\xef\xbf\xbd";
	uint8_t buf[4096];
	size_t n;
	int fd;

	new_server(NULL, false, 4096);
	fd = normal_client();
	send_encs(fd, encs, 2);
	read_ext_cut(fd, buf, sizeof(buf), &n);
	n = provide(buf, sizeof(buf), bad, sizeof(bad) - 1);
	send_ext_cut(fd, PROVIDE_ | T_, buf, n);
	CHECK_EQ(fake.cutlen, sizeof(want) - 1);
	CHECK(!memcmp(fake.cut, want, sizeof(want) - 1));
	close(fd);
	free_server();
}

/* Hostile extended clipboard messages close that client only; text
 * over the cap is dropped without closing. */
static void test_ext_clipboard_hostile(void)
{
	static const int32_t encs[] = { ENC_RAW, ENC_PSEUDO_EXT_CLIPBOARD };
	uint8_t buf[4096];
	size_t n;
	int fd;

	for (int i = 0; i < 2; i++) {
		new_server(NULL, false, 1024);
		fd = normal_client();
		send_encs(fd, encs, 2);
		read_ext_cut(fd, buf, sizeof(buf), &n);
		if (i == 0) /* caps with 3 formats but one size */
			send_ext_cut(fd, CAPS_ | 7, buf, 4);
		else if (i == 1) /* two actions at once */
			send_ext_cut(fd, REQUEST_ | NOTIFY_ | T_, NULL, 0);
		CHECKF(closed_by_server(fd), "case %d", i);
		close(fd);
		free_server();
	}
}

/* 8 KiB of text against a 1 KiB cap: dropped, the viewer stays, and
 * broken zlib data closes it. */
static void test_ext_clipboard_over_cap(void)
{
	static const int32_t encs[] = { ENC_RAW, ENC_PSEUDO_EXT_CLIPBOARD };
	uint8_t buf[4096], raw[4 + 8192] = { 0, 0, 0x20, 0 };
	uLongf z = sizeof(buf);
	size_t n;
	int fd;

	new_server(NULL, false, 1024);
	fd = normal_client();
	send_encs(fd, encs, 2);
	read_ext_cut(fd, buf, sizeof(buf), &n);
	compress(buf, &z, raw, sizeof(raw));
	send_ext_cut(fd, PROVIDE_ | T_, buf, z);
	CHECK_EQ(fake.cutlen, 0);
	send_fbur(fd, false, 0, 0, 2, 2);
	CHECK(check_raw_update(fd, 0, 0, 2, 2));
	memset(buf, 0x55, 16);
	send_ext_cut(fd, PROVIDE_ | T_, buf, 16);
	CHECK(closed_by_server(fd));
	close(fd);
	free_server();
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	log_set_level(LOG_ERROR);
	UNIT_RUN(test_qemu_keys);
	UNIT_RUN(test_ext_buttons);
	UNIT_RUN(test_leds);
	UNIT_RUN(test_ext_clipboard);
	UNIT_RUN(test_ext_clipboard_clean);
	UNIT_RUN(test_ext_clipboard_hostile);
	UNIT_RUN(test_ext_clipboard_over_cap);
	return UNIT_DONE();
}
