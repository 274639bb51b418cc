/* Static files for the HTTP front.  The target is decoded before it is
 * split, so "%2e%2e" and "%2f" cannot smuggle a ".." past the segment
 * check; the realpath check then also catches symlinks that lead out. */
#include "net/http_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static int hex(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* RFC 3986 2.1 percent-decoding of the path part; 0 or a status. */
static int decode_path(const char *t, size_t len, char *out, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < len && t[i] != '?' && t[i] != '#'; i++) {
		int ch = (unsigned char)t[i];

		if (ch == '%') {
			if (i + 2 >= len || hex(t[i + 1]) < 0 ||
			    hex(t[i + 2]) < 0)
				return 400;
			ch = hex(t[i + 1]) << 4 | hex(t[i + 2]);
			i += 2;
		}
		if (ch == '\0')
			return 400;
		if (o + 1 >= n)
			return 404; /* longer than any path we could open */
		out[o++] = (char)ch;
	}
	out[o] = '\0';
	return 0;
}

int net_http_file_normalise(const char *target, size_t len, char *out, size_t n)
{
	char dec[PATH_MAX];
	size_t o = 0;
	int st;

	if (len == 0 || target[0] != '/' || n == 0)
		return 400;
	st = decode_path(target, len, dec, sizeof(dec));
	if (st)
		return st;
	for (char *seg = dec, *next; seg; seg = next) {
		size_t sl;

		next = strchr(seg, '/');
		if (next)
			*next++ = '\0';
		sl = strlen(seg);
		if (sl == 0 || !strcmp(seg, "."))
			continue;
		if (!strcmp(seg, ".."))
			return 403;
		/* .git, .htpasswd: nothing a viewer needs. */
		if (seg[0] == '.')
			return 404;
		if (o + (o ? 1 : 0) + sl + 1 > n)
			return 404;
		if (o)
			out[o++] = '/';
		memcpy(out + o, seg, sl);
		o += sl;
	}
	out[o] = '\0';
	return 0;
}

static bool inside(const char *root, const char *path)
{
	size_t rl = strlen(root);

	if (rl == 1) /* "/" */
		return true;
	return !strncmp(path, root, rl) && (path[rl] == '/' || !path[rl]);
}

static int open_status(int err)
{
	return err == EACCES || err == EPERM ? -403 : -404;
}

int net_http_file_open(const char *root, const char *rel, uint64_t *size)
{
	char rroot[PATH_MAX], full[PATH_MAX], real[PATH_MAX];
	struct stat st;
	int fd;

	if (!realpath(root, rroot))
		return -404;
	if (snprintf(full, sizeof(full), "%s/%s", rroot, rel) >=
	    (int)sizeof(full))
		return -404;
	if (!realpath(full, real))
		return open_status(errno);
	if (!inside(rroot, real))
		return -403;
	/* O_NONBLOCK: a FIFO in the directory must not hang the loop. */
	fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return open_status(errno);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -404;
	}
	*size = (uint64_t)st.st_size;
	return fd;
}

const char *net_http_file_type(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ "html", "text/html; charset=utf-8" },
		{ "htm", "text/html; charset=utf-8" },
		{ "js", "text/javascript; charset=utf-8" },
		{ "mjs", "text/javascript; charset=utf-8" },
		{ "css", "text/css; charset=utf-8" },
		{ "json", "application/json" },
		{ "map", "application/json" },
		{ "wasm", "application/wasm" },
		{ "png", "image/png" },
		{ "jpg", "image/jpeg" },
		{ "jpeg", "image/jpeg" },
		{ "gif", "image/gif" },
		{ "svg", "image/svg+xml" },
		{ "ico", "image/x-icon" },
		{ "woff", "font/woff" },
		{ "woff2", "font/woff2" },
		{ "ttf", "font/ttf" },
		{ "oga", "audio/ogg" },
		{ "ogg", "audio/ogg" },
		{ "mp3", "audio/mpeg" },
		{ "txt", "text/plain; charset=utf-8" },
		{ "md", "text/plain; charset=utf-8" },
	};
	const char *slash = strrchr(name, '/');
	const char *dot = strrchr(slash ? slash : name, '.');

	if (dot)
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (!strcasecmp(dot + 1, types[i].ext))
				return types[i].type;
	return "application/octet-stream";
}
