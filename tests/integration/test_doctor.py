"""`hpgshim doctor heroku://APP[/CONFIG_VAR]`: one line per check, the fix
for a failure, exit 0 only when every check passed.

The doctor runs as the build-tree command runs it (build/hpgshim doctor),
against the real PostgreSQL and the HTTPS stand-in of the API.  The `run`
fixture fails a test whose output holds the token or a password."""

import re

import pytest

from test_packaging import version  # noqa: F401  (a fixture)

CHECKS = ["library", "token", "API host", "API request", "config var", "database host",
          "database port", "TLS", "authentication", "server"]


@pytest.fixture
def doctor(repo_root, run, shim_env):
    """doctor(target, command=build/hpgshim, **environment overrides)
    -> (exit status, {check: (result, text)})."""

    def run_doctor(target="heroku://demo-app", command=repo_root / "build" / "hpgshim",
                   **overrides):
        # The command adds the library itself: not preloaded here.
        env = shim_env(**{"LD_PRELOAD": None, **overrides})
        result = run([str(command), "doctor", target], env)
        assert result.stderr == ""
        lines = result.stdout.splitlines()
        assert lines[0].startswith("hpgshim doctor ")
        checks = {}
        for line in lines[1:]:
            match = re.match(r"^(ok|FAIL|skip) +([^:]+): (.*)$", line)
            assert match, line
            checks[match.group(2)] = (match.group(1), match.group(3))
        assert list(checks) == CHECKS  # every check, once, in order
        return result.returncode, checks

    return run_doctor


def results(checks) -> list:
    return [result for result, _ in checks.values()]


def spied(resolver_spy) -> dict:
    """Overrides that preload the resolver spy alone: the doctor runs without
    the shim, as the command runs it."""
    env = resolver_spy.environment({"LD_PRELOAD": ""})
    return {name: env[name].strip() for name in ("LD_PRELOAD", "RESOLVER_SPY_LOG",
                                                 "RESOLVER_SPY_FAIL")}


@pytest.mark.platform_core
def test_every_check_passes(doctor, db, api, pg, repo_root, version):
    status, checks = doctor()
    assert (status, results(checks)) == (0, ["ok"] * len(CHECKS)), checks
    assert checks["library"][1] == f"{repo_root}/build/libhpgshim.so, version {version}"
    assert checks["token"][1] == "from HEROKU_API_KEY (not shown)"
    assert checks["API host"][1] == f"{api.url} (HEROKU_HOST accepted)"
    request = checks["API request"][1]
    assert re.search(r"HTTP 200 in \d+ ms, TLS verified, RateLimit-Remaining \d+$", request)
    assert checks["config var"][1] == (
        f"DATABASE_URL is a postgres URL: host {pg.host}, port {pg.port}, user app_user, "
        "database app_db (password not shown)")
    assert checks["TLS"][1].startswith("TLSv1.")
    assert checks["TLS"][1].endswith("(sslmode=require)")
    assert checks["authentication"][1] == "user app_user logged in to database app_db"
    # the platform's own server: 15 here, 13 on Debian 11, 17 on Debian 13
    assert checks["server"][1].startswith(f"PostgreSQL {pg.admin('show server_version').strip()}")
    assert api.count("demo-app") == 1


def test_attachment_name_and_netrc_token(doctor, home_dir, api, api_token):
    """The token from ~/.netrc, as `heroku login` writes it; an attachment
    name means its _URL config var, as in the library."""
    netrc = home_dir / ".netrc"
    netrc.write_text(f"machine 127.0.0.1\n  login me@example.com\n  password {api_token}\n")
    netrc.chmod(0o600)
    status, checks = doctor("heroku://demo-app/HEROKU_POSTGRESQL_VIOLET", HEROKU_API_KEY=None)
    assert (status, results(checks)) == (0, ["ok"] * len(CHECKS)), checks
    assert checks["token"][1] == ("HEROKU_API_KEY is unset; from the ~/.netrc entry for "
                                  "127.0.0.1 (not shown)")
    assert checks["config var"][1].startswith("HEROKU_POSTGRESQL_VIOLET is a postgres URL")


