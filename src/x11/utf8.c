#include "x11/utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Decode the sequence at s[*i] and step over it.  Returns the code point,
 * or -1 for a byte that does not start a valid sequence (stepping one
 * byte): overlong forms, surrogates and truncated sequences included. */
static long utf8_next(const unsigned char *s, size_t len, size_t *i)
{
	unsigned char c = s[*i];
	long cp, min;
	size_t n;

	if (c < 0x80) {
		(*i)++;
		return c;
	}
	if ((c & 0xe0) == 0xc0)
		n = 2;
	else if ((c & 0xf0) == 0xe0)
		n = 3;
	else if ((c & 0xf8) == 0xf0)
		n = 4;
	else
		goto bad;
	/* The lead byte keeps 7 - n payload bits. */
	cp = c & (0x7f >> n);
	min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
	if (len - *i < n)
		goto bad;
	for (size_t k = 1; k < n; k++) {
		if ((s[*i + k] & 0xc0) != 0x80)
			goto bad;
		cp = cp << 6 | (s[*i + k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		goto bad;
	*i += n;
	return cp;
bad:
	(*i)++;
	return -1;
}

/* U+FFFD REPLACEMENT CHARACTER */
static const char utf8_replacement[3] = { (char)0xef, (char)0xbf, (char)0xbd };

char *x11_utf8_clean(const char *s, size_t len, size_t *out_len)
{
	const unsigned char *u = (const unsigned char *)s;
	/* Each invalid byte may grow to the three of U+FFFD. */
	char *out = len < SIZE_MAX / 3 ? malloc(3 * len + 1) : NULL;
	size_t i = 0, o = 0;

	if (!out)
		return NULL;
	while (i < len) {
		size_t start = i;
		long cp = utf8_next(u, len, &i);

		if (cp < 0) {
			memcpy(out + o, utf8_replacement, 3);
			o += 3;
			continue;
		}
		if (cp == 0)
			continue;
		while (start < i)
			out[o++] = (char)u[start++];
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}

char *x11_utf8_to_latin1(const char *s, size_t len, size_t *out_len)
{
	const unsigned char *u = (const unsigned char *)s;
	char *out = malloc(len + 1);
	size_t i = 0, o = 0;
	long cp;

	if (!out)
		return NULL;
	while (i < len) {
		cp = utf8_next(u, len, &i);
		out[o++] = cp >= 0 && cp <= 0xff ? (char)(uint8_t)cp : '?';
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}

char *x11_latin1_to_utf8(const char *s, size_t len, size_t *out_len)
{
	const unsigned char *u = (const unsigned char *)s;
	char *out = malloc(2 * len + 1);
	size_t o = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (!u[i])
			continue;
		if (u[i] < 0x80) {
			out[o++] = (char)u[i];
			continue;
		}
		out[o++] = (char)(0xc0 | u[i] >> 6);
		out[o++] = (char)(0x80 | (u[i] & 0x3f));
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}
