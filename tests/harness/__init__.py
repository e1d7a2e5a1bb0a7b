"""Test harness for hpgshim: a test PKI, a real PostgreSQL server, a Heroku
Platform API stand-in, and a leak-checking way to run programs."""

from .certs import API_TEST_NAME, Pki, make_test_pki
from .credentials import new_api_token, new_password
from .heroku_api import Delivery, HerokuApiStandIn, Request
from .pgserver import PSQL, PgServer
from .process import run, scrub

__all__ = [
    "API_TEST_NAME",
    "Delivery",
    "PSQL",
    "HerokuApiStandIn",
    "PgServer",
    "Pki",
    "Request",
    "make_test_pki",
    "new_api_token",
    "new_password",
    "run",
    "scrub",
]
