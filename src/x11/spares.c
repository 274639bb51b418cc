#include "x11/spares.h"

#include <string.h>

void x11_spares_reset(struct x11_spares *s)
{
	memset(s, 0, sizeof(*s));
}

int x11_spares_find(const struct x11_spares *s, unsigned kc)
{
	for (int i = 0; i < s->n; i++)
		if (s->kc[i] == kc)
			return i;
	return -1;
}

bool x11_spares_bind(struct x11_spares *s, unsigned kc, uint32_t sym)
{
	int i = x11_spares_find(s, kc);

	if (i < 0) {
		if (s->n == X11_SPARES_MAX || kc > 255)
			return false;
		i = s->n++;
		s->kc[i] = (uint8_t)kc;
	}
	s->sym[i] = sym;
	s->used[i] = ++s->clock;
	return true;
}

void x11_spares_touch(struct x11_spares *s, unsigned kc)
{
	int i = x11_spares_find(s, kc);

	if (i >= 0)
		s->used[i] = ++s->clock;
}

/* Ages are compared as clock - used, so that the clock may wrap. */
unsigned x11_spares_victim(const struct x11_spares *s, const uint8_t held[32])
{
	uint32_t oldest = 0;
	unsigned kc = 0;

	for (int i = 0; i < s->n; i++) {
		uint32_t age = s->clock - s->used[i];

		if (held[s->kc[i] / 8] & (1u << (s->kc[i] % 8)))
			continue;
		if (!kc || age > oldest) {
			oldest = age;
			kc = s->kc[i];
		}
	}
	return kc;
}

void x11_spares_remove(struct x11_spares *s, unsigned kc)
{
	int i = x11_spares_find(s, kc);

	if (i < 0)
		return;
	s->n--;
	s->kc[i] = s->kc[s->n];
	s->sym[i] = s->sym[s->n];
	s->used[i] = s->used[s->n];
}
