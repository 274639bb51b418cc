/* Growable byte buffers with big-endian writers, and a bounds-checked
 * reader cursor for parsing wire data. */
#ifndef XRFB_UTIL_BUF_H
#define XRFB_UTIL_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A failed allocation sets `failed`; later appends are no-ops, so a writer
 * can append a whole message and check once at the end. */
struct buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	bool failed;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
/* Make room for `extra` more bytes; -1 (and `failed`) on overflow/OOM. */
int buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *data, size_t len);
void buf_put_u8(struct buf *b, uint8_t v);
void buf_put_u16(struct buf *b, uint16_t v);
void buf_put_u32(struct buf *b, uint32_t v);
void buf_put_zeros(struct buf *b, size_t n);
/* Overwrite a big-endian u16 already in the buffer at `off`. */
void buf_set_u16(struct buf *b, size_t off, uint16_t v);
void buf_set_u32(struct buf *b, size_t off, uint32_t v);
/* Insert `len` bytes at offset `off` (<= b->len), moving what follows. */
void buf_insert(struct buf *b, size_t off, const void *data, size_t len);
/* Drop the first n bytes (n <= len). */
void buf_consume(struct buf *b, size_t n);
void buf_clear(struct buf *b);

/* Reader cursor.  Reading past the end returns zeros and sets `overrun`;
 * parsers check rd_has() before reading a message. */
struct rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool overrun;
};

static inline void rd_init(struct rd *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->overrun = false;
}

static inline size_t rd_left(const struct rd *r)
{
	return r->len - r->off;
}

static inline bool rd_has(const struct rd *r, size_t n)
{
	return rd_left(r) >= n;
}

uint8_t rd_u8(struct rd *r);
uint16_t rd_u16(struct rd *r);
uint32_t rd_u32(struct rd *r);
/* Pointer to the next n bytes, or NULL (and overrun) if not there. */
const uint8_t *rd_bytes(struct rd *r, size_t n);
void rd_skip(struct rd *r, size_t n);

#endif
