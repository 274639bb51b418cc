/* fuzz_clipboard: clipboard text both ways.  The first input byte picks:
 *   mode 0  the X side's conversions (src/x11/utf8.c) on the rest
 *   mode 1  the engine (fuzz/session.h): a client sends ClientCutText
 *           (Latin-1) and Extended Clipboard messages (rfbproto 7.8.22)
 *           and the desktop's clipboard changes, in the order a script
 *           of ops says; bit 1 announces the Extended Clipboard, bit 2
 *           view-only, bit 3 a 64-byte -maxcuttext.
 * Properties: what reaches the desktop has no NUL, and from Latin-1 is
 * valid UTF-8 with LF line ends; what reaches the client is Latin-1
 * without NUL, or an Extended Clipboard message whose provide inflates to
 * the desktop's text with CRLF line ends and a NUL. */
#include <string.h>
#include <zlib.h>

#include "session.h"
#include "utf8check.h"
#include "x11/utf8.h"

/* ---- mode 0: src/x11/utf8.c ---- */

static void x11_side(const uint8_t *p, size_t n)
{
	size_t len, len2;
	char *a = x11_utf8_clean((const char *)p, n, &len), *b;

	FUZZ_ASSERT(a && !a[len] && len <= 3 * n);
	FUZZ_ASSERT(utf8_valid((uint8_t *)a, len) && !memchr(a, 0, len));
	if (utf8_valid(p, n) && !memchr(p, 0, n))
		FUZZ_ASSERT(len == n && !memcmp(a, p, n));
	free(a);

	a = x11_utf8_to_latin1((const char *)p, n, &len);
	FUZZ_ASSERT(a && !a[len] && len <= n);
	free(a);

	/* Latin-1 -> UTF-8 -> Latin-1 gives the text back, less NULs. */
	a = x11_latin1_to_utf8((const char *)p, n, &len);
	FUZZ_ASSERT(a && !a[len] && len <= 2 * n);
	FUZZ_ASSERT(utf8_valid((uint8_t *)a, len) && !memchr(a, 0, len));
	b = x11_utf8_to_latin1(a, len, &len2);
	FUZZ_ASSERT(b);
	for (size_t i = 0, k = 0; i < n; i++) {
		if (!p[i])
			continue;
		FUZZ_ASSERT(k < len2 && (uint8_t)b[k++] == p[i]);
		if (i == n - 1)
			FUZZ_ASSERT(k == len2);
	}
	free(a);
	free(b);
}

/* ---- mode 1: the engine ---- */

static struct rfb_desktop_ops ops;
static bool from_latin1; /* the client's last message was legacy */
static struct buf out;	  /* what the server sent, not yet parsed */
static size_t hs_left;	  /* handshake bytes still to skip */
static char desk_text[256];
static size_t desk_len;

static void cut_text(void *ctx, const char *utf8, size_t len)
{
	FUZZ_ASSERT(!memchr(utf8, 0, len));
	if (from_latin1) {
		FUZZ_ASSERT(utf8_valid((const uint8_t *)utf8, len));
		FUZZ_ASSERT(!memchr(utf8, '\r', len));
	}
}

static void output(const uint8_t *p, size_t n)
{
	size_t skip = hs_left < n ? hs_left : n;

	hs_left -= skip;
	buf_append(&out, p + skip, n - skip);
}

/* An Extended Clipboard provide: u32 size, text in CRLF, NUL. */
static void check_provide(const uint8_t *z, size_t n)
{
	static uint8_t raw[4 + 2 * sizeof(desk_text) + 1];
	uLongf len = sizeof(raw);
	size_t k = 0;
	struct rd r;

	FUZZ_ASSERT(uncompress(raw, &len, z, n) == Z_OK);
	rd_init(&r, raw, len);
	FUZZ_ASSERT(rd_u32(&r) == len - 4 && len > 4 && !raw[len - 1]);
	for (size_t i = 4; i < len - 1; i++) {
		if (raw[i] == '\r' && raw[i + 1] == '\n')
			continue;
		FUZZ_ASSERT(k < desk_len && raw[i] == (uint8_t)desk_text[k++]);
	}
	FUZZ_ASSERT(k == desk_len);
}