def test_sends_nothing_to_other_hosts(doctor, db, api, resolver_spy):
    """Only the API host and the database host are looked up (the database
    by a name here, so that its lookup shows)."""
    api.set_config_var("demo-app", "DATABASE_URL", db.app.url.replace("@127.0.0.1:", "@localhost:"))
    status, checks = doctor(**spied(resolver_spy))
    assert status == 0, checks
    assert set(resolver_spy.names()) <= {"127.0.0.1", "localhost"}
    assert "localhost" in resolver_spy.names()
    assert api.count() == 1


# Each failure: the check that failed, its exit status, the fix it names, and
# the checks after it, which cannot run, said as skipped.

def test_no_token(doctor, api):
    status, checks = doctor(HEROKU_API_KEY=None)
    assert status == 1
    assert checks["token"][0] == "FAIL"
    assert "fix: export HEROKU_API_KEY=$(heroku auth:token)" in checks["token"][1]
    assert "heroku login" in checks["token"][1]
    assert results(checks)[CHECKS.index("API request"):] == ["skip"] * 7
    assert api.count() == 0


def test_token_rejected_401(doctor):
    status, checks = doctor(HEROKU_API_KEY="not-the-token")
    assert status == 1
    assert checks["API request"][0] == "FAIL"
    assert "HTTP 401" in checks["API request"][1]
    assert "renew HEROKU_API_KEY" in checks["API request"][1]
    assert results(checks)[CHECKS.index("config var"):] == ["skip"] * 6


def test_app_not_found_404(doctor):
    status, checks = doctor("heroku://no-such-app")
    assert status == 1
    assert checks["API request"][0] == "FAIL"
    assert "HTTP 404" in checks["API request"][1]
    assert 'check the name with "heroku apps"' in checks["API request"][1]


def test_missing_config_var(doctor):
    status, checks = doctor("heroku://demo-app/NO_SUCH_URL")
    assert status == 1
    assert checks["config var"][0] == "FAIL"
    line = checks["config var"][1]
    # The app's *_URL vars by name, and how to name one.
    assert "DATABASE_URL, HEROKU_POSTGRESQL_VIOLET_URL, REDIS_URL" in line
    assert "fix: name one of them in the placeholder, heroku://demo-app/NAME" in line
    assert results(checks)[CHECKS.index("database host"):] == ["skip"] * 5


def test_value_not_a_postgres_url(doctor):
    status, checks = doctor("heroku://demo-app/REDIS_URL")
    assert status == 1
    assert checks["config var"][0] == "FAIL"
    assert "not a postgres:// URL" in checks["config var"][1]
    assert "secret" not in checks["config var"][1]  # REDIS_URL's password


def test_database_host_does_not_resolve(doctor, db, api, resolver_spy):
    api.set_config_var("demo-app", "DATABASE_URL",
                       db.app.url.replace("@127.0.0.1:", "@db.example.invalid:"))
    resolver_spy.fail("db.example.invalid")
    status, checks = doctor(**spied(resolver_spy))
    assert status == 1
    assert checks["database host"][0] == "FAIL"
    assert "db.example.invalid does not resolve" in checks["database host"][1]
    assert "fix: check the config var's host" in checks["database host"][1]


def test_unreachable_database_port(doctor, db, api, closed_port):
    api.set_config_var("demo-app", "DATABASE_URL",
                       re.sub(r":\d+/", f":{closed_port}/", db.app.url))
    status, checks = doctor()
    assert status == 1
    assert checks["database host"][0] == "ok"
    assert checks["database port"][0] == "FAIL"
    line = checks["database port"][1]
    assert f"port {closed_port} does not accept TCP (Connection refused)" in line
    assert "fix: check the config var's port" in line
    assert results(checks)[CHECKS.index("TLS"):] == ["skip"] * 3


