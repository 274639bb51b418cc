/* A strict UTF-8 check for the clipboard fuzzer (RFC 3629: shortest
 * forms only, no surrogates, nothing above U+10FFFF). */
#ifndef XRFB_FUZZ_UTF8CHECK_H
#define XRFB_FUZZ_UTF8CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static bool utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t b = s[i];
		unsigned len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 :
			       b >= 0xe0 && b < 0xf0 ? 3 :
			       b >= 0xf0 && b < 0xf5 ? 4 : 0;
		uint32_t cp = len == 1 ? b : b & (0x7f >> len);

		if (!len || i + len > n)
			return false;
		for (unsigned k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

#endif