/* The ServerCutText messages received so far. */
static void parse_output(void)
{
	struct rd r;

	rd_init(&r, out.data, out.len);
	while (rd_left(&r) >= 8) {
		const uint8_t *p;
		uint32_t len, flags;

		FUZZ_ASSERT(rd_u8(&r) == 3);
		rd_skip(&r, 3);
		len = rd_u32(&r);
		if (!(len & 0x80000000u)) {
			if (!(p = rd_bytes(&r, len)))
				break;
			FUZZ_ASSERT(!memchr(p, 0, len));
			continue;
		}
		len = -len;
		FUZZ_ASSERT(len >= 4);
		if (!(p = rd_bytes(&r, len)))
			break;
		flags = (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
		if (flags == (1u << 28 | 1))
			check_provide(p + 4, len - 4);
	}
	if (r.overrun)
		return; /* the rest is still coming */
	buf_consume(&out, out.len - rd_left(&r));
}

static void client_msg(const void *hdr, size_t hn, const uint8_t *p,
		       size_t n)
{
	static uint8_t msg[8 + 65536];

	memcpy(msg, hdr, hn);
	memcpy(msg + hn, p, n);
	fz_feed(msg, hn + n);
}

static bool run_op(struct fz_in *in)
{
	uint8_t op = fz_u8(in) % 4, hdr[12] = { 6 };
	size_t n, got;
	const uint8_t *p;
	uint32_t len;

	switch (op) {
	case 0: /* ClientCutText, Latin-1 */
		p = fz_bytes(in, fz_u8(in), &got);
		put16(hdr + 6, (unsigned)got);
		from_latin1 = true;
		client_msg(hdr, 8, p, got);
		break;
	case 1: /* Extended Clipboard: flags, then a payload */
	case 3: /* ... deflated, as a provide carries it */
		p = fz_bytes(in, 4, &got);
		memcpy(hdr + 8, p, got);
		n = fz_u16(in) % 1024;
		p = fz_bytes(in, n, &got);
		from_latin1 = false;
		if (op == 3) {
			static uint8_t z[2048];
			uLongf zn = sizeof(z);

			FUZZ_ASSERT(compress(z, &zn, p, got) == Z_OK);
			p = z;
			got = zn;
		}
		len = (uint32_t) - (int32_t)(4 + got);
		hdr[4] = len >> 24;
		hdr[5] = len >> 16;
		hdr[6] = len >> 8;
		hdr[7] = len;
		client_msg(hdr, 12, p, got);
		break;
	case 2: /* the desktop's clipboard */
		p = fz_bytes(in, fz_u8(in), &got);
		if (got <= srv->opts.max_cuttext && !srv->opts.noclipboard) {
			memcpy(desk_text, p, got);
			desk_len = got;
		}
		rfb_server_cut_text(srv, (const char *)p, got);
		fz_feed(NULL, 0);
		break;
	}
	parse_output();
	return !fz_client_gone();
}

static void engine(uint8_t cfg, struct fz_in *in)
{
	static const uint8_t hello[] = {
		'R', 'F', 'B', ' ', '0', '0', '3', '.', '0', '0', '8', '\n',
		1, 1, 2, 0, 0, 1, 0xc0, 0xa1, 0xe5, 0xce
	};
	struct rfb_server_opts o = { .shared = true };

	o.viewonly = cfg & 4;
	o.max_cuttext = cfg & 8 ? 64 : 0;
	fz_start(o);
	ops = *srv->desk.ops;
	ops.cut_text = cut_text;
	srv->desk.ops = &ops;
	buf_init(&out);
	/* version 12, security 2 + 4, ServerInit 24 + "fake" */
	hs_left = 12 + 2 + 4 + 24 + 4;
	desk_len = 0;
	fzs.output = output;
	/* SetEncodings with the Extended Clipboard, or none. */
	if (fz_feed(hello, cfg & 2 ? sizeof(hello) : 14))
		while (in->n && run_op(in))
			;
	fz_end();
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	uint8_t cfg;

	if (size < 1)
		return 0;
	fuzz_init_log();
	cfg = fz_u8(&in);
	if (cfg % 2 == 0)
		x11_side(in.p, in.n);
	else
		engine(cfg, &in);
	return 0;
}
