/* A small pool of worker threads for CPU work that must not hold up the
 * event loop (encoding updates).  A job runs on a worker; its `done`
 * callback then runs on the loop thread, in the order jobs finished,
 * after the file descriptors that were ready with it (input first). */
#ifndef XRFB_UTIL_POOL_H
#define XRFB_UTIL_POOL_H

#include "util/loop.h"

/* Most worker threads a pool starts. */
#define POOL_MAX_THREADS 64

struct pool_job {
	void (*run)(struct pool_job *job);  /* on a worker thread */
	void (*done)(struct pool_job *job); /* on the loop thread, after run */
	struct pool_job *next;		    /* the pool's queues */
};

struct pool;

/* `nthreads` workers whose completions wake `loop`; NULL on failure.
 * nthreads <= 1 is valid and gives NULL without an error: callers pass a
 * NULL pool to pool_submit, which then runs jobs inline. */
struct pool *pool_new(struct loop *loop, int nthreads);
/* Runs every queued job, delivers every `done`, stops the workers. */
void pool_destroy(struct pool *p);

/* Queue `job`.  With a NULL pool, run and done are called at once, in
 * the caller.  The caller keeps the job alive until its `done`. */
void pool_submit(struct pool *p, struct pool_job *job);

/* Wait until every submitted job is done (delivering the dones). */
void pool_drain(struct pool *p);

/* Worker threads for a default configuration: one per online core. */
int pool_default_threads(void);

#endif
