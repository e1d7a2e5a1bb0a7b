"""A thousand placeholder connect/finish cycles in one process hold on to no
memory.

connect_cycles (tests/clients/) takes turns through the shim's paths that
allocate, checks every connection, and reports the heap in use and the
resident set after a warm-up and at the end. Under `make check-asan`,
LeakSanitizer also checks at exit that nothing allocated through the shim
was lost (harness/sanitizers.py), and the heap is ASan's own count."""

import re
from collections import namedtuple

from harness import sanitizers

CYCLES = 1000
WARM_UP_CYCLES = 200  # libcurl, OpenSSL and libpq fill their one-time caches

# From cycle 200 to 1000 the heap in use grows by 0 or 4096 bytes: one
# allocation that comes and goes.  A single leaked 32-byte chunk on every
# fourth cycle (one of the four kinds) already exceeds this bound.
HEAP_GROWTH_BOUND = 8 * 1024
# The resident set is coarser (pages), and also sees memory that is not
# malloc's: mappings, thread stacks.
RSS_GROWTH_BOUND_KB = 256

Usage = namedtuple("Usage", "cycles heap rss_kb")
_USAGE_LINE = re.compile(r"^after (\d+) cycles: heap (\d+) bytes, rss (\d+) kB$", re.MULTILINE)


def test_connect_cycles_hold_no_memory(run, shim_env, shim_path, db):
    # glibc's per-thread cache keeps freed chunks that mallinfo2() counts as
    # in use, up to some hundred kilobytes: without it the count is exact.
    env = shim_env(GLIBC_TUNABLES="glibc.malloc.tcache_count=0")
    client = sanitizers.client_program(shim_path, "connect_cycles")
    result = run([str(client), "heroku://demo-app", db.app.user, str(CYCLES),
                  str(WARM_UP_CYCLES)], env, timeout=600)

    assert result.stdout.splitlines()[-1:] == [f"connect_cycles: {CYCLES} of {CYCLES} cycles ok"], \
        result.stdout + result.stderr
    warm, end = (Usage(*map(int, match)) for match in _USAGE_LINE.findall(result.stdout))
    assert (warm.cycles, end.cycles) == (WARM_UP_CYCLES, CYCLES)
    assert end.heap - warm.heap <= HEAP_GROWTH_BOUND, (warm, end)
    # ASan holds freed memory in quarantine, so there the resident set grows
    # by design; LeakSanitizer and the heap count above stand in for it.
    if not sanitizers.running_under("ASAN"):
        assert end.rss_kb - warm.rss_kb <= RSS_GROWTH_BOUND_KB, (warm, end)
