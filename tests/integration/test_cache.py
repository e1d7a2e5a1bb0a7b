"""Fresh without waste: conditional requests, the TTL cache, one request in
flight per app, and a rejected credential never served again."""

APP_OK = "ok user=app_user db=app_db ssl=t"


def test_unchanged_credential_costs_a_304(run, entry_points, shim_env, api):
    result = run([str(entry_points), *["connectdb=heroku://demo-app"] * 3],
                 shim_env(HPGSHIM_DEBUG="1"))
    assert result.stdout.count(APP_OK) == 3
    statuses = [r.headers.get("if-none-match") is not None for r in api.requests]
    assert statuses == [False, True, True]  # every connect asks, conditionally after the first
    assert result.stderr.count("HTTP 304: the credential held is current") == 2
    assert "RateLimit-Remaining 4499" in result.stderr


CONNECT_PAUSE_CONNECT = ["connectdb=heroku://demo-app", "wait", "connectdb=heroku://demo-app"]


def test_a_changed_credential_is_a_200(run, entry_points, shim_env, api, db):
    result = run([str(entry_points), *CONNECT_PAUSE_CONNECT], shim_env(),
                 on_pause=lambda: db.rotate("demo-app"))
    assert result.stdout.count(APP_OK) == 2
    assert [r.headers.get("if-none-match") is not None for r in api.requests] == [False, True]
    assert api.count("demo-app") == 2  # conditional, but the ETag no longer matched


def test_ttl_serves_without_a_request(run, entry_points, shim_env, api):
    result = run([str(entry_points), *["connectdb=heroku://demo-app"] * 3],
                 shim_env(HPGSHIM_CACHE_TTL="600", HPGSHIM_DEBUG="1"))
    assert result.stdout.count(APP_OK) == 3
    assert api.count("demo-app") == 1
    assert result.stderr.count("from the cache (HPGSHIM_CACHE_TTL=600)") == 2


def test_rejected_credential_is_fetched_unconditionally(run, entry_points, shim_env, api, db):
    # Prime the cache, then rotate: the held credential fails, and the retry
    # must not accept a 304 for it (nor the cache): a plain GET.
    result = run([str(entry_points), *CONNECT_PAUSE_CONNECT],
                 shim_env(HPGSHIM_CACHE_TTL="600"), on_pause=lambda: db.rotate("demo-app"))
    assert result.stdout.count(APP_OK) == 2  # the second: cached, rejected, fetched, retried
    last = api.requests[-1]
    assert last.headers.get("if-none-match") is None
    assert api.count("demo-app") == 2
