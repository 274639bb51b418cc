/* A tiny header-only test harness.  CHECK(cond) and friends count every
 * check and print file:line for each failure; main() runs the tests with
 * UNIT_RUN(fn) and ends with `return UNIT_DONE();`, which prints
 * "test_name: N checks, M failed" and gives the exit status. */
#ifndef XRFB_TESTS_UNIT_H
#define XRFB_TESTS_UNIT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int unit_checks, unit_failed;
static const char *unit_test = "?";

__attribute__((format(printf, 4, 5))) static inline bool
unit_check(bool ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	unit_checks++;
	if (ok)
		return true;
	unit_failed++;
	printf("%s:%d: %s: FAILED: ", file, line, unit_test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return false;
}

/* Each evaluates to the outcome, so a test can stop early:
 * if (!CHECK(p)) return; */
#define CHECK(cond) unit_check(!!(cond), __FILE__, __LINE__, "%s", #cond)
#define CHECKF(cond, ...) unit_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_EQ(a, b)                                                    \
	({                                                                \
		long long unit_a_ = (a), unit_b_ = (b);                   \
		unit_check(unit_a_ == unit_b_, __FILE__, __LINE__,        \
			   "%s == %s (%lld != %lld)", #a, #b, unit_a_,    \
			   unit_b_);                                      \
	})
#define CHECK_STR(a, b)                                                   \
	({                                                                \
		const char *unit_a_ = (a), *unit_b_ = (b);                \
		unit_check(unit_a_ && unit_b_ && !strcmp(unit_a_, unit_b_), \
			   __FILE__, __LINE__, "%s == %s (\"%s\" != \"%s\")", \
			   #a, #b, unit_a_ ? unit_a_ : "(null)",          \
			   unit_b_ ? unit_b_ : "(null)");                 \
	})

#define UNIT_RUN(fn)              \
	do {                      \
		unit_test = #fn;  \
		fn();             \
	} while (0)

/* The test's name is its file name: tests/unit/test_x.c -> test_x. */
static inline int unit_done(const char *file)
{
	const char *name = strrchr(file, '/');
	int len;

	name = name ? name + 1 : file;
	len = strlen(name);
	if (len > 2 && !strcmp(name + len - 2, ".c"))
		len -= 2;
	printf("%.*s: %d checks, %d failed\n", len, name, unit_checks,
	       unit_failed);
	return unit_failed || !unit_checks ? 1 : 0;
}

#define UNIT_DONE() unit_done(__FILE__)

#endif
