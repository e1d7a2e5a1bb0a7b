"""When no credential can be had, the connect call still returns a real
PGconn in CONNECTION_BAD whose message starts with "hpgshim:", names the app
and config var, says why and what to do; PQping answers PQPING_NO_ATTEMPT."""

import json
import socket

import pytest

from harness import PSQL


def connect(run, entry_points, env, target="heroku://demo-app"):
    result = run([str(entry_points), "connectdb=" + target, "connect_start=" + target,
                  "ping=" + target], env, timeout=60)
    lines = result.stdout.splitlines()
    assert result.returncode == 1, result.stdout
    return lines


def assert_clear_error(lines, *words, var="DATABASE_URL", app="demo-app"):
    sync, asynchronous, ping = lines[0], lines[1], lines[-1]
    for line in (sync, asynchronous):
        prefix = line.split(": failed: ", 1)
        assert len(prefix) == 2, line
        message = prefix[1]
        assert message.startswith(f'hpgshim: cannot get config var {var} of Heroku app "{app}": '), message
        for word in words:
            assert word in message, (word, message)
    assert ping == "ping: ping=PQPING_NO_ATTEMPT"


def test_no_token(run, entry_points, shim_env, api):
    lines = connect(run, entry_points, shim_env(HEROKU_API_KEY=None))
    assert_clear_error(lines, "no Heroku API token", "HEROKU_API_KEY", "heroku login")


def test_netrc_token_is_used_when_no_api_key(run, entry_points, shim_env, api, api_token, home_dir):
    # As the Heroku CLI writes it; the stand-in accepts the token as the password.
    netrc = home_dir / ".netrc"
    netrc.write_text(f"machine 127.0.0.1\n  login me@example.com\n  password {api_token}\n")
    netrc.chmod(0o600)
    result = run([str(entry_points), "connectdb=heroku://demo-app"], shim_env(HEROKU_API_KEY=None))
    assert "ok user=app_user" in result.stdout, result.stdout
    assert api.requests[-1].headers["authorization"].startswith("Basic ")


def test_token_rejected(run, entry_points, shim_env):
    lines = connect(run, entry_points, shim_env(HEROKU_API_KEY="not-the-token"))
    assert_clear_error(lines, "rejected the token (HTTP 401")


@pytest.mark.parametrize("status, words, requests_per_fetch", [
    (403, ["HTTP 403", "read-protected"], 1),
    (429, ["HTTP 429", "rate limit"], 1),
    (406, ["unexpected answer", "HTTP 406"], 1),
    (500, ["HTTP 500"], 2),  # a server error gets one more request
    (502, ["HTTP 502"], 2),
    (503, ["HTTP 503"], 2),
])
def test_api_error_statuses(run, entry_points, shim_env, api, status, words, requests_per_fetch):
    api.fail_with(status)
    assert_clear_error(connect(run, entry_points, shim_env()), *words)
    assert api.count() == 3 * requests_per_fetch  # connectdb, connect_start, ping


def test_app_not_found(run, entry_points, shim_env):
    lines = connect(run, entry_points, shim_env(), "heroku://no-such-app")
    assert_clear_error(lines, 'app "no-such-app" not found (HTTP 404', app="no-such-app")


def test_redirect_is_not_followed(run, entry_points, shim_env, api):
    api.redirect_to("https://127.0.0.1:1/elsewhere")
    assert_clear_error(connect(run, entry_points, shim_env()), "HTTP 302", "does not follow")
    # one request per call: the redirect was never followed
    assert api.count() == 3


def test_timeout(run, entry_points, shim_env, api):
    api.set_fault(status=200, body=b"{}", delay=3)
    lines = connect(run, entry_points, shim_env(HPGSHIM_TIMEOUT="1"))
    assert_clear_error(lines, "did not answer within 1.0 s", "HPGSHIM_TIMEOUT")


def test_network_error(run, entry_points, shim_env):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    lines = connect(run, entry_points, shim_env(HEROKU_HOST=f"https://127.0.0.1:{port}"))
    assert_clear_error(lines, "cannot reach the Heroku API", "Failed to connect")


