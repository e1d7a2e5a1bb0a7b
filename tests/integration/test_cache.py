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


# --- the shared cache (HPGSHIM_CACHE_DIR) ------------------------------------

def shared_cache(tmp_path):
    directory = tmp_path / "hpgshim-cache"
    directory.mkdir(mode=0o700)
    return directory


def test_shared_cache_serves_other_processes(run, entry_points, shim_env, api, tmp_path):
    directory = shared_cache(tmp_path)
    env = shim_env(HPGSHIM_CACHE_DIR=directory, HPGSHIM_CACHE_TTL="600", HPGSHIM_DEBUG="1")
    results = [run([str(entry_points), "connectdb=heroku://demo-app"], env) for _ in range(5)]
    assert all(APP_OK in r.stdout for r in results)
    assert api.count("demo-app") == 1  # one request for five processes
    assert "from the shared cache" in results[-1].stderr
    [cache_file] = directory.iterdir()
    assert cache_file.stat().st_mode & 0o777 == 0o600
    assert cache_file.name.startswith("demo-app.DATABASE_URL.")


def test_shared_cache_gives_other_processes_a_304(run, entry_points, shim_env, api, tmp_path):
    env = shim_env(HPGSHIM_CACHE_DIR=shared_cache(tmp_path))  # TTL 0: always ask
    for _ in range(3):
        assert APP_OK in run([str(entry_points), "connectdb=heroku://demo-app"], env).stdout
    assert [r.headers.get("if-none-match") is not None for r in api.requests] == [False, True, True]


def test_shared_cache_drops_a_rejected_credential(run, entry_points, shim_env, api, db, tmp_path):
    directory = shared_cache(tmp_path)
    env = shim_env(HPGSHIM_CACHE_DIR=directory, HPGSHIM_CACHE_TTL="600")
    assert APP_OK in run([str(entry_points), "connectdb=heroku://demo-app"], env).stdout
    db.rotate("demo-app")
    # From the file, rejected, dropped, fetched afresh, retried, written again.
    assert APP_OK in run([str(entry_points), "connectdb=heroku://demo-app"], env).stdout
    assert APP_OK in run([str(entry_points), "connectdb=heroku://demo-app"], env).stdout
    assert api.count("demo-app") == 2
    assert api.requests[-1].headers.get("if-none-match") is None  # the retry asked plainly


def test_shared_cache_directory_must_be_private(run, entry_points, shim_env, api, tmp_path):
    directory = tmp_path / "open-cache"
    directory.mkdir(mode=0o755)
    directory.chmod(0o755)
    result = run([str(entry_points), "connectdb=heroku://demo-app"],
                 shim_env(HPGSHIM_CACHE_DIR=directory))
    assert "is not a directory of mode 0700 owned by you" in result.stdout
    assert "mkdir -m 700" in result.stdout
    assert api.requests == [] and list(directory.iterdir()) == []


def test_shared_cache_directory_is_created_private(run, entry_points, shim_env, tmp_path):
    directory = tmp_path / "new-cache"
    result = run([str(entry_points), "connectdb=heroku://demo-app"],
                 shim_env(HPGSHIM_CACHE_DIR=directory))
    assert APP_OK in result.stdout
    assert directory.stat().st_mode & 0o777 == 0o700


def test_shared_cache_ignores_a_file_others_can_read(run, entry_points, shim_env, api, tmp_path):
    directory = shared_cache(tmp_path)
    env = shim_env(HPGSHIM_CACHE_DIR=directory, HPGSHIM_CACHE_TTL="600")
    run([str(entry_points), "connectdb=heroku://demo-app"], env)
    [cache_file] = directory.iterdir()
    cache_file.chmod(0o644)
    assert APP_OK in run([str(entry_points), "connectdb=heroku://demo-app"], env).stdout
    assert api.count("demo-app") == 2  # not trusted: fetched again
    [cache_file] = directory.iterdir()
    assert cache_file.stat().st_mode & 0o777 == 0o600  # and replaced by a private one


def test_one_api_connection_per_process(run, entry_points, shim_env, api):
    """The process reuses its libcurl handle: one TCP connection (and one TLS
    handshake) to the API for all its fetches."""
    result = run([str(entry_points), *["connectdb=heroku://demo-app"] * 4,
                  "connectdb=heroku://other-app"], shim_env())
    assert result.stdout.count("ok user=") == 5
    assert len(api.requests) == 5
    assert len({r.connection for r in api.requests}) == 1

