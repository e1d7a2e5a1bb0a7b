# hpgshim - build, test, demo, install.
#
#   make            build/libhpgshim.so
#   make check      install missing Debian packages, build, run every test
#   make demo       the whole story against a local PostgreSQL and API stand-in
#   make install    the library, the hpgshim command and hpgshim(1);
#                   PREFIX=/usr/local DESTDIR=

PREFIX  ?= /usr/local
DESTDIR ?=
LIBDIR  ?= $(PREFIX)/lib
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
LDCONFIG ?= /sbin/ldconfig
PYTHON  ?= /usr/bin/python3

BUILD   := build
LIB     := $(BUILD)/libhpgshim.so

PKGS    := libpq libcurl libcjson
comma   := ,
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -fPIC $(shell pkg-config --cflags $(PKGS))
# Hidden by default: the library exports exactly the libpq symbols it hooks
# (marked in shim/hooks.c, listed in shim/exports.txt and checked by a test).
LIB_CFLAGS  := -fvisibility=hidden
# Neither libpq nor libcurl nor cJSON is linked: libpq is the program's own,
# libcurl and cJSON are opened on first use (shim/lazy_libs.c).
# No -z now: the shim is preloaded into every process of a CI job, and
# binding its libc imports eagerly costs each of them ~20 us at start-up
# (make bench, row 1) for calls most never make.
LIB_LDFLAGS := -shared -Wl,-z,defs -pthread -ldl

