"""``rights-engine serve``: the clinic's local web page and JSON API (standard library HTTP server).

Privacy and safety, by construction:

- binds 127.0.0.1 unless told otherwise; no cookies, no sessions, nothing written to disk;
- logs one line per request: method, path (never the query), status — nothing the worker said;
- bodies are limited to :data:`~rights_engine.web.api.MAX_BODY` bytes; slow clients time out;
- every page is escaped HTML with a strict Content-Security-Policy; CSS and JS are files of the package;
- bad input is answered 4xx with the field errors, never a traceback;
- on a loopback address, a request whose Host is not this computer's own name is refused (421), so that a web
  page elsewhere cannot rebind its name to 127.0.0.1 and use the clinic page (DNS rebinding).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import sys
import threading
import time
from collections.abc import Callable, Mapping
from functools import cache
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Optional, TextIO
from urllib.parse import parse_qs, urlsplit

from ..catalogue import clause_text
from ..i18n import LANGS, _
from ..intake import Intake, profile_from_form
from ..profile import ProfileError
from ..result import Result
from ..textnorm import normalise
from . import api, pages
from .html import Markup

STATIC = Path(__file__).resolve().parent / "static"
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
#: Seconds a client may take to send its request.
TIMEOUT = 15
#: A too-large body up to this size is read and dropped after the 413 answer, so that the client, still
#: sending, gets to read it (larger ones: the connection is closed at once).
DRAIN_LIMIT = 16 * 1024 * 1024
DRAIN_SECONDS = 10.0
MAX_FORM_FIELDS = 200
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                               "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
ROUTES = frozenset({"/", "/report", "/api/evaluate", "/api/openapi.json", "/favicon.ico", "/static/app.css",
                    "/static/app.js"})


#: The names a browser on this computer uses for a server on a loopback address.
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})


class ClinicServer(ThreadingHTTPServer):
    """One engine shared by all request threads (the engine keeps no per-call state)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], engine: Any, log: Optional[TextIO] = None) -> None:
        super().__init__(address, Handler)
        self.engine = engine
        try:
            self.loopback = ipaddress.ip_address(str(self.server_address[0])).is_loopback
        except ValueError:
            self.loopback = False
        self.intake = Intake(engine.rulebase)
        self.log = log
        self._clauses: dict[tuple[str, Optional[str], str], Optional[pages.ClauseText]] = {}
        self._clauses_lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:  # no traceback: it could quote input
        exc = sys.exc_info()[1]
        self.write_log(f"error while handling a request: {type(exc).__name__}")

    def write_log(self, line: str) -> None:
        if self.log is not None:
            self.log.write(f"{dt.datetime.now().isoformat(timespec='seconds')} {line}\n")
            self.log.flush()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/"

    def clause_texts(self, result: Result) -> dict[tuple[str, Optional[str], str], pages.ClauseText]:
        """The clause text around each quote of ``result`` (where the rule base's source text has it)."""
        out: dict[tuple[str, Optional[str], str], pages.ClauseText] = {}
        citations = [c for e in result.entitlements for c in e.citations]
        citations += [c for r in (*result.classification.reasons, *result.classification.caveats) for c in r.citations]
        citations += [c for n in result.not_granted or () for c in n.citations]
        for c in citations:
            key = (c.source_id, c.clause, c.quote)
            if key not in self._clauses:
                found = self._find_clause(c.source_id, c.via, c.clause, c.quote)
                with self._clauses_lock:
                    self._clauses[key] = found
            found = self._clauses[key]
            if found is not None:
                out[key] = found
        return out

    def _find_clause(self, source: str, via: Optional[str], clause: Optional[str],
                     quote: str) -> Optional[pages.ClauseText]:
        texts = self.engine.rulebase.texts
        wanted = normalise(quote)
        for sid in (source, via):
            if sid is None or sid not in texts or not clause:
                continue
            text = clause_text(clause, texts[sid])
            if text and wanted and wanted in text and len(text) > len(wanted):
                start = text.index(wanted)
                return pages.ClauseText(text.strip(), start, start + len(wanted))
        return None


@cache
def _static(name: str) -> bytes:
    return (STATIC / name).read_bytes()


