# Fault injection: the allocation-failure shim the faults tests preload
# (tests/support/preload/failmalloc.c).  The transport faults need no
# build: they are in the program, switched on by XRFBSHARE_FAULTS.

FAILMALLOC := $(BUILD)/tests/failmalloc.so

$(FAILMALLOC): tests/support/preload/failmalloc.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(WARN) -O2 -g -fPIC -shared -o $@ $< -ldl -lgcc_s

tests-build: $(FAILMALLOC)
