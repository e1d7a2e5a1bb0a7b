"""What `make install` ships: the library, the hpgshim command and its man
page, each where PREFIX and DESTDIR say, and the command doing what
hpgshim(1) says.

Every make here builds into a directory of its own (BUILD=...), so that
these tests neither depend on nor disturb what `make` left in build/."""

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

SECTIONS = ("NAME", "SYNOPSIS", "DESCRIPTION", "DOCTOR", "ENV", "ENVIRONMENT", "EXIT STATUS",
            "SECURITY", "FILES", "EXAMPLES", "SEE ALSO")
# The checks of hpgshim doctor, as it names them (tests/integration/test_doctor.py).
DOCTOR_CHECKS = ("library", "token", "API host", "API request", "config var", "database host",
                 "database port", "TLS", "authentication", "server")
# Where each file lands under a prefix, and the mode it must have.
INSTALLED = {
    "lib/libhpgshim.so": 0o755,
    "bin/hpgshim": 0o755,
    "libexec/hpgshim/doctor": 0o755,
    "libexec/hpgshim/env": 0o755,
    "share/man/man1/hpgshim.1": 0o644,
}
# make reads these from the environment too: the caller's must not leak in.
_MAKE_ENVIRONMENT = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "PREFIX", "DESTDIR",
                     "LIBDIR", "BINDIR", "MANDIR", "LDCONFIG", "BUILD")


