"""A stand-in for the one part of the Heroku Platform API the shim uses:
GET /apps/{app}/config-vars, served over HTTPS on 127.0.0.1.

Tests seed config vars, inject faults (error statuses, redirects, a stale
value during a credential rotation) and afterwards inspect every request the
shim made.
"""

# Annotations as strings: Debian 11's Python 3.9 runs the platform suite
# (scripts/platform.sh) and has no `str | None` at run time.
from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import json
import re
import socket
import ssl
import struct
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

_CONFIG_VARS_PATH = re.compile(r"^/apps/(?P<app>[^/?]+)/config-vars/?(?:\?.*)?$")

# What Heroku says for the errors tests inject; other statuses get an id made
# from the status phrase ("Bad Gateway" -> "bad_gateway").
_HEROKU_ERRORS = {
    401: ("unauthorized", "Invalid credentials provided."),
    403: ("forbidden", "You do not have access to the app."),
    404: ("not_found", "Couldn't find that app."),
    429: (
        "rate_limit",
        "Your account reached the API rate limit\n"
        "Please wait a few minutes before making new requests",
    ),
    500: ("internal_server_error", "Internal server error."),
    503: ("service_unavailable", "The service is temporarily unavailable."),
}


class Headers(Mapping):
    """Request headers; lookups ignore case, as HTTP header names do."""

    def __init__(self, pairs):
        self._values = {}
        for name, value in pairs:
            key = name.lower()
            # A repeated header means the same as one with the values joined.
            if key in self._values:
                value = f"{self._values[key]}, {value}"
            self._values[key] = value

    def __getitem__(self, name):
        return self._values[name.lower()]

    def __iter__(self):
        return iter(self._values)

    def __len__(self):
        return len(self._values)

    def __repr__(self):
        # Keep the token out of assertion messages and tracebacks.
        shown = {k: "<redacted>" if k == "authorization" else v for k, v in self._values.items()}
        return f"Headers({shown!r})"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: Headers
    scheme: str  # "https" or "http"
    app: str | None  # set when the path is /apps/{app}/config-vars
    connection: int = 0  # the client's port: the same for requests on one kept-alive connection
    tls_resumed: bool = False  # a TLS session resumed from an earlier connection


@dataclass(frozen=True)
class _Response:
    status: int
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering
    how: "Delivery | None" = None  # how the body goes out; None: all at once


@dataclass(frozen=True)
class Delivery:
    """Ways a body can reach the client other than all at once."""

    trickle: float = 0.0  # seconds between 1 KiB pieces
    cut_after: int | None = None  # bytes sent before the connection is reset
    endless: int | None = None  # stream this many bytes (say 1 GiB) of a JSON string
    announce_length: bool = True  # send Content-Length (else the body ends at close)


@dataclass
class _Fault:
    app: str | None  # None: every request
    response: _Response
    remaining: int | None  # None: until cleared


