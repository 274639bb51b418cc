/* Text conversions the X selections need: STRING is Latin-1, the engine
 * and UTF8_STRING speak UTF-8.  Each returns a malloc'ed buffer with its
 * length in *out_len (plus a NUL, not counted), or NULL when out of
 * memory.  Internal to src/x11/. */
#ifndef XRFB_X11_UTF8_H
#define XRFB_X11_UTF8_H

#include <stddef.h>

/* Copy of `s` without NULs and with every byte that is not part of a
 * valid UTF-8 sequence replaced by U+FFFD, so whatever an X client or a
 * viewer sent is valid UTF-8 afterwards (up to 3 * len bytes). */
char *x11_utf8_clean(const char *s, size_t len, size_t *out_len);
/* Characters beyond Latin-1 become '?'. */
char *x11_utf8_to_latin1(const char *s, size_t len, size_t *out_len);
/* NULs are dropped. */
char *x11_latin1_to_utf8(const char *s, size_t len, size_t *out_len);

#endif
