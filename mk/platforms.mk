# Every platform hpgshim supports, built and tested (included by the Makefile).
#
#   make check-compilers   the library at -O0 and with clang, in build/O0/ and
#                          build/clang/, each under the dl-hook tests
#   make check-platforms   Debian 11 and 13 on amd64 and Debian 11 on arm64,
#                          each in a root filesystem of its own
#                          (scripts/platform.sh; build/platforms/)

.PHONY: check-compilers check-platforms

# The dl hooks must reach glibc by a tail call whatever the compiler and the
# flags (shim/dl_hooks.c); each build's link checks the object, and the
# tests check what glibc then does ($ORIGIN, RUNPATH, RTLD_NEXT).
COMPILER_BUILDS := O0 clang
O0_MAKEFLAGS    := CFLAGS='-O0 -g'
clang_MAKEFLAGS := CC=$(FUZZ_CC)

check-compilers:
	$(foreach build,$(COMPILER_BUILDS), \
		$(MAKE) BUILD=$(BUILD)/$(build) $($(build)_MAKEFLAGS) $(BUILD)/$(build)/libhpgshim.so && \
		HPGSHIM_TEST_PRELOAD=$(CURDIR)/$(BUILD)/$(build)/libhpgshim.so \
		$(PYTHON) -m pytest -ra tests/integration/test_dl_hooks.py &&) true
