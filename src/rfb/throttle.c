#include "rfb/throttle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	char host[64];
	int fails;
	uint64_t block_ms;	/* length of the next block */
	uint64_t until;		/* blocked until */
	uint64_t last;		/* last failure, for eviction */
};

struct rfb_throttle {
	struct slot slots[RFB_THROTTLE_SLOTS];
};

struct rfb_throttle *rfb_throttle_new(void)
{
	return calloc(1, sizeof(struct rfb_throttle));
}

void rfb_throttle_free(struct rfb_throttle *t)
{
	free(t);
}

static struct slot *find(struct rfb_throttle *t, const char *host)
{
	for (int i = 0; i < RFB_THROTTLE_SLOTS; i++)
		if (t->slots[i].host[0] && !strcmp(t->slots[i].host, host))
			return &t->slots[i];
	return NULL;
}

/* A free slot, or the one that failed longest ago. */
static struct slot *take(struct rfb_throttle *t, const char *host)
{
	struct slot *s = &t->slots[0];

	for (int i = 0; i < RFB_THROTTLE_SLOTS; i++) {
		if (!t->slots[i].host[0]) {
			s = &t->slots[i];
			break;
		}
		if (t->slots[i].last < s->last)
			s = &t->slots[i];
	}
	memset(s, 0, sizeof(*s));
	snprintf(s->host, sizeof(s->host), "%s", host);
	s->block_ms = RFB_THROTTLE_BLOCK_MS;
	return s;
}

uint64_t rfb_throttle_blocked(struct rfb_throttle *t, const char *host,
			      uint64_t now)
{
	struct slot *s = find(t, host);

	return s && s->until > now ? s->until - now : 0;
}

void rfb_throttle_fail(struct rfb_throttle *t, const char *host,
		       uint64_t now)
{
	struct slot *s = find(t, host);

	if (!s)
		s = take(t, host);
	s->last = now;
	if (++s->fails < RFB_THROTTLE_FAILS)
		return;
	s->until = now + s->block_ms;
	s->block_ms *= 2;
}

void rfb_throttle_ok(struct rfb_throttle *t, const char *host)
{
	struct slot *s = find(t, host);

	if (s)
		memset(s, 0, sizeof(*s));
}

void rfb_peer_host(const char *peer, char *out, size_t n)
{
	const char *colon = strrchr(peer, ':');
	size_t len;

	if (peer[0] == '[' && strchr(peer, ']')) {
		len = (size_t)(strchr(peer, ']') - peer - 1);
		peer++;
	} else if (colon && strchr(peer, ':') == colon) {
		len = (size_t)(colon - peer);
	} else {
		len = strlen(peer);
	}
	if (len >= n)
		len = n - 1;
	memcpy(out, peer, len);
	out[len] = 0;
}
