#include "util/loop.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"

struct loop_fd {
	int fd;
	unsigned events;
	loop_fd_cb cb;
	void *data;
	bool dead;
};

struct loop_timer {
	uint64_t due;
	int ms;
	bool repeat;
	bool dead;
	loop_cb cb;
	void *data;
	struct loop_timer *next;
};

struct loop_prepare {
	loop_cb cb;
	void *data;
	bool dead;
};

struct loop {
	struct loop_fd *fds;
	int nfds, capfds;
	struct loop_timer *timers;
	struct loop_prepare *preps;
	int npreps, cappreps;
	bool quit;
	int status;
	struct pollfd *pfds;
	int cappfds;
};

uint64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct loop *loop_new(void)
{
	return calloc(1, sizeof(struct loop));
}

void loop_destroy(struct loop *l)
{
	struct loop_timer *t, *next;

	if (!l)
		return;
	for (t = l->timers; t; t = next) {
		next = t->next;
		free(t);
	}
	free(l->fds);
	free(l->preps);
	free(l->pfds);
	free(l);
}

static int grow(void **arr, int *cap, int need, size_t size)
{
	int ncap = *cap ? *cap * 2 : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*arr, (size_t)ncap * size);
	if (!p)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

int loop_add_fd(struct loop *l, int fd, unsigned events, loop_fd_cb cb,
		void *data)
{
	/* The poll array grows here too, so that running the loop never
	 * allocates: out of memory refuses one fd, never stops the loop. */
	if (grow((void **)&l->fds, &l->capfds, l->nfds + 1, sizeof(*l->fds)) ||
	    grow((void **)&l->pfds, &l->cappfds, l->nfds + 1,
		 sizeof(*l->pfds)))
		return -1;
	l->fds[l->nfds++] = (struct loop_fd){ fd, events, cb, data, false };
	return 0;
}

static struct loop_fd *find_fd(struct loop *l, int fd)
{
	for (int i = 0; i < l->nfds; i++)
		if (l->fds[i].fd == fd && !l->fds[i].dead)
			return &l->fds[i];
	return NULL;
}

void loop_mod_fd(struct loop *l, int fd, unsigned events)
{
	struct loop_fd *f = find_fd(l, fd);

	if (f)
		f->events = events;
}

void loop_del_fd(struct loop *l, int fd)
{
	struct loop_fd *f = find_fd(l, fd);

	/* Marked now, compacted after dispatch: callbacks may delete fds. */
	if (f)
		f->dead = true;
}

struct loop_timer *loop_timer_add(struct loop *l, int ms, bool repeat,
				  loop_cb cb, void *data)
{
	struct loop_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->ms = ms;
	t->repeat = repeat;
	t->cb = cb;
	t->data = data;
	t->due = loop_now_ms() + (uint64_t)ms;
	t->next = l->timers;
	l->timers = t;
	return t;
}

void loop_timer_del(struct loop *l, struct loop_timer *t)
{
	if (t)
		t->dead = true;
}

void loop_timer_rearm(struct loop *l, struct loop_timer *t, int ms)
{
	t->due = loop_now_ms() + (uint64_t)ms;
}

void loop_timer_stop(struct loop *l, struct loop_timer *t)
{
	t->due = UINT64_MAX;
}

int loop_add_prepare(struct loop *l, loop_cb cb, void *data)
{
	if (grow((void **)&l->preps, &l->cappreps, l->npreps + 1,
		 sizeof(*l->preps)))
		return -1;
	l->preps[l->npreps++] = (struct loop_prepare){ cb, data, false };
	return 0;
}

void loop_del_prepare(struct loop *l, loop_cb cb, void *data)
{
	for (int i = 0; i < l->npreps; i++)
		if (l->preps[i].cb == cb && l->preps[i].data == data)
			l->preps[i].dead = true;
}

void loop_quit(struct loop *l, int status)
{
	l->quit = true;
	l->status = status;
}

/* Milliseconds until the next timer, -1 if none. */
static int next_timeout(struct loop *l)
{
	uint64_t now = loop_now_ms(), best = UINT64_MAX;

	for (struct loop_timer *t = l->timers; t; t = t->next)
		if (!t->dead && t->due < best)
			best = t->due;
	if (best == UINT64_MAX)
		return -1;
	return best <= now ? 0 : (int)(best - now);
}

static void run_timers(struct loop *l)
{
	uint64_t now = loop_now_ms();
	struct loop_timer **pp, *t;

	for (t = l->timers; t; t = t->next) {
		if (t->dead || t->due > now)
			continue;
		if (t->repeat)
			t->due = now + (uint64_t)t->ms;
		else
			t->dead = true;
		t->cb(t->data);
		if (l->quit)
			break;
	}
	for (pp = &l->timers; (t = *pp);) {
		if (t->dead) {
			*pp = t->next;
			free(t);
		} else {
			pp = &t->next;
		}
	}
}

static void compact(struct loop *l)
{
	int j = 0;

	for (int i = 0; i < l->nfds; i++)
		if (!l->fds[i].dead)
			l->fds[j++] = l->fds[i];
	l->nfds = j;
	j = 0;
	for (int i = 0; i < l->npreps; i++)
		if (!l->preps[i].dead)
			l->preps[j++] = l->preps[i];
	l->npreps = j;
}

static void dispatch(struct loop *l, int n)
{
	for (int i = 0; i < n && !l->quit; i++) {
		short re = l->pfds[i].revents;
		unsigned ev = 0;
		struct loop_fd *f;

		if (!re)
			continue;
		f = find_fd(l, l->pfds[i].fd);
		if (!f)
			continue;
		if (re & POLLIN)
			ev |= LOOP_IN;
		if (re & POLLOUT)
			ev |= LOOP_OUT;
		if (re & (POLLERR | POLLHUP | POLLNVAL))
			ev |= LOOP_ERR;
		f->cb(f->data, f->fd, ev);
	}
}

static int poll_once(struct loop *l)
{
	int n = 0, r;

	for (int i = 0; i < l->npreps && !l->quit; i++)
		if (!l->preps[i].dead)
			l->preps[i].cb(l->preps[i].data);
	compact(l);
	if (l->quit)
		return 0;
	for (int i = 0; i < l->nfds; i++) {
		short ev = 0;

		if (l->fds[i].events & LOOP_IN)
			ev |= POLLIN;
		if (l->fds[i].events & LOOP_OUT)
			ev |= POLLOUT;
		l->pfds[n++] = (struct pollfd){ l->fds[i].fd, ev, 0 };
	}
	r = poll(l->pfds, (nfds_t)n, next_timeout(l));
	if (r < 0 && errno != EINTR) {
		log_error("poll failed: %s", strerror(errno));
		return -1;
	}
	if (r > 0)
		dispatch(l, n);
	run_timers(l);
	return 0;
}

int loop_run(struct loop *l)
{
	l->quit = false;
	while (!l->quit)
		if (poll_once(l) < 0)
			return -1;
	return l->status;
}
