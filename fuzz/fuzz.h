/* Shared by the fuzz targets: the libFuzzer entry point, a check that
 * aborts (so libFuzzer and the replay test both see it), quiet logging
 * and a cursor over the input for the targets that script from it. */
#ifndef XRFB_FUZZ_FUZZ_H
#define XRFB_FUZZ_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property of the code under test that must hold for every input. */
#define FUZZ_ASSERT(cond)                                                \
	do {                                                             \
		if (!(cond)) {                                           \
			fprintf(stderr, "%s:%d: FUZZ_ASSERT(%s) failed\n", \
				__FILE__, __LINE__, #cond);              \
			abort();                                         \
		}                                                        \
	} while (0)

/* Logging off unless FUZZ_LOG is set: one line per input is slow. */
static inline void fuzz_init_log(void)
{
	static bool done;

	if (!done)
		log_set_level(getenv("FUZZ_LOG") ? LOG_DEBUG : -1);
	done = true;
}

/* Taking bytes off the front of the input; zeros once it runs out. */
struct fz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t fz_u8(struct fz_in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static inline uint16_t fz_u16(struct fz_in *in)
{
	uint16_t hi = fz_u8(in);

	return (uint16_t)(hi << 8 | fz_u8(in));
}

/* Up to `want` bytes; *got says how many there were. */
static inline const uint8_t *fz_bytes(struct fz_in *in, size_t want,
				      size_t *got)
{
	const uint8_t *p = in->p;

	*got = want < in->n ? want : in->n;
	in->p += *got;
	in->n -= *got;
	return p;
}

#endif
