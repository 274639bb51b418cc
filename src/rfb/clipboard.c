/* Desktop clipboard to viewers: ServerCutText (rfbproto 7.6.4), whose
 * text is Latin-1. */
#include <stdlib.h>

#include "rfb/internal.h"
#include "util/log.h"

/* Decode one UTF-8 sequence at s[*i]; invalid bytes yield U+FFFD. */
static uint32_t utf8_next(const uint8_t *s, size_t n, size_t *i)
{
	uint32_t cp = s[*i];
	int extra = cp >= 0xf0 ? 3 : cp >= 0xe0 ? 2 : cp >= 0xc0 ? 1 : 0;

	(*i)++;
	if (cp >= 0x80 && cp < 0xc0)
		return 0xfffd;
	if (extra == 0)
		return cp;
	cp &= 0x3fu >> extra;
	for (int k = 0; k < extra; k++, (*i)++) {
		if (*i >= n || (s[*i] & 0xc0) != 0x80)
			return 0xfffd;
		cp = cp << 6 | (s[*i] & 0x3f);
	}
	return cp;
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

void rfb_server_cut_text(struct rfb_server *srv, const char *utf8,
			 size_t len)
{
	uint8_t *text;
	size_t n;

	if (len > srv->opts.max_cuttext) {
		log_info("desktop clipboard of %zu bytes over the -maxcuttext "
			 "cap %zu: not sent", len, srv->opts.max_cuttext);
		return;
	}
	text = utf8_to_latin1(utf8, len, &n);
	if (!text)
		return;
	for (struct rfb_client *c = srv->clients; c; c = c->next) {
		if (c->state != RFB_CS_NORMAL)
			continue;
		buf_put_u8(&c->out, 3);
		buf_put_zeros(&c->out, 3);
		buf_put_u32(&c->out, (uint32_t)n);
		buf_append(&c->out, text, n);
		rfb_client_flush(c);
	}
	free(text);
}
