"""TLS is enforced for placeholders; everything else reaches libpq untouched."""

import re

import pytest

from harness import PSQL


def psql(run, env, target, sql="select ssl from pg_stat_ssl where pid = pg_backend_pid()"):
    return run([PSQL, "-XAt", "-d", target, "-c", sql], env)


# --- TLS -------------------------------------------------------------------

@pytest.mark.platform_core
def test_weaker_sslmode_is_raised_to_require(run, shim_env):
    # The server rejects non-TLS connections, so a connection at all means
    # TLS; the query shows it too.
    for target, env in [
        ("heroku://demo-app?sslmode=disable", shim_env()),
        ("heroku://demo-app?sslmode=allow", shim_env()),
        ("heroku://demo-app", shim_env(PGSSLMODE="disable")),
        ("dbname=heroku://demo-app sslmode=prefer", shim_env()),
    ]:
        result = psql(run, env, target)
        assert result.stdout.strip() == "t", (target, result.stderr)


def test_verify_full_is_kept(run, shim_env, pki):
    trusted = psql(run, shim_env(), f"heroku://demo-app?sslmode=verify-full&sslrootcert={pki.ca_cert}")
    assert trusted.stdout.strip() == "t", trusted.stderr
    # With a CA that did not sign the server's certificate, verify-full must
    # fail: it was not silently lowered to require.
    untrusted = psql(run, shim_env(),
                     f"heroku://demo-app?sslmode=verify-full&sslrootcert={pki.other_ca_cert}")
    assert untrusted.returncode != 0
    assert "certificate verify failed" in untrusted.stderr


def test_pgsslmode_verify_full_is_kept(run, shim_env, pki):
    env = shim_env(PGSSLMODE="verify-full", PGSSLROOTCERT=pki.other_ca_cert)
    result = psql(run, env, "heroku://demo-app")
    assert result.returncode != 0
    assert "certificate verify failed" in result.stderr


# --- pass-through ----------------------------------------------------------

@pytest.mark.platform_core
def test_ordinary_conninfo_is_untouched(run, shim_env, plain_env, db, api):
    """The same programs, with and without the shim, say exactly the same,
    and the API is never asked."""
    cases = [
        db.app.url + "?sslmode=require",                 # works
        db.app.url + "?sslmode=disable",                 # the server refuses: no TLS
        f"host=127.0.0.1 port={db.app.pg.port} user=nobody sslmode=require",  # wrong user
        "not a conninfo",                                # libpq's own parse error
    ]
    for target in cases:
        with_shim = psql(run, shim_env(), target)
        without = psql(run, plain_env(), target)
        strip_pid = lambda text: re.sub(r"\d+\.\d+\.\d+\.\d+", "IP", text)  # noqa: E731
        assert (with_shim.returncode, with_shim.stdout, strip_pid(with_shim.stderr)) == \
               (without.returncode, without.stdout, strip_pid(without.stderr)), target
    assert api.count() == 0


def test_sslmode_disable_is_not_raised_for_ordinary_conninfo(run, shim_env, db):
    # Checked below the shim: the server saw a non-TLS attempt and refused it.
    result = psql(run, shim_env(), db.app.url + "?sslmode=disable")
    assert "pg_hba.conf rejects connection" in result.stderr and "no encryption" in result.stderr


def loaded_libraries(run, env, argv):
    """The shared objects the dynamic linker loaded, dlopen() included."""
    result = run(argv, {**env, "LD_DEBUG": "files"})
    return result, {m for m in re.findall(r"file=(\S+)\s+\[\d+\];\s+needed by|calling init: (\S+)",
                                          result.stderr) for m in m if m}


@pytest.mark.platform_core
def test_no_libcurl_in_a_process_that_never_meets_a_placeholder(run, shim_env, entry_points, db):
    result, libraries = loaded_libraries(
        run, shim_env(), [str(entry_points), "connectdb=" + db.app.url + "?sslmode=require"])
    assert "ok user=app_user" in result.stdout
    assert any("libhpgshim" in lib for lib in libraries), "the shim was not loaded at all"
    assert not any("libcurl" in lib or "libcjson" in lib for lib in libraries), libraries

    # The control: a placeholder does load them, so the check above can fail.
    result, libraries = loaded_libraries(
        run, shim_env(), [str(entry_points), "connectdb=heroku://demo-app"])
    assert any("libcurl" in lib for lib in libraries)
    assert any("libcjson" in lib for lib in libraries)


def test_library_does_not_link_libcurl(run, shim_path):
    result = run(["ldd", str(shim_path)], {"PATH": "/usr/bin:/bin"})
    assert "libcurl" not in result.stdout and "libcjson" not in result.stdout
    assert "libpq" not in result.stdout


def test_exports_are_exactly_the_hooked_libpq_functions(run, shim_path, repo_root):
    result = run(["nm", "-D", "--defined-only", str(shim_path)], {"PATH": "/usr/bin:/bin"})
    exported = {line.split()[-1] for line in result.stdout.splitlines()}
    listed = {line.strip() for line in (repo_root / "shim" / "exports.txt").read_text().splitlines()
              if line.strip() and not line.startswith("#")}
    assert exported == listed


@pytest.mark.platform_core
def test_library_never_calls_its_own_exported_hooks(run, shim_path, repo_root):
    """A call from inside the library to a function it exports goes through
    a PLT slot (a JUMP_SLOT relocation) and binds to the hook, not to libpq
    or glibc: the shim's own dlopen/dlsym lookups once did exactly that
    (shim/glibc_dl.h).  Taking a hook's address, as the dlsym hook does to
    hand it out, is a GLOB_DAT relocation and is fine."""
    result = run(["readelf", "-rW", str(shim_path)], {"PATH": "/usr/bin:/bin"})
    called = {fields[4].split("@")[0] for fields in map(str.split, result.stdout.splitlines())
              if len(fields) >= 5 and fields[2].endswith("JUMP_SLOT")}
    exported = {line.strip() for line in (repo_root / "shim" / "exports.txt").read_text().splitlines()
                if line.strip() and not line.startswith("#")}
    assert called, "no PLT slot at all: the readelf output was not understood"
    assert not called & exported


def test_library_never_exits_or_aborts_the_host(run, shim_path):
    result = run(["nm", "-D", "--undefined-only", str(shim_path)], {"PATH": "/usr/bin:/bin"})
    undefined = {line.split()[-1].split("@")[0] for line in result.stdout.splitlines()}
    assert not undefined & {"exit", "_exit", "_Exit", "abort", "__assert_fail", "quick_exit"}
