# make check-asan: the whole suite against a server, unit tests and test
# programs built with AddressSanitizer (LeakSanitizer included) and
# UndefinedBehaviorSanitizer in build-asan/, leaving build/ alone.  Each
# sanitized process writes its reports into tests/out/sanitizer/NAME/
# (log_path); tests/run.sh fails a test whose run left one there and shows
# it.  The memcheck and allocfail tests run the normal ./xrfbshare instead
# (UNSANITIZED_XRFBSHARE): neither valgrind nor a preloaded malloc works
# with a sanitized binary.

ASAN_BUILD := build-asan
# clang, not gcc: gcc's UBSan, combined with ASan, prints its reports on
# stderr whatever log_path says, where a test would not see them.
ASAN_CC := clang
ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
# libcrypt is loaded at start: PAM's pam_unix loads it later with dlopen,
# and ASan's crypt_r interceptor, resolved at start, would then call NULL.
ASAN_LDFLAGS := $(ASAN_FLAGS) -Wl,--push-state,--no-as-needed -lcrypt \
	-Wl,--pop-state
ASAN_LOGS := tests/out/sanitizer
# Leaks in libraries we link but do not own would go there; none of ours.
ASAN_SUPP := $(CURDIR)/tests/asan/lsan.supp

# Run in a sub-make with BUILD=$(ASAN_BUILD): the server goes next to the
# objects, and tests-build makes everything else the suite needs there
# (-o xrfbshare: never ./xrfbshare, the normal build's).
$(BUILD)/xrfbshare: $(BUILD)/src/main.o $(LIB)
	$(CC) $(LDFLAGS) $(EXTRA_LDFLAGS) -o $@ $^ $(ALL_LIBS)

# The test tools other than decodecheck (the one that runs our engine) are
# linked with tests/asan/noleaks.c: their leaks at exit are not checked.
ifeq ($(BUILD),$(ASAN_BUILD))
ASAN_TOOLS := $(filter-out $(BUILD)/tests/decodecheck,$(SUPPORT_BIN))
$(ASAN_TOOLS): $(BUILD)/tests/asan/noleaks.o
$(ASAN_TOOLS): override EXTRA_LDFLAGS += $(BUILD)/tests/asan/noleaks.o
endif

asan-build: deps-fuzz
	$(MAKE) -o xrfbshare BUILD=$(ASAN_BUILD) CC=$(ASAN_CC) \
		EXTRA_CFLAGS="$(EXTRA_CFLAGS) $(ASAN_FLAGS)" \
		EXTRA_LDFLAGS="$(EXTRA_LDFLAGS) $(ASAN_LDFLAGS)" \
		$(ASAN_BUILD)/xrfbshare tests-build

# LeakSanitizer (on by default) checks when a process exits: the server
# does so normally on SIGTERM.  abort_on_error=0 keeps exit codes (1)
# instead of core-dumping aborts.  The quarantine of freed memory (which
# catches use after free) is 128 MiB instead of 256: it stays resident,
# and the tests that bound RSS growth allow RSS_SLACK_KB (tests/lib.sh)
# for it and ASan's own overhead.  The fuzz set of packages is the test
# set plus clang and its runtimes.
check-asan: deps-fuzz
	$(MAKE) xrfbshare asan-build
	rm -rf $(ASAN_LOGS)
	SANITIZER_LOGS=$(CURDIR)/$(ASAN_LOGS) \
	XRFBSHARE=$(CURDIR)/$(ASAN_BUILD)/xrfbshare \
	TEST_BIN=$(CURDIR)/$(ASAN_BUILD)/tests \
	UNSANITIZED_XRFBSHARE=$(CURDIR)/xrfbshare \
	ASAN_OPTIONS=abort_on_error=0:quarantine_size_mb=128:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	LSAN_OPTIONS=suppressions=$(ASAN_SUPP):print_suppressions=0 \
	TEST_TIMEOUT=$${TEST_TIMEOUT:-600} \
		tests/run.sh $(TESTS)

clean: clean-asan

clean-asan:
	rm -rf $(ASAN_BUILD) $(ASAN_LOGS)

.PHONY: check-asan asan-build clean-asan
