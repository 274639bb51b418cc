// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * failmalloc.so: an LD_PRELOAD shim that makes allocations fail, one call
 * site at a time, to test that the server survives running out of memory
 * wherever it allocates.
 *
 * A call site is the return address of a malloc, calloc, realloc, strdup
 * or strndup call made from the main program (allocations inside shared
 * libraries are left alone: Xlib or zlib failing is not what we test),
 * together with the return address one frame up, so that each caller of
 * an allocating helper (buf_reserve, loop_timer_add) is a site of its
 * own.
 * Nothing fails while the file $FAILMALLOC_ARM does not exist (looked for
 * at most every 50 ms); while it does, the call after the first
 * $FAILMALLOC_SKIP (default 0) calls at each site returns NULL with ENOMEM --
 * once per site; every other call succeeds.  Each failure is appended to
 * $FAILMALLOC_LOG as "fail OFFSET CALLER FUNCTION" (offsets in the
 * program file, for addr2line; CALLER 0x0 when unknown).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <unwind.h>

/* glibc's own allocator under its exported internal names: no dlsym,
 * which itself allocates. */
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t m);
extern void *__libc_realloc(void *p, size_t n);

#define SITES 4096

static struct {
	uintptr_t lo, hi, base; /* the program's code; its load address */
	bool init;
	bool armed;
	int64_t next_check_ms;
	long skip;
	int logfd;
	uintptr_t site[SITES]; /* open addressing; 0 = free */
	long calls[SITES];
} st = { .logfd = -1 };

static int find_exe(struct dl_phdr_info *info, size_t size, void *data)
{
	/* The first object is the program itself. */
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t a = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		if (!st.lo || a < st.lo)
			st.lo = a;
		if (a + ph->p_memsz > st.hi)
			st.hi = a + ph->p_memsz;
	}
	st.base = info->dlpi_addr;
	return 1;
}

static void init(void)
{
	const char *s;

	st.init = true;
	dl_iterate_phdr(find_exe, NULL);
	s = getenv("FAILMALLOC_SKIP");
	st.skip = s ? atol(s) : 0;
	s = getenv("FAILMALLOC_LOG");
	if (s)
		st.logfd = open(s, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
				0644);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool armed(void)
{
	const char *arm;
	int64_t t = now_ms();

	if (t < __atomic_load_n(&st.next_check_ms, __ATOMIC_RELAXED))
		return st.armed;
	__atomic_store_n(&st.next_check_ms, t + 50, __ATOMIC_RELAXED);
	arm = getenv("FAILMALLOC_ARM");
	st.armed = arm && access(arm, F_OK) == 0;
	return st.armed;
}

static char *put_hex(char *p, uintptr_t v)
{
	do {
		*--p = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	p -= 2;
	memcpy(p, "0x", 2);
	return p;
}

static void log_fail(uintptr_t off, uintptr_t caller, const char *fn)
{
	char line[96], *p = line + sizeof(line);
	size_t fl = strlen(fn);

	/* No stdio: it allocates. Built backwards. */
	*--p = '\n';
	p -= fl;
	memcpy(p, fn, fl);
	*--p = ' ';
	p = put_hex(p, caller);
	*--p = ' ';
	p = put_hex(p, off);
	memcpy(p -= 5, "fail ", 5);
	if (write(st.logfd, p, (size_t)(line + sizeof(line) - p)) < 0)
		return;
}

struct walk {
	uintptr_t want, caller;
	bool seen;
	int frames;
};

/* Frame 0 is the shim; find `want` (the allocation's return address),
 * then take the next frame if it is in the program too. */
static _Unwind_Reason_Code walk_cb(struct _Unwind_Context *ctx, void *data)
{
	struct walk *w = data;
	uintptr_t ip = _Unwind_GetIP(ctx);

	if (w->seen) {
		if (ip >= st.lo && ip < st.hi)
			w->caller = ip;
		return _URC_END_OF_STACK;
	}
	if (ip == w->want)
		w->seen = true;
	return ++w->frames > 8 ? _URC_END_OF_STACK : _URC_NO_REASON;
}

static __thread bool in_walk;

static uintptr_t caller_of(uintptr_t a)
{
	struct walk w = { .want = a };

	/* The unwinder may allocate the first time: not a site. */
	in_walk = true;
	_Unwind_Backtrace(walk_cb, &w);
	in_walk = false;
	return w.caller;
}

/* Whether the allocation called from `ra` must fail now. */
static bool must_fail(void *ra, const char *fn)
{
	uintptr_t a = (uintptr_t)ra, caller, key;
	size_t i;

	if (!st.init)
		init();
	if (in_walk || a < st.lo || a >= st.hi || !armed())
		return false;
	caller = caller_of(a);
	key = a ^ (caller * 0x9e3779b97f4a7c15ull);
	if (!key)
		key = 1;
	for (i = (key >> 2) % SITES;; i = (i + 1) % SITES) {
		uintptr_t cur = __atomic_load_n(&st.site[i], __ATOMIC_ACQUIRE);

		if (cur == key)
			break;
		if (cur == 0 && __atomic_compare_exchange_n(
					&st.site[i], &cur, key, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			break;
		if (cur == key)
			break;
	}
	if (__atomic_fetch_add(&st.calls[i], 1, __ATOMIC_RELAXED) != st.skip)
		return false;
	if (st.logfd >= 0)
		log_fail(a - st.base, caller ? caller - st.base : 0, fn);
	errno = ENOMEM;
	return true;
}

void *malloc(size_t n)
{
	if (must_fail(__builtin_return_address(0), "malloc"))
		return NULL;
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
	if (must_fail(__builtin_return_address(0), "calloc"))
		return NULL;
	return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
	if (must_fail(__builtin_return_address(0), "realloc"))
		return NULL;
	return __libc_realloc(p, n);
}

char *strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d;

	if (must_fail(__builtin_return_address(0), "strdup"))
		return NULL;
	d = __libc_malloc(n);
	return d ? memcpy(d, s, n) : NULL;
}

char *strndup(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	char *d;

	if (must_fail(__builtin_return_address(0), "strndup"))
		return NULL;
	d = __libc_malloc(n + 1);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}
