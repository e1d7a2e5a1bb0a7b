"""The Debian package: `make deb` builds it with debhelper, lintian finds
nothing wrong, it installs with apt-get, its command and library connect
through the shim, and purging it leaves no file behind.

It installs into this machine's /usr, so it runs only as root (as CI does),
never while an hpgshim package is installed already, one run at a time (a
lock), and always purges what it installed, even when it fails.  Only
programs that ask for the installed library (hpgshim, LD_PRELOAD=
libhpgshim.so) use it meanwhile: every other test names build/'s."""

import fcntl
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from test_packaging import version  # noqa: F401  (a fixture)

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="installs a package: needs root"),
    pytest.mark.skipif(shutil.which("dpkg-buildpackage") is None, reason="no dpkg-dev"),
]

LOCK = Path("/run/lock/hpgshim-deb-test.lock")
# apt-get waits for a dpkg lock that another engineer's apt-get holds.
APT = ["apt-get", "-y", "-qq", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=300"]


def system(*command, check=True) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
           "DEBIAN_FRONTEND": "noninteractive"}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    if check:
        assert result.returncode == 0, (command, result.stdout, result.stderr)
    return result


def package_status() -> str:
    return system("dpkg-query", "-W", "-f=${Status}", "hpgshim", check=False).stdout


@pytest.fixture(scope="module")
def deb(repo_root, tmp_path_factory, version) -> Path:
    """make deb, into a build directory of this module's own; or the package
    HPGSHIM_TEST_DEB names, made already (scripts/platform.sh)."""
    if os.environ.get("HPGSHIM_TEST_DEB"):
        return Path(os.environ["HPGSHIM_TEST_DEB"])
    build_dir = tmp_path_factory.mktemp("build")
    env = {name: value for name, value in os.environ.items()
           if name not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "BUILD", "PREFIX", "DESTDIR")}
    result = subprocess.run(["make", "-C", str(repo_root), f"BUILD={build_dir}", "deb"],
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    arch = system("dpkg-architecture", "-qDEB_HOST_ARCH").stdout.strip()
    path = build_dir / f"hpgshim_{version}_{arch}.deb"
    assert path.is_file(), sorted(os.listdir(build_dir))
    return path


@pytest.fixture
def machine():
    """This machine, hpgshim not installed; purged again afterwards."""
    LOCK.parent.mkdir(parents=True, exist_ok=True)
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if package_status() not in ("", "unknown ok not-installed", "deinstall ok config-files"):
            pytest.skip("an hpgshim package is installed on this machine: not touched")
        try:
            yield
        finally:
            system(*APT, "purge", "hpgshim", check=False)


def test_deb_lints_clean(deb):
    result = system("lintian", "--fail-on", "error,warning", "--info", str(deb), check=False)
    problems = [line for line in result.stdout.splitlines() if re.match(r"^[EW]: ", line)]
    assert (result.returncode, problems) == (0, []), result.stdout + result.stderr


def test_deb_version_and_dependencies(deb, version):
    fields = system("dpkg-deb", "--field", str(deb)).stdout
    assert re.search(rf"^Version: {re.escape(version)}$", fields, re.M)  # shim/version.h's
    depends = re.search(r"^Depends: (.*)$", fields, re.M).group(1).split(", ")
    suggests = re.search(r"^Suggests: (.*)$", fields, re.M).group(1).split(", ")
    # All three are dlopen'ed (libpq by the doctor and hpgshim env alone), so only named in
    # debian/control: libcurl4 and libcjson1 needed, libpq5 suggested.
    assert {"libcurl4", "libcjson1"} <= set(depends)
    assert not any(name.startswith("libpq") for name in depends)
    assert "libpq5" in suggests


@pytest.mark.platform_core
def test_deb_installs_connects_and_purges(deb, machine, run, shim_env, plain_env, db):
    multiarch = system("dpkg-architecture", "-qDEB_HOST_MULTIARCH").stdout.strip()
    library = f"/usr/lib/{multiarch}/libhpgshim.so"

    system(*APT, "install", str(deb))
    files = system("dpkg", "-L", "hpgshim").stdout.splitlines()
    for path in (library, "/usr/bin/hpgshim", "/usr/libexec/hpgshim/doctor",
                 "/usr/libexec/hpgshim/env",
                 "/usr/share/man/man1/hpgshim.1.gz", "/usr/share/doc/hpgshim/copyright"):
        assert path in files

    env = shim_env(LD_PRELOAD=None, PATH=f"/usr/bin:{plain_env()['PATH']}")
    query = ["-XAtc", "select current_user"]
    # The command finds the library in the multiarch directory...
    result = run(["/usr/bin/hpgshim", "psql", "heroku://demo-app", *query], env)
    assert (result.returncode, result.stdout.strip()) == (0, "app_user"), result.stderr
    # ...and so does the dynamic linker, by name alone (dpkg's ldconfig trigger).
    result = run(["psql", "heroku://demo-app", *query], {**env, "LD_PRELOAD": "libhpgshim.so"})
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "app_user", "")
    doctor = run(["/usr/bin/hpgshim", "doctor", "heroku://demo-app"], env)
    assert doctor.returncode == 0, doctor.stdout
    assert f"ok    library: {library}, version" in doctor.stdout
    env_command = run(["/usr/bin/hpgshim", "env", "DATABASE_URL=heroku://demo-app", "sh", "-c",
                       'case $DATABASE_URL in postgres://*) printf %s "$LD_PRELOAD";; esac'], env)
    assert (env_command.returncode, env_command.stdout) == (0, library), env_command.stderr
    if shutil.which("man"):  # the platform runs have no man-db
        assert run(["man", "-w", "hpgshim"], env).stdout.strip() == "/usr/share/man/man1/hpgshim.1.gz"

    system(*APT, "purge", "hpgshim")
    assert package_status() in ("", "unknown ok not-installed")
    left = [path for path in files if os.path.lexists(path) and not os.path.isdir(path)]
    assert left == []
    # Nothing of the package's own anywhere it installed to, and nothing
    # left in the dynamic linker's cache.
    found = system("find", "/usr/bin", f"/usr/lib/{multiarch}", "/usr/libexec", "/usr/share/man",
                   "/usr/share/doc", "/usr/share/lintian", "/etc", "-name", "*hpgshim*").stdout
    assert found == ""
    assert "libhpgshim.so" not in system("ldconfig", "-p").stdout
