# Every platform hpgshim supports, built and tested (included by the Makefile).
#
#   make check-compilers   the library at -O0 with gcc and with clang, in
#                          build/gcc-O0/ and build/clang-O0/, each under the
#                          dl-hook tests
#   make check-platforms   Debian 11 and 13 on amd64 and Debian 11 on arm64,
#                          each in a root filesystem of its own
#                          (scripts/platform.sh; build/platforms/)

.PHONY: check-compilers check-platforms

# The dl hooks must reach glibc by a tail call whatever the compiler and the
# flags (shim/dl_hooks.c); each build's link checks the object, and the
# tests check what glibc then does ($ORIGIN, RUNPATH, RTLD_NEXT).  -O0, where
# no optimiser makes a tail call of its own; make all is gcc at -O2.
COMPILER_BUILDS   := gcc-O0 clang-O0
gcc-O0_MAKEFLAGS   := CC=gcc CFLAGS='-O0 -g'
clang-O0_MAKEFLAGS := CC=$(FUZZ_CC) CFLAGS='-O0 -g'

check-compilers:
	$(foreach build,$(COMPILER_BUILDS), \
		$(MAKE) BUILD=$(BUILD)/$(build) $($(build)_MAKEFLAGS) $(BUILD)/$(build)/libhpgshim.so && \
		HPGSHIM_TEST_PRELOAD=$(CURDIR)/$(BUILD)/$(build)/libhpgshim.so \
		$(PYTHON) -m pytest -ra tests/integration/test_dl_hooks.py &&) true

# In the order that finds breakage soonest: the oldest release on amd64,
# furthest from this machine's Debian 12 (glibc 2.31, libcurl 7.74, libpq
# 13, Python 3.9); the newest; then the oldest on arm64, which runs
# emulated and takes longest.  Each is `make platform-NAME` on its own.
PLATFORMS := debian11-amd64 debian13-amd64 debian11-arm64

# Root makes the root filesystems and mounts in them; a developer who is not
# root is told so, and the rest of make check goes on (CI runs as root).
check-platforms:
	@if [ "$$(id -u)" != 0 ]; then \
		echo "check-platforms: skipped, needs root (mmdebstrap, chroot, mounts)"; \
	else \
		$(foreach platform,$(PLATFORMS),$(MAKE) platform-$(platform) &&) true; \
	fi

platform-%:
	scripts/platform.sh $*
