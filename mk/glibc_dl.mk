# The glibc versions of dlopen and dlsym (included by the Makefile).
#
# shim/glibc_dl.c asks glibc for its own dlopen and dlsym by version, and
# that version differs between glibc releases and architectures (GLIBC_2.34
# since glibc 2.34; before it GLIBC_2.2.5 on x86-64, GLIBC_2.17 on arm64,
# GLIBC_2.0 and 2.1 on i386, ...).  Rather than a table of them, the build
# links a probe that calls both and writes down the versions the linker bound
# them to: glibc's default versions, which the glibc the library runs on has
# too (a later glibc keeps every earlier version of a symbol).
GLIBC_DL_VERSIONS := $(BUILD)/generated/glibc_dl_versions.h

$(BUILD)/generated:
	mkdir -p $@

# `objdump -T` lists the probe's imports as "... (GLIBC_2.34) dlopen"
# (Debian 12's binutils) or "... GLIBC_2.2.5 dlopen" (Debian 11's).
$(GLIBC_DL_VERSIONS): mk/glibc_dl_probe.c | $(BUILD)/generated
	$(CC) $(ALL_CFLAGS) -shared $< -o $(@D)/glibc_dl_probe.so -ldl
	$(OBJDUMP) -T $(@D)/glibc_dl_probe.so | \
		sed -n 's/.*[[:space:](]\(GLIBC_[0-9.]*\))\?[[:space:]]\+\(dlopen\|dlsym\)$$/#define GLIBC_DL_\U\2\E_VERSION "\1"/p' \
		> $@.new
	@if [ "$$(grep -c '^#define GLIBC_DL_DL\(OPEN\|SYM\)_VERSION "GLIBC_' $@.new)" != 2 ]; then \
		echo "$@: cannot tell the versions of glibc's dlopen and dlsym from $(@D)/glibc_dl_probe.so:" >&2; \
		$(OBJDUMP) -T $(@D)/glibc_dl_probe.so | grep -w 'dl\(open\|sym\)' >&2; \
		rm -f $@.new; exit 1; fi
	mv $@.new $@

# Every build of shim/glibc_dl.c includes it: the library's, the sanitizers'
# and the fuzzers'.
$(foreach dir,$(BUILD) $(BUILD)/asan $(BUILD)/tsan $(BUILD)/fuzz,$(dir)/shim/glibc_dl.o): \
	$(GLIBC_DL_VERSIONS)
