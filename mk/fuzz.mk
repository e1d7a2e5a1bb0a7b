# libFuzzer targets (included by the Makefile).
#
# The targets test the core: tests/fuzz/fuzz_<target>.c, seeds in
# tests/fuzz/corpus/<target>/.  `make fuzz` runs each for FUZZ_SECONDS
# (`make -j3 fuzz` runs them side by side); new inputs go to
# build/fuzz/corpus/<target>/, crashes to build/fuzz/crashes/.  A crash worth
# keeping is copied to tests/fuzz/crashes/<target>-*, which every run replays
# first.
FUZZ_CC      ?= clang-14
FUZZ_TARGETS := placeholder api_answer conninfo_merge elf_needed cache_files
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 20
FUZZ_FLAGS   := -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_OBJS    := $(patsubst shim/%.c,$(BUILD)/fuzz/shim/%.o,$(CORE_SRCS))
FUZZ_BINS    := $(addprefix $(BUILD)/fuzz/fuzz_,$(FUZZ_TARGETS))
# Made by pattern rules for pattern rules; kept, not deleted as intermediates.
.SECONDARY: $(FUZZ_OBJS) $(FUZZ_BINS)

$(BUILD)/fuzz/shim $(BUILD)/fuzz/corpus $(BUILD)/fuzz/crashes:
	mkdir -p $@

$(BUILD)/fuzz/shim/%.o: shim/%.c $(BUILD)/fuzz/shim/%.d | $(BUILD)/fuzz/shim
	$(FUZZ_CC) $(ALL_CFLAGS) $(DEPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
	@touch $@

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/support.h tests/fuzz/support.c $(FUZZ_OBJS)
	$(FUZZ_CC) $(ALL_CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer -Ishim $< tests/fuzz/support.c \
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
	$(CC) $(ALL_CFLAGS) -DNEEDS_LIBPQ -shared -s $< -o $@ $(LIBPQ_LIBS)
$(BUILD)/fuzz/corpus/elf_needed/seed-needs-libc.so: tests/fuzz/elf_seed.c | $(BUILD)/fuzz/corpus/elf_needed
	$(CC) $(ALL_CFLAGS) -shared -s $< -o $@

fuzz-%: $(BUILD)/fuzz/fuzz_% | $(BUILD)/fuzz/corpus $(BUILD)/fuzz/crashes
	$(if $(wildcard tests/fuzz/crashes/$*-*),$< $(wildcard tests/fuzz/crashes/$*-*))
	mkdir -p $(BUILD)/fuzz/corpus/$*
	$< -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		-artifact_prefix=$(BUILD)/fuzz/crashes/$*- \
		$(BUILD)/fuzz/corpus/$* tests/fuzz/corpus/$*

# What CI runs: every target builds, replays its crashes and fuzzes a little.
fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS)
