"""CloudFormation's custom-resource response URL, locally: an HTTPS endpoint that records PUTs.

crhelper and cfn-response PUT their JSON answer to the event's ResponseURL (in AWS a presigned
S3 URL, always HTTPS). Here the URL is `https://127.0.0.1:<port>/cfn-response/<request id>`,
served with the emulator's certificate; invocations trust its CA through SSL_CERT_FILE.
"""

import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tapstack_emulator import runtime, tls

PATH_PREFIX = "/cfn-response/"
_lock = threading.Lock()
_server: ThreadingHTTPServer | None = None
_responses: dict[str, dict[str, Any]] = {}


class _Handler(BaseHTTPRequestHandler):
    def do_PUT(self) -> None:
        if not self.path.startswith(PATH_PREFIX):
            self.send_error(404)
            return
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            self.send_error(400, "the response body is not JSON")
            return
        with _lock:
            _responses[self.path[len(PATH_PREFIX) :].split("?", 1)[0]] = body
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the emulator's log is for requests to AWS."""


def url_for(request_id: str) -> str:
    """The ResponseURL of one request (the HTTPS server starts on first use)."""
    with _lock:
        global _server
        if _server is None:
            _server = _start()
        port = _server.server_address[1]
    return f"https://127.0.0.1:{port}{PATH_PREFIX}{request_id}"


def take(request_id: str) -> dict[str, Any] | None:
    """The response recorded for `request_id` (removed), or None if none came."""
    with _lock:
        return _responses.pop(request_id, None)


def _start() -> ThreadingHTTPServer:
    files = tls.files()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(files.cert, files.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="cfn-responses", daemon=True).start()

    def stop() -> None:
        global _server
        server.shutdown()
        server.server_close()
        _server = None

    runtime.on_shutdown("custom-resource response endpoint", stop)
    return server
