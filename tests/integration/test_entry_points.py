"""Every libpq connect entry point resolves a placeholder, once, over TLS.

Driven by build/entry_points, a small C client linked with libpq and run
under LD_PRELOAD, against the real PostgreSQL and the HTTPS API stand-in."""

import pytest

APP_OK = "ok user=app_user db=app_db ssl=t"


def steps(run, entry_points, env, *steps):
    return run([str(entry_points), *steps], env)


@pytest.mark.platform_core
@pytest.mark.parametrize(
    "step",
    [
        "connectdb=heroku://demo-app",
        "connectdb=dbname=heroku://demo-app application_name=entry_points",
        "connectdb_params=heroku://demo-app",
        "connectdb_params=dbname=heroku://demo-app",
        "connectdb_params_noexpand=heroku://demo-app",
        "setdb_login=heroku://demo-app",
        "connect_start=heroku://demo-app",
        "connect_start_params=heroku://demo-app",
        "conninfo_parse=heroku://demo-app",
    ],
)
def test_each_entry_point_connects_through_a_placeholder(run, entry_points, shim_env, step):
    result = steps(run, entry_points, shim_env(), step)
    assert result.returncode == 0, result.stdout + result.stderr
    assert APP_OK in result.stdout


@pytest.mark.platform_core
@pytest.mark.parametrize("step", ["ping=heroku://demo-app", "ping_params=heroku://demo-app"])
def test_ping_through_a_placeholder(run, entry_points, shim_env, step):
    result = steps(run, entry_points, shim_env(), step)
    assert "ping=PQPING_OK" in result.stdout, result.stdout + result.stderr


@pytest.mark.platform_core
def test_without_the_shim_a_placeholder_is_not_a_database(run, entry_points, plain_env):
    # The control experiment: what the tests above see is the shim's doing.
    result = steps(run, entry_points, plain_env(), "connectdb=heroku://demo-app")
    assert result.returncode != 0
    assert "hpgshim" not in result.stdout


def test_resolved_once_per_connection(run, entry_points, shim_env, api):
    # PQconnectdb calls PQconnectStart and PQconnectPoll inside libpq: those
    # come back through the shim and must not fetch again.
    result = steps(run, entry_points, shim_env(), "connectdb=heroku://demo-app",
                   "connect_start=heroku://demo-app")
    assert result.returncode == 0, result.stdout
    assert api.count("demo-app") == 2


def test_pgdatabase_names_the_placeholder_when_the_call_names_no_dbname(
        run, entry_points, shim_env):
    env = shim_env(PGDATABASE="heroku://demo-app")
    result = steps(run, entry_points, env, "connectdb=", "connectdb=application_name=x")
    assert result.stdout.count(APP_OK) == 2, result.stdout


def test_config_var_and_attachment_name(run, entry_points, shim_env, api, db):
    api.set_config_var("demo-app", "DATABASE_URL", db.other.url)
    result = steps(run, entry_points, shim_env(),
                   "connectdb=heroku://demo-app",
                   "connectdb=heroku://demo-app/HEROKU_POSTGRESQL_VIOLET_URL",
                   "connectdb=heroku://demo-app/HEROKU_POSTGRESQL_VIOLET")
    lines = result.stdout.splitlines()
    assert "user=other_user db=other_db" in lines[0]
    assert APP_OK in lines[1] and APP_OK in lines[2]


def test_query_keywords_are_kept_and_percent_decoded(run, entry_points, shim_env):
    result = steps(run, entry_points, shim_env(),
                   "connectdb=heroku://demo-app?application_name=night%20ly",
                   "conninfo_parse=heroku://demo-app?application_name=parsed")
    assert "app=night ly" in result.stdout.splitlines()[0]
    assert "app=parsed" in result.stdout.splitlines()[1]


def test_callers_target_and_password_are_replaced(run, entry_points, shim_env):
    # host, port, user and password from the call lose to the credential.
    conninfo = ("dbname=heroku://demo-app host=192.0.2.1 port=1 user=mallory "
                "password=nope hostaddr=192.0.2.1")
    result = steps(run, entry_points, shim_env(), "connectdb=" + conninfo)
    assert APP_OK in result.stdout, result.stdout


def test_two_apps_in_one_process(run, entry_points, shim_env):
    result = steps(run, entry_points, shim_env(),
                   "connectdb=heroku://demo-app", "connectdb=heroku://other-app")
    assert APP_OK in result.stdout.splitlines()[0]
    assert "user=other_user db=other_db ssl=t" in result.stdout.splitlines()[1]


def test_invalid_placeholder_in_conninfo_parse(run, entry_points, shim_env, api):
    result = steps(run, entry_points, shim_env(), "conninfo_parse=heroku://demo-app?host=x")
    assert ('conninfo_parse: failed: hpgshim: cannot get config var DATABASE_URL of Heroku app '
            '"demo-app": invalid placeholder: its query sets "host"') in result.stdout, result.stdout
    assert api.count() == 0