@pytest.fixture(scope="module")
def make(repo_root, tmp_path_factory):
    """make(*arguments) -> CompletedProcess of make in the repository, with
    its products in a build directory of this module's own; fails the test
    when make does."""
    build_dir = tmp_path_factory.mktemp("build")
    env = {name: value for name, value in os.environ.items() if name not in _MAKE_ENVIRONMENT}

    def run_make(*arguments) -> subprocess.CompletedProcess:
        result = subprocess.run(
            ["make", "-j4", "-C", str(repo_root), f"BUILD={build_dir}", *arguments],
            env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    run_make.build_dir = build_dir
    return run_make


@pytest.fixture(scope="module")
def prefix(make, tmp_path_factory) -> Path:
    """A real install (no DESTDIR) into a prefix of its own."""
    prefix = tmp_path_factory.mktemp("prefix")
    make("install", f"PREFIX={prefix}")
    return prefix


@pytest.fixture(scope="module")
def command(prefix) -> str:
    return str(prefix / "bin" / "hpgshim")


@pytest.fixture(scope="module")
def version(repo_root) -> str:
    header = (repo_root / "shim" / "version.h").read_text()
    return re.search(r'^#define HPGSHIM_VERSION "([^"]+)"$', header, re.M).group(1)


@pytest.fixture(scope="module")
def other_library(tmp_path_factory) -> str:
    """A shared object that loads cleanly and does nothing: something else
    already in LD_PRELOAD."""
    path = tmp_path_factory.mktemp("other") / "libother.so"
    subprocess.run(["cc", "-shared", "-o", str(path), "-x", "c", "/dev/null"], check=True)
    return str(path)


def rendered_man_page(run, plain_env, page) -> subprocess.CompletedProcess:
    # --warnings turns on groff's warnings, which are off by default.  Wide
    # lines, so that a long temporary prefix is not broken across two.
    return run(["man", "--warnings", "-l", str(page)], plain_env(MANWIDTH=250))


# --- make install, make uninstall ------------------------------------------

def test_staged_install_and_uninstall(make, run, plain_env, tmp_path):
    stage = tmp_path / "stage"
    make("install", f"DESTDIR={stage}", "PREFIX=/usr/local")
    installed = stage / "usr" / "local"
    for path, mode in INSTALLED.items():
        assert (installed / path).is_file(), path
        assert stat.S_IMODE((installed / path).stat().st_mode) == mode, path

    # The command points at where the library will be, not into the stage.
    usage = run([str(installed / "bin" / "hpgshim"), "--help"], plain_env())
    assert "Run PROGRAM with /usr/local/lib/libhpgshim.so preloaded" in usage.stdout
    assert str(stage) not in usage.stdout + (installed / "share/man/man1/hpgshim.1").read_text()

    make("uninstall", f"DESTDIR={stage}", "PREFIX=/usr/local")
    assert [path for path in INSTALLED if (installed / path).exists()] == []


LDCONFIG_STUB = """#!/bin/sh
# ldconfig -vN lists the directories of the linker's cache: here only LIBDIR.
if [ "$1" = -vN ]; then echo "{libdir}: (from the test)"; else echo "$*" >> {calls}; fi
"""


def test_ldconfig_only_when_installing_into_the_system(make, tmp_path):
    cached_prefix = tmp_path / "cached"
    calls = tmp_path / "ldconfig-calls"
    stub = tmp_path / "ldconfig"
    stub.write_text(LDCONFIG_STUB.format(libdir=cached_prefix / "lib", calls=calls))
    stub.chmod(0o755)

    def refreshes(*arguments) -> int:
        calls.write_text("")
        make(*arguments, f"LDCONFIG={stub}")
        return len(calls.read_text().splitlines())

    # Into a directory of the linker's cache: refreshed, on install and uninstall.
    assert refreshes("install", f"PREFIX={cached_prefix}") == 1
    assert refreshes("uninstall", f"PREFIX={cached_prefix}") == 1
    # Staged, or into a directory the linker does not search: left alone.
    assert refreshes("install", f"PREFIX={cached_prefix}", f"DESTDIR={tmp_path / 'stage'}") == 0
    assert refreshes("install", f"PREFIX={tmp_path / 'private'}") == 0


def test_man_page_is_found_under_the_prefix(run, plain_env, prefix):
    found = run(["man", "-w", "hpgshim"], plain_env(MANPATH=prefix / "share" / "man"))
    assert found.stdout.strip() == str(prefix / "share/man/man1/hpgshim.1"), found.stderr


# --- the hpgshim command ---------------------------------------------------

def preloaded_by(run, env, command) -> str:
    """What command puts in LD_PRELOAD for the program it runs."""
    result = run([str(command), "sh", "-c", 'printf %s "$LD_PRELOAD"'], env)
    assert (result.returncode, result.stderr) == (0, "")
    return result.stdout


def test_build_tree_command_uses_the_build_tree_library(make, run, plain_env, shim_env):
    """build/hpgshim works before any `make install`, with build/libhpgshim.so."""
    make("all")
    build_dir = make.build_dir
    command = build_dir / "hpgshim"
    assert preloaded_by(run, plain_env(), command) == f"{build_dir}/libhpgshim.so"
    result = run([str(command), "psql", "heroku://demo-app", "-XAtc", "select current_user"],
                 shim_env(LD_PRELOAD=None))
    assert (result.returncode, result.stdout.strip()) == (0, "app_user"), result.stderr
    doctor = run([str(command), "doctor", "heroku://demo-app"], shim_env(LD_PRELOAD=None))
    assert doctor.returncode == 0, doctor.stdout
    assert f"ok    library: {build_dir}/libhpgshim.so, version" in doctor.stdout


def test_build_tree_command_without_its_library(make, run, plain_env, tmp_path):
    make("all")
    command = tmp_path / "hpgshim"
    shutil.copy(make.build_dir / "hpgshim", command)
    command.write_text(command.read_text().replace(f"{make.build_dir}/", f"{tmp_path}/"))
    result = run([str(command), "true"], plain_env())
    assert result.returncode == 125
    assert result.stderr == f"hpgshim: {tmp_path}/libhpgshim.so not found: run make\n"


def test_installed_command_uses_the_installed_library(make, run, plain_env, shim_env, prefix,
                                                      command):
    """Not the build tree's, which is still there."""
    assert (make.build_dir / "libhpgshim.so").exists()
    assert preloaded_by(run, plain_env(), command) == f"{prefix}/lib/libhpgshim.so"
    doctor = run([command, "doctor", "heroku://demo-app"], shim_env(LD_PRELOAD=None))
    assert doctor.returncode == 0, doctor.stdout
    assert f"ok    library: {prefix}/lib/libhpgshim.so, version" in doctor.stdout
    # hpgshim env is the installed one, and hands COMMAND the installed library.
    env = run([command, "env", "DATABASE_URL=heroku://demo-app", "sh", "-c",
               'case $DATABASE_URL in postgres://*) printf %s "$LD_PRELOAD";; esac'],
              shim_env(LD_PRELOAD=None))
    assert (env.returncode, env.stdout, env.stderr) == (0, f"{prefix}/lib/libhpgshim.so", "")


def test_command_connects_through_the_shim(run, shim_env, command):
    env = shim_env(LD_PRELOAD=None)
    result = run([command, "psql", "heroku://demo-app", "-XAtc", "select current_user"], env)
    assert (result.returncode, result.stdout.strip()) == (0, "app_user"), result.stderr


@pytest.mark.parametrize("before, after", [
    (None, "{shim}"),
    ("{other}", "{other} {shim}"),
    # The shim is there already, under the installed path or another: once is enough.
    ("{other} {shim}", "{other} {shim}"),
    ("{shim}:{other}", "{shim}:{other}"),
    ("{copy}", "{copy}"),
])  # fmt: skip
def test_command_appends_to_ld_preload(run, plain_env, prefix, command, other_library,
                                       tmp_path, before, after):
    copy = tmp_path / "elsewhere" / "libhpgshim.so"
    copy.parent.mkdir()
    shutil.copy(prefix / "lib" / "libhpgshim.so", copy)
    paths = {"shim": prefix / "lib" / "libhpgshim.so", "other": other_library, "copy": copy}

    env = plain_env(LD_PRELOAD=before.format(**paths) if before else None)
    result = run([command, "sh", "-c", 'printf %s "$LD_PRELOAD"'], env)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == after.format(**paths)


def test_version(run, plain_env, command, version):
    result = run([command, "--version"], plain_env())
    assert (result.returncode, result.stdout) == (0, f"hpgshim {version}\n")


def test_help(run, plain_env, command):
    result = run([command, "--help"], plain_env())
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("usage: hpgshim PROGRAM")


@pytest.mark.parametrize("arguments", [[], ["--no-such-option"]])
def test_usage_error_exits_2(run, plain_env, command, arguments):
    result = run([command, *arguments], plain_env())
    assert (result.returncode, result.stdout) == (2, "")
    assert "usage: hpgshim PROGRAM" in result.stderr


def test_program_not_found_exits_127(run, plain_env, command):
    result = run([command, "no-such-program", "heroku://demo-app"], plain_env())
    assert result.returncode == 127
    assert result.stderr == "hpgshim: no-such-program: command not found\n"


def test_missing_library_exits_125(make, run, plain_env, tmp_path):
    make("install", f"PREFIX={tmp_path}")
    (tmp_path / "lib" / "libhpgshim.so").unlink()
    result = run([str(tmp_path / "bin" / "hpgshim"), "true"], plain_env())
    assert result.returncode == 125
    assert f"{tmp_path}/lib/libhpgshim.so not found" in result.stderr


# --- the man page ----------------------------------------------------------

def test_man_page_renders_without_warnings(run, plain_env, prefix, version):
    page = prefix / "share/man/man1/hpgshim.1"
    result = rendered_man_page(run, plain_env, page)
    assert (result.returncode, result.stderr) == (0, "")
    headings = re.findall(r"^([A-Z][A-Z ]+)$", result.stdout, re.M)
    assert [name for name in SECTIONS if name not in headings] == []
    assert f"LD_PRELOAD={prefix}/lib/libhpgshim.so program" in result.stdout
    assert f"hpgshim {version}" in result.stdout.splitlines()[-1]
    assert re.findall(r"@[A-Z_]+@", page.read_text()) == []  # every @NAME@ filled in


def test_man_page_documents_the_doctor(run, plain_env, prefix):
    rendered = rendered_man_page(run, plain_env, prefix / "share/man/man1/hpgshim.1").stdout
    assert "hpgshim doctor heroku://APP[/CONFIG_VAR]" in rendered
    section = re.search(r"^DOCTOR\n(.*?)^\S", rendered, re.M | re.S).group(1)
    tags = " ".join(re.findall(r"^ {7}(\S.*)$", section, re.M))
    assert [check for check in DOCTOR_CHECKS if check not in tags] == []
    assert f"{prefix}/libexec/hpgshim/doctor" in rendered


def test_man_page_documents_hpgshim_env(run, plain_env, prefix):
    """Its options, with the defaults of env/env_args.h, and exit statuses."""
    rendered = rendered_man_page(run, plain_env, prefix / "share/man/man1/hpgshim.1").stdout
    section = re.search(r"^ENV\n(.*?)^\S", rendered, re.M | re.S).group(1)
    for option in ("--ignore-environment", "--unset=NAME", "--restart-on-change[=SECONDS]",
                   "--grace=SECONDS", "--node-postgres", "(default 60, at least 10)",
                   "default 10", "JDBC_DATABASE_URL", "exit status 125"):
        assert option in " ".join(section.split()), option
    assert f"{prefix}/libexec/hpgshim/env" in rendered


@pytest.mark.skipif(shutil.which("mandoc") is None, reason="mandoc is not installed")
def test_man_page_lints_clean(run, plain_env, prefix):
    result = run(["mandoc", "-T", "lint", str(prefix / "share/man/man1/hpgshim.1")], plain_env())
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def environment_entries(rendered: str) -> dict:
    """{variable: its description} from the ENVIRONMENT section of a page
    rendered by man: tags indented 7 columns, their text 14."""
    section = re.search(r"^ENVIRONMENT\n(.*?)^\S", rendered, re.M | re.S).group(1)
    entries, names = {}, []
    for line in section.splitlines():
        if re.match(r" {7}\S", line):
            names = [name.strip() for name in line.split(",")]
        elif line.startswith(" " * 14):
            for name in names:
                entries[name] = entries.get(name, "") + " " + line.strip()
    return {name: " ".join(text.split()) for name, text in entries.items()}


def test_man_page_documents_every_variable_of_config_h(run, plain_env, prefix, repo_root):
    """shim/config.h is the source of truth: its header comment names every
    variable, and its #defines hold the numeric defaults."""
    config_h = (repo_root / "shim" / "config.h").read_text()
    header_comment = config_h[: config_h.index("*/")]
    variables = set(re.findall(r"\b(HEROKU_[A-Z_]+|HPGSHIM_[A-Z_]+|PG[A-Z]+)\b", header_comment))
    defaults = dict(re.findall(r"^#define HPGSHIM_DEFAULT_([A-Z_]+) (\d+)$", config_h, re.M))
    assert len(variables) >= 10 and len(defaults) >= 3  # the patterns still match config.h

    page = prefix / "share/man/man1/hpgshim.1"
    entries = environment_entries(rendered_man_page(run, plain_env, page).stdout)
    assert sorted(variables - entries.keys()) == []
    for name, value in defaults.items():
        assert f"Default: {value}." in entries[f"HPGSHIM_{name}"], name


# --- the README's CI recipes -----------------------------------------------

def strings_in(node) -> list:
    """Every string in a parsed YAML document."""
    if isinstance(node, dict):
        return [text for value in node.values() for text in strings_in(value)]
    if isinstance(node, list):
        return [text for value in node for text in strings_in(value)]
    return [node] if isinstance(node, str) else []


def test_readme_ci_recipes_parse(repo_root):
    yaml = pytest.importorskip("yaml")
    readme = (repo_root / "README.md").read_text()
    section = re.search(r"^## CI recipes\n(.*?)^## ", readme, re.M | re.S).group(1)
    recipes = re.findall(r"^```yaml\n(.*?)^```$", section, re.M | re.S)
    assert len(recipes) == 2  # GitHub Actions, GitLab CI
    github, gitlab = (yaml.safe_load(recipe) for recipe in recipes)
    # GitHub: the action (action.yml) installs hpgshim.
    steps = github["jobs"]["back-up-and-migrate"]["steps"]
    assert "YOUR-ORG/hpgshim@v1" in [step.get("uses") for step in steps]
    # GitLab: the build packages, then make install.
    assert "libcjson-dev" in "\n".join(strings_in(gitlab))
    assert "install" in "\n".join(strings_in(gitlab))
    for recipe in (github, gitlab):
        commands = "\n".join(strings_in(recipe))
        for command in ("hpgshim pg_dump", "hpgshim psql"):
            assert command in commands, (command, recipe)


def test_readme_install_section_leads_with_the_package_and_the_action(repo_root):
    readme = (repo_root / "README.md").read_text()
    section = re.search(r"^## Installing\n(.*?)^## ", readme, re.M | re.S).group(1)
    order = [section.index(text) for text in ("apt-get install ./build/hpgshim_", "hpgshim@v1",
                                              "make install")]
    assert order == sorted(order)


def test_readme_troubleshooting_starts_with_the_doctor(repo_root):
    readme = (repo_root / "README.md").read_text()
    section = re.search(r"^## Errors and what to do\n(.*?)^## ", readme, re.M | re.S).group(1)
    assert section.lstrip().startswith("Start with `hpgshim doctor`")


# --- the Debian package's sources (test_deb.py builds and installs it) ------

def test_debian_copyright_holds_the_license(repo_root):
    """debian/copyright quotes LICENSE, which stays the one home of the text."""
    copyright_text = (repo_root / "debian" / "copyright").read_text()
    quoted = copyright_text.split("\nLicense: Expat\n")[-1]
    unquoted = "\n".join("" if line == " ." else line[1:] for line in quoted.splitlines())
    license_lines = (repo_root / "LICENSE").read_text().splitlines()
    assert license_lines[0] == "MIT License"  # Expat, in Debian's naming
    assert unquoted.strip() == "\n".join(license_lines[2:]).strip()
