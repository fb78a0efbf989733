"""The moto server process: patch moto, bind 127.0.0.1, serve until stopped."""

import importlib
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any
from urllib.parse import parse_qs

from werkzeug.serving import BaseWSGIServer, make_server

from tapstack_emulator import event_schedules, runtime, vpc_resolver

HOST = "127.0.0.1"
HEALTH_PATH = "/tapstack-emulator/health"
# CloudTrail's view of what a command did: behaviours.assume_role_trust, cloudformation_journal,
# call_journal (every signed request, with its caller).
JOURNALS = {
    "/tapstack-emulator/assume-role-journal": "assume_role_trust",
    "/tapstack-emulator/cloudformation-journal": "cloudformation_journal",
    "/tapstack-emulator/call-journal": "call_journal",
}

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def prepare_moto() -> None:
    """Register the emulator's models and behaviours inside this process (before serving)."""
    # AWS managed policies exist in every real account (e.g. AmazonRDSEnhancedMonitoringRole,
    # attached by the database stack); moto loads them only when asked.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    from tapstack_emulator import behaviours, models, registry

    registry.install()
    models.load()
    behaviours.apply()


class EmulatorApp:
    """moto's WSGI app behind a health route and one lock.

    moto's backends are plain dicts and lists; Sceptre launches independent stacks in parallel
    threads, and two CreateStack calls must not interleave inside one account's backends.
    """

    def __init__(self, moto_app: WsgiApp) -> None:
        self._moto_app = moto_app
        self._lock = runtime.backends_lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            return self._health(start_response)
        from tapstack_emulator.lambda_runtime import lending

        if environ.get("PATH_INFO") == vpc_resolver.PATH:
            # A function's own DNS query (its access key in the query) comes while its caller
            # may hold the lock, like its AWS calls (lending.py).
            with lending.lent_lock if lending.is_lent(environ) else self._lock:
                return self._resolve(environ, start_response)
        if environ.get("PATH_INFO") in JOURNALS:
            return self._journal(JOURNALS[environ["PATH_INFO"]], environ, start_response)
        from tapstack_emulator.behaviours import call_journal

        if lending.is_lent(environ):
            # A Lambda invocation's own call, made while its caller holds the lock and waits.
            with lending.lent_lock, call_journal.request(environ):
                body = list(self._moto_app(environ, start_response))
                lending.lend_issued(environ, body)
                return body
        with self._lock, call_journal.request(environ):
            # Drain the response inside the lock: moto may build it lazily.
            return list(self._moto_app(environ, start_response))

    @staticmethod
    def _resolve(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        try:
            status, body = "200 OK", vpc_resolver.resolve(query)
        except ValueError as err:
            status, body = "400 Bad Request", {"error": str(err)}
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    @staticmethod
    def _journal(
        module: str, environ: dict[str, Any], start_response: StartResponse
    ) -> list[bytes]:
        journal = importlib.import_module(f"tapstack_emulator.behaviours.{module}").journal
        query = parse_qs(environ.get("QUERY_STRING", ""))
        since = query.get("since", ["0"])[0]
        if not since.isdigit():
            start_response("400 Bad Request", [("Content-Type", "application/json")])
            return [json.dumps({"error": f"since must be a count, not {since!r}"}).encode()]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(journal(int(since))).encode()]

    @staticmethod
    def _health(start_response: StartResponse) -> list[bytes]:
        from tapstack_emulator import __version__, registry, tls

        body = json.dumps(
            {
                "service": "tapstack-emulator",
                "version": __version__,
                "pid": os.getpid(),
                "models": registry.registered_types(),
                "ca_bundle": str(tls.bundle()),
            }
        ).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]


def create_server(port: int = 0) -> BaseWSGIServer:
    """A threaded server on 127.0.0.1:`port` (0 picks a free port) running patched moto."""
    prepare_moto()
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )

    app = EmulatorApp(DomainDispatcherApplication(create_backend_app))
    server = make_server(HOST, port, app, threaded=True, request_handler=MotoRequestHandler)
    runtime.set_endpoint(endpoint_of(server))
    event_schedules.start()  # stopped by runtime.shutdown()
    return server


def endpoint_of(server: BaseWSGIServer) -> str:
    """The URL clients use to reach `server`."""
    return f"http://{HOST}:{server.server_port}"


def serve(port: int, on_ready: Callable[[str], None]) -> None:
    """Bind, call `on_ready(endpoint)`, then serve until SIGTERM or SIGINT."""
    server = create_server(port)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever to return, so it must run on another thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    on_ready(endpoint_of(server))
    try:
        server.serve_forever()
    finally:
        server.server_close()
        runtime.shutdown()  # MariaDB servers, the response endpoint, the scratch directory
        sys.stdout.flush()
