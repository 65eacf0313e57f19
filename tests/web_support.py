"""A clinic server on 127.0.0.1 (any free port) in a thread, and plain HTTP requests to it."""

from __future__ import annotations

import contextlib
import http.client
import io
import socket
import threading
from collections.abc import Iterator, Mapping
from typing import Any, Optional
from urllib.parse import urlencode

from rights_engine.web import ClinicServer, make_server

FORM = "application/x-www-form-urlencoded"


@contextlib.contextmanager
def running_server(engine: Any = None, log: Optional[io.StringIO] = None) -> Iterator[ClinicServer]:
    server = make_server("127.0.0.1", 0, engine=engine, log=log)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class Response:
    def __init__(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, {k.lower(): v for k, v in headers.items()}, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def request(server: ClinicServer, method: str, path: str, body: Optional[bytes] = None,
            headers: Optional[Mapping[str, str]] = None, timeout: float = 20.0) -> Response:
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(str(host), int(port), timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=dict(headers or {}))
        answer = conn.getresponse()
        return Response(answer.status, dict(answer.getheaders()), answer.read())
    finally:
        conn.close()


def post_form(server: ClinicServer, path: str, fields: Mapping[str, Any] | list[tuple[str, str]]) -> Response:
    return request(server, "POST", path, urlencode(fields, doseq=True).encode("utf-8"), {"Content-Type": FORM})


def post_json(server: ClinicServer, path: str, body: bytes, content_type: str = "application/json") -> Response:
    return request(server, "POST", path, body, {"Content-Type": content_type})


def raw_exchange(server: ClinicServer, data: bytes, timeout: float = 10.0) -> bytes:
    """Send raw bytes, read the answer until the server closes (for malformed requests)."""
    host, port = server.server_address[:2]
    with socket.create_connection((str(host), int(port)), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)
