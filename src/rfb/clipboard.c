/* The clipboard both ways: ClientCutText (rfbproto 7.5.6) and
 * ServerCutText (7.6.4) with Latin-1 text, and the Extended Clipboard's
 * UTF-8 (7.8.22, in clipext.c) for viewers that announce it.  The X side
 * always sees UTF-8. */
#include <stdlib.h>
#include <string.h>

#include "rfb/internal.h"
#include "util/log.h"

/* Decode one UTF-8 sequence at s[*i] (Unicode 3.9, table 3-7: no
 * overlong forms, surrogates or values past U+10FFFF).  An ill-formed
 * one yields U+FFFD and skips its longest well-formed start, at least a
 * byte (the "maximal subpart" practice). */
static uint32_t utf8_next(const uint8_t *s, size_t n, size_t *i)
{
	uint8_t b = s[(*i)++], lo = 0x80, hi = 0xbf;
	uint32_t cp;
	int extra;

	if (b < 0x80)
		return b;
	if (b < 0xc2 || b > 0xf4)
		return 0xfffd;
	extra = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : 1;
	cp = b & (0x3fu >> extra);
	if (b == 0xe0)
		lo = 0xa0;
	else if (b == 0xed)
		hi = 0x9f;
	else if (b == 0xf0)
		lo = 0x90;
	else if (b == 0xf4)
		hi = 0x8f;
	for (int k = 0; k < extra; k++) {
		if (*i >= n || s[*i] < lo || s[*i] > hi)
			return 0xfffd;
		cp = cp << 6 | (s[(*i)++] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	return cp;
}

static char *put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | cp >> 12);
		*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | cp >> 18);
		*o++ = (char)(0x80 | (cp >> 12 & 0x3f));
		*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

char *rfb_clipboard_clean_utf8(const uint8_t *p, size_t n, size_t *outlen)
{
	/* U+FFFD for one byte is the worst growth: three bytes */
	char *s = malloc(n * 3 + 1), *o = s;
	size_t i = 0;

	if (!s)
		return NULL;
	while (i < n) {
		uint32_t cp = utf8_next(p, n, &i);

		if (cp == '\r') {
			cp = '\n';
			if (i < n && p[i] == '\n')
				i++;
		}
		if (cp)
			o = put_utf8(o, cp);
	}
	*outlen = (size_t)(o - s);
	return s;
}

/* UTF-8 to Latin-1: characters outside Latin-1 become '?', NULs are
 * dropped.  Returns a malloc'd buffer. */
static uint8_t *utf8_to_latin1(const char *utf8, size_t len, size_t *outlen)
{
	const uint8_t *s = (const uint8_t *)utf8;
	uint8_t *out = malloc(len + 1);
	size_t i = 0, o = 0;

	if (!out)
		return NULL;
	while (i < len) {
		uint32_t cp = utf8_next(s, len, &i);

		if (cp == 0)
			continue;
		out[o++] = cp <= 0xff ? (uint8_t)cp : '?';
	}
	*outlen = o;
	return out;
}

/* Latin-1 to UTF-8; CR LF and bare CR become LF, NULs are dropped. */
static char *latin1_to_utf8(const uint8_t *p, size_t n, size_t *outlen)
{
	char *s = malloc(n * 2 + 1), *o = s;

	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = p[i];

		if (ch == 0)
			continue;
		if (ch == '\r') {
			*o++ = '\n';
			if (i + 1 < n && p[i + 1] == '\n')
				i++;
		} else if (ch < 0x80) {
			*o++ = (char)ch;
		} else {
			*o++ = (char)(0xc0 | ch >> 6);
			*o++ = (char)(0x80 | (ch & 0x3f));
		}
	}
	*outlen = (size_t)(o - s);
	return s;
}

/* rfbproto 7.5.6 ClientCutText.  Over -maxcuttext the text is skipped
 * without buffering; a negative length means the extended clipboard,
 * which a client may only use after we offered it. */
ssize_t rfb_clipboard_input(struct rfb_client *c, struct rd *r)
{
	uint32_t len;
	size_t ulen;
	char *utf8;

	if (!rd_has(r, 8))
		return 0;
	rd_skip(r, 4);
	len = rd_u32(r);
	if (len & 0x80000000u) {
		if (c->caps & RFB_CAP_EXT_CLIPBOARD)
			return rfb_clipext_input(c, r, -(int64_t)(int32_t)len);
		rfb_client_close(c, "extended clipboard message without "
				    "negotiating it");
		return -1;
	}
	if (len > c->srv->opts.max_cuttext) {
		log_info("%s: clipboard text of %u bytes over the -maxcuttext "
			 "cap %zu: ignored", c->conn->peer, len,
			 c->srv->opts.max_cuttext);
		c->skip = len;
		return 8;
	}
	if (!rd_has(r, len))
		return 0;
	if (c->viewonly || c->srv->opts.noclipboard)
		return 8 + (ssize_t)len;
	utf8 = latin1_to_utf8(rd_bytes(r, len), len, &ulen);
	if (!utf8) {
		rfb_client_close(c, "out of memory for clipboard text");
		return -1;
	}
	c->srv->desk.ops->cut_text(c->srv->desk.ctx, utf8, ulen);
	free(utf8);
	return 8 + (ssize_t)len;
}

/* Keep a copy for viewers that ask later (Extended Clipboard). */
static void remember(struct rfb_server *srv, const char *utf8, size_t len)
{
	char *copy = malloc(len + 1);

	if (!copy)
		return;
	memcpy(copy, utf8, len);
	copy[len] = 0;
	free(srv->clip);
	srv->clip = copy;
	srv->clip_len = len;
}

static void send_legacy(struct rfb_client *c, const uint8_t *text, size_t n)
{
	buf_put_u8(&c->out, 3);
	buf_put_zeros(&c->out, 3);
	buf_put_u32(&c->out, (uint32_t)n);
	buf_append(&c->out, text, n);
	rfb_client_flush(c);
}

void rfb_server_cut_text(struct rfb_server *srv, const char *utf8,
			 size_t len)
{
	uint8_t *text;
	size_t n;

	if (srv->opts.noclipboard)
		return;
	if (len > srv->opts.max_cuttext) {
		log_info("desktop clipboard of %zu bytes over the -maxcuttext "
			 "cap %zu: not sent", len, srv->opts.max_cuttext);
		return;
	}
	remember(srv, utf8, len);
	text = utf8_to_latin1(utf8, len, &n);
	if (!text)
		return;
	for (struct rfb_client *c = srv->clients; c; c = c->next) {
		if (c->state != RFB_CS_NORMAL)
			continue;
		if (c->caps & RFB_CAP_EXT_CLIPBOARD)
			rfb_clipext_notify(c);
		else
			send_legacy(c, text, n);
	}
	free(text);
}
