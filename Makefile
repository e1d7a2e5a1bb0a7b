# hpgshim - build, test, demo, install.
#
#   make            build/libhpgshim.so
#   make check      install missing Debian packages, build, run every test
#   make demo       the whole story against a local PostgreSQL and API stand-in
#   make install    PREFIX=/usr/local DESTDIR=

PREFIX  ?= /usr/local
DESTDIR ?=
LIBDIR  ?= $(PREFIX)/lib
PYTHON  ?= /usr/bin/python3

BUILD   := build
LIB     := $(BUILD)/libhpgshim.so

PKGS    := libpq libcurl libcjson
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -fPIC $(shell pkg-config --cflags $(PKGS))
# Hidden by default: the library exports exactly the libpq symbols it hooks
# (marked in shim/hooks.c, listed in shim/exports.txt and checked by a test).
LIB_CFLAGS  := -fvisibility=hidden
# Neither libpq nor libcurl nor cJSON is linked: libpq is the program's own,
# libcurl and cJSON are opened on first use (shim/lazy_libs.c).
LIB_LDFLAGS := -shared -Wl,-z,defs -Wl,-z,now -pthread -ldl

# The core: everything but the hooks and the symbol finder, so that unit
# tests link it directly against libpq, without LD_PRELOAD.
CORE_SRCS := $(filter-out shim/hooks.c shim/dl_hooks.c shim/real_libpq.c,$(wildcard shim/*.c))
LIB_OBJS  := $(patsubst shim/%.c,$(BUILD)/shim/%.o,$(wildcard shim/*.c))
CORE_OBJS := $(patsubst shim/%.c,$(BUILD)/shim/%.o,$(CORE_SRCS))

UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_BIN  := $(BUILD)/unit_tests
CLIENT    := $(BUILD)/entry_points

.PHONY: all check unit integration deps demo install uninstall clean

all: $(LIB) $(CLIENT)

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

deps:
	scripts/install-deps.sh

# The README's test command.  Unit tests first (no LD_PRELOAD, no server),
# then the integration suite, which starts its own PostgreSQL and API stand-in.
check: deps
	$(MAKE) all $(UNIT_BIN)
	$(MAKE) unit integration

unit: $(UNIT_BIN)
	$(UNIT_BIN)

integration: all
	$(PYTHON) -m pytest -ra tests/integration

demo: deps
	$(MAKE) all
	$(PYTHON) scripts/demo.py

install: $(LIB)
	install -d $(DESTDIR)$(LIBDIR)
	install -m 0755 $(LIB) $(DESTDIR)$(LIBDIR)/libhpgshim.so

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libhpgshim.so

clean:
	rm -rf $(BUILD)
