// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The frame marker of `make bench`: a row of 32 black or white 8x8 cells at
 * the top left of the screen.  20 bits carry a frame sequence number and 12
 * bits a check derived from it, so that a marker caught half old, half new
 * (its cells split over two updates) or blurred by JPEG reads as invalid
 * rather than as a wrong frame.  Cells are 8x8 and 8-aligned, the size of
 * a JPEG block, so they survive lossy encodings as solid black or white.
 */
#ifndef BENCH_MARKER_H
#define BENCH_MARKER_H

#include <stdint.h>

#define BENCH_MARKER_BITS 32
#define BENCH_MARKER_CELL 8
#define BENCH_MARKER_W (BENCH_MARKER_BITS * BENCH_MARKER_CELL)
#define BENCH_MARKER_SEQ_MASK 0xfffffu

static inline uint32_t bench_marker_check(uint32_t seq)
{
	uint32_t h = (seq & BENCH_MARKER_SEQ_MASK) * 2654435761u;

	return (h >> 20 ^ 0x5a5) & 0xfff;
}

static inline uint32_t bench_marker_code(uint32_t seq)
{
	seq &= BENCH_MARKER_SEQ_MASK;
	return seq | bench_marker_check(seq) << 20;
}

/* The sequence number in CODE, or -1 when the check does not match. */
static inline int64_t bench_marker_seq(uint32_t code)
{
	uint32_t seq = code & BENCH_MARKER_SEQ_MASK;

	return bench_marker_check(seq) == code >> 20 ? (int64_t)seq : -1;
}

#endif