class Handler(BaseHTTPRequestHandler):
    server: ClinicServer
    timeout = TIMEOUT
    server_version = "rights-engine"
    sys_version = ""
    _status: int = 0

    # -- logging: method, path without query, status; nothing else ---------------------------------
    def log_message(self, format: str, *args: Any) -> None:
        path = urlsplit(self.path).path if getattr(self, "path", None) else "-"
        command = getattr(self, "command", None) or "-"
        self.server.write_log(f"{command} {path if path in ROUTES else '(other)'} {self._status or '-'}")

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.log_message("")

    def log_error(self, format: str, *args: Any) -> None:  # its arguments may quote the request: say nothing
        pass

    def send_response(self, code: int, message: Optional[str] = None) -> None:
        self._status = int(code)
        super().send_response(code, message)

    def version_string(self) -> str:
        return self.server_version

    # -- responses ---------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, content_type: str, extra: Optional[Mapping[str, str]] = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for key, value in SECURITY_HEADERS.items():
            self.send_header(key, value)
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data: Any, extra: Optional[Mapping[str, str]] = None) -> None:
        self._send(status, api.dumps(data), "application/json; charset=utf-8", extra)

    def _html(self, status: int, page: Markup) -> None:
        self._send(status, page.encode("utf-8"), "text/html; charset=utf-8")

    def _fail(self, status: int, code: str, text: str, allow: Optional[str] = None) -> None:
        """An error answer: JSON for the API, a small page for the rest (in the query's language)."""
        extra = {"Allow": allow} if allow else None
        if self._route().startswith("/api/"):
            field = "body" if status in (400, 411, 413, 415) else "request"
            self._json(status, api.error_body(field, code, text), extra)
        else:
            self._send(status, pages.message_page(self._lang(), text, text).encode("utf-8"),
                       "text/html; charset=utf-8", extra)

    def send_error(self, code: int, message: Optional[str] = None, explain: Optional[str] = None) -> None:
        """Errors found by :mod:`http.server` itself (bad request line, headers too long): a plain answer."""
        self.close_connection = True
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "Error"
        self._send(code, phrase.encode("ascii"), "text/plain; charset=utf-8")

    def _not_allowed(self) -> None:
        self.close_connection = True
        self._send(405, b"Method Not Allowed", "text/plain; charset=utf-8", {"Allow": "GET, HEAD, POST"})

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _not_allowed

    def _route(self) -> str:
        return urlsplit(self.path).path

    def _lang(self) -> str:
        try:
            lang = parse_qs(urlsplit(self.path).query, max_num_fields=20).get("lang", ["zh"])[-1]
        except ValueError:
            return "zh"
        return lang if lang in LANGS else "zh"

    # -- requests ----------------------------------------------------------------------------------
    def do_HEAD(self) -> None:
        self._guarded(self._get)

    def do_GET(self) -> None:
        self._guarded(self._get)

    def do_POST(self) -> None:
        self._guarded(self._post)

    def _host_allowed(self) -> bool:
        """On a loopback address, answer only requests addressed to this computer (localhost, 127.0.0.1, [::1], on
        this port): a web page elsewhere that rebinds its own name to 127.0.0.1 (DNS rebinding) is refused."""
        if not self.server.loopback:
            return True  # listening on a network address was asked for, and warned about
        host = self.headers.get("Host")
        if host is None:
            return True  # HTTP/1.0 without Host: not a browser
        host = host.strip().lower()
        if host.startswith("["):
            name, _sep, rest = host.partition("]")
            name, port = name + "]", rest[1:] if rest.startswith(":") else rest
        else:
            name, _sep, port = host.partition(":")
        return name in LOOPBACK_NAMES and port in ("", str(self.server.server_address[1]))

    def _guarded(self, handle: Callable[[], None]) -> None:
        """Run ``handle``; a bug in it gets a bare 500 and one log line naming the exception type, no trace."""
        if not self._host_allowed():
            self.close_connection = True
            self._fail(421, "host", _("This page answers only at this computer's own address.", self._lang()))
            return
        try:
            handle()
        except Exception as exc:
            self.close_connection = True
            self.server.write_log(f"error while handling a request: {type(exc).__name__}")
            if not self._status:
                self._send(500, b"Internal Server Error", "text/plain; charset=utf-8")

    def _get(self) -> None:
        route = self._route()
        lang = self._lang()
        if route == "/":
            self._html(200, pages.intake_page(self.server.intake, pages.State(lang)))
        elif route == "/report":
            self._send(303, b"", "text/plain; charset=utf-8", {"Location": f"/?lang={lang}"})
        elif route == "/api/openapi.json":
            self._json(200, api.openapi())
        elif route in ("/static/app.css", "/static/app.js"):
            name = route.rsplit("/", 1)[1]
            self._send(200, _static(name), STATIC_TYPES[Path(name).suffix])
        elif route == "/favicon.ico":
            self._send(204, b"", "text/plain; charset=utf-8")
        elif route == "/api/evaluate":
            self._fail(405, "method", _("Use POST.", lang), allow="POST")
        else:
            self._fail(404, "not_found", _("Page not found.", lang))

    def _post(self) -> None:
        route = self._route()
        lang = self._lang()
        if route not in ("/", "/report", "/api/evaluate"):
            self.close_connection = True
            if route in ROUTES:
                self._fail(405, "method", _("Use GET.", lang), allow="GET, HEAD")
            else:
                self._fail(404, "not_found", _("Page not found.", lang))
            return
        body = self._body()
        if body is None:
            return
        if route == "/api/evaluate":
            if not self._is_type("application/json"):
                self._fail(415, "content_type", _("The body must be application/json.", lang))
                return
            status, data = api.evaluate_json(self.server.engine, urlsplit(self.path).query, body)
            self._json(status, data)
            return
        if not self._is_type("application/x-www-form-urlencoded"):
            self._fail(415, "content_type", _("The form must be sent as application/x-www-form-urlencoded.", lang))
            return
        try:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
        except (UnicodeDecodeError, ValueError):
            self._fail(400, "form", _("The form could not be read.", lang))
            return
        self._form(route, form)

    def _is_type(self, wanted: str) -> bool:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower() == wanted

    def _body(self) -> Optional[bytes]:
        """The request body, or None when an error was answered (no length, too large, bad length)."""
        lang = self._lang()
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.close_connection = True
            self._fail(411, "length_required", _("Send a Content-Length (no chunked bodies).", lang))
            return None
        raw = self.headers.get("Content-Length")
        if raw is None:
            self.close_connection = True
            self._fail(411, "length_required", _("Send a Content-Length.", lang))
            return None
        try:
            length = int(raw)
            if length < 0:
                raise ValueError
        except ValueError:
            self.close_connection = True
            self._fail(400, "length", _("The Content-Length is not valid.", lang))
            return None
        if length > api.MAX_BODY:
            self.close_connection = True
            self._fail(413, "too_large", _("The request is larger than {limit} bytes.", lang, limit=api.MAX_BODY))
            if length <= DRAIN_LIMIT:  # let the client finish sending, so that it reads the answer
                self._drain(length)
            return None
        try:
            body = self.rfile.read(length)
        except TimeoutError:
            self.close_connection = True
            return None
        if len(body) < length:
            self.close_connection = True
            self._fail(400, "length", _("The body is shorter than its Content-Length.", lang))
            return None
        return body

    def _drain(self, length: int) -> None:
        """Read and drop ``length`` bytes of a refused body (for at most :data:`DRAIN_SECONDS`)."""
        self.wfile.flush()
        deadline = time.monotonic() + DRAIN_SECONDS
        try:
            while length > 0 and time.monotonic() < deadline:
                chunk = self.rfile.read(min(length, 65536))
                if not chunk:
                    break
                length -= len(chunk)
        except OSError:
            pass

    def _form(self, route: str, form: Mapping[str, list[str]]) -> None:
        lang = (form.get("switch_lang") or form.get("lang") or ["zh"])[-1]
        lang = lang if lang in LANGS else "zh"
        state = pages.State.from_form(form, lang)
        intake = self.server.intake
        if route == "/":
            self._html(200, pages.intake_page(intake, state))
            return
        profile = profile_from_form(state.values)
        try:
            result = self.server.engine.evaluate(profile, lang=lang, explain=True)
        except ProfileError as exc:
            errors = [(e.field, e.message) for e in exc.errors]
            self._html(422, pages.intake_page(intake, state, errors))
            return
        today = dt.date.today()
        self._html(200, pages.report_page(intake, state, result, self.server.clause_texts(result), today))


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
    except OSError as exc:
        print(_("error: cannot listen on {host}:{port} ({reason})", "en", host=host, port=port,
                reason=exc.strerror or type(exc).__name__), file=sys.stderr)
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