class HerokuApiStandIn:
    host = "127.0.0.1"

    def __init__(self, pki, token, *, plain_http=False, cert=None, key=None):
        """Serve pki.server_cert, or cert/key (e.g. pki.wrong_host_cert) when
        given; with plain_http, also listen without TLS on a second port."""
        self._initial_token = token
        self.token = token
        self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._tls.load_cert_chain(cert or pki.server_cert, key or pki.server_key)
        self._plain_http = plain_http
        self._lock = threading.Lock()
        self._config_vars = {}
        self._faults = []
        self._stale_values = {}  # (app, name) -> (old value, monotonic deadline)
        self._requests = []
        # What every real answer says in RateLimit-Remaining (Heroku's budget
        # is about 4,500 an hour); a test lowers it to reach the shim's floor.
        self.ratelimit_remaining = 4499
        self._servers = []
        self._threads = []
        self.url = None
        self.plain_url = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def start(self):
        https = self._serve("https")
        # The handshake is left to the handler's thread (see _Handler.setup):
        # done in accept(), one stuck client would block the whole server.
        https.socket = self._tls.wrap_socket(
            https.socket, server_side=True, do_handshake_on_connect=False
        )
        self.url = f"https://{self.host}:{https.server_port}"
        if self._plain_http:
            plain = self._serve("http")
            self.plain_url = f"http://{self.host}:{plain.server_port}"
        for server in self._servers:
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"heroku-api-{server.scheme}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def stop(self):
        started = len(self._threads)
        for index, server in enumerate(self._servers):
            # shutdown() waits for serve_forever(), which a failed start()
            # may never have reached.
            if index < started:
                server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join()
        self._servers.clear()
        self._threads.clear()

    # --- state ---------------------------------------------------------------

    def set_config_vars(self, app: str, config_vars: dict):
        with self._lock:
            self._config_vars[app] = dict(config_vars)

    def set_config_var(self, app: str, name: str, value: str | None):
        """Set one var; None deletes it (as `heroku config:unset` does)."""
        with self._lock:
            app_vars = self._config_vars.setdefault(app, {})
            if value is None:
                app_vars.pop(name, None)
            else:
                app_vars[name] = value

    def config_vars(self, app: str) -> dict:
        with self._lock:
            return dict(self._config_vars[app])

    def etag(self, app: str) -> str:
        """The ETag of the app's config vars as served right now."""
        with self._lock:
            return _etag_of(json.dumps(self._current_config_vars(app)).encode())

    # --- faults --------------------------------------------------------------

    def set_fault(self, app=None, *, status, body=b"", headers=None, times=None, delay=0.0,
                  how=None):
        """Answer with status/body/headers instead of the real answer, for the
        next `times` requests (None: until cleared), after `delay` seconds,
        delivered as `how` (a Delivery) says. A fault for an app wins over a
        global one (app=None), which applies to every request."""
        if isinstance(body, str):
            body = body.encode()
        response = _Response(status, body, dict(headers or {}), delay, how)
        with self._lock:
            self._faults.append(_Fault(app, response, times))

    def fail_with(self, status: int, app=None, times=None):
        """A fault with the body Heroku sends for that status."""
        headers = {"RateLimit-Remaining": "0"} if status == 429 else {}
        response = _error_response(status, extra_headers=headers)
        self.set_fault(
            app, status=status, body=response.body, headers=response.headers, times=times
        )

    def redirect_to(self, location: str, app=None, times=None):
        self.set_fault(app, status=302, headers={"Location": location}, times=times)

    def serve_once(self, app: str, config_vars: dict):
        """Answer the next request for app with these config vars (say, a
        snapshot from before a rotation) and later ones with the real ones:
        exactly one stale answer, whatever the timing."""
        self.set_fault(app, status=200, body=json.dumps(config_vars),
                       headers={"Content-Type": "application/json"}, times=1)

    def delay_serving_old(self, app: str, name: str, old_value: str, seconds: float):
        """For `seconds` from now, serve old_value for that var whatever its
        real value: the window in which Heroku still hands out the previous
        credential after a rotation."""
        with self._lock:
            self._stale_values[(app, name)] = (old_value, time.monotonic() + seconds)

    def clear_faults(self):
        with self._lock:
            self._faults.clear()
            self._stale_values.clear()

    def reset(self):
        """Forget requests, faults and config vars; restore the token."""
        with self._lock:
            self._requests.clear()
            self._faults.clear()
            self._stale_values.clear()
            self._config_vars.clear()
            self.token = self._initial_token
            self.ratelimit_remaining = 4499

    # --- what was asked ------------------------------------------------------

    @property
    def requests(self) -> list:
        with self._lock:
            return list(self._requests)

    def count(self, app=None) -> int:
        """How many config-vars requests were made (for that app)."""
        return sum(
            1
            for request in self.requests
            if request.app is not None and (app is None or request.app == app)
        )

    # --- serving -------------------------------------------------------------

    def _serve(self, scheme):
        server = _Server((self.host, 0), _Handler)
        server.stand_in = self
        server.scheme = scheme
        self._servers.append(server)
        return server

    def _answer(self, method: str, path: str, headers: Headers, scheme: str,
                connection: int = 0, tls_resumed: bool = False) -> _Response:
        match = _CONFIG_VARS_PATH.match(path)
        app = unquote(match["app"]) if match else None
        with self._lock:
            self._requests.append(
                Request(method, path, headers, scheme, app, connection, tls_resumed)
            )
            fault = self._take_fault(app)
            if fault is not None:
                return fault
            if not self._is_authorized(headers):
                return _error_response(401)
            if app is None or method != "GET":
                return _error_response(404, message="Not found.")
            if app not in self._config_vars:
                return _error_response(404, resource="app")
            config_vars = self._current_config_vars(app)
            remaining = self.ratelimit_remaining
        body = json.dumps(config_vars).encode()
        etag = _etag_of(body)
        common = {"ETag": etag, "RateLimit-Remaining": str(remaining)}
        # A conditional request for what the client holds already: 304, no body.
        if headers.get("if-none-match") == etag:
            return _Response(304, b"", common)
        return _Response(200, body, {"Content-Type": "application/json", **common})

    def _take_fault(self, app):
        """The fault that answers this request, used up if counted; call with
        the lock held."""
        candidates = [f for f in self._faults if app is not None and f.app == app]
        candidates += [f for f in self._faults if f.app is None]
        if not candidates:
            return None
        fault = candidates[0]
        if fault.remaining is not None:
            fault.remaining -= 1
            if fault.remaining == 0:
                self._faults.remove(fault)
        return fault.response

    def _is_authorized(self, headers: Headers) -> bool:
        scheme, _, credentials = headers.get("authorization", "").partition(" ")
        scheme = scheme.lower()
        if scheme == "bearer":
            return credentials.strip() == self.token
        if scheme == "basic":
            # What libcurl sends for a ~/.netrc entry: any login, the token as
            # the password (the Heroku CLI writes it that way).
            try:
                decoded = base64.b64decode(credentials.strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return False
            _, _, password = decoded.partition(":")
            return password == self.token
        return False

    def _current_config_vars(self, app):
        """The app's vars as served right now; call with the lock held."""
        served = dict(self._config_vars[app])
        now = time.monotonic()
        for (stale_app, name), (old_value, deadline) in list(self._stale_values.items()):
            if now >= deadline:
                del self._stale_values[(stale_app, name)]
            elif stale_app == app:
                served[name] = old_value
        return served


def _etag_of(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()}"'


def _error_response(status, message=None, resource=None, extra_headers=None):
    error_id, default_message = _HEROKU_ERRORS.get(
        status, (HTTPStatus(status).phrase.lower().replace(" ", "_"), HTTPStatus(status).phrase)
    )
    error = {"id": error_id, "message": message or default_message}
    if resource is not None:
        error["resource"] = resource
    headers = {"Content-Type": "application/json", **(extra_headers or {})}
    return _Response(status, json.dumps(error).encode(), headers)


class _Server(ThreadingHTTPServer):
    # Not daemon threads: server_close() then waits for the handlers, so once
    # stop() returns nothing touches the recorded state or writes to stderr.
    daemon_threads = False

    def handle_error(self, request, client_address):
        # Clients that hang up are part of the tests: a shim rejecting our
        # certificate aborts the TLS handshake. Stay quiet about those; keep
        # the traceback for anything else, which is a bug in the stand-in.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 lets libcurl reuse the connection, as it would with Heroku.
    protocol_version = "HTTP/1.1"
    # Idle keep-alive connections and stalled handshakes end after this.
    timeout = 10
    # Headers and body go out in two small writes; with Nagle's algorithm
    # the second waits ~40 ms for an ACK, which no real API server makes
    # its clients wait.
    disable_nagle_algorithm = True

    def setup(self):
        self.request.settimeout(self.timeout)
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()
        super().setup()

    def version_string(self):
        return "heroku-api-stand-in"

    def log_message(self, format, *args):
        # Silent: the default logging goes to stderr, and nothing about a
        # request (some carry the token) should end up in the test output.
        pass

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)  # keep the connection usable
        response = self.server.stand_in._answer(
            self.command, self.path, Headers(self.headers.items()), self.server.scheme,
            connection=self.client_address[1],
            tls_resumed=getattr(self.request, "session_reused", False),
        )
        time.sleep(response.delay)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        how = response.how or Delivery()
        length = how.endless if how.endless is not None else len(response.body)
        if how.announce_length:
            self.send_header("Content-Length", str(length))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self._send_body(response.body, how)

    def _send_body(self, body: bytes, how: Delivery):
        if how.endless is not None:
            # A JSON string that never ends: only a size cap stops it.
            pieces = itertools.chain([b'{"DATABASE_URL":"'], itertools.repeat(b"x" * 65536))
            sent = 0
            try:
                for piece in pieces:
                    self.wfile.write(piece)
                    sent += len(piece)
                    if sent >= how.endless:
                        break
            except OSError:
                pass  # the client stopped reading: what the test wants
            self.close_connection = True
            return
        if how.cut_after is not None:
            self.wfile.write(body[: how.cut_after])
            self.wfile.flush()
            # SO_LINGER 0: close() sends a reset, not an orderly end.
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        if how.trickle:
            for start in range(0, len(body), 1024):
                self.wfile.write(body[start : start + 1024])
                self.wfile.flush()
                time.sleep(how.trickle)
            return
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle
