#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
}

void buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

int buf_reserve(struct buf *b, size_t extra)
{
	size_t need, cap;
	uint8_t *p;

	if (b->failed)
		return -1;
	if (extra > SIZE_MAX / 2 - b->len)
		goto fail;
	need = b->len + extra;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p)
		goto fail;
	b->data = p;
	b->cap = cap;
	return 0;
fail:
	b->failed = true;
	return -1;
}

void buf_append(struct buf *b, const void *data, size_t len)
{
	if (len == 0 || buf_reserve(b, len) < 0)
		return;
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

void buf_put_u8(struct buf *b, uint8_t v)
{
	buf_append(b, &v, 1);
}

void buf_put_u16(struct buf *b, uint16_t v)
{
	uint8_t x[2] = { v >> 8, v };

	buf_append(b, x, 2);
}

void buf_put_u32(struct buf *b, uint32_t v)
{
	uint8_t x[4] = { v >> 24, v >> 16, v >> 8, v };

	buf_append(b, x, 4);
}

void buf_put_zeros(struct buf *b, size_t n)
{
	if (n == 0 || buf_reserve(b, n) < 0)
		return;
	memset(b->data + b->len, 0, n);
	b->len += n;
}

void buf_set_u16(struct buf *b, size_t off, uint16_t v)
{
	if (b->failed || off + 2 > b->len)
		return;
	b->data[off] = v >> 8;
	b->data[off + 1] = v;
}

void buf_set_u32(struct buf *b, size_t off, uint32_t v)
{
	if (b->failed || off + 4 > b->len)
		return;
	b->data[off] = v >> 24;
	b->data[off + 1] = v >> 16;
	b->data[off + 2] = v >> 8;
	b->data[off + 3] = v;
}

void buf_insert(struct buf *b, size_t off, const void *data, size_t len)
{
	if (off > b->len || buf_reserve(b, len) < 0)
		return;
	memmove(b->data + off + len, b->data + off, b->len - off);
	memcpy(b->data + off, data, len);
	b->len += len;
}

void buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

void buf_clear(struct buf *b)
{
	b->len = 0;
	b->failed = false;
}

const uint8_t *rd_bytes(struct rd *r, size_t n)
{
	const uint8_t *p;

	if (!rd_has(r, n)) {
		r->overrun = true;
		r->off = r->len;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

void rd_skip(struct rd *r, size_t n)
{
	rd_bytes(r, n);
}

uint8_t rd_u8(struct rd *r)
{
	const uint8_t *p = rd_bytes(r, 1);

	return p ? p[0] : 0;
}

uint16_t rd_u16(struct rd *r)
{
	const uint8_t *p = rd_bytes(r, 2);

	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

uint32_t rd_u32(struct rd *r)
{
	const uint8_t *p = rd_bytes(r, 4);

	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
			   (uint32_t)p[2] << 8 | p[3] :
		   0;
}
