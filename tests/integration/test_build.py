"""How the Makefile builds: a packager's flags, header dependencies, and
what `make demo` installs.  Every make here builds into a directory of its
own (BUILD=...), and -n / -W only say what would be done, so these tests
neither depend on nor disturb build/."""

import os
import subprocess

import pytest

# make reads these from the environment too: the caller's must not leak in.
_MAKE_ENVIRONMENT = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "CFLAGS", "WERROR", "BUILD")


@pytest.fixture(scope="module")
def make(repo_root, tmp_path_factory):
    """make(*arguments) -> make's stdout, run in the repository with a build
    directory of this module's own; fails the test when make does."""
    build_dir = tmp_path_factory.mktemp("build")
    env = {name: value for name, value in os.environ.items() if name not in _MAKE_ENVIRONMENT}

    def run_make(*arguments) -> str:
        result = subprocess.run(["make", "-C", str(repo_root), f"BUILD={build_dir}", *arguments],
                                env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        return result.stdout

    run_make.build_dir = build_dir
    return run_make


def compile_line(make, *arguments) -> str:
    """The command that would compile shim/config.c, with these arguments."""
    lines = make("-n", "-B", *arguments, f"{make.build_dir}/shim/config.o").splitlines()
    [line] = [line for line in lines if "-c shim/config.c" in line]
    return line


def test_werror_is_a_variable_a_packager_can_turn_off(make):
    assert " -Werror " in compile_line(make)
    assert "-Werror" not in compile_line(make, "WERROR=")


def test_the_users_cflags_add_to_the_projects_own(make):
    """A packager's CFLAGS (dpkg-buildflags, or on make's command line) come
    after the project's flags, which they no longer replace."""
    line = compile_line(make, "CFLAGS=-O0 -fstack-protector-strong")
    for needed in ("-std=gnu11", "-fPIC", "-Werror", "-I/usr/include/postgresql"):
        assert needed in line
    assert line.index("-Werror") < line.index("-O0 -fstack-protector-strong")


def test_a_changed_header_rebuilds_exactly_the_objects_that_include_it(make, repo_root):
    make(f"{make.build_dir}/libhpgshim.so")
    make("-q", f"{make.build_dir}/libhpgshim.so")  # up to date: exit 0, or make() fails
    # -W: "what if shim/monotonic.h had changed", without touching it.
    planned = make("-n", "-W", "shim/monotonic.h", f"{make.build_dir}/libhpgshim.so")
    rebuilt = {line.split(" -c ")[1].split()[0] for line in planned.splitlines() if " -c " in line}
    including = {f"shim/{path.name}" for path in (repo_root / "shim").glob("*.c")
                 if '#include "monotonic.h"' in path.read_text()}
    assert rebuilt == including and "shim/monotonic.c" in rebuilt


def test_make_demo_installs_only_what_the_demo_needs(make, repo_root):
    assert "scripts/install-deps.sh --demo" in make("-n", "demo").splitlines()
    script = repo_root / "scripts" / "install-deps.sh"

    def listed(*profile):
        result = subprocess.run([str(script), "--list", *profile], capture_output=True,
                                text=True, check=True)
        return set(result.stdout.split())

    demo, everything = listed("--demo"), listed()
    assert {"gcc", "make", "postgresql-15", "postgresql-client-15", "openssl", "python3"} <= demo
    assert demo < everything
    assert not demo & {"clang-14", "php8.2-cli", "ruby-pg", "strace", "libcmocka-dev"}


# A forward to a function that glibc's dlopen and dlsym hand back, in the
# two forms a compiler makes of it: a jump (glibc sees the program) or, as
# gcc does at -O0, a call (glibc sees the shim).
_FORWARD = """
typedef void *fn(const char *, int);
fn *glibc_function(void);
void *dlopen(const char *file, int mode) { %s glibc_function()(file, mode); }
"""


@pytest.mark.parametrize("how, passes", [("__attribute__((musttail)) return", True),
                                         ("return", False)])
def test_the_tail_call_check_refuses_a_hook_that_calls_glibc(repo_root, tmp_path, how, passes):
    source, obj = tmp_path / "forward.c", tmp_path / "forward.o"
    source.write_text(_FORWARD % how)
    subprocess.run(["clang-14", "-O0", "-fPIC", "-c", str(source), "-o", str(obj)], check=True)
    check = subprocess.run(["sh", str(repo_root / "mk" / "check_tail_calls.sh"), str(obj), "dlopen"],
                           capture_output=True, text=True)
    assert (check.returncode == 0) == passes, check.stderr
    if not passes:
        assert "dlopen" in check.stderr and "call" in check.stderr


def test_every_library_build_checks_its_tail_calls(make):
    planned = make("-n", "-B", f"{make.build_dir}/libhpgshim.so")
    assert f"mk/check_tail_calls.sh {make.build_dir}/shim/dl_hooks.o dlopen dlsym" in planned
