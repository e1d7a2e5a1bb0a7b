"""The harness itself, checked without the shim: if these fail, the shim's
integration tests cannot be trusted either way."""

import base64
import json
import ssl
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest

from harness import PSQL, HerokuApiStandIn

HEROKU_ACCEPT = "application/vnd.heroku+json; version=3"


@pytest.fixture
def ca_context(pki):
    return ssl.create_default_context(cafile=str(pki.ca_cert))


def get(url, context, authorization=None, accept=HEROKU_ACCEPT):
    """GET url; return (status, headers, body) whatever the status."""
    request = urllib.request.Request(url, headers={"Accept": accept})
    if authorization is not None:
        request.add_header("Authorization", authorization)
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def config_vars_url(base_url, app):
    return f"{base_url}/apps/{app}/config-vars"


def psql_query(run, env, url, sql):
    return run([PSQL, "-X", "-qAt", "-c", sql, url], env)


# --- PostgreSQL ----------------------------------------------------------


@pytest.mark.parametrize("which", ["app", "other"])
def test_psql_connects_over_tls_with_awkward_password(db, plain_env, run, which):
    database = getattr(db, which)
    result = psql_query(
        run,
        plain_env(),
        database.url + "?sslmode=require",
        "select current_user, ssl from pg_stat_ssl where pid = pg_backend_pid()",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{database.user}|t"


def test_unencrypted_connection_is_rejected(db, plain_env, run):
    result = psql_query(run, plain_env(), db.app.url + "?sslmode=disable", "select 1")
    assert result.returncode != 0
    assert "no encryption" in result.stderr


def test_rotate_changes_the_password_in_postgres_and_the_api(db, api, plain_env, run):
    old_url = db.app.url
    db.rotate("demo-app")

    assert api.config_vars("demo-app")["DATABASE_URL"] == db.app.url
    assert api.config_vars("demo-app")["HEROKU_POSTGRESQL_VIOLET_URL"] == db.app.url
    old = psql_query(run, plain_env(), old_url + "?sslmode=require", "select 1")
    assert "password authentication failed" in old.stderr
    new = psql_query(run, plain_env(), db.app.url + "?sslmode=require", "select 1")
    assert new.returncode == 0, new.stderr


# --- Heroku API stand-in -------------------------------------------------


def test_config_vars_with_bearer_token(api, api_token, db, ca_context):
    status, headers, body = get(
        config_vars_url(api.url, "demo-app"), ca_context, f"Bearer {api_token}"
    )
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert headers["ETag"].startswith('"')
    assert headers["RateLimit-Remaining"] == "4499"
    config_vars = json.loads(body)
    assert config_vars["DATABASE_URL"] == db.app.url
    assert config_vars["LANG"] == "en_US.UTF-8"


def test_config_vars_with_netrc_style_basic_auth(api, api_token, ca_context):
    basic = base64.b64encode(f"x:{api_token}".encode()).decode()
    status, _, _ = get(config_vars_url(api.url, "demo-app"), ca_context, f"Basic {basic}")
    assert status == 200


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token"])
def test_bad_credentials_get_401(api, ca_context, authorization):
    status, _, body = get(config_vars_url(api.url, "demo-app"), ca_context, authorization)
    assert status == 401
    assert json.loads(body)["id"] == "unauthorized"


def test_unknown_app_gets_404(api, api_token, ca_context):
    status, _, body = get(
        config_vars_url(api.url, "no-such-app"), ca_context, f"Bearer {api_token}"
    )
    assert status == 404
    assert json.loads(body) == {
        "id": "not_found",
        "message": "Couldn't find that app.",
        "resource": "app",
    }


def test_fault_for_one_request_is_served_once(api, api_token, ca_context):
    api.fail_with(503, app="demo-app", times=1)
    url = config_vars_url(api.url, "demo-app")

    status, _, body = get(url, ca_context, f"Bearer {api_token}")
    assert (status, json.loads(body)["id"]) == (503, "service_unavailable")
    status, _, _ = get(url, ca_context, f"Bearer {api_token}")
    assert status == 200


def test_old_value_is_served_during_the_rotation_window(api, api_token, db, ca_context):
    old_url = db.app.url
    api.delay_serving_old("demo-app", "DATABASE_URL", old_url, seconds=60)
    db.rotate("demo-app")

    _, _, body = get(config_vars_url(api.url, "demo-app"), ca_context, f"Bearer {api_token}")
    assert json.loads(body)["DATABASE_URL"] == old_url
    api.clear_faults()
    _, _, body = get(config_vars_url(api.url, "demo-app"), ca_context, f"Bearer {api_token}")
    assert json.loads(body)["DATABASE_URL"] == db.app.url


def test_requests_are_recorded_with_their_headers(api, api_token, ca_context):
    get(config_vars_url(api.url, "demo-app"), ca_context, f"Bearer {api_token}")

    (request,) = api.requests
    assert (request.method, request.path, request.scheme, request.app) == (
        "GET",
        "/apps/demo-app/config-vars",
        "https",
        "demo-app",
    )
    assert request.headers["ACCEPT"] == HEROKU_ACCEPT
    assert request.headers["authorization"] == f"Bearer {api_token}"
    assert api_token not in repr(request)
    assert api.count("demo-app") == 1
    assert api.count("other-app") == 0


def test_plain_http_listener(pki, api_token):
    with HerokuApiStandIn(pki, api_token, plain_http=True) as stand_in:
        stand_in.set_config_vars("demo-app", {"A": "1"})
        status, _, body = get(
            config_vars_url(stand_in.plain_url, "demo-app"), None, f"Bearer {api_token}"
        )
        assert (status, json.loads(body)) == (200, {"A": "1"})
        assert stand_in.requests[0].scheme == "http"


@pytest.mark.parametrize(
    "served, trusted",
    [("wrong_host", "ca_cert"), ("server", "other_ca_cert")],
    ids=["wrong-host-name", "untrusted-ca"],
)
def test_bad_certificates_fail_verification_quietly(pki, api_token, capfd, served, trusted):
    context = ssl.create_default_context(cafile=str(getattr(pki, trusted)))
    with HerokuApiStandIn(
        pki,
        api_token,
        cert=getattr(pki, f"{served}_cert"),
        key=getattr(pki, f"{served}_key"),
    ) as stand_in:
        with pytest.raises(urllib.error.URLError) as failure:
            get(config_vars_url(stand_in.url, "demo-app"), context)
    assert isinstance(failure.value.reason, ssl.SSLCertVerificationError)
    # The stand-in saw the handshake fail and must not have said so.
    assert capfd.readouterr().err == ""


# --- run() ---------------------------------------------------------------


@pytest.mark.parametrize(
    "encode",
    [lambda s: s, lambda s: quote(s, safe="")],
    ids=["as-is", "percent-encoded"],
)
def test_run_catches_a_leaked_secret_without_repeating_it(
    run, plain_env, secrets, encode
):
    secret = secrets[1]
    with pytest.raises(AssertionError) as failure:
        run(["printf", "%s", encode(secret)], plain_env())
    message = str(failure.value)
    assert "secret #1" in message
    assert secret not in message
    assert quote(secret, safe="") not in message


def test_run_fails_a_hanging_program(run, plain_env):
    with pytest.raises(AssertionError, match="did not finish within"):
        run(["sleep", "30"], plain_env(), timeout=0.5)


def test_resolver_spy_records_and_fails_lookups(run, entry_points, shim_env, resolver_spy, db):
    """The spy sees libpq's own lookup of a server name, and a listed name
    fails as an unreachable DNS server would."""
    target = f"host=localhost port={db.app.pg.port} dbname={db.app.dbname} user={db.app.user} " \
             "sslmode=require connect_timeout=5"
    env = resolver_spy.environment(shim_env(PGPASSWORD=db.app.password))
    first = run([str(entry_points), "connectdb=" + target], env)
    assert first.stdout.startswith("connectdb: ok"), first.stdout
    assert "localhost" in resolver_spy.names()

    resolver_spy.fail("localhost")
    second = run([str(entry_points), "connectdb=" + target], resolver_spy.environment(env))
    assert second.returncode == 1
    assert "could not translate host name \"localhost\"" in second.stdout