def test_rejected_password(doctor, db, api, pg, secrets):
    wrong = "not-the-password-" + "x" * 8
    secrets.append(wrong)
    api.set_config_var("demo-app", "DATABASE_URL", pg.url("app_user", wrong, "app_db"))
    status, checks = doctor()
    assert status == 1
    assert checks["TLS"][0] == "ok"  # the handshake came first
    assert checks["authentication"][0] == "FAIL"
    line = checks["authentication"][1]
    assert 'password authentication failed for user "app_user"' in line
    assert "fix: the credential in the config var is stale or wrong" in line
    assert checks["server"][0] == "skip"


def test_refused_heroku_host(doctor, api):
    status, checks = doctor(HEROKU_HOST="https://api.example.com")
    assert status == 1
    assert checks["API host"][0] == "FAIL"
    line = checks["API host"][1]
    assert "neither a Heroku domain nor loopback" in line
    assert "fix: unset HEROKU_HOST to use https://api.heroku.com" in line
    assert results(checks)[CHECKS.index("API request"):] == ["skip"] * 7
    assert api.count() == 0


def test_library_missing(doctor, repo_root, tmp_path):
    """A command whose library is gone: the library named, and a fix."""
    command = tmp_path / "hpgshim"
    missing = tmp_path / "lib" / "libhpgshim.so"
    command.write_text((repo_root / "build" / "hpgshim").read_text().replace(
        f"'{repo_root}/build/libhpgshim.so'", f"'{missing}'"))
    command.chmod(0o755)
    status, checks = doctor(command=command)
    assert status == 1
    assert checks["library"][0] == "FAIL"
    assert checks["library"][1] == (f"{missing}: No such file or directory; build it (make) "
                                    "or install hpgshim again")
    assert results(checks)[1:] == ["ok"] * (len(CHECKS) - 1)


@pytest.mark.parametrize("arguments", [[], ["postgres://example.com/db"], ["heroku://"],
                                       ["heroku://a", "heroku://b"]])
def test_usage_error_exits_2(repo_root, run, plain_env, arguments):
    result = run([str(repo_root / "build" / "hpgshim"), "doctor", *arguments], plain_env())
    assert (result.returncode, result.stdout) == (2, "")
    assert "usage: hpgshim doctor heroku://APP[/CONFIG_VAR]" in result.stderr


def test_library_already_preloaded(doctor, shim_env, shim_path, version):
    """The command keeps a libhpgshim.so that LD_PRELOAD names already: the
    doctor reports that one, and its own requests pass through it untouched."""
    status, checks = doctor(LD_PRELOAD=shim_env()["LD_PRELOAD"])
    assert (status, results(checks)) == (0, ["ok"] * len(CHECKS)), checks
    assert checks["library"][1] == (f"{shim_path} (already in LD_PRELOAD, kept by the command), "
                                    f"version {version}")


def test_library_of_another_version(doctor, repo_root, tmp_path, version):
    """A command and a library of two versions (half an upgrade): said, with the fix."""
    command = tmp_path / "hpgshim"
    command.write_text((repo_root / "build" / "hpgshim").read_text().replace(
        f"readonly version='{version}'", "readonly version='9.9.9'"))
    command.chmod(0o755)
    status, checks = doctor(command=command)
    assert status == 1
    assert checks["library"] == ("FAIL", f"{repo_root}/build/libhpgshim.so is version {version}, "
                                 "the command 9.9.9; install hpgshim again, so that both are one "
                                 "version")


def test_doctor_opens_libpq_rather_than_linking_it(run, repo_root):
    """The package only suggests libpq5 (debian/control): the doctor, the one
    program of the package that uses a libpq of its own, must not need it to
    start, and opens it at run time instead."""
    dynamic = run(["readelf", "-d", str(repo_root / "build" / "hpgshim-doctor")],
                  {"PATH": "/usr/bin:/bin"}).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.*?)\]", dynamic)
    assert needed and not [name for name in needed if name.startswith("libpq")]
