"""What the shim sends to the Heroku API, as the stand-in received it."""

import pytest

from harness import HerokuApiStandIn

APP_OK = "ok user=app_user db=app_db ssl=t"


def test_request_headers(run, entry_points, shim_env, api, api_token):
    run([str(entry_points), "connectdb=heroku://demo-app"], shim_env())
    [request] = api.requests
    assert (request.method, request.path, request.scheme) == \
           ("GET", "/apps/demo-app/config-vars", "https")
    assert request.headers["accept"] == "application/vnd.heroku+json; version=3"
    assert request.headers["user-agent"].startswith("hpgshim/")
    assert request.headers["authorization"] == "Bearer " + api_token


@pytest.fixture
def plain_api(pki, api_token, db):
    """A second stand-in that also listens without TLS."""
    with HerokuApiStandIn(pki, api_token, plain_http=True) as stand_in:
        stand_in.set_config_var("demo-app", "DATABASE_URL", db.app.url)
        yield stand_in


def test_plain_http_to_loopback_is_allowed(run, entry_points, shim_env, plain_api):
    result = run([str(entry_points), "connectdb=heroku://demo-app"],
                 shim_env(HEROKU_HOST=plain_api.plain_url))
    assert APP_OK in result.stdout, result.stdout
    assert [r.scheme for r in plain_api.requests] == ["http"]


def test_token_never_follows_a_redirect_to_plain_http(run, entry_points, shim_env, api, plain_api):
    api.redirect_to(plain_api.plain_url + "/apps/demo-app/config-vars")
    result = run([str(entry_points), "connectdb=heroku://demo-app"], shim_env())
    assert "HTTP 302" in result.stdout
    assert plain_api.requests == []  # nothing, token or not, went over plain HTTP


def test_answer_size_is_bounded(run, entry_points, shim_env, api):
    api.set_fault(status=200, body=b'{"X":"' + b"x" * (3 * 1024 * 1024) + b'"}')
    result = run([str(entry_points), "connectdb=heroku://demo-app"], shim_env())
    assert "answer is larger than 1048576 bytes" in result.stdout, result.stdout


def test_app_name_is_the_only_path_segment(run, entry_points, shim_env, api):
    # Percent-decoded by libpq, then refused: never a request to another path.
    for target in ["heroku://..%2Fadmin", "heroku://a%3Fb", "heroku://a%23b", "heroku://a%20b"]:
        result = run([str(entry_points), "connectdb=" + target], shim_env())
        assert "invalid placeholder" in result.stdout, (target, result.stdout)
    assert api.requests == []