# The core: everything but the hooks and the symbol finder, so that unit
# tests link it directly against libpq, without LD_PRELOAD.
CORE_SRCS := $(filter-out shim/hooks.c shim/dl_hooks.c shim/real_libpq.c,$(wildcard shim/*.c))
LIB_OBJS  := $(patsubst shim/%.c,$(BUILD)/shim/%.o,$(wildcard shim/*.c))
CORE_OBJS := $(patsubst shim/%.c,$(BUILD)/shim/%.o,$(CORE_SRCS))

UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_BIN  := $(BUILD)/unit_tests
CLIENT    := $(BUILD)/entry_points
COMMAND   := $(BUILD)/hpgshim
MANPAGE   := $(BUILD)/hpgshim.1

.PHONY: all check unit integration deps demo install uninstall clean

all: $(LIB) $(CLIENT) $(COMMAND) $(MANPAGE)

$(BUILD)/shim/%.o: shim/%.c $(wildcard shim/*.h) | $(BUILD)/shim
	$(CC) $(CFLAGS) $(LIB_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(CC) $(CFLAGS) $^ -o $@ $(LIB_LDFLAGS)

$(UNIT_BIN): $(UNIT_SRCS) $(CORE_OBJS) $(wildcard tests/unit/*.h)
	$(CC) $(CFLAGS) -Ishim $(UNIT_SRCS) $(CORE_OBJS) -o $@ \
		$(shell pkg-config --libs libpq cmocka) -pthread -ldl

# A small libpq client that calls every hooked entry point (integration tests).
$(CLIENT): tests/clients/entry_points.c | $(BUILD)
	$(CC) $(CFLAGS) $< -o $@ $(shell pkg-config --libs libpq)

$(BUILD) $(BUILD)/shim:
	mkdir -p $@

# --- The hpgshim command and its man page ------------------------------------
#
# Both are templates whose @NAME@s are filled in from where each fact lives:
# @HPGSHIM_VERSION@ and @HPGSHIM_DEFAULT_...@ from the #defines of
# shim/version.h and shim/config.h, @LIBDIR@ from the install prefix.
# build/subst.sed holds those substitutions.  It is rewritten only when one
# changes, so that `make install PREFIX=/opt/x` after a plain `make` rebuilds
# the command to point at /opt/x/lib, and otherwise rebuilds nothing (and,
# since it runs every time, says nothing).
.PHONY: FORCE
$(BUILD)/subst.sed: shim/version.h shim/config.h FORCE | $(BUILD)
	@{ sed -n 's|^#define \(HPGSHIM_[A-Z_]*\)[[:space:]]\{1,\}"\{0,1\}\([^"]*\)"\{0,1\}$$|s/@\1@/\2/g|p' \
		shim/version.h shim/config.h; \
	  echo 's|@LIBDIR@|$(LIBDIR)|g'; } > $@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

# $(call subst_template,MODE): $< with its @NAME@s filled in, as $@.  A name
# left unfilled (misspelt, or its #define gone) fails the build.
define subst_template
	sed -f $(BUILD)/subst.sed $< > $@.new
	if grep -n '@[A-Z_]*@' $@.new; then echo '$<: unknown @NAME@ above' >&2; rm $@.new; exit 1; fi
	chmod $(1) $@.new && mv $@.new $@
endef

$(COMMAND): scripts/hpgshim.in $(BUILD)/subst.sed
	$(call subst_template,0755)

$(MANPAGE): docs/hpgshim.1.in $(BUILD)/subst.sed
	$(call subst_template,0644)

# --- Hazards, sanitizers, fuzzing --------------------------------------------
#
#   build/       the library and the hazard clients, as shipped
#   build/asan/  the same with AddressSanitizer + UndefinedBehaviorSanitizer
#   build/tsan/  the same with ThreadSanitizer
#   build/fuzz/  libFuzzer targets of the core (clang), their corpus and crashes
#
# The integration tests load the library that HPGSHIM_TEST_PRELOAD names
# (default build/libhpgshim.so) and run the hazard clients found beside it;
# see tests/harness/sanitizers.py.

.PHONY: hazard-clients check-asan check-tsan fuzz fuzz-smoke

# Sub-makes print no "Entering/Leaving directory" lines: the last line of
# `make check` stays pytest's summary.
MAKEFLAGS += --no-print-directory

# Clients of tests/integration/test_hazards.py and test_leaks.py; all but
# constructor_host are one source file each (plus check_connection.c).
ONE_FILE_CLIENTS := thread_storm fork_while_connecting connect_cycles
HAZARD_CLIENTS := $(ONE_FILE_CLIENTS) constructor_host
CHECK_CONNECTION := tests/clients/check_connection.c tests/clients/check_connection.h
LIBPQ_LIBS := $(shell pkg-config --libs libpq)

hazard-clients: $(addprefix $(BUILD)/,$(HAZARD_CLIENTS))
integration: hazard-clients $(BUILD)/libresolver_spy.so

# Preloaded beside the shim by tests that count or break name lookups.
$(BUILD)/libresolver_spy.so: tests/clients/resolver_spy.c | $(BUILD)
	$(CC) $(CFLAGS) -shared $< -o $@ -ldl

ASAN_FLAGS := -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
TSAN_FLAGS := -fno-omit-frame-pointer -fsanitize=thread
# In a program not built with ASan, the runtime starts at the first malloc.
# In psql and pg_dump that is inside libp11-kit's constructor, in newlocale()
# with glibc's locale lock held; ASan's start-up calls dlerror(), which
# unlocks that lock, and the program hangs at exit.  Initialised first
# (DF_1_INITFIRST), the library's ASan constructor starts the runtime before
# any other constructor runs.
ASAN_LIB_LDFLAGS := -Wl,-z,initfirst

# $(call hazard_clients,DIR,FLAGS): DIR/<hazard client>, built with FLAGS.
# constructor_host finds libconnect_in_constructor.so beside itself ($ORIGIN).
define hazard_clients
$(addprefix $(1)/,$(ONE_FILE_CLIENTS)): $(1)/%: tests/clients/%.c $(CHECK_CONNECTION) | $(1)
	$$(CC) $$(CFLAGS) $(2) $$< tests/clients/check_connection.c -o $$@ $(LIBPQ_LIBS) -pthread -ldl

$(1)/libconnect_in_constructor.so: tests/clients/connect_in_constructor.c \
		tests/clients/connect_in_constructor.h $(CHECK_CONNECTION) | $(1)
	$$(CC) $$(CFLAGS) $(2) -shared $$< tests/clients/check_connection.c -o $$@ $(LIBPQ_LIBS)

$(1)/constructor_host: tests/clients/constructor_host.c $(1)/libconnect_in_constructor.so \
		$(CHECK_CONNECTION)
	$$(CC) $$(CFLAGS) $(2) $$< tests/clients/check_connection.c -o $$@ \
		-L$(1) -lconnect_in_constructor -Wl,-rpath,'$$$$ORIGIN' $(LIBPQ_LIBS)
endef

# $(call sanitizer_build,DIR,FLAGS_VARIABLE,LIB_LDFLAGS): DIR/libhpgshim.so
# and its hazard clients.  The flags are named, not given, so that one object
# can build with others (a target-specific value).
define sanitizer_build
$(1) $(1)/shim:
	mkdir -p $$@

$(1)/shim/%.o: shim/%.c $(wildcard shim/*.h) | $(1)/shim
	$$(CC) $$(CFLAGS) $$($(2)) $$(LIB_CFLAGS) -c $$< -o $$@

$(1)/libhpgshim.so: $(patsubst shim/%.c,$(1)/shim/%.o,$(wildcard shim/*.c))
	$$(CC) $$(CFLAGS) $$($(2)) $$^ -o $$@ $$(LIB_LDFLAGS) $(3)

$(call hazard_clients,$(1),$$($(2)))
endef

$(eval $(call hazard_clients,$(BUILD),))
$(eval $(call sanitizer_build,$(BUILD)/asan,ASAN_FLAGS,$(ASAN_LIB_LDFLAGS)))
$(eval $(call sanitizer_build,$(BUILD)/tsan,TSAN_FLAGS))

# shim/dl_hooks.c hands dlopen() and dlsym() on to glibc with a tail call, so
# that glibc sees the program's return address; TSan's function exit hook
# would come after that call, and TSan's own start-up calls dlsym() before it
# can run any hook at all (it crashed there).  That file is built without TSan.
$(BUILD)/tsan/shim/dl_hooks.o: TSAN_FLAGS :=

# The allocation torture (tests/clients/alloc_torture.c, run by
# tests/integration/test_alloc_torture.py): the shim's ASan objects linked
# into the program itself, all but the dl hooks, with every allocation they
# make going through the program's failing wrappers.  Always built with ASan:
# LeakSanitizer checks each run.
TORTURE := $(BUILD)/asan/alloc_torture
TORTURE_WRAPS := malloc calloc realloc strdup strndup asprintf
TORTURE_OBJS := $(filter-out $(BUILD)/asan/shim/dl_hooks.o, \
	$(patsubst shim/%.c,$(BUILD)/asan/shim/%.o,$(wildcard shim/*.c)))
integration: $(TORTURE)
$(TORTURE): tests/clients/alloc_torture.c $(CHECK_CONNECTION) $(TORTURE_OBJS) | $(BUILD)/asan
	$(CC) $(CFLAGS) $(ASAN_FLAGS) -Ishim -rdynamic tests/clients/alloc_torture.c \
		tests/clients/check_connection.c $(TORTURE_OBJS) -o $@ \
		$(addprefix -Wl$(comma)--wrap=,$(TORTURE_WRAPS)) $(LIBPQ_LIBS) -pthread -ldl

# The whole integration suite against build/asan/libhpgshim.so.  psql, perl
# and python are not built with ASan, so its runtime is preloaded first.
#   exitcode=0       a leak report leaves the exit status alone: perl and
#                    python leak at exit by design.  The harness reads every
#                    report and fails the test for a leak allocated through
#                    the shim, and for any other report.
#   abort_on_error   an ASan or UBSan error still kills the program at once.
#   handle_abort     ASan reports that abort with its stack.  UBSan's own
#                    message stays on stderr: next to a preloaded libasan,
#                    libubsan's log_path lands in libasan (both export
#                    __sanitizer_set_report_path), so the abort's report is
#                    what reaches the harness.
#   log_path         set by the harness: reports go to files it reads.
# tests/sanitizers/asan.skip lists the tests that cannot run under ASan, and why.
# What `make integration` and `make check-asan` run: all of it by default;
# INTEGRATION_TESTS=tests/integration/test_retry.py runs one file.
INTEGRATION_TESTS ?= tests/integration
LIBASAN := $(shell $(CC) -print-file-name=libasan.so)
check-asan: all $(BUILD)/libresolver_spy.so $(BUILD)/asan/libhpgshim.so \
		$(addprefix $(BUILD)/asan/,$(HAZARD_CLIENTS))
	HPGSHIM_TEST_PRELOAD="$(LIBASAN) $(CURDIR)/$(BUILD)/asan/libhpgshim.so" \
	ASAN_OPTIONS=detect_leaks=1:exitcode=0:abort_on_error=1:handle_abort=1:detect_stack_use_after_return=1 \
	UBSAN_OPTIONS=print_stacktrace=1:abort_on_error=1 \
	PYTHONPATH=tests $(PYTHON) -m pytest -ra -p harness.skip_list \
		--skip-list tests/sanitizers/asan.skip $(INTEGRATION_TESTS)

# The thread storm with the library and the storm itself built with TSan.
# libpq, libcurl and OpenSSL are not instrumented: see tests/sanitizers/tsan.supp.
check-tsan: all $(BUILD)/tsan/libhpgshim.so $(BUILD)/tsan/thread_storm
	HPGSHIM_TEST_PRELOAD="$(CURDIR)/$(BUILD)/tsan/libhpgshim.so" \
	TSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizers/tsan.supp:second_deadlock_stack=1 \
	$(PYTHON) -m pytest -ra tests/integration/test_hazards.py::test_thread_storm

# libFuzzer targets of the core: tests/fuzz/fuzz_<target>.c, seeds in
# tests/fuzz/corpus/<target>/.  `make fuzz` runs each for FUZZ_SECONDS
# (`make -j3 fuzz` runs them side by side); new inputs go to
# build/fuzz/corpus/<target>/, crashes to build/fuzz/crashes/.  A crash worth
# keeping is copied to tests/fuzz/crashes/<target>-*, which every run replays
# first.
FUZZ_CC      ?= clang-14
FUZZ_TARGETS := placeholder config_vars conninfo_merge elf_needed
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 20
FUZZ_FLAGS   := -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_OBJS    := $(patsubst shim/%.c,$(BUILD)/fuzz/shim/%.o,$(CORE_SRCS))
FUZZ_BINS    := $(addprefix $(BUILD)/fuzz/fuzz_,$(FUZZ_TARGETS))
# Made by pattern rules for pattern rules; kept, not deleted as intermediates.
.SECONDARY: $(FUZZ_OBJS) $(FUZZ_BINS)

$(BUILD)/fuzz/shim $(BUILD)/fuzz/corpus $(BUILD)/fuzz/crashes:
	mkdir -p $@

$(BUILD)/fuzz/shim/%.o: shim/%.c $(wildcard shim/*.h) | $(BUILD)/fuzz/shim
	$(FUZZ_CC) $(CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/support.h tests/fuzz/support.c $(FUZZ_OBJS)
	$(FUZZ_CC) $(CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer -Ishim $< tests/fuzz/support.c \
		$(FUZZ_OBJS) -o $@ $(LIBPQ_LIBS) -pthread -ldl

fuzz: $(addprefix fuzz-,$(FUZZ_TARGETS))

# elf_needed reads shared objects: its seeds are two small ones, built here
# (build output stays out of git) into the corpus it grows: one that needs
# libpq, one that needs only libc.
ELF_SEEDS := $(BUILD)/fuzz/corpus/elf_needed/seed-needs-libpq.so \
	     $(BUILD)/fuzz/corpus/elf_needed/seed-needs-libc.so
fuzz-elf_needed: $(ELF_SEEDS)
$(BUILD)/fuzz/corpus/elf_needed:
	mkdir -p $@
$(BUILD)/fuzz/corpus/elf_needed/seed-needs-libpq.so: tests/fuzz/elf_seed.c | $(BUILD)/fuzz/corpus/elf_needed
	$(CC) $(CFLAGS) -DNEEDS_LIBPQ -shared -s $< -o $@ $(LIBPQ_LIBS)
$(BUILD)/fuzz/corpus/elf_needed/seed-needs-libc.so: tests/fuzz/elf_seed.c | $(BUILD)/fuzz/corpus/elf_needed
	$(CC) $(CFLAGS) -shared -s $< -o $@

fuzz-%: $(BUILD)/fuzz/fuzz_% | $(BUILD)/fuzz/corpus $(BUILD)/fuzz/crashes
	$(if $(wildcard tests/fuzz/crashes/$*-*),$< $(wildcard tests/fuzz/crashes/$*-*))
	mkdir -p $(BUILD)/fuzz/corpus/$*
	$< -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		-artifact_prefix=$(BUILD)/fuzz/crashes/$*- \
		$(BUILD)/fuzz/corpus/$* tests/fuzz/corpus/$*

# What CI runs: every target builds, replays its crashes and fuzzes a little.
fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS)

deps:
	scripts/install-deps.sh

# The README's test command.  Unit tests first (no LD_PRELOAD, no server),
# then the integration suite, which starts its own PostgreSQL and API stand-in,
# then a short run of each fuzz target, the thread storm under TSan, and the
# integration suite again under ASan + UBSan: last, so that its pytest summary
# ends the run.
check: deps
	$(MAKE) all $(UNIT_BIN)
	$(MAKE) unit integration
	$(MAKE) fuzz-smoke
	$(MAKE) check-tsan
	$(MAKE) check-asan

unit: $(UNIT_BIN)
	$(UNIT_BIN)

integration: all
	$(PYTHON) -m pytest -ra $(INTEGRATION_TESTS)

demo: deps
	$(MAKE) all
	$(PYTHON) scripts/demo.py

# What the shim costs, measured side by side against the same services
# (scripts/bench.py; BENCH_FLAGS=--quick for a smoke run).
.PHONY: bench
bench: deps
	$(MAKE) all
	$(PYTHON) scripts/bench.py $(BENCH_FLAGS)

# Installing into the running system (no DESTDIR) into a directory of the
# dynamic linker's cache (/usr/local/lib on Debian): refresh the cache, so
# that LD_PRELOAD=libhpgshim.so, without a directory, finds the library.
refresh_linker_cache = if [ -z '$(DESTDIR)' ] && \
	$(LDCONFIG) -vN 2>/dev/null | cut -d: -f1 | grep -qxF '$(LIBDIR)'; then $(LDCONFIG); fi

install: $(LIB) $(COMMAND) $(MANPAGE)
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(LIB) $(DESTDIR)$(LIBDIR)/libhpgshim.so
	install -m 0755 $(COMMAND) $(DESTDIR)$(BINDIR)/hpgshim
	install -m 0644 $(MANPAGE) $(DESTDIR)$(MANDIR)/man1/hpgshim.1
	$(refresh_linker_cache)

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libhpgshim.so $(DESTDIR)$(BINDIR)/hpgshim \
		$(DESTDIR)$(MANDIR)/man1/hpgshim.1
	$(refresh_linker_cache)

clean:
	rm -rf $(BUILD)
