/* Single-threaded poll(2) event loop: file descriptors, timers, and
 * "prepare" hooks that run before each wait (to batch work, flush X). */
#ifndef XRFB_UTIL_LOOP_H
#define XRFB_UTIL_LOOP_H

#include <stdbool.h>
#include <stdint.h>

enum { LOOP_IN = 1, LOOP_OUT = 2, LOOP_ERR = 4 };

struct loop;
struct loop_timer;

typedef void (*loop_fd_cb)(void *data, int fd, unsigned events);
typedef void (*loop_cb)(void *data);

struct loop *loop_new(void);
void loop_destroy(struct loop *l);

/* Watch fd for `events` (LOOP_IN/LOOP_OUT); errors and hang-ups are always
 * reported as LOOP_ERR.  Callbacks may add or remove any fd. */
int loop_add_fd(struct loop *l, int fd, unsigned events, loop_fd_cb cb,
		void *data);
void loop_mod_fd(struct loop *l, int fd, unsigned events);
void loop_del_fd(struct loop *l, int fd);

/* Timer firing after `ms`, then every `ms` if `repeat`; a one-shot timer
 * is freed after its callback.  Cancel with loop_timer_del (not after a
 * one-shot has fired). */
struct loop_timer *loop_timer_add(struct loop *l, int ms, bool repeat,
				  loop_cb cb, void *data);
void loop_timer_del(struct loop *l, struct loop_timer *t);
/* Re-arm to fire `ms` from now (also re-arms a one-shot that has not yet
 * fired). */
void loop_timer_rearm(struct loop *l, struct loop_timer *t, int ms);
/* Keep the timer but let it never fire (the loop then does not wake for
 * it) until loop_timer_rearm: for a timer allocated ahead of need. */
void loop_timer_stop(struct loop *l, struct loop_timer *t);

/* Called before every wait, in registration order. */
int loop_add_prepare(struct loop *l, loop_cb cb, void *data);
void loop_del_prepare(struct loop *l, loop_cb cb, void *data);

/* Run until loop_quit(); returns the value passed to it. */
int loop_run(struct loop *l);
void loop_quit(struct loop *l, int status);

/* Monotonic milliseconds. */
uint64_t loop_now_ms(void);

#endif
