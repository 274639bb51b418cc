/* The client end of a WebSocket for tests: builds masked frames the way a
 * browser does, and reads the server's frames back off a socket. */
#ifndef XRFB_TESTS_WS_CLIENT_H
#define XRFB_TESTS_WS_CLIENT_H

#define WSC static __attribute__((unused))

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "unit.h"

enum {
	WSC_FIN = 0x80,
	WSC_CONT = 0,
	WSC_TEXT = 1,
	WSC_BIN = 2,
	WSC_CLOSE = 8,
	WSC_PING = 9,
	WSC_PONG = 10
};

/* The masking key from RFC 6455 5.7's examples. */
static const uint8_t wsc_key[4] = { 0x37, 0xfa, 0x21, 0x3d };

/* A frame with first byte b0 (FIN, RSV, opcode) into out (room for
 * len + 14); `len` is what the header claims, `have` the payload bytes
 * actually written after it (fewer to fake a huge frame). */
WSC size_t wsc_frame_n(uint8_t *out, uint8_t b0, const void *payload,
		       uint64_t len, size_t have, bool masked)
{
	const uint8_t *p = payload;
	size_t o = 0;

	out[o++] = b0;
	if (len < 126) {
		out[o++] = (masked ? 0x80 : 0) | (uint8_t)len;
	} else if (len <= 0xffff) {
		out[o++] = (masked ? 0x80 : 0) | 126;
		out[o++] = (uint8_t)(len >> 8);
		out[o++] = (uint8_t)len;
	} else {
		out[o++] = (masked ? 0x80 : 0) | 127;
		for (int i = 7; i >= 0; i--)
			out[o++] = (uint8_t)(len >> (8 * i));
	}
	if (masked) {
		memcpy(out + o, wsc_key, 4);
		o += 4;
	}
	for (size_t i = 0; i < have; i++)
		out[o + i] = p[i] ^ (masked ? wsc_key[i & 3] : 0);
	return o + have;
}

WSC size_t wsc_frame(uint8_t *out, uint8_t b0, const void *payload, size_t len)
{
	return wsc_frame_n(out, b0, payload, len, len, true);
}

WSC void wsc_write(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t r = write(fd, b, n);

		if (r <= 0) {
			CHECKF(false, "client write failed");
			return;
		}
		b += r;
		n -= (size_t)r;
	}
}

/* Send one masked frame. */
WSC void wsc_send(int fd, uint8_t b0, const void *payload, size_t len)
{
	uint8_t *f = malloc(len + 14);

	wsc_write(fd, f, wsc_frame(f, b0, payload, len));
	free(f);
}

/* Between attempts to read: run the server (NULL: just wait a bit). */
static void (*wsc_pump)(void);

/* Exactly n bytes from fd; false on EOF or after ~2 s without them. */
WSC bool wsc_read(int fd, void *p, size_t n)
{
	size_t got = 0;

	for (int idle = 0; got < n && idle < 100;) {
		ssize_t r = recv(fd, (char *)p + got, n - got, MSG_DONTWAIT);

		if (r == 0)
			return false;
		if (r > 0) {
			got += (size_t)r;
			idle = 0;
			continue;
		}
		idle++;
		if (wsc_pump) {
			wsc_pump();
		} else {
			struct pollfd pfd = { fd, POLLIN, 0 };

			poll(&pfd, 1, 20);
		}
	}
	return got == n;
}

/* One server frame: its first byte, payload into p (room for cap) and
 * length.  Server frames must not be masked. */
WSC bool wsc_recv(int fd, uint8_t *b0, void *p, size_t cap, size_t *len)
{
	uint8_t h[8];
	uint64_t n;

	if (!wsc_read(fd, h, 2))
		return false;
	*b0 = h[0];
	CHECKF(!(h[1] & 0x80), "server frame masked");
	n = h[1] & 0x7f;
	if (n == 126) {
		if (!wsc_read(fd, h, 2))
			return false;
		n = (uint64_t)h[0] << 8 | h[1];
	} else if (n == 127) {
		if (!wsc_read(fd, h, 8))
			return false;
		n = 0;
		for (int i = 0; i < 8; i++)
			n = n << 8 | h[i];
	}
	if (!CHECKF(n <= cap, "server frame of %llu bytes",
		    (unsigned long long)n))
		return false;
	*len = (size_t)n;
	return wsc_read(fd, p, *len);
}

/* The close code of the next server frame but pongs, which must be a
 * Close; 0 if it had no code, -1 if no Close came. */
WSC int wsc_recv_close(int fd)
{
	uint8_t b0 = WSC_FIN | WSC_PONG, p[125];
	size_t n;

	while (b0 == (WSC_FIN | WSC_PONG))
		if (!wsc_recv(fd, &b0, p, sizeof(p), &n))
			return -1;
	if (!CHECKF(b0 == (WSC_FIN | WSC_CLOSE), "frame 0x%02x, not Close", b0))
		return -1;
	return n >= 2 ? p[0] << 8 | p[1] : 0;
}

/* The frame being taken apart by wsc_recv_stream. */
static uint8_t wsc_buf[1 << 17];
static size_t wsc_have, wsc_off;

/* Forget a partly read frame (a new connection). */
WSC void wsc_reset(void)
{
	wsc_have = wsc_off = 0;
}

/* n bytes of the server's data stream, joined across binary frames;
 * pongs between them are skipped. */
WSC bool wsc_recv_stream(int fd, void *p, size_t n)
{
	uint8_t *frame = wsc_buf;
	size_t got = 0, have = wsc_have, off = wsc_off;

	while (got < n) {
		size_t k;
		uint8_t b0;

		if (off == have) {
			if (!wsc_recv(fd, &b0, frame, sizeof(wsc_buf), &have))
				return false;
			off = 0;
			if (b0 == (WSC_FIN | WSC_PONG)) {
				have = 0;
				continue;
			}
			if (!CHECKF(b0 == (WSC_FIN | WSC_BIN),
				    "frame 0x%02x in the data stream", b0))
				return false;
		}
		k = have - off < n - got ? have - off : n - got;
		memcpy((uint8_t *)p + got, frame + off, k);
		off += k;
		got += k;
		wsc_have = have;
		wsc_off = off;
	}
	return true;
}

/* Open descriptors of this process: a layer must close what it owns. */
WSC int wsc_count_fds(void)
{
	char path[64];
	int n = 0;

	for (int fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n += access(path, F_OK) == 0;
	}
	return n;
}

#endif
