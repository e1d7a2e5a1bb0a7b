"""Every way the Heroku API can misbehave ends in a clear hpgshim: error (or a
correct connection), within the time bound, with the host program alive and
nothing secret printed (the `run` fixture checks that for every test)."""

import json
import time

import pytest

from harness import Delivery, HerokuApiStandIn

APP_OK = "ok user=app_user db=app_db ssl=t"
PREFIX = 'failed: hpgshim: cannot get config var DATABASE_URL of Heroku app "demo-app": '


def connect(run, entry_points, env, target="heroku://demo-app"):
    """One synchronous connect; returns its output line and the run."""
    result = run([str(entry_points), "connectdb=" + target], env, timeout=60)
    return result.stdout.strip(), result


# --- time bounds -------------------------------------------------------------

@pytest.mark.parametrize("how", [
    Delivery(),                           # slow headers: all of the answer comes late
    Delivery(trickle=0.5),                # a body that trickles in, 1 KiB per 0.5 s
])
def test_slow_answers_hit_the_timeout(run, entry_points, shim_env, api, how):
    body = json.dumps({"DATABASE_URL": "x" * 8192, "PAD": "y" * 8192}).encode()
    api.set_fault(status=200, body=body, delay=3 if how == Delivery() else 0, how=how)
    started = time.monotonic()
    line, _ = connect(run, entry_points, shim_env(HPGSHIM_TIMEOUT="1"))
    assert line.startswith("connectdb: " + PREFIX + "the Heroku API did not answer within 1.0 s")
    # Not a timed assertion of speed: a bound that proves the timeout held
    # (the trickling body alone would take 8 s).
    assert time.monotonic() - started < 6
    assert api.count() == 1  # a timeout is not tried again: its time is spent


def test_connect_timeout_bounds_the_api_request(run, entry_points, shim_env, api):
    api.set_fault(status=200, body=b"{}", delay=5)
    line, _ = connect(run, entry_points, shim_env(HPGSHIM_TIMEOUT="30"),
                      "heroku://demo-app?connect_timeout=2")
    assert "did not answer within 2.0 s" in line


# --- broken transfers get one more request -----------------------------------

def test_reset_mid_body_is_tried_once_more(run, entry_points, shim_env, api, db):
    body = json.dumps(api.config_vars("demo-app")).encode()
    api.set_fault(status=200, body=body, how=Delivery(cut_after=20), times=1)
    line, result = connect(run, entry_points, shim_env(HPGSHIM_DEBUG="1"))
    assert APP_OK in line, line
    assert "trying once more" in result.stderr
    assert api.count() == 2


def test_reset_mid_body_twice_is_a_clear_error(run, entry_points, shim_env, api):
    api.set_fault(status=200, body=b'{"DATABASE_URL": "postgres://', how=Delivery(cut_after=10))
    line, _ = connect(run, entry_points, shim_env())
    assert line.startswith("connectdb: " + PREFIX + "cannot reach the Heroku API"), line
    assert api.count() == 2


def test_server_error_then_success(run, entry_points, shim_env, api):
    api.fail_with(503, times=1)
    line, _ = connect(run, entry_points, shim_env())
    assert APP_OK in line
    assert api.count() == 2


# --- bodies that are not what they should be ---------------------------------

@pytest.mark.parametrize("how", [
    Delivery(endless=1 << 30),                          # announced as 1 GiB
    Delivery(endless=1 << 30, announce_length=False),   # no length: ends when the cap says
])
def test_a_huge_body_is_cut_off_early(run, entry_points, shim_env, api, how):
    api.set_fault(status=200, how=how)
    started = time.monotonic()
    line, _ = connect(run, entry_points, shim_env())
    assert "answer is larger than 1048576 bytes" in line, line
    assert time.monotonic() - started < 20  # stopped at 1 MiB, not after 1 GiB


