# Sanitizer builds and runs (included by the Makefile).
#
#   build/asan/  the library and the hazard clients with AddressSanitizer +
#                UndefinedBehaviorSanitizer: make check-asan
#   build/tsan/  the same with ThreadSanitizer: make check-tsan

ASAN_FLAGS := -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
TSAN_FLAGS := -fno-omit-frame-pointer -fsanitize=thread
# In a program not built with ASan, the runtime starts at the first malloc.
# In psql and pg_dump that is inside libp11-kit's constructor, in newlocale()
# with glibc's locale lock held; ASan's start-up calls dlerror(), which
# unlocks that lock, and the program hangs at exit.  Initialised first
# (DF_1_INITFIRST), the library's ASan constructor starts the runtime before
# any other constructor runs.
ASAN_LIB_LDFLAGS := -Wl,-z,initfirst

# $(call sanitizer_build,DIR,FLAGS_VARIABLE,LIB_LDFLAGS): DIR/libhpgshim.so
# and its hazard clients.  The flags are named, not given, so that one object
# can build with others (a target-specific value).
define sanitizer_build
$(1) $(1)/shim:
	mkdir -p $$@

$(1)/shim/%.o: shim/%.c $(1)/shim/%.d | $(1)/shim
	$$(CC) $$(ALL_CFLAGS) $$(DEPFLAGS) $$($(2)) $$(LIB_CFLAGS) -c $$< -o $$@
	@touch $$@

$(1)/libhpgshim.so: $(patsubst shim/%.c,$(1)/shim/%.o,$(wildcard shim/*.c))
	$$(call check_tail_calls,$(1))
	$$(CC) $$(ALL_CFLAGS) $$($(2)) $$^ -o $$@ $$(LIB_LDFLAGS) $(3)

$(call hazard_clients,$(1),$$($(2)))
endef

$(eval $(call sanitizer_build,$(BUILD)/asan,ASAN_FLAGS,$(ASAN_LIB_LDFLAGS)))
$(eval $(call sanitizer_build,$(BUILD)/tsan,TSAN_FLAGS))

# shim/dl_hooks.c hands dlopen() and dlsym() on to glibc with a tail call, so
# that glibc sees the program's return address; TSan's function exit hook
# would come after that call, and TSan's own start-up calls dlsym() before it
# can run any hook at all (it crashed there).  That file, and the lookups of
# glibc's functions it runs (shim/glibc_dl.c), are built without TSan.
$(BUILD)/tsan/shim/dl_hooks.o $(BUILD)/tsan/shim/glibc_dl.o: TSAN_FLAGS :=

# The allocation torture (tests/clients/alloc_torture.c, run by
# tests/integration/test_alloc_torture.py): the shim's ASan objects linked
# into the program itself, all but the dl hooks, with every allocation they
# make going through the program's failing wrappers.  Always built with ASan:
# LeakSanitizer checks each run.
comma := ,
TORTURE := $(BUILD)/asan/alloc_torture
TORTURE_WRAPS := malloc calloc realloc strdup strndup asprintf
TORTURE_OBJS := $(filter-out $(BUILD)/asan/shim/dl_hooks.o, \
	$(patsubst shim/%.c,$(BUILD)/asan/shim/%.o,$(wildcard shim/*.c)))
integration: $(TORTURE)
$(TORTURE): tests/clients/alloc_torture.c $(CHECK_CONNECTION) $(TORTURE_OBJS) | $(BUILD)/asan
	$(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) -Ishim -rdynamic tests/clients/alloc_torture.c \
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
LIBASAN := $(shell $(CC) -print-file-name=libasan.so)
check-asan: all $(BUILD)/libresolver_spy.so libpq-matrix $(BUILD)/asan/libhpgshim.so \
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