def test_untrusted_api_certificate(run, entry_points, shim_env, pki, api):
    lines = connect(run, entry_points, shim_env(HPGSHIM_CAINFO=pki.other_ca_cert))
    assert_clear_error(lines, "cannot reach the Heroku API")
    assert api.count() == 0  # refused during the handshake: no request reached it


@pytest.mark.parametrize("body", [b"<html>maintenance</html>", b"[]", b"null", b'{"DATABASE_URL":', b""])
def test_body_that_is_not_config_vars(run, entry_points, shim_env, api, body):
    api.set_fault(status=200, body=body)
    assert_clear_error(connect(run, entry_points, shim_env()), "not a JSON object of config vars")


def test_config_var_missing_lists_url_names_not_values(run, entry_points, shim_env):
    lines = connect(run, entry_points, shim_env(), "heroku://demo-app/HEROKU_POSTGRESQL_RED_URL")
    assert_clear_error(lines, "no config var HEROKU_POSTGRESQL_RED_URL",
                       "DATABASE_URL, HEROKU_POSTGRESQL_VIOLET_URL, REDIS_URL",
                       var="HEROKU_POSTGRESQL_RED_URL")
    assert "redis://" not in "\n".join(lines) and "secret" not in "\n".join(lines)


@pytest.mark.parametrize("value, words", [
    ("redis://h:secretvalue@example.invalid:6379", "not a postgres:// URL"),
    ("postgres://u@127.0.0.1/d", "has no password"),
    ("postgres://u:secretvalue@h1,h2/d", "several hosts"),
])
def test_value_that_is_not_a_postgres_url(run, entry_points, shim_env, api, secrets, value, words):
    secrets.append("secretvalue")
    api.set_config_var("demo-app", "DATABASE_URL", value)
    assert_clear_error(connect(run, entry_points, shim_env()), "config var DATABASE_URL: its", words)


def test_heroku_host_outside_heroku_is_refused_before_any_byte(run, entry_points, shim_env, api):
    # Listen on a port to prove nothing connects to it.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0)
        for host in ["https://evil.example", "evil.example", "http://api.heroku.com"]:
            lines = connect(run, entry_points, shim_env(HEROKU_HOST=host))
            assert_clear_error(lines, "HEROKU_HOST")
        with pytest.raises(BlockingIOError):
            listener.accept()
    assert api.count() == 0


def test_psql_shows_the_message(run, shim_env):
    result = run([PSQL, "-X", "heroku://no-such-app", "-c", "select 1"], shim_env())
    assert result.returncode == 2
    assert 'hpgshim: cannot get config var DATABASE_URL of Heroku app "no-such-app": ' in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2


def test_message_is_forgotten_at_pqfinish(run, entry_points, shim_env):
    # After the failed connection is finished, a later good one in the same
    # process reads no stale message.
    result = run([str(entry_points), "connectdb=heroku://no-such-app",
                  "connectdb=heroku://demo-app"], shim_env())
    assert "failed: hpgshim:" in result.stdout.splitlines()[0]
    assert "ok user=app_user" in result.stdout.splitlines()[1]


def test_invalid_placeholders(run, entry_points, shim_env, api):
    for target in ["heroku://", "heroku://a/b/c", "heroku://my%2Fapp", "heroku://app?user=x",
                   "heroku://" + "a" * 2000]:
        result = run([str(entry_points), "connectdb=" + target, "ping=" + target], shim_env())
        assert "failed: hpgshim: " in result.stdout, (target, result.stdout)
        assert "invalid placeholder: " in result.stdout, (target, result.stdout)
        assert "ping=PQPING_NO_ATTEMPT" in result.stdout
    assert api.count() == 0


def test_api_error_body_is_json_shaped_by_the_stand_in(api):
    # Guards the fixtures the tests above rely on.
    api.fail_with(403)
    assert json.loads(api._take_fault(None).body)["id"] == "forbidden"