@pytest.mark.parametrize("body, words", [
    (b"", "not a JSON object of config vars"),
    (b'{"DATABASE_URL": "postgres://u:p@h/d"', "not a JSON object of config vars"),   # truncated
    (b"[]", "not a JSON object of config vars"),
    (b"null", "not a JSON object of config vars"),
    (b"42", "not a JSON object of config vars"),
    (b'{"DATABASE_URL": null}', "config var DATABASE_URL is not a string"),
    (b'{"DATABASE_URL": 5432}', "config var DATABASE_URL is not a string"),
    (b'{"DATABASE_URL": {"url": "postgres://u:p@h/d"}}', "is not a string"),
    (b'{"DATABASE_URL": "\xff\xfe"}', "not UTF-8, so not JSON (RFC 8259)"),             # invalid UTF-8
    (b'{"DATABASE_URL": "mysql://u:p@h/d"}', "its value is not a postgres:// URL"),
    (b'{"DATABASE_URL": "postgres://u@h/d"}', "its URL has no password"),
    (b'{"DATABASE_URL": "postgres://u:p@h1,h2/d"}', "several hosts"),
])
def test_wrong_shapes(run, entry_points, shim_env, api, body, words):
    api.set_fault(status=200, body=body)
    line, _ = connect(run, entry_points, shim_env())
    assert line.startswith("connectdb: " + PREFIX), line
    assert words in line, line


def test_duplicate_keys_take_the_first(run, entry_points, shim_env, api, db):
    # JSON leaves duplicates undefined; cJSON's (and the shim's) answer is the
    # first one, consistently.
    body = f'{{"DATABASE_URL": {json.dumps(db.app.url)}, "DATABASE_URL": "junk"}}'
    api.set_fault(status=200, body=body)
    line, _ = connect(run, entry_points, shim_env())
    assert APP_OK in line, line


def test_invalid_utf8_in_another_var_is_refused(run, entry_points, shim_env, api, db):
    # An answer that is not UTF-8 is not JSON (RFC 8259), wherever the bytes
    # are: cJSON does not check, the shim does, before parsing.
    body = b'{"DATABASE_URL": ' + json.dumps(db.app.url).encode() + b', "X": "\xc3\x28"}'
    api.set_fault(status=200, body=body)
    line, _ = connect(run, entry_points, shim_env())
    assert line.startswith("connectdb: " + PREFIX), line
    assert "not UTF-8" in line, line


def test_invalid_utf8_password_is_an_error_at_once(run, entry_points, shim_env, api, db, pg):
    # Such a password can only be wrong: it never goes to the server, and
    # the user does not wait out HPGSHIM_ROTATION_WAIT to learn why.
    url = db.app.url.replace(f"{db.app.user}:", f"{db.app.user}:%C3", 1)
    body = json.dumps({"DATABASE_URL": url}).encode().replace(b"%C3", b"\xc3\x28")
    api.set_fault(status=200, body=body)
    since = len(pg.log_file.read_text())
    started = time.monotonic()
    line, _ = connect(run, entry_points, shim_env(HPGSHIM_ROTATION_WAIT="30"))
    assert line.startswith("connectdb: " + PREFIX), line
    assert "not UTF-8, so not JSON (RFC 8259)" in line, line
    assert time.monotonic() - started < 10
    assert api.count() == 1
    assert db.app.user not in pg.log_file.read_text()[since:]  # no attempt reached the server


# --- redirects and TLS -------------------------------------------------------

def test_redirect_to_another_host_is_not_followed(run, entry_points, shim_env, api, pki, api_token):
    with HerokuApiStandIn(pki, "unrelated-token") as elsewhere:
        api.redirect_to(elsewhere.url + "/apps/demo-app/config-vars")
        line, _ = connect(run, entry_points, shim_env())
        assert "HTTP 302" in line and "does not follow" in line
        assert elsewhere.requests == []  # neither the token nor anything else went there
    assert api.count() == 1


def test_mismatched_certificate_is_refused(run, entry_points, shim_env, pki, api_token):
    with HerokuApiStandIn(pki, api_token, cert=pki.wrong_host_cert, key=pki.wrong_host_key) as wrong:
        line, _ = connect(run, entry_points, shim_env(HEROKU_HOST=wrong.url))
        assert "cannot reach the Heroku API" in line, line
        assert wrong.requests == []  # refused in the handshake, before the request
