"""The clinic's web application: FastAPI routes (pages from Jinja2 templates, the JSON API, its OpenAPI document
and an offline API docs page), wrapped in :class:`ClinicApp`, a small ASGI layer that keeps the promises:

- on a loopback address, a request whose Host is not this computer's own name is refused (421, the host not
  echoed), so that a web page elsewhere cannot rebind its name to 127.0.0.1 and use the clinic page;
- every answer carries a strict Content-Security-Policy, nosniff, no-referrer and ``Cache-Control: no-store``;
  no cookie is ever set;
- request bodies need a Content-Length of at most :data:`~.api.MAX_BODY` bytes (411/413 otherwise) and must
  arrive within :data:`TIMEOUT` seconds (408);
- one log line per request: time, method, path (only the paths of this app; never the query), status —
  nothing the worker said; a bug is answered with a bare 500 and logged by its exception type only.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Optional, TextIO
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from .. import __version__
from ..catalogue import clause_text
from ..i18n import LANGS, _
from ..intake import Intake, profile_from_form
from ..profile import ProfileError, WorkerProfile
from ..result import Result
from ..textnorm import normalise
from . import api, pages

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

STATIC = Path(__file__).resolve().parent / "static"
#: Seconds a client may take to send its request head, and its body.
TIMEOUT = 15.0
#: A too-large body up to this size is read and dropped before the 413 answer, so that the client, still
#: sending, gets to read it (larger ones: the answer at once, and the connection closed).
DRAIN_LIMIT = 16 * 1024 * 1024
DRAIN_SECONDS = 10.0
MAX_FORM_FIELDS = 200
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cache-Control": "no-store",
}
RAW_SECURITY_HEADERS = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]
#: Files served under /static/ (the app's own) and /static/docs/ (Swagger UI, vendored from a PyPI package).
STATIC_FILES = {"app.css": "text/css; charset=utf-8", "app.js": "text/javascript; charset=utf-8",
                "docs.js": "text/javascript; charset=utf-8"}
DOCS_FILES = {"swagger-ui-bundle.js": "text/javascript; charset=utf-8", "swagger-ui.css": "text/css; charset=utf-8"}
ROUTES = frozenset({"/", "/report", "/api/evaluate", "/api/openapi.json", "/docs", "/favicon.ico",
                    *(f"/static/{n}" for n in STATIC_FILES), *(f"/static/docs/{n}" for n in DOCS_FILES)})
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"})
#: The names a browser on this computer uses for a server on a loopback address.
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})


@cache
def static_file(name: str) -> bytes:
    if name in DOCS_FILES:
        return (resources.files("fastapi_offline") / "static" / name).read_bytes()
    return (STATIC / name).read_bytes()


def query_lang(query: bytes | str) -> str:
    text = query.decode("latin-1") if isinstance(query, bytes) else query
    try:
        lang = parse_qs(text, max_num_fields=20).get("lang", ["zh"])[-1]
    except ValueError:
        return "zh"
    return lang if lang in LANGS else "zh"


class ClauseTexts:
    """The clause text around each quote of a result (where the rule base's source text has it), remembered."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self._found: dict[tuple[str, Optional[str], str], Optional[pages.ClauseText]] = {}
        self._lock = threading.Lock()

    def __call__(self, result: Result) -> dict[tuple[str, Optional[str], str], pages.ClauseText]:
        out: dict[tuple[str, Optional[str], str], pages.ClauseText] = {}
        citations = [c for e in result.entitlements for c in e.citations]
        citations += [c for r in (*result.classification.reasons, *result.classification.caveats) for c in r.citations]
        citations += [c for n in result.not_granted or () for c in n.citations]
        for c in citations:
            key = (c.source_id, c.clause, c.quote)
            if key not in self._found:
                found = self._find(c.source_id, c.via, c.clause, c.quote)
                with self._lock:
                    self._found[key] = found
            found = self._found[key]
            if found is not None:
                out[key] = found
        return out

    def _find(self, source: str, via: Optional[str], clause: Optional[str], quote: str) -> Optional[pages.ClauseText]:
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


def _html(status: int, text: str) -> Response:
    return Response(text.encode("utf-8"), status, media_type="text/html; charset=utf-8")


def _json(status: int, data: Any, headers: Optional[dict[str, str]] = None) -> Response:
    return Response(api.dumps(data), status, headers=headers, media_type="application/json; charset=utf-8")


def _form(body: bytes) -> Optional[dict[str, list[str]]]:
    try:
        return parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except (UnicodeDecodeError, ValueError):
        return None


def _is_type(request: Request, wanted: str) -> bool:
    return (request.headers.get("content-type") or "").split(";")[0].strip().lower() == wanted


async def _body(request: Request) -> bytes:
    """The body (its length was checked by :class:`ClinicApp`), or 408 when it does not arrive in time."""
    try:
        return await asyncio.wait_for(request.body(), TIMEOUT)
    except asyncio.TimeoutError:
        raise StarletteHTTPException(408) from None


def build_fastapi(engine: Any) -> FastAPI:
    """The routes. Pages are rendered from templates; the API answers JSON; the OpenAPI document is generated."""
    app = FastAPI(title="rights-engine", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url=None, description=api.DESCRIPTION)
    intake = Intake(engine.rulebase)
    clauses = ClauseTexts(engine)
    # the form asks what the classification needs in the order it needs it
    order = [*engine.evaluate({}).classification.needs]

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def form_page(lang: str = "zh") -> Response:
        return _html(200, pages.intake_page(intake, pages.State(lang if lang in LANGS else "zh"), order=order))

    @app.get("/report", include_in_schema=False)
    def report_get(request: Request) -> Response:
        lang = query_lang(request.url.query)
        return Response(b"", 303, headers={"Location": f"/?lang={lang}"})

    @app.post("/", include_in_schema=False)
    async def form_post(request: Request) -> Response:
        return await _form_route(request, "/")

    @app.post("/report", include_in_schema=False)
    async def report_post(request: Request) -> Response:
        return await _form_route(request, "/report")

    async def _form_route(request: Request, route: str) -> Response:
        lang = query_lang(request.url.query)
        body = await _body(request)
        if not _is_type(request, "application/x-www-form-urlencoded"):
            return _html(415, pages.message_page(lang, _("The form must be sent as application/x-www-form-urlencoded.",
                                                         lang)))
        form = _form(body)
        if form is None:
            return _html(400, pages.message_page(lang, _("The form could not be read.", lang)))
        lang = (form.get("switch_lang") or form.get("lang") or ["zh"])[-1]
        lang = lang if lang in LANGS else "zh"
        state = pages.State.from_form(form, lang)
        if route == "/":
            return _html(200, pages.intake_page(intake, state, order=order))
        profile = profile_from_form(state.values)
        try:
            result = await run_in_threadpool(engine.evaluate, profile, lang=lang, explain=True)
        except ProfileError as exc:
            errors = [(e.field, e.message) for e in exc.errors]
            return _html(422, pages.intake_page(intake, state, errors, order=order))
        return _html(200, pages.report_page(intake, state, result, clauses(result), dt.date.today()))

    @app.post("/api/evaluate", response_model=Result, summary="Evaluate a worker profile",
              operation_id="evaluate", description=api.EVALUATE_DESCRIPTION,
              openapi_extra={"parameters": api.QUERY_PARAMETERS,
                             "requestBody": {"required": True, "content": {"application/json": {
                                 "schema": {"$ref": "#/components/schemas/WorkerProfile"}}}}},
              responses={code: {"model": api.Errors, "description": text} for code, text in api.ERROR_CODES.items()})
    async def evaluate(request: Request) -> Response:
        body = await _body(request)
        if not _is_type(request, "application/json"):
            lang = query_lang(request.url.query)
            return _json(415, api.error_body("body", "content_type", _("The body must be application/json.", lang)))
        status, data = await run_in_threadpool(api.evaluate_json, engine, request.url.query, body)
        return Response(data, status, media_type="application/json; charset=utf-8")

    @app.api_route("/api/openapi.json", methods=["GET", "HEAD"], include_in_schema=False)
    def openapi_json() -> Response:
        return _json(200, app.openapi())

    @app.api_route("/docs", methods=["GET", "HEAD"], include_in_schema=False)
    def docs(lang: str = "zh") -> Response:
        return _html(200, pages.docs_page(lang if lang in LANGS else "zh"))

    @app.api_route("/static/{name}", methods=["GET", "HEAD"], include_in_schema=False)
    def static(name: str) -> Response:
        if name not in STATIC_FILES:
            raise StarletteHTTPException(404)
        return Response(static_file(name), media_type=STATIC_FILES[name])

    @app.api_route("/static/docs/{name}", methods=["GET", "HEAD"], include_in_schema=False)
    def docs_static(name: str) -> Response:
        if name not in DOCS_FILES:
            raise StarletteHTTPException(404)
        return Response(static_file(name), media_type=DOCS_FILES[name])

    @app.api_route("/favicon.ico", methods=["GET", "HEAD"], include_in_schema=False)
    def favicon() -> Response:
        return Response(b"", 204)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return error_response(request.url.path, query_lang(request.url.query), exc.status_code)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            _refs, top = models_json_schema([(WorkerProfile, "validation")], ref_template="#/components/schemas/{model}")
            schemas = doc.setdefault("components", {}).setdefault("schemas", {})
            for name, schema in top.get("$defs", {}).items():
                schemas.setdefault(name, schema)
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def error_response(path: str, lang: str, status: int, allow: Optional[str] = None) -> Response:
    """An error answer: JSON for the API, a small page for the rest (in the query's language)."""
    text, code = {
        400: (_("The request could not be read.", lang), "request"),
        404: (_("Page not found.", lang), "not_found"),
        405: (_("This method is not allowed here.", lang), "method"),
        408: (_("The request took too long to arrive.", lang), "timeout"),
        411: (_("Send a Content-Length (no chunked bodies).", lang), "length_required"),
        413: (_("The request is larger than {limit} bytes.", lang, limit=api.MAX_BODY), "too_large"),
        421: (_("This page answers only at this computer's own address.", lang), "host"),
        505: (_("The request could not be read.", lang), "http_version"),
    }.get(status, (_("The request could not be read.", lang), "request"))
    headers = {"Allow": allow} if allow else None
    if status == 405 and allow is None:
        headers = {"Allow": "POST" if path == "/api/evaluate" else "GET, HEAD"}
    if status in (408, 411, 413, 421, 505):
        headers = {**(headers or {}), "Connection": "close"}
    if path.startswith("/api/"):
        field = "body" if status in (400, 408, 411, 413, 415) else "request"
        return _json(status, api.error_body(field, code, text), headers)
    response = _html(status, pages.message_page(lang, text))
    if headers:
        response.headers.update(headers)
    return response


class ClinicApp:
    """The ASGI application ``rights-engine serve`` runs: the FastAPI routes behind the promises listed above."""

    def __init__(self, engine: Any, log: Optional[TextIO] = None, loopback: bool = True, port: int = 0,
                 security_headers: bool = True) -> None:
        """``security_headers=False``: the server adds :data:`SECURITY_HEADERS` to every answer itself (uvicorn's
        default headers, which reach also the 503 it sends when too many connections are open)."""
        self.engine = engine
        self.security_headers = RAW_SECURITY_HEADERS if security_headers else []
        self.routes = build_fastapi(engine)
        self.log = log
        self.loopback = loopback
        self.port = port
        self._log_lock = threading.Lock()

    def write_log(self, line: str) -> None:
        if self.log is not None:
            with self._log_lock:
                self.log.write(f"{dt.datetime.now().isoformat(timespec='seconds')} {line}\n")
                self.log.flush()

    def host_allowed(self, host: Optional[str]) -> bool:
        """On a loopback address, answer only requests addressed to this computer (localhost, 127.0.0.1, [::1],
        on this port)."""
        if not self.loopback:
            return True  # listening on a network address was asked for, and warned about
        if host is None:
            return True  # HTTP/1.0 without Host: not a browser
        host = host.strip().lower()
        if host.startswith("["):
            name, _sep, rest = host.partition("]")
            name, port = name + "]", rest[1:] if rest.startswith(":") else rest
        else:
            name, _sep, port = host.partition(":")
        return name in LOOPBACK_NAMES and port in ("", str(self.port))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        status = 0
        started = False

        async def send_secured(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = int(message["status"]), True
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != b"set-cookie"]
                message["headers"] = headers + self.security_headers
            await send(message)

        path = scope.get("path", "")
        method = scope.get("method", "")
        try:
            refused = self._refuse(scope)
            if refused is not None:
                status_code, allow = refused
                if status_code == 413:
                    await self._drain(scope, receive)
                await error_response(path, query_lang(scope.get("query_string", b"")), status_code, allow)(
                    scope, receive, send_secured)
            else:
                await self.routes(scope, receive, send_secured)
        except Exception as exc:  # a bug: a bare 500, and the exception's type only (its text could quote input)
            self.write_log(f"error while handling a request: {type(exc).__name__}")
            if not started:
                await Response(b"Internal Server Error", 500, media_type="text/plain; charset=utf-8",
                               headers={"Connection": "close"})(scope, receive, send_secured)
        finally:
            shown_method = method if method in METHODS else "-"
            self.write_log(f"{shown_method} {path if path in ROUTES else '(other)'} {status or '-'}")

    def _refuse(self, scope: Scope) -> Optional[tuple[int, Optional[str]]]:
        """(status, Allow) when the request is refused before routing: wrong host, a body without a usable length."""
        headers: dict[bytes, bytes] = {}
        for key, value in scope.get("headers", ()):
            if key in headers and key in (b"host", b"content-length"):
                return 400, None
            headers[key] = value
        if scope.get("http_version") not in ("1.0", "1.1"):
            return 505, None  # HTTP/0.9 (or a version from the future): not answered as if it were 1.x
        host = headers.get(b"host")
        if not self.host_allowed(host.decode("latin-1") if host is not None else None):
            return 421, None
        if scope.get("method") in ("GET", "HEAD") and scope.get("path") in ROUTES:
            return None
        if scope.get("method") != "POST":
            if scope.get("path") in ROUTES:
                return 405, "POST" if scope.get("path") == "/api/evaluate" else "GET, HEAD"
            return 404, None
        if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
            return 411, None
        raw = headers.get(b"content-length")
        if raw is None:
            return 411, None
        if int(raw) > api.MAX_BODY:  # h11 has checked that it is digits only
            return 413, None
        return None

    async def _drain(self, scope: Scope, receive: Receive) -> None:
        """Read and drop a refused body of up to :data:`DRAIN_LIMIT` bytes (for at most :data:`DRAIN_SECONDS`),
        so that the client, still sending, reads the answer."""
        length = next((int(v) for k, v in scope.get("headers", ()) if k == b"content-length"), 0)
        if length > DRAIN_LIMIT:
            return
        deadline = time.monotonic() + DRAIN_SECONDS
        try:
            while time.monotonic() < deadline:
                message = await asyncio.wait_for(receive(), max(0.01, deadline - time.monotonic()))
                if message["type"] != "http.request" or not message.get("more_body"):
                    return
        except asyncio.TimeoutError:
            return


def openapi_document(engine: Any) -> dict[str, Any]:
    """The OpenAPI document of the app (as served at /api/openapi.json)."""
    doc: dict[str, Any] = json.loads(json.dumps(build_fastapi(engine).openapi()))
    return doc
