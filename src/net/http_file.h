/* Static files for the HTTP front: mapping a request target to a file
 * that is really inside the served directory, and its Content-Type. */
#ifndef XRFB_NET_HTTP_FILE_H
#define XRFB_NET_HTTP_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Turn the target of a request ("/app/ui.js?x=1") into a relative path
 * ("app/ui.js", "" for the top): query and fragment dropped, %XX
 * decoded, empty and "." segments dropped.  0, or an HTTP status: 400
 * (malformed, NUL), 403 (a ".." segment), 404 (a hidden dot file). */
int net_http_file_normalise(const char *target, size_t len, char *out,
			    size_t n);

/* Open `rel` under `root` for reading: the resolved path must stay
 * inside root's own resolved path, so neither ".." nor a symlink can
 * leave it.  The fd (>= 0) and its size, or -(HTTP status): 403, 404. */
int net_http_file_open(const char *root, const char *rel, uint64_t *size);

/* Content-Type for a file name, by extension. */
const char *net_http_file_type(const char *name);

#endif
