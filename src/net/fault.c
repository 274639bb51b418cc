/* The fault layer.  Each fault is drawn per call from a per-connection
 * generator seeded from `seed` and the connection's number, so a run
 * with the same seed and the same order of connections repeats. */
#include "net/fault.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/log.h"

/* A full send buffer lasts up to this many write attempts. */
#define FULL_MAX_CALLS 8

static struct {
	bool on;
	uint64_t seed, nconns;
	double p_short, p_eagain, p_eintr, p_reset, p_full;
} cfg;

struct fault {
	struct net_conn base;
	struct net_conn *inner;
	uint64_t rng;
	int full_left;
	bool reset;
};

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static bool chance(struct fault *f, double p)
{
	return p > 0 &&
	       (double)(splitmix(&f->rng) >> 11) / 9007199254740992.0 < p;
}

static size_t shorten(struct fault *f, size_t len)
{
	if (len > 1 && chance(f, cfg.p_short))
		return 1 + (size_t)(splitmix(&f->rng) % (len - 1));
	return len;
}

/* The peer goes away abruptly: an RST for it, ECONNRESET for us from now
 * on, as a real reset looks from both ends. */
static void do_reset(struct fault *f)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	f->reset = true;
	log_info("%s: fault: injected connection reset", f->base.peer);
	setsockopt(f->inner->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	shutdown(f->inner->fd, SHUT_RDWR);
}

/* The faults read and write share; 0 to go ahead. */
static int common_fault(struct fault *f)
{
	if (!f->reset && chance(f, cfg.p_reset))
		do_reset(f);
	if (f->reset) {
		errno = ECONNRESET;
		return -1;
	}
	if (chance(f, cfg.p_eintr)) {
		errno = EINTR;
		return -1;
	}
	if (chance(f, cfg.p_eagain)) {
		errno = EAGAIN;
		return -1;
	}
	return 0;
}

static ssize_t fault_read(struct net_conn *c, void *buf, size_t len)
{
	struct fault *f = (struct fault *)c;
	ssize_t n;

	if (common_fault(f) < 0)
		return -1;
	n = net_conn_read(f->inner, buf, shorten(f, len));
	memcpy(c->error, f->inner->error, sizeof(c->error));
	return n;
}

static ssize_t fault_write(struct net_conn *c, const void *buf, size_t len)
{
	struct fault *f = (struct fault *)c;
	ssize_t n;

	if (common_fault(f) < 0)
		return -1;
	if (!f->full_left && chance(f, cfg.p_full))
		f->full_left = 1 + (int)(splitmix(&f->rng) % FULL_MAX_CALLS);
	if (f->full_left) {
		f->full_left--;
		errno = EAGAIN;
		return -1;
	}
	n = net_conn_write(f->inner, buf, shorten(f, len));
	memcpy(c->error, f->inner->error, sizeof(c->error));
	return n;
}

static size_t fault_pending_in(struct net_conn *c)
{
	return net_conn_pending_in(((struct fault *)c)->inner);
}

static size_t fault_pending_out(struct net_conn *c)
{
	return net_conn_pending_out(((struct fault *)c)->inner);
}

static int fault_flush(struct net_conn *c)
{
	struct fault *f = (struct fault *)c;

	if (f->reset) {
		errno = ECONNRESET;
		return -1;
	}
	return net_conn_flush(f->inner);
}

static void fault_destroy(struct net_conn *c)
{
	struct fault *f = (struct fault *)c;

	net_conn_destroy(f->inner);
	free(f);
}

static const struct net_conn_ops fault_ops = {
	.read = fault_read,
	.write = fault_write,
	.pending_in = fault_pending_in,
	.pending_out = fault_pending_out,
	.flush = fault_flush,
	.destroy = fault_destroy,
};

static int parse_item(const char *key, const char *val)
{
	static const struct {
		const char *name;
		double *p;
	} probs[] = {
		{ "short", &cfg.p_short }, { "eagain", &cfg.p_eagain },
		{ "eintr", &cfg.p_eintr }, { "reset", &cfg.p_reset },
		{ "full", &cfg.p_full },
	};
	char *end;

	if (!strcmp(key, "seed")) {
		cfg.seed = strtoull(val, &end, 0);
		return *val && !*end ? 0 : -1;
	}
	for (size_t i = 0; i < sizeof(probs) / sizeof(probs[0]); i++) {
		if (strcmp(key, probs[i].name))
			continue;
		*probs[i].p = strtod(val, &end);
		return *val && !*end && *probs[i].p >= 0 && *probs[i].p <= 1
			       ? 0
			       : -1;
	}
	return -1;
}

int net_fault_setup(const char *spec, char *why, size_t whylen)
{
	char copy[256], *item, *save = NULL;

	memset(&cfg, 0, sizeof(cfg));
	if (!spec || !*spec)
		return 0;
	if (strlen(spec) >= sizeof(copy)) {
		snprintf(why, whylen, "too long");
		return -1;
	}
	strcpy(copy, spec);
	for (item = strtok_r(copy, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');

		if (eq)
			*eq = '\0';
		if (!eq || parse_item(item, eq + 1) < 0) {
			snprintf(why, whylen, "bad item \"%s%s%s\"", item,
				 eq ? "=" : "", eq ? eq + 1 : "");
			memset(&cfg, 0, sizeof(cfg));
			return -1;
		}
	}
	cfg.on = true;
	return 0;
}

bool net_fault_enabled(void)
{
	return cfg.on;
}

struct net_conn *net_fault_wrap(struct net_conn *inner)
{
	struct fault *f;

	if (!cfg.on)
		return inner;
	f = calloc(1, sizeof(*f));
	if (!f)
		return inner;
	f->inner = inner;
	f->rng = cfg.seed ^ (++cfg.nconns * 0xd1b54a32d192ed03ull);
	f->base.ops = &fault_ops;
	f->base.fd = inner->fd;
	memcpy(f->base.peer, inner->peer, sizeof(f->base.peer));
	return &f->base;
}
