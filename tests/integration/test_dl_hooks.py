"""The shim's dlopen and dlsym hooks (shim/dl_hooks.h) make PHP and psycopg 3
reach the hooks, and change nothing else: a module's RTLD_DEEPBIND is kept
unless the module needs libpq, dlopen searches the caller's RUNPATH, and
dlsym(RTLD_NEXT) is relative to its caller."""

import subprocess

import pytest

from harness.sanitizers import ld_preload

CLIENTS = "tests/clients"


@pytest.fixture(scope="module")
def built(repo_root, tmp_path_factory):
    """dl_host, two probe modules (one needing libpq) and an interposer."""
    out = tmp_path_factory.mktemp("dl")
    (out / "lib").mkdir()
    src = repo_root / CLIENTS

    def cc(*args):
        result = subprocess.run(["cc", "-Wall", "-Werror", "-I/usr/include/postgresql",
                                 *map(str, args)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr

    cc(src / "dl_host.c", "-rdynamic", "-ldl", "-o", out / "dl_host")
    module = ["-shared", "-fPIC", src / "dl_probe_module.c", "-ldl", "-Wl,-rpath,$ORIGIN/lib"]
    cc(*module, "-o", out / "probe_plain.so")
    cc(*module, "-Wl,--no-as-needed", "-lpq", "-o", out / "probe_libpq.so")
    cc("-shared", "-fPIC", src / "dl_interposer.c", "-ldl", "-o", out / "interposer.so")
    # a library only the modules' RUNPATH ($ORIGIN/lib) can find
    cc("-shared", "-fPIC", "-x", "c", "/dev/null", "-o", out / "lib" / "libonlyhere.so")
    return out


def host(run, built, env, *args):
    return run([str(built / "dl_host"), *args], env)


@pytest.mark.platform_core
def test_deepbind_is_kept_for_a_module_without_libpq(run, built, shim_env, plain_env):
    for env in (plain_env(), shim_env()):
        assert host(run, built, env, "deepbind", built / "probe_plain.so").stdout == \
            "deepbind: module's own\n"


@pytest.mark.platform_core
def test_deepbind_is_dropped_for_a_module_that_needs_libpq(run, built, shim_env, plain_env):
    assert host(run, built, plain_env(), "deepbind", built / "probe_libpq.so").stdout == \
        "deepbind: module's own\n"
    assert host(run, built, shim_env(), "deepbind", built / "probe_libpq.so").stdout == \
        "deepbind: program's\n"


@pytest.mark.platform_core
def test_dlopen_searches_the_callers_runpath(run, built, shim_env, plain_env):
    for env in (plain_env(), shim_env()):
        result = host(run, built, env, "runpath", built / "probe_plain.so", "libonlyhere.so")
        assert result.stdout == "runpath: found\n", result.stdout


@pytest.mark.platform_core
def test_dlsym_rtld_next_is_relative_to_its_caller(run, built, shim_env, shim_path):
    # With "next" taken relative to the shim, the interposer would find
    # itself and recurse until the stack ran out.
    env = shim_env(LD_PRELOAD=f"{ld_preload(shim_path)} {built / 'interposer.so'}")
    assert host(run, built, env, "getppid").stdout == "getppid: ok\n"


@pytest.mark.platform_core
def test_dlsym_on_libpq_gives_the_hooks_for_hooked_functions_only(run, built, shim_env, plain_env):
    with_shim = host(run, built, shim_env(), "libpq", "heroku://demo-app").stdout.splitlines()
    assert with_shim[0].startswith("PQexec from: ") and "libpq.so" in with_shim[0]
    assert "libhpgshim.so" in with_shim[1]
    assert with_shim[2] == "status: ok"
    without = host(run, built, plain_env(), "libpq", "heroku://demo-app").stdout.splitlines()
    assert "libpq.so" in without[1] and without[2].startswith("status: bad")


def test_psycopg3_connects_through_a_placeholder(run, shim_env):
    script = ("import psycopg\n"
              "c = psycopg.connect('heroku://demo-app', application_name='p3')\n"
              "print(*c.execute(\"select current_user, ssl, current_setting('application_name') "
              "from pg_stat_ssl where pid = pg_backend_pid()\").fetchone())")
    result = run(["/usr/bin/python3", "-c", script], shim_env())
    assert result.stdout.strip() == "app_user True p3", result.stderr


@pytest.mark.parametrize("php", [
    '$c = pg_connect("dbname=heroku://demo-app"); echo pg_fetch_row(pg_query($c, '
    '"select current_user || \' \' || ssl from pg_stat_ssl where pid = pg_backend_pid()"))[0];',
    '$p = new PDO("pgsql:dbname=heroku://demo-app"); echo $p->query('
    '"select current_user || \' \' || ssl from pg_stat_ssl where pid = pg_backend_pid()")->fetchColumn();',
])
def test_php_connects_through_a_placeholder(run, shim_env, php):
    result = run(["php", "-r", php], shim_env())
    assert result.stdout.strip() == "app_user true", result.stdout + result.stderr
