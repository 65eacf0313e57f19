"""``rights-engine serve``: the clinic's ASGI application (:mod:`.app`) served by uvicorn.

The socket is bound here (so that port 0 is known before serving, and a busy port is an error at once) with a
deep listen backlog; uvicorn serves it on one asyncio loop, so a slow client holds no thread and starves no one.
A client that does not finish sending its request head within :data:`~.app.TIMEOUT` seconds is disconnected
(:class:`_Protocol`); a body that does not arrive in time is answered 408 (:mod:`.app`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import sys
import threading
from typing import Any, Optional, TextIO

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from ..i18n import LANGS, _
from .app import RAW_SECURITY_HEADERS, SECURITY_HEADERS, TIMEOUT, ClinicApp

#: Connections waiting to be accepted (the old server had 5: under 50 concurrent clients, requests were lost).
BACKLOG = 4096
#: Connections served at once; more get 503 at once instead of waiting unseen.
MAX_CONNECTIONS = 1000


class _Protocol(H11Protocol):
    """uvicorn's h11 protocol, plus a deadline for the request head (uvicorn times out only idle keep-alives)."""

    head_timeout: float = TIMEOUT

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def send_400_response(self, msg: str) -> None:
        """h11 could not parse the request (a bad length, no Host in HTTP/1.1, a control character …): uvicorn's own
        400, plus the headers every answer carries, and a fixed text (uvicorn's ``msg`` is not shown)."""
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close"), *RAW_SECURITY_HEADERS]
        for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                      h11.Data(data=b"Bad Request"), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event) or b"")
        self.transport.close()

    def _arm(self) -> None:
        self._generation = getattr(self, "_generation", 0) + 1
        self.loop.call_later(self.head_timeout, self._head_deadline, self._generation)

    def _head_deadline(self, generation: int) -> None:
        """Still waiting for the head of the same request: a slow (or silent) client is dropped."""
        if generation != self._generation or self.transport.is_closing():
            return
        waiting = self.conn.their_state is h11.IDLE and (self.cycle is None or self.cycle.response_complete)
        if waiting:
            self.transport.close()


def _quiet_uvicorn() -> None:
    """uvicorn's own loggers say nothing (its access log would name client addresses): the app logs its line."""
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi"):
        lg = logging.getLogger(name)
        lg.handlers = []
        lg.propagate = False
        lg.setLevel(logging.CRITICAL + 1)


class ClinicServer:
    """A bound socket and the uvicorn server that serves the clinic app on it."""

    def __init__(self, address: tuple[str, int], engine: Any, log: Optional[TextIO] = None) -> None:
        host, port = address
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind((host, port))
            self.socket.listen(BACKLOG)
        except OSError:
            self.socket.close()
            raise
        self.socket.set_inheritable(True)
        self.server_address: tuple[str, int] = self.socket.getsockname()[:2]
        self.engine = engine
        # the security headers go on every answer through uvicorn's default headers: the app's, and uvicorn's own
        # 503 when more than MAX_CONNECTIONS are open (h11's 400: _Protocol.send_400_response)
        self.app = ClinicApp(engine, log=log, loopback=loopback, port=self.server_address[1], security_headers=False)
        _quiet_uvicorn()
        config = uvicorn.Config(self.app, log_config=None, access_log=False, http=_Protocol, lifespan="off",
                                ws="none", interface="asgi3", backlog=BACKLOG, limit_concurrency=MAX_CONNECTIONS,
                                timeout_keep_alive=int(TIMEOUT), server_header=False, date_header=False,
                                proxy_headers=False, h11_max_incomplete_event_size=16 * 1024,
                                headers=list(SECURITY_HEADERS.items()))
        self.uvicorn = uvicorn.Server(config)
        self._stopped = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.server_address
        return f"http://{'[' + host + ']' if ':' in host else host}:{port}/"

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Serve until :meth:`shutdown` (from another thread) or Ctrl+C."""
        try:
            asyncio.run(self.uvicorn.serve(sockets=[self.socket]))
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        self.uvicorn.should_exit = True
        self._stopped.wait(10)

    def server_close(self) -> None:
        self.socket.close()


def make_server(host: str = "127.0.0.1", port: int = 8000, engine: Any = None,
                log: Optional[TextIO] = sys.stderr) -> ClinicServer:
    """A server bound to ``host:port`` (port 0: any free port), not yet serving."""
    if engine is None:
        from ..engine import Engine

        engine = Engine()
    return ClinicServer((host, port), engine, log)


def serve(host: str = "127.0.0.1", port: int = 8000, out: TextIO = sys.stdout) -> int:
    """Serve until interrupted (Ctrl+C). Returns the exit code: 0, or 2 when the address cannot be used."""
    try:
        server = make_server(host, port)
    except (OSError, OverflowError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        print(_("error: cannot listen on {host}:{port} ({reason})", "en", host=host, port=port, reason=reason),
              file=sys.stderr)
        return 2
    try:
        for lang in LANGS:
            print(_("Serving the clinic page on {url} (Ctrl+C to stop). Nothing entered is stored.", lang,
                    url=server.url), file=out, flush=True)
            if host not in ("127.0.0.1", "localhost", "::1"):
                print(_("Warning: listening on {host}, not only on this computer.", lang, host=host), file=out,
                      flush=True)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
